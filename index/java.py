"""Find (or install) a Java runtime the Elasticsearch server accepts."""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)

MIN_JAVA = 17  # Elasticsearch 8.x runs on JDK 17 and later
DEBIAN_PACKAGE = "openjdk-17-jre-headless"


class JavaNotFound(RuntimeError):
    """No usable Java runtime, and none could be installed."""


def java_major(java_home: Path) -> int | None:
    """The major version of the runtime under ``java_home``, or None if it does not run."""
    exe = java_home / "bin" / "java"
    if not exe.exists():
        return None
    try:
        out = subprocess.run([str(exe), "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2)) if major == 1 else major


def _candidates(configured: Path | None) -> list[Path]:
    found: list[Path] = []
    if configured:
        found.append(configured)
    for var in ("ES_JAVA_HOME", "JAVA_HOME"):
        if os.environ.get(var):
            found.append(Path(os.environ[var]))
    on_path = shutil.which("java")
    if on_path:
        found.append(Path(os.path.realpath(on_path)).parent.parent)
    jvm = Path("/usr/lib/jvm")
    if jvm.is_dir():
        found.extend(sorted(p for p in jvm.iterdir() if p.is_dir() and not p.is_symlink()))
    return found


def find_java(configured: Path | None = None, max_major: int = 21) -> Path | None:
    """A JDK >= MIN_JAVA, preferring the configured one, then LTS releases up to ``max_major``.

    Elasticsearch 8.19 is tested on JDK 17 and 21; newer runtimes are used only if nothing
    in that range exists.
    """
    newer: list[Path] = []
    for home in _candidates(configured):
        major = java_major(home)
        if major is None or major < MIN_JAVA:
            continue
        if configured and home == configured:
            return home
        if major <= max_major:
            return home
        newer.append(home)
    return newer[0] if newer else None


def ensure_java(configured: Path | None = None) -> Path:
    """Return a usable JDK home, installing Debian's OpenJDK 17 when none is present."""
    home = find_java(configured)
    if home:
        return home
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise JavaNotFound(
            f"no Java {MIN_JAVA}+ found (looked at ES_JAVA_HOME, JAVA_HOME, PATH, /usr/lib/jvm); "
            f"install {DEBIAN_PACKAGE} or set LABOURWATCH_ES_JAVA_HOME"
        )
    log.warning("no Java %s+ found; installing %s with apt-get", MIN_JAVA, DEBIAN_PACKAGE)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-q", DEBIAN_PACKAGE], check=True, env=env)
    home = find_java(configured)
    if not home:
        raise JavaNotFound(f"installed {DEBIAN_PACKAGE} but still found no Java {MIN_JAVA}+")
    return home
