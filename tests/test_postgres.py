"""The store of record on PostgreSQL: the same commands, pointed at it by LABOURWATCH_DB_URL."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, select

from index.search import search
from pipeline.migrate import alembic_config, head, revision_of
from pipeline.models import Article, Base, Fetch
from pipeline.store import Store, make_engine, utc
from tests.conftest import ROOT, benchmark_page, json_lines, run_cli
from tests.test_migrations import OPENER
from tests.test_roundtrip import distinctive_phrase

URL = "https://www.example-news.org/2024/05/annotators-pay"
COPY_URL = "https://www.example-wire.org/syndicated/annotators-pay"


def test_ingest_search_and_status_on_postgres(settings, es, ground_truth, pg_url) -> None:
    pages = sorted(i for i in ground_truth if i[0] in "01234567")[:3]  # as test_roundtrip
    done = run_cli(settings, "ingest", *[str(benchmark_page(p)) for p in pages], "--json",
                   LABOURWATCH_DB_URL=pg_url)
    assert done.returncode == 0, done.stderr
    docs = json_lines(done.stdout)
    assert [d["outcome"] for d in docs] == ["new"] * 3 and all(d["indexed"] for d in docs)
    assert not (settings.data_dir / "labourwatch.db").exists()  # nothing went to SQLite

    for doc in docs:
        result = search(es, settings, f'"{distinctive_phrase(doc["text"])}"')
        assert result["hits"][0]["url"] == doc["url"]

    shown = run_cli(settings, "status", LABOURWATCH_DB_URL=pg_url)
    assert shown.returncode == 0, shown.stderr
    assert "Store postgresql+psycopg://labourwatch@127.0.0.1" in shown.stdout
    assert "3 articles, 3 versions, 3 fetches (0 failed), 0 not yet indexed" in shown.stdout
    counted = json.loads(run_cli(settings, "status", "--json",
                                 LABOURWATCH_DB_URL=pg_url).stdout)["store"]
    assert counted == Store(pg_url).counts()
    assert counted["articles"] == 3 and counted["unindexed"] == 0

    store = Store(pg_url)  # times come back as aware UTC, the same instants as were ingested
    with store.session() as session:
        stored = {a.url: a.published_at for a in session.scalars(select(Article))}
    for doc in docs:
        if doc["published_at"]:
            stamp = stored[doc["url"]]
            assert stamp.tzinfo is not None
            assert utc(stamp) == datetime.fromisoformat(doc["published_at"])


def test_versions_and_syndicated_copies_on_postgres(settings, ground_truth, pg_url,
                                                    tmp_path: Path) -> None:
    page = sorted(i for i in ground_truth if i[0] in "01234567")[44]
    raw = benchmark_page(page).read_bytes()
    copy = tmp_path / "page.html"
    copy.write_bytes(raw)

    def ingest(url: str) -> dict:
        done = run_cli(settings, "ingest", str(copy), "--url", url, "--json",
                       LABOURWATCH_DB_URL=pg_url)
        assert done.returncode == 0, done.stderr
        return json_lines(done.stdout)[0]

    first = ingest(URL)
    assert first["outcome"] == "new" and ingest(URL)["outcome"] == "unchanged"
    marker = "Correction: annotators in Nairobi were paid zanzibarine wages"
    anchor = next(line[:40].encode() for line in first["text"].splitlines()[2:]
                  if len(line) > 60 and line[:40].encode() in raw)
    copy.write_bytes(raw.replace(anchor, anchor + f" {marker}. ".encode(), 1))
    assert ingest(URL)["outcome"] == "updated"
    syndicated = ingest(COPY_URL)  # the same story at another outlet: one cluster

    assert syndicated["cluster_id"] == first["cluster_id"]
    listed = json.loads(run_cli(settings, "versions", URL, "--json",
                                LABOURWATCH_DB_URL=pg_url).stdout)
    assert [v["version"] for v in listed["versions"]] == [1, 2]
    with Store(pg_url).session() as session:
        articles = {a.url: a for a in session.scalars(select(Article))}
        assert marker in articles[URL].versions[-1].text
        assert articles[URL].canonical and not articles[COPY_URL].canonical
        assert len(articles[COPY_URL].minhash) == len(articles[URL].minhash) > 0


def test_processes_opening_a_new_postgres_store_at_once_all_succeed(pg_url) -> None:
    children = [subprocess.Popen([sys.executable, "-c", OPENER, pg_url], cwd=ROOT, text=True,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE) for _ in range(4)]
    for child in children:
        assert child.stdout.readline() == "ready\n"
    for child in children:
        child.stdin.close()
    errors = [child.stderr.read() for child in children]
    for child in children:
        child.wait(timeout=120)
    assert [child.returncode for child in children] == [0] * 4, errors
    store = Store(pg_url)
    assert revision_of(store.engine) == head()
    with store.engine.connect() as connection:  # the migrated schema is exactly the models'
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_store_at_the_first_revision_takes_warc_offsets_past_2_gib(pg_url) -> None:
    # a store made before WARC offsets were widened, holding a fetch row
    with make_engine(pg_url).begin() as connection:
        command.upgrade(alembic_config(connection), "0001")
        connection.execute(insert(Fetch).values(url=URL, method="get", warc_offset=1024,
                                                outcome="new", fetched_at=datetime.now(UTC)))
    store = Store(pg_url)  # opening it upgrades it
    assert revision_of(store.engine) == head()
    past = 5 * 2**30  # 5 GiB into a WARC file with warc_max_bytes above 2 GiB
    with store.session() as session:
        store.add_fetch(session, url=COPY_URL, method="get", warc_file="big.warc.gz",
                        warc_offset=past, warc_length=2048, outcome="new")
    with store.session() as session:
        offsets = dict(session.execute(select(Fetch.url, Fetch.warc_offset)).all())
    assert offsets == {URL: 1024, COPY_URL: past}  # the old row survived the upgrade
