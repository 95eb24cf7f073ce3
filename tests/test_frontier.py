"""Several `labourwatch crawl` processes sharing one frontier in Redis crawl the fixture site
as one process does: the same articles, each URL fetched as often as alone (robots.txt once
per process), and the pages spread between the processes.

Real parts: Debian's redis-server and PostgreSQL (the store several writers share), the
fixture website on loopback with its own request log, the real command in child processes.
Elasticsearch is left out (the address is a closed port: "not indexed now", stored articles
wait for the next run); indexing is the same whoever crawled, and crawlers that set up a new
index at once are tested in tests/test_versions_and_archive.py.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from sqlalchemy import select

from config import Settings, load_settings
from pipeline.document import Document
from pipeline.models import Article, Fetch
from pipeline.process import Kept, Processor
from pipeline.store import Store
from tests.conftest import LABOURWATCH, ROOT, RUN_ID, cli_env, free_port, run_cli
from tests.pg import TestServer
from tests.site.pages import load_articles
from tests.site.server import FixtureSite
from tests.test_crawl import CRAWL_ENV

CRAWLERS = 3
TIMEOUT = 120  # seconds any one crawl may take before the test gives up on it
COUNTED = ("fetched", "articles", "new", "updated", "unchanged", "not_modified",
           "skipped_seen", "skipped_robots")

pytestmark = pytest.mark.slow


def crawl_settings(tmp_path: Path, name: str) -> Settings:
    return load_settings({"data_dir": tmp_path / name, "config_dir": ROOT / "config",
                          "es_url": f"http://127.0.0.1:{free_port()}",  # nobody listens
                          "index_prefix": f"lwtest-{RUN_ID}-{name}{uuid.uuid4().hex[:4]}-"},
                         environ={})


# Three crawlers, each with its extraction worker, share two cores with the fixture site
# here: the site answers slower than in test_crawl.py. A page timed out and was retried
# (fetched twice) now and then at 1.5 s; slow.html, at 4 s, still times out in every crawl.
PATIENCE = {"LABOURWATCH_CRAWL_TIMEOUT": "3"}


def start_crawl(settings: Settings, sources: Path, store: str, **extra: str
                ) -> subprocess.Popen[str]:
    env = cli_env(settings, LABOURWATCH_DB_URL=store, **{**CRAWL_ENV, **PATIENCE}, **extra)
    return subprocess.Popen([*LABOURWATCH, "crawl", "--sources", str(sources), "--json"],
                            cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def finish(processes: list[subprocess.Popen[str]]) -> list[dict]:
    """Every crawl's summary; each must exit 0 within TIMEOUT (all are killed otherwise)."""
    deadline = time.monotonic() + TIMEOUT
    try:
        outputs = [p.communicate(timeout=max(1.0, deadline - time.monotonic()))
                   for p in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
    for process, (_out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err[-3000:]
    return [json.loads(out) for out, _err in outputs]


def stored(url: str) -> tuple[set[tuple[str, str]], set[frozenset[str]], set[str]]:
    """What a reader sees: (canonical URL, text hash) pairs, clusters, canonical stories."""
    with Store(url).session() as session:
        rows = session.execute(select(Article.url, Article.text_hash, Article.cluster_id,
                                      Article.canonical)).all()
    clusters: dict[str, set[str]] = {}
    for row in rows:
        clusters.setdefault(row.cluster_id, set()).add(row.url)
    return ({(r.url, r.text_hash) for r in rows}, {frozenset(c) for c in clusters.values()},
            {r.url for r in rows if r.canonical})


def totals(summaries: list[dict]) -> Counter:
    counts = Counter()
    for summary in summaries:
        counts.update({key: summary[key] for key in COUNTED})
        counts.update({f"failed:{k}": v for k, v in summary["failed"].items()})
    return counts


@pytest.fixture(scope="module")
def site():
    served = FixtureSite().start()
    yield served
    served.stop()


@pytest.fixture(scope="module")
def alone_and_shared(site, redis_url: str, pg_server: TestServer, tmp_path_factory) -> dict:
    """The site crawled by one process into one database, then by CRAWLERS processes started
    together on one Redis frontier into another."""
    tmp_path = tmp_path_factory.mktemp("frontier")
    sources = site.write_sources(tmp_path / "sources.yaml")
    stores = {name: pg_server.create_database(f"lw_{RUN_ID}_{name}_{uuid.uuid4().hex[:6]}")
              for name in ("alone", "shared")}
    site.clear_log()
    started = time.monotonic()
    alone = finish([start_crawl(crawl_settings(tmp_path, "alone"), sources, stores["alone"])])
    alone_seconds = time.monotonic() - started
    alone_paths = Counter(site.paths())

    site.clear_log()
    shared_settings = crawl_settings(tmp_path, "shared")  # one data dir: one WARC folder
    started = time.monotonic()
    shared = finish([start_crawl(shared_settings, sources, stores["shared"],
                                 LABOURWATCH_CRAWL_FRONTIER_URL=redis_url,
                                 LABOURWATCH_CRAWL_FRONTIER_IDLE="2")
                     for _ in range(CRAWLERS)])
    shared_seconds = time.monotonic() - started
    print(f"\nalone: {alone_seconds:.1f} s ({alone[0]['seconds']} s crawling), "
          f"{alone[0]['fetched']} fetched; {CRAWLERS} sharing a frontier: {shared_seconds:.1f} s "
          f"({[s['seconds'] for s in shared]} s crawling), fetched "
          f"{[s['fetched'] for s in shared]}")
    return {"alone": alone[0], "shared": shared, "alone_paths": alone_paths,
            "shared_paths": Counter(site.paths()), "stores": stores, "redis": redis_url,
            "warc": shared_settings.data_dir / "warc"}


def readers(alone_and_shared: dict) -> int:
    """The crawlers that fetched anything, so read robots.txt: one that started last on a
    busy machine may find the others have taken every request (and fetches nothing)."""
    return sum(1 for s in alone_and_shared["shared"] if s["fetched"] > 0)


def test_crawlers_sharing_a_frontier_store_what_one_crawler_stores(alone_and_shared):
    articles, clusters, canonical = stored(alone_and_shared["stores"]["alone"])
    assert len(articles) > 200  # the whole site (as tests/test_crawl.py counts it)
    assert stored(alone_and_shared["stores"]["shared"]) == (articles, clusters, canonical)
    # the same outcomes: new, unchanged (a print page folding into its story), each failure
    shared = totals(alone_and_shared["shared"])
    shared["fetched"] -= readers(alone_and_shared) - 1  # robots.txt, read by each for itself
    assert shared == totals([alone_and_shared["alone"]])


def test_each_url_is_fetched_once_across_the_crawlers(alone_and_shared):
    alone, shared = alone_and_shared["alone_paths"], alone_and_shared["shared_paths"]
    assert shared - alone == Counter({"/robots.txt": readers(alone_and_shared) - 1})
    assert alone - shared == Counter()
    again = {path for path, count in shared.items() if count > 1}
    # besides robots.txt, only the redirect loop, followed until the crawler gives up
    assert again - {"/robots.txt"} == {"/news/loop-a.html", "/news/loop-b.html"}


def test_the_crawlers_shared_the_work_and_left_no_frontier_behind(alone_and_shared):
    summaries = alone_and_shared["shared"]
    working = [s for s in summaries if s["articles"] > 0]
    assert len(working) >= 2, [s["fetched"] for s in summaries]
    frontiers = [s["frontier"] for s in summaries]
    assert len({f["key"] for f in frontiers}) == 1  # one frontier ...
    assert sum(f["started_pass"] for f in frontiers) == 1  # ... one pass, started once
    assert all(f["crawlers"] == CRAWLERS for f in frontiers)  # all of them in it together
    with redis.Redis.from_url(alone_and_shared["redis"]) as client:
        assert client.keys(f"{frontiers[0]['key']}*") == []  # the next crawl starts afresh

    # each process kept its own WARC files, and every fetch row points into one of them
    files = sorted(path.name for path in alone_and_shared["warc"].glob("*.warc.gz"))
    pids = {name.split("-")[2] for name in files}
    assert len(pids) == CRAWLERS
    with Store(alone_and_shared["stores"]["shared"]).session() as session:
        fetches = session.scalars(select(Fetch.warc_file).where(
            Fetch.warc_file.is_not(None))).all()
    assert set(fetches) <= set(files)
    assert len(fetches) == sum(s["fetched"] for s in summaries)


def test_an_unreachable_frontier_stops_the_crawl_before_it_fetches(site, tmp_path):
    settings = crawl_settings(tmp_path, "nofrontier")
    sources = site.write_sources(tmp_path / "sources.yaml")
    frontier = f"redis://:hunter2@127.0.0.1:{free_port()}/0"  # nobody listens there
    site.clear_log()
    done = run_cli(settings, "crawl", "--sources", str(sources),
                   LABOURWATCH_CRAWL_FRONTIER_URL=frontier, **CRAWL_ENV)
    assert done.returncode == 1
    message = " ".join(done.stderr.split())
    assert "cannot use the shared frontier at redis://127.0.0.1:" in message
    assert "hunter2" not in done.stderr + done.stdout
    assert site.paths() == []  # no lone crawl: it would fetch what the others fetch
    shown = run_cli(settings, "status", "--json", LABOURWATCH_CRAWL_FRONTIER_URL=frontier)
    assert shown.returncode == 0, shown.stderr
    status = json.loads(shown.stdout)["frontier"]
    assert status["url"].startswith("redis://127.0.0.1:") and "error" in status


def test_two_crawlers_storing_one_story_at_once_both_succeed(tmp_path):
    """Two processes keep the same story (an AMP page and its canonical one, fetched by two
    crawlers): the one that commits second finds the other's article, as a lone crawler would
    on its second page, instead of failing on the duplicate key."""
    settings = crawl_settings(tmp_path, "race")
    article = load_articles()[0]
    text = "\n".join(article.body)

    def story() -> Document:
        return Document(url="https://news.example/story", text=text, title=article.title,
                        language="en", published_at=datetime(2024, 3, 14, tzinfo=UTC))

    mine, theirs = (Processor(settings, Store.from_settings(settings)) for _ in range(2))
    with mine.store.session() as session:  # as `crawl` registers its sources at the start
        mine.store.ensure_source(session, "news-example")
    raced: list[Kept] = []

    def meanwhile(_session, _article_id: str) -> None:  # inside this writer's transaction
        if not raced:  # the other commits first
            raced.append(theirs.keep(story(), None, outlet="news-example"))

    kept = mine.keep(story(), None, outlet="news-example", within=meanwhile)
    assert raced[0].outcome == "new" and kept.outcome == "unchanged"
    assert kept.article_id == raced[0].article_id
    with Store.from_settings(settings).session() as session:
        assert session.scalars(select(Article.url)).all() == ["https://news.example/story"]
