"""Debian packages the tests need (database servers, a browser), installed with apt-get when
missing: never a binary downloaded from elsewhere."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess

log = logging.getLogger(__name__)


def can_install() -> bool:
    """True when this process may install packages (root, on a machine with apt-get)."""
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def apt_install(*packages: str) -> None:
    """Install Debian's ``packages`` (package lists refreshed first); raises on failure."""
    log.warning("installing %s with apt-get", " ".join(packages))
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-q", *packages], check=True, env=env)
