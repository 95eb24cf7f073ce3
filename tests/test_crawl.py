"""Real Scrapy crawls of the fixture website through `labourwatch crawl --sources FILE`.

What is asserted is what a user would check: which URLs the server saw (its own request log),
what the store holds, what the WARC archive holds, what the index finds, and what a second
crawl of the same site fetches.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from config import Settings, load_settings
from crawlers.feeds import parse_feed
from crawlers.warc import read_record
from index import schema
from index.client import make_client
from index.search import search
from pipeline.models import Article, Fetch
from pipeline.store import Store
from tests.conftest import ROOT, RUN_ID, run_cli
from tests.site.server import REAL_FEEDS, SHARED_FEEDS, FixtureSite

CRAWL_ENV = {"LABOURWATCH_CRAWL_LOOPBACK_ONLY": "true", "LABOURWATCH_CRAWL_POLITE": "false",
             "LABOURWATCH_CRAWL_MAX_BYTES": "1000000", "LABOURWATCH_CRAWL_TIMEOUT": "1.5",
             "LABOURWATCH_CRAWL_RETRIES": "0"}


@pytest.fixture(scope="module")
def site():
    served = FixtureSite().start()
    yield served
    served.stop()


@pytest.fixture(scope="module")
def crawl_settings(tmp_path_factory, es_url):
    settings = load_settings({"data_dir": tmp_path_factory.mktemp("crawl") / "var",
                              "config_dir": ROOT / "config", "es_url": es_url,
                              "index_prefix": f"lwtest-{RUN_ID}-crawl{uuid.uuid4().hex[:4]}-"},
                             environ={})
    yield settings
    es = make_client(settings)
    schema.drop_all(es, settings)
    es.close()


def crawl(settings: Settings, sources: Path, *args: str) -> dict:
    done = run_cli(settings, "crawl", "--sources", str(sources), "--json", *args, **CRAWL_ENV)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def first(site, crawl_settings, tmp_path_factory):
    """The first crawl of the whole site: its summary and the paths the server answered."""
    sources = site.write_sources(tmp_path_factory.mktemp("sources") / "sources.yaml")
    site.clear_log()
    summary = crawl(crawl_settings, sources)
    return {"summary": summary, "paths": site.paths(), "sources": sources,
            "agents": {entry.user_agent for entry in site.log}}


def mirrored_entries(site: FixtureSite) -> set[str]:
    """Where the entries of the real captured feeds live on the loopback mirror."""
    urls = set()
    for name, kind in REAL_FEEDS.items():
        parsed = parse_feed(site._real_feed(name), f"{site.base}/real/{name}", kind)
        assert len(parsed.entries) >= 15, name  # the real feed was read whole
        urls |= {e.url for e in parsed.entries}
    return urls


def stored(settings: Settings) -> dict[str, Article]:
    store = Store.from_settings(settings)
    with store.session() as session:
        rows = session.scalars(select(Article)).all()
        for row in rows:
            _ = row.versions  # load while the session is open
        return {row.url: row for row in rows}


def test_every_article_is_stored_once_under_its_canonical_url(site, first, crawl_settings):
    expected = {site.base + a.path for a in site.articles}
    expected |= {f"{site.base}/reports/{r['slug']}.pdf" for r in site.reports}
    expected |= mirrored_entries(site)
    expected.add(f"{site.base}/mirror/broken/still-readable-entry")  # read from a broken feed
    articles = stored(crawl_settings)
    assert set(articles) == expected
    assert first["summary"]["new"] == len(expected)
    assert first["summary"]["indexed"] == len(expected)


def test_each_page_is_fetched_once_and_tracking_and_amp_variants_never(site, first):
    pages = Counter(p for p in first["paths"] if p.endswith(".html") and "/mirror/" not in p)
    for article in site.articles:
        assert pages[article.path] == 1, article.path
    assert not [p for p in first["paths"] if "utm_" in p]  # canonicalised before fetching
    assert not [p for p in first["paths"] if ".amp." in p]  # AMP folded into its canonical
    news = site.section("news")[0]
    assert pages[f"/print/news/{news.slug}.html"] == 1  # an alternate URL ...
    assert first["summary"]["unchanged"] == 1  # ... that rel=canonical folds into one story


def test_robots_txt_is_obeyed_and_the_crawler_names_itself(first):
    assert "/private/secret.html" not in first["paths"]
    assert first["paths"].count("/robots.txt") == 1
    assert first["summary"]["skipped_robots"] == 1
    assert all("labourwatch" in agent for agent in first["agents"])


def test_pages_asked_for_while_robots_txt_loads_obey_it_too(site, es_url, tmp_path):
    """The seeds are asked for at once, before robots.txt is in: each must wait for it, not
    only the first (Scrapy 2.19 let the others through; crawlers/middlewares.py)."""
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"""
- id: seeds
  name: Seeds, one of them disallowed
  homepage: "{site.base}/"
  feeds: ["{site.base}/news/rss.xml"]
  listings: ["{site.base}/news/", "{site.base}/private/secret.html"]
  article_pattern: '/no-article-wanted/'
  filter: all
""", encoding="utf-8")
    settings = load_settings({"data_dir": tmp_path / "var", "config_dir": ROOT / "config",
                              "es_url": es_url, "index_prefix": f"lwtest-{RUN_ID}-robots-"},
                             environ={})
    site.clear_log()
    try:
        summary = crawl(settings, sources)
    finally:
        es = make_client(settings)
        schema.drop_all(es, settings)
        es.close()
    assert "/private/secret.html" not in site.paths()
    assert summary["skipped_robots"] == 1 and site.paths().count("/robots.txt") == 1


def test_bad_things_are_recorded_with_reasons_and_the_crawl_goes_on(first, crawl_settings):
    failed = first["summary"]["failed"]
    assert failed["redirect_loop"] == 1
    assert failed["too_large"] == 2  # an oversized page and a gzip bomb
    assert failed["timeout"] == 1
    assert failed["not_article"] == 1  # an image in a feed
    assert failed["http_404"] == 2 and failed["http_500"] == 1
    assert failed["bad_sitemap"] == 1
    store = Store.from_settings(crawl_settings)
    with store.session() as session:
        errors = {f.url.rsplit("/", 1)[-1]: f.error for f in session.scalars(
            select(Fetch).where(Fetch.error.is_not(None)))}
    assert errors["loop-a.html"].startswith("redirect_loop")
    assert errors["bomb.html"].startswith("too_large") and "decompress" in errors["bomb.html"]
    assert errors["huge.html"].startswith("too_large")
    assert errors["slow.html"].startswith("timeout")
    assert errors["secret.html"].startswith("robots")
    assert errors["feed.xml"].startswith("malformed_feed")  # read anyway: its entry is stored
    assert errors["sitemap.xml"].startswith("bad_sitemap")
    assert errors["missing-sitemap.xml"].startswith("http_404")


def test_feeds_of_every_format_carry_their_metadata(site, first, crawl_settings):
    articles = stored(crawl_settings)
    for section in ("news", "tech", "world", "cn", "magazine"):
        for article in site.section(section):
            row = articles[site.base + article.path]
            assert row.title == article.title, article.slug
            assert row.published_at.date() == article.published.date(), article.slug
            assert row.outlet == f"site-{section}"
            assert row.language == article.lang


def test_gbk_page_without_charset_is_read_as_chinese(site, first, crawl_settings):
    article = site.by_slug(site.gbk_slug)
    row = stored(crawl_settings)[site.base + article.path]
    text = row.versions[-1].text
    assert article.body[0][:30] in text
    assert row.title == article.title


def test_page_repeating_its_text_is_stored_with_the_text_once(site, first, crawl_settings):
    article = site.by_slug(site.twice_slug)
    text = stored(crawl_settings)[site.base + article.path].versions[-1].text
    assert text.count(article.body[2][:60]) == 1


def test_pdf_reports_are_kept_and_their_text_extracted(site, first, crawl_settings):
    articles = stored(crawl_settings)
    for report in site.reports:
        row = articles[f"{site.base}/reports/{report['slug']}.pdf"]
        assert row.kind == "report" and row.title == report["title"]
        assert report["body"][1][:50] in " ".join(row.versions[-1].text.split())


def test_every_response_is_in_the_warc_archive(first, crawl_settings):
    store = Store.from_settings(crawl_settings)
    with store.session() as session:
        fetches = session.scalars(select(Fetch).where(Fetch.warc_file.is_not(None))).all()
    kinds = Counter()
    for fetch in fetches:
        headers, payload = read_record(crawl_settings.data_dir / "warc", fetch.warc_file,
                                       fetch.warc_offset)
        assert headers["WARC-Target-URI"] == fetch.url
        assert headers["WARC-Payload-Digest"] == fetch.payload_digest
        kinds[fetch.url.rsplit(".", 1)[-1][:4]] += 1
    assert {"txt", "xml", "rdf", "json", "pdf", "html", "gz"} <= set(kinds)  # robots, feeds,
    # sitemaps, PDFs and pages alike
    assert len(fetches) == first["summary"]["fetched"]


def test_topic_filter_keeps_general_news_out_of_default_search(site, first, crawl_settings):
    from index.search import SearchFilters

    mirrored = [row for url, row in stored(crawl_settings).items()
                if "/mirror/" in url and row.outlet == "site-mirror"]  # a `filter: topic` source
    assert mirrored and not any(row.on_topic for row in mirrored)  # kept, flagged
    es = make_client(crawl_settings)
    only_mirror = SearchFilters(outlets=["site-mirror"])
    assert search(es, crawl_settings, '"loopback mirror"', only_mirror)["total"] == 0
    found = search(es, crawl_settings, '"loopback mirror"',
                   SearchFilters(outlets=["site-mirror"], off_topic=True))
    assert found["total"] == len(mirrored)
    es.close()


def test_crawled_coverage_is_searchable_in_both_languages(site, first, crawl_settings):
    es = make_client(crawl_settings)
    english = site.section("tech")[0]
    hits = search(es, crawl_settings, f'"{english.title}"')["hits"]
    assert hits and hits[0]["url"] == site.base + english.path
    chinese = site.section("cn")[1]
    hits = search(es, crawl_settings, f'"{chinese.title[:8]}"', )["hits"]
    assert site.base + chinese.path in [h["url"] for h in hits]
    es.close()


def test_second_crawl_fetches_no_article_and_a_changed_one_becomes_a_version(
        site, first, crawl_settings):
    site.clear_log()
    again = crawl(crawl_settings, first["sources"])
    paths = site.paths()
    article_paths = {a.path for a in site.articles} | {"/reports/", "/mirror/"}
    assert not [p for p in paths if any(p.startswith(a) and p != "/reports/"
                                        for a in article_paths)]
    assert again["new"] == again["updated"] == 0 and again["articles"] == 0
    assert again["not_modified"] >= 9  # every feed and sitemap answered 304
    assert all(e.conditional for e in site.log if e.path.endswith((
        ".xml", ".rdf", ".json", ".rss", ".atom", ".gz")) and not e.path.startswith("/broken/"))

    edited = site.edit(site.section("tech")[0].slug,
                       "Correction: the platform paid workers 30 days late, not 20.")
    site.clear_log()
    third = crawl(crawl_settings, first["sources"])
    fetched_articles = [p for p in site.paths() if p.endswith(".html")
                        and not p.startswith(("/news/slow", "/mirror/"))]
    assert fetched_articles == [edited.path]  # only the story whose entry changed
    assert third["updated"] == 1
    row = stored(crawl_settings)[site.base + edited.path]
    assert [v.version for v in row.versions] == [1, 2]
    assert "30 days late" in row.versions[-1].text
    es = make_client(crawl_settings)
    assert search(es, crawl_settings, '"30 days late"')["hits"][0]["url"] == row.url
    es.close()


def test_status_shows_per_source_health(first, crawl_settings):
    done = run_cli(crawl_settings, "status", "--json")
    health = {row["source"]: row for row in json.loads(done.stdout)["sources"]}
    assert health["site-tech"]["state"] == "ok"
    assert health["site-news"]["state"] == "degraded" and health["site-news"]["last_error"]
    assert SHARED_FEEDS.exists()


SYNDICATED = ("remotasks-abruptly-exits-kenya-leaving-annotators-unpaid",
              "kenyan-taskers-stranded-as-scale-owned-platform-pulls-out")
REWRITE = ("remotasks-workers-in-philippines-say-pay-was-withheld",
           "scale-ai-taskers-in-mindanao-describe-vanishing-payouts")
CONFLICT_ZH = ("hebei-baoding-annotation-base-average-wage",
               "baoding-annotation-industry-draws-graduates-home")


def test_syndicated_copies_cluster_and_search_shows_one_story(site, first, crawl_settings):
    articles = stored(crawl_settings)
    row = {slug: articles[site.base + site.by_slug(slug).path]
           for slug in SYNDICATED + REWRITE + CONFLICT_ZH}
    original, copy = (row[s] for s in SYNDICATED)
    assert original.cluster_id == copy.cluster_id  # a wire reprint under a new headline
    assert original.canonical and not copy.canonical  # the earlier one is the story
    for a, b in (REWRITE, CONFLICT_ZH):  # same facts, other words: separate stories
        assert row[a].cluster_id != row[b].cluster_id
    clusters = Counter(a.cluster_id for a in articles.values())
    assert sum(n - 1 for n in clusters.values()) == 1  # the one syndicated pair, nothing else

    es = make_client(crawl_settings)
    phrase = '"' + " ".join(site.by_slug(SYNDICATED[0]).body[1].split()[:8]) + '"'
    result = search(es, crawl_settings, phrase)
    assert result["total"] == 1 and result["documents"] == 2
    assert result["hits"][0]["copies"] == 2
    es.close()


def test_reprocess_rebuilds_from_the_archive_without_inventing_versions(first, crawl_settings):
    before = {url: len(row.versions) for url, row in stored(crawl_settings).items()}
    done = run_cli(crawl_settings, "reprocess", **CRAWL_ENV)
    assert done.returncode == 0, done.stderr
    counts = dict(part.rsplit(" ", 1) for part in
                  " ".join(done.stderr.split()).split("reprocessed: ")[1].split(" indexed")[0]
                  .split(", "))
    assert int(counts["unchanged"]) == len(before)  # every capture read back, same text
    assert "new" not in counts and "updated" not in counts
    assert {url: len(row.versions) for url, row in stored(crawl_settings).items()} == before
