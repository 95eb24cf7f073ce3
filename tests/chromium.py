"""Debian's Chromium for the browser tests, installed with apt-get when missing (the way
``index/java.py`` installs Java), with a CJK font so Chinese pages render in screenshots.
Never a browser downloaded by Playwright: ``python -m tests.chromium`` (``make test``)."""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

from tests.debian import apt_install, can_install

log = logging.getLogger(__name__)

CHROMIUM = Path("/usr/bin/chromium")
PACKAGE = "chromium"
CJK_FONT = "fonts-wqy-zenhei"


class ChromiumNotFound(RuntimeError):
    """No Chromium at /usr/bin/chromium, and it could not be installed."""


def _has_cjk_font() -> bool:
    if not shutil.which("fc-list"):
        return False
    listed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True,
                            timeout=60)
    return bool(listed.stdout.strip())


def missing_packages() -> list[str]:
    missing = [] if CHROMIUM.exists() else [PACKAGE]
    return missing + ([] if _has_cjk_font() else [CJK_FONT])


def ensure_chromium() -> Path:
    """The Chromium executable, installing Debian's packages first when they are missing."""
    missing = missing_packages()
    if not missing:
        return CHROMIUM
    if not can_install():
        if CHROMIUM.exists():
            log.warning("no CJK font: Chinese text shows as boxes in screenshots (%s)", CJK_FONT)
            return CHROMIUM
        raise ChromiumNotFound(f"no {CHROMIUM}: install Debian's {PACKAGE} package "
                               f"(apt-get install {PACKAGE} {CJK_FONT})")
    apt_install(*missing)
    if not CHROMIUM.exists():
        raise ChromiumNotFound(f"installed {PACKAGE} but {CHROMIUM} is still missing")
    return CHROMIUM


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    print(f"Chromium for the browser tests: {ensure_chromium()}")
