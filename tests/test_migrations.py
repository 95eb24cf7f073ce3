"""The store's schema under Alembic (SQLite): new stores, stores from before migrations, races."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, inspect, select, text

from config import load_settings
from pipeline.migrate import ensure_schema, head, revision_of
from pipeline.models import Base, DigestRun, JobRun, Source
from pipeline.store import Store, make_engine
from tests.conftest import ROOT, run_cli

NEWEST = {"digest_runs", "job_runs"}  # tables stores made before the digests did not have


# Imports everything, says so, and opens the store when its stdin closes (a start line).
OPENER = """
import sys
from pipeline.store import Store
print("ready", flush=True)
sys.stdin.read()
Store(sys.argv[1]).counts()
"""


def schema_drift(store: Store) -> list:
    """What differs between the store's tables and the models (empty: the same schema)."""
    with store.engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)


def test_store_made_before_migrations_is_upgraded_in_place(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)  # the old way: create_all, without the newest tables
    Base.metadata.create_all(engine, tables=[t for name, t in Base.metadata.tables.items()
                                             if name not in NEWEST])
    with engine.begin() as connection:
        connection.execute(insert(Source).values(id="restofworld", name="Rest of World"))
    engine.dispose()

    store = Store(url)
    assert revision_of(store.engine) == head()
    assert set(inspect(store.engine).get_table_names()) >= NEWEST | {"alembic_version"}
    assert schema_drift(store) == []
    with store.session() as session:
        assert session.get(Source, "restofworld").name == "Rest of World"  # the row survived
        session.add(JobRun(job_id="crawl:restofworld", kind="crawl",
                           started_at=datetime.now(UTC)))  # the new table is usable
    with store.session() as session:
        assert session.scalars(select(JobRun.job_id)).all() == ["crawl:restofworld"]
        assert session.scalars(select(DigestRun)).all() == []
    assert ensure_schema(store.engine) is False  # an up-to-date store is left alone


def test_new_store_has_exactly_the_models_schema(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'new.db'}")
    assert schema_drift(store) == []
    with store.engine.connect() as connection:
        assert connection.scalar(text("SELECT version_num FROM alembic_version")) == head()


def test_processes_opening_a_new_store_at_once_all_succeed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'raced.db'}"
    children = [subprocess.Popen([sys.executable, "-c", OPENER, url], cwd=ROOT, text=True,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE) for _ in range(4)]
    for child in children:  # all imported and waiting: now let them go together
        assert child.stdout.readline() == "ready\n"
    for child in children:
        child.stdin.close()
    errors = [child.stderr.read() for child in children]  # until each one exits
    for child in children:
        child.wait(timeout=120)
    assert [child.returncode for child in children] == [0] * 4, errors
    store = Store(url)
    assert revision_of(store.engine) == head() and schema_drift(store) == []
    with store.engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM alembic_version")) == 1


def test_db_commands_report_and_upgrade_an_old_store(tmp_path: Path) -> None:
    settings = load_settings({"data_dir": tmp_path / "var", "config_dir": ROOT / "config"},
                             environ={})
    settings.data_dir.mkdir()
    engine = make_engine(settings.database_url)
    Base.metadata.create_all(engine)  # made before migrations: no alembic_version
    engine.dispose()
    before = run_cli(settings, "db", "current")
    assert before.returncode == 1 and "revision none" in before.stdout
    assert "db upgrade" in before.stdout
    upgraded = run_cli(settings, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"upgraded to revision {head()}" in upgraded.stderr
    after = run_cli(settings, "db", "current")
    assert after.returncode == 0 and "up to date" in after.stdout
