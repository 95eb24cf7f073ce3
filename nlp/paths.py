"""Where the NLP stage's data files come from: the user's config dir when it has the file,
else the shipped ``config/`` (the same rule as ``Settings.config_file``)."""

from __future__ import annotations

from pathlib import Path

PACKAGE_CONFIG = Path(__file__).resolve().parent.parent / "config"


def data_file(config_dir: str | None, name: str) -> Path:
    if config_dir:
        own = Path(config_dir) / name
        if own.exists():
            return own
    return PACKAGE_CONFIG / name
