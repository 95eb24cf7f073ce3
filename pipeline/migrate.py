"""Bring a store's schema up to date with Alembic, whatever state it is found in.

Every ``Store`` calls ``ensure_schema`` when it opens, so an existing store upgrades in place
on the first start of a newer labourwatch. Three cases:

* up to date: one read of ``alembic_version`` and nothing else (stores open many times per run);
* brand new, or made by the old ``create_all`` (no ``alembic_version``): ``upgrade head``; the
  initial revision creates only the tables that are missing, so an old store gets its newer
  tables (``digest_runs``, ``job_runs``), is stamped at the initial revision, and continues;
* behind: ``upgrade head``.

Several processes may open one store at once (the scheduler, a crawl child, the web app), so
the upgrade runs under a lock: a transaction-scoped advisory lock on PostgreSQL, a file lock
beside a SQLite file; whoever gets it second finds the work done.
"""

from __future__ import annotations

import fcntl
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_LOCK = 0x6C77_6462  # "lwdb": the advisory lock key every labourwatch process agrees on
_ATTEMPTS = 5  # a racing opener retries (other databases have no lock here)


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """Alembic's configuration, in code: the migrations shipped inside the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def head() -> str:
    """The newest revision this labourwatch knows (read from the files once per process)."""
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert revision is not None, f"no migrations under {MIGRATIONS}"
    return revision


def current(connection: Connection) -> str | None:
    """The revision the store is at; None for a new store or one made before migrations."""
    return MigrationContext.configure(connection).get_current_revision()


def revision_of(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return current(connection)


def ensure_schema(engine: Engine) -> bool:
    """Upgrade the store to ``head()`` if it is behind; True if anything was done.

    A racing opener may be told "database is locked" by SQLite even while reading (opening a
    WAL file another process is creating or checkpointing does not always wait for the busy
    timeout): every step is retried after a short pause, and only the last failure is raised.
    """
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            if revision_of(engine) == head():
                return False
            with _locked(engine) as connection:
                found = current(connection)
                if found == head():  # another process did it while we waited for the lock
                    return False
                log.info("upgrading the store from %s to %s", found or "its first schema",
                         head())
                command.upgrade(alembic_config(connection), "head")
                return True
        except DBAPIError:
            if attempt == _ATTEMPTS:
                raise
            log.info("store upgrade raced another process; trying again", exc_info=True)
            time.sleep(0.2 * attempt)
    return False  # not reached: the last attempt returns or raises


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that only one migrating process holds at a time."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            # released at commit; PostgreSQL runs the DDL in this same transaction
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
            yield connection
        return
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        with engine.begin() as connection:
            yield connection
        return
    with open(f"{database}.migrate-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # other openers of this file wait here
        try:
            with engine.begin() as connection:
                yield connection
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
