"""A crawl killed with SIGKILL mid-run, then run again: every article ends in the store
exactly once, nothing already stored is fetched again, and every stored article's capture
can still be read from the WARC archive."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from config import load_settings
from crawlers.warc import read_record
from index import schema
from index.client import make_client
from pipeline.models import Article
from pipeline.store import Store
from tests.conftest import LABOURWATCH, ROOT, RUN_ID, cli_env

SOURCES = {"site-news", "site-tech", "site-world", "site-cn", "site-magazine"}
CRAWL_ENV = {"LABOURWATCH_CRAWL_LOOPBACK_ONLY": "true", "LABOURWATCH_CRAWL_TIMEOUT": "5",
             "LABOURWATCH_CRAWL_MAX_BYTES": "1000000",
             "LABOURWATCH_CRAWL_RETRIES": "0"}


@pytest.fixture
def crawl_settings(tmp_path, es_url):
    settings = load_settings({"data_dir": tmp_path / "var", "config_dir": ROOT / "config",
                              "es_url": es_url,
                              "index_prefix": f"lwtest-{RUN_ID}-kill{uuid.uuid4().hex[:4]}-"},
                             environ={})
    yield settings
    es = make_client(settings)
    schema.drop_all(es, settings)
    es.close()


def articles(settings) -> set[str]:  # noqa: ANN001
    with Store.from_settings(settings).session() as session:
        return set(session.scalars(select(Article.url)))


def test_a_crawl_killed_mid_run_loses_nothing_and_fetches_nothing_twice(
        site, crawl_settings, tmp_path: Path) -> None:
    everything = yaml.safe_load(site.write_sources(tmp_path / "all.yaml", delay=0.3)
                                .read_text(encoding="utf-8"))
    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump([s for s in everything if s["id"] in SOURCES]),
                       encoding="utf-8")
    command = [*LABOURWATCH, "crawl", "--sources", str(sources), "--json"]
    env = cli_env(crawl_settings, **CRAWL_ENV)
    first = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and first.poll() is None:
            if (crawl_settings.data_dir / "labourwatch.db").exists() and \
                    len(articles(crawl_settings)) >= 5:
                break
            time.sleep(0.2)
        assert first.poll() is None, "the crawl ended before it could be killed"
        os.killpg(first.pid, signal.SIGKILL)  # the crawler and its extraction workers
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    before = articles(crawl_settings)
    assert 5 <= len(before) < len(site.articles)

    site.clear_log()
    second = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=600)
    assert second.returncode == 0, second.stderr
    summary = json.loads(second.stdout)

    expected = {site.base + a.path for a in site.articles}
    after = articles(crawl_settings)
    assert after == expected  # every article, each once (URLs are unique in the store)
    assert summary["new"] == len(expected - before)
    refetched = {site.base + p for p in site.paths()} & before
    assert not refetched, f"fetched again after the kill: {sorted(refetched)[:5]}"
    store = Store.from_settings(crawl_settings)
    with store.session() as session:
        counts = session.execute(select(Article.url, func.count()).group_by(Article.url))
        assert all(n == 1 for _, n in counts)
        captures = [(v.fetch.warc_file, v.fetch.warc_offset)
                    for a in session.scalars(select(Article)) for v in a.versions]
    assert len(captures) >= len(expected) and all(file for file, _ in captures)
    for warc_file, offset in captures:  # every stored article's evidence is readable
        headers, payload = read_record(crawl_settings.data_dir / "warc", warc_file, offset)
        assert headers["WARC-Type"] == "response" and payload
