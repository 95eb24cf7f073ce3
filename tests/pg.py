"""A real PostgreSQL server for the tests: Debian's, started in a temporary folder.

Under root it runs as an unprivileged system user (PostgreSQL refuses to run as root), as the
Elasticsearch node runs as ``labourwatch-es``. On a machine without the server binaries,
``ensure_postgres`` installs Debian's ``postgresql`` package with apt-get, once.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.debian import apt_install, can_install

DEBIAN_PACKAGE = "postgresql"
SERVICE_USER = "labourwatch-pg"
ROLE = "labourwatch"


class PostgresNotFound(RuntimeError):
    """No PostgreSQL server binaries, and none could be installed."""


def find_postgres() -> Path | None:
    """The newest ``/usr/lib/postgresql/<major>/bin`` holding ``initdb`` and ``pg_ctl``."""
    root = Path("/usr/lib/postgresql")
    found = [p / "bin" for p in root.iterdir()
             if (p / "bin" / "initdb").exists() and (p / "bin" / "pg_ctl").exists()
             ] if root.is_dir() else []
    return max(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
               default=None)


def ensure_postgres() -> Path:
    """The server binaries, installing Debian's package when they are missing (root only)."""
    found = find_postgres()
    if found:
        return found
    if not can_install():
        raise PostgresNotFound(f"no PostgreSQL server under /usr/lib/postgresql; "
                               f"install {DEBIAN_PACKAGE}")
    apt_install(DEBIAN_PACKAGE)
    found = find_postgres()
    if not found:
        raise PostgresNotFound(f"installed {DEBIAN_PACKAGE} but found no initdb")
    return found


def _service_user() -> str | None:
    """Under root, the system user that owns and runs the server (created once)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", SERVICE_USER], check=True)
    return SERVICE_USER


class TestServer:
    """One throwaway cluster: data and unix socket in a temporary folder, TCP on loopback."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self, port: int) -> None:
        self.port = port
        self.bin = ensure_postgres()
        self.user = _service_user()
        self.home = Path(tempfile.mkdtemp(prefix="labourwatch-pg-"))
        self.data = self.home / "data"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(list(args), user=self.user, capture_output=True, text=True,
                              cwd=self.home, timeout=120, env={"PATH": "/usr/bin:/bin",
                                                               "LANG": "C.UTF-8"})
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({done.returncode}):\n{done.stdout}"
                               f"{done.stderr}\n{self._log_tail()}")
        return done

    def start(self) -> None:
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.home, entry.pw_uid, entry.pw_gid)
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", ROLE, "--auth=trust",
                  "-E", "UTF8", "--locale=C.UTF-8")
        options = (f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c max_connections=100")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l",
                  str(self.home / "server.log"), "-o", options, "-w", "-t", "60", "start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                      "stop")
        shutil.rmtree(self.home, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{ROLE}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A fresh, empty database; returns its SQLAlchemy URL."""
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={ROLE} dbname=postgres",
                             autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def _log_tail(self) -> str:
        log = self.home / "server.log"
        return log.read_text(errors="replace")[-2000:] if log.exists() else ""
