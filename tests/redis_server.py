"""A real Redis server for the tests: Debian's ``redis-server``, started in a temporary folder.

It listens on a free loopback port, keeps nothing on disk (no snapshots, no append-only file)
and is stopped and removed after the session. On a machine without it, ``ensure_redis``
installs Debian's ``redis-server`` package with apt-get, once (as ``tests/pg.py`` does for
PostgreSQL). Redis runs as any user, so unlike PostgreSQL it needs no service user under root.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.debian import apt_install, can_install

DEBIAN_PACKAGE = "redis-server"
START_TIMEOUT = 30.0


class RedisNotFound(RuntimeError):
    """No redis-server binary, and none could be installed."""


def ensure_redis() -> Path:
    """The server binary, installing Debian's package when it is missing (root only)."""
    found = shutil.which("redis-server")
    if found:
        return Path(found)
    if not can_install():
        raise RedisNotFound(f"no redis-server on PATH; install {DEBIAN_PACKAGE}")
    apt_install(DEBIAN_PACKAGE)
    found = shutil.which("redis-server")
    if not found:
        raise RedisNotFound(f"installed {DEBIAN_PACKAGE} but found no redis-server")
    return Path(found)


class RedisServer:
    """One throwaway server on 127.0.0.1: its folder (log, nothing else) is removed on stop."""

    __test__ = False

    def __init__(self, port: int) -> None:
        self.port = port
        self.binary = ensure_redis()
        self.home = Path(tempfile.mkdtemp(prefix="labourwatch-redis-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [str(self.binary), "--bind", "127.0.0.1", "--port", str(self.port),
             "--dir", str(self.home), "--logfile", str(self.home / "redis.log"),
             "--save", "", "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not start:\n{self._log_tail()}")
            time.sleep(0.05)
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.home, ignore_errors=True)

    def _log_tail(self) -> str:
        log = self.home / "redis.log"
        return log.read_text(errors="replace")[-2000:] if log.exists() else ""
