"""Built NLP data kept on disk between processes, keyed by everything it is built from.

The place gazetteer is built from GeoNames, CLDR names and our YAML files: 1.5 s of CPU in
every process that runs the NLP (each CLI command, the extraction workers' fork server, every
crawler). Read back from a pickle it takes a third of that. The key hashes the files the data
is built from (our modules and config files) and the versions of the libraries that supply the
rest, so an edit or an upgrade builds it afresh; a cache that cannot be read or written is
only a slower start.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)

CACHE_ENV = "LABOURWATCH_CACHE_DIR"
T = TypeVar("T")


def folder() -> Path:
    """``$LABOURWATCH_CACHE_DIR``, else ``$XDG_CACHE_HOME/labourwatch`` (~/.cache/labourwatch)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "labourwatch"


def key(files: Iterable[Path], libraries: Iterable[str]) -> str | None:
    """The inputs' hash; None when a library's version cannot be told (no safe key)."""
    digest = hashlib.sha256(sys.version.encode())
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for name in libraries:
        try:
            digest.update(f"{name}=={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            return None
    return digest.hexdigest()[:16]


def cached(name: str, files: Iterable[Path], libraries: Iterable[str],
           build: Callable[[], T]) -> T:
    """``build()``, or what an earlier process built from the same inputs."""
    found = key(files, libraries)
    if found is None:
        return build()
    path = folder() / f"{name}-{found}.pickle"
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)  # noqa: S301 - our own cache, in the user's own folder
    except FileNotFoundError:
        pass
    except Exception as error:  # noqa: BLE001 - a damaged cache is rebuilt
        log.warning("cache %s unreadable (%s); building it again", path, error)
    value = build()
    _write(path, value)
    return value


def _write(path: Path, value: object, keep: int = 4) -> None:
    """Write beside, then rename: processes building at once each leave a whole file. The
    ``keep`` newest builds stay (another config folder may use another one)."""
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}",
                                         delete=False) as handle:
            temporary = Path(handle.name)
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
        builds = sorted(path.parent.glob(f"{path.name.rsplit('-', 1)[0]}-*.pickle"),
                        key=lambda p: p.stat().st_mtime, reverse=True)
        for old in builds[keep:]:
            old.unlink(missing_ok=True)
    except Exception as error:  # noqa: BLE001 - without a cache the next start builds again
        log.info("cache %s not written: %s", path, error)
        if temporary is not None:
            temporary.unlink(missing_ok=True)
