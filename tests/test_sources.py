"""The default sources file, the sources schema, and the crawler's politeness."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from crawlers.sources import SourceError, load_sources, select
from tests.conftest import ROOT, run_cli
from tests.site.server import FixtureSite


def test_default_sources_cover_the_beat() -> None:
    sources = load_sources(ROOT / "config" / "sources.yaml")
    assert len(sources) >= 35
    kinds = Counter(s.kind for s in sources)
    languages = Counter(s.language for s in sources)
    assert kinds["report"] >= 8 and languages["zh"] >= 8
    ids = {s.id for s in sources}
    assert {"nbcnews", "semafor", "time", "restofworld", "theverge", "wired",
            "technologyreview", "guardian", "404media", "businessinsider", "36kr", "huxiu",
            "tmtpost", "infoq-cn", "leiphone", "pingwest", "partnershiponai", "fairwork", "ilo",
            "datasociety", "ainow", "hrw", "privacyinternational", "foxglove"} <= ids
    outlets = {o["id"] for o in yaml.safe_load(
        (ROOT / "config" / "gazetteer" / "outlets.yaml").read_text(encoding="utf-8"))}
    assert ids <= outlets  # every source is an outlet attributions and facets know
    assert all(s.article_pattern for s in sources if s.listings)


@pytest.mark.parametrize(("text", "message"), [
    ("- {id: Bad Id, feeds: ['https://a.org/f']}", "lowercase slug"),
    ("- {id: a, kind: blog, feeds: ['https://a.org/f']}", "kind 'blog'"),
    ("- {id: a}", "needs at least one of feeds"),
    ("- {id: a, feeds: ['ftp://a.org/f']}", "not an http(s) URL"),
    ("- {id: a, feeds: ['https://a.org/f'], article_pattern: '(['}", "article_pattern"),
    ("- {id: a, feeds: ['https://a.org/f']}\n- {id: a, feeds: ['https://b.org/f']}",
     "appears twice"),
    ("just: [a, mapping", "sources.yaml"),
])
def test_bad_sources_files_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError, match=re.escape(message)):
        load_sources(path)


def test_unknown_source_id_is_an_error(settings, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="nope"):
        select(load_sources(ROOT / "config" / "sources.yaml"), ["time", "nope"])
    done = run_cli(settings, "crawl", "--source", "nope")
    assert done.returncode == 2 and "unknown source id(s): nope" in done.stderr


def test_per_source_delay_is_honoured(settings, tmp_path: Path) -> None:
    site = FixtureSite().start()
    try:
        sources = site.write_sources(tmp_path / "sources.yaml", delay=0.4)
        done = run_cli(settings, "crawl", "--sources", str(sources), "--source", "site-world",
                       "--json", LABOURWATCH_CRAWL_LOOPBACK_ONLY="true",
                       LABOURWATCH_CRAWL_AUTOTHROTTLE_START="0.1")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["new"] == len(site.section("world"))
        times = sorted(e.at for e in site.log if e.path != "/robots.txt")
    finally:
        site.stop()
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(gaps) >= 4
    assert min(gaps) >= 0.35  # one request at a time, at least 0.4 s apart
