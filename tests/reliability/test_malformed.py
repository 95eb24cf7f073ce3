"""The malformed corpus (tests/reliability/corpus.py) through the real ``labourwatch ingest``
and through the feed and sitemap parsers: no crash, every failure recorded with its reason,
memory bounded."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from pipeline.models import Article, Fetch
from pipeline.store import Store
from tests.conftest import LABOURWATCH, ROOT, cli_env, json_lines, run_cli
from tests.reliability import corpus
from tests.site import pages

MAX_FILE_BYTES = 5_000_000
MAX_RSS_KB = 1_500_000  # 1.5 GB for the whole run, extraction workers included
# Runs a command and prints its exit code and the peak RSS of it and its children, so the
# figure belongs to that run alone (not to the test session's other children).
_MEASURE = ("import json, resource, subprocess, sys; done = subprocess.run(sys.argv[1:]); "
            "print(json.dumps({'rc': done.returncode, 'max_rss_kb': resource.getrusage("
            "resource.RUSAGE_CHILDREN).ru_maxrss}), file=sys.stderr)")


def _measured(settings, args: list[str]) -> tuple[subprocess.CompletedProcess[str], dict]:  # noqa: ANN001
    done = subprocess.run([sys.executable, "-c", _MEASURE, *LABOURWATCH, *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=900,
                          env=cli_env(settings, LABOURWATCH_MAX_FILE_BYTES=str(MAX_FILE_BYTES)))
    figures = json.loads(done.stderr.strip().splitlines()[-1])
    return done, figures


def test_corpus_is_ingested_without_a_crash(settings, es, tmp_path):  # noqa: ANN001
    good = tmp_path / "good"
    good.mkdir()
    for article in pages.load_articles()[2:4]:  # not the corpus's own pages
        (good / f"{article.slug}.html").write_text(pages.page(corpus.BASE, article),
                                                   encoding="utf-8")
    first = run_cli(settings, "ingest", str(good), "--json")
    assert first.returncode == 0, first.stderr
    stored_before = {d["id"] for d in json_lines(first.stdout)}

    paths = corpus.build(tmp_path / "bad")
    assert len(paths) >= 300
    done, figures = _measured(settings, ["ingest", *map(str, paths), "--json"])

    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert figures["rc"] == 1  # exits normally, saying some inputs failed
    assert f"{len(paths)} files:" in done.stderr
    assert figures["max_rss_kb"] < MAX_RSS_KB

    store = Store.from_settings(settings)
    with store.session() as session:
        rows = session.scalars(select(Fetch).where(Fetch.method == "ingest")
                               .order_by(Fetch.id)).all()
        articles = session.scalar(select(func.count()).select_from(Article))
    this_run = rows[len(stored_before):]
    assert len(this_run) == len(paths)  # one fetch row per input file, stored or failed
    failed = [r for r in this_run if r.outcome == "failed"]
    assert all(r.error and r.error.strip() for r in failed)
    assert not [r.error for r in failed if r.error.startswith("internal")]  # none unforeseen
    reasons = Counter(r.error.split(":")[0] for r in failed)
    stored = json_lines(done.stdout)
    assert len(stored) + len(failed) == len(paths)

    by_name = {Path(r.url).name: r.error or r.outcome for r in this_run}
    assert "too_large" in by_name["huge.html"] and "binary" in by_name["bomb.html.gz"]
    assert "pdf_encrypted" in by_name["pdf-encrypted.pdf"]
    assert "pdf_unreadable" in by_name["pdf-header-only.pdf"]
    assert "empty" in by_name["empty.html"] and "empty" in by_name["whitespace.html"]
    # a page whose charset is missing or wrong is still read as the Chinese it is
    titles = {Path(d["url"]).name: d for d in stored}
    cjk = [name for name in titles if name.startswith("cjk-")]
    assert len(cjk) == 12 and all("人工智能" in titles[name]["text"] for name in cjk)
    assert titles["pdf-good.pdf"]["title"]

    # the articles stored before are still there, and still found
    assert articles >= len(stored_before) + 1
    found = run_cli(settings, "search", "*", "--json", "--limit", "100")
    assert stored_before <= {hit["id"] for hit in json.loads(found.stdout)["hits"]}
    print(f"\nreliability: {len(paths)} files, {len(stored)} stored, {len(failed)} failed "
          f"{dict(reasons.most_common())}, peak RSS {figures['max_rss_kb'] // 1024} MB")


def test_feed_and_sitemap_parsers_survive_every_case(tmp_path):  # noqa: ANN001
    paths = [p for p in corpus.build(tmp_path / "bad") if not p.is_symlink()]
    crawl_max_bytes = 20_000_000  # the crawler's default DOWNLOAD_MAXSIZE
    done = subprocess.run([sys.executable, "-m", "tests.reliability.parse_cases",
                           str(crawl_max_bytes), *map(str, paths)],
                          capture_output=True, text=True, cwd=ROOT, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = json_lines(done.stdout)
    peak = rows.pop()["max_rss_kb"]
    assert len(rows) == len(paths)
    assert not [r for r in rows if "crash" in r]
    assert peak < MAX_RSS_KB
    assert [Path(r["file"]).name for r in rows if "refused" in r] == ["huge.html"]
    by_name = {Path(r["file"]).name: r for r in rows}
    # entity expansion stays unexpanded: nothing balloons
    assert by_name["billion-laughs-feed.xml"]["longest_title"] < 1000
    assert by_name["billion-laughs-sitemap.xml"]["longest_url"] < 1000
    assert by_name["billion-laughs-sitemap.xml"]["sitemap_problem"]
    assert "passwd" not in json.dumps(by_name["external-entity.xml"])
    # the gzip bomb is refused at the size limit, never inflated to its 4 GB
    assert by_name["bomb.html.gz"]["sitemap"] == "bad_gzip"
    assert "exceeded" in by_name["bomb.html.gz"]["sitemap_problem"]
    # an HTML page where a feed should be is named as such, not fed to the slow loose parser
    assert by_name["big-but-allowed.html"]["feed_problem"].startswith("not a feed")
    # the real feeds still parse: every one of the captured publishers' feeds has entries
    captured = [r for r in rows if "/rss-parser/test/input/" in r["file"]]
    assert captured and all(r["feed_entries"] for r in captured)
    print(f"\nparsers: {len(rows)} cases, peak RSS {peak // 1024} MB, "
          f"{sum(bool(r.get('feed_problem')) for r in rows)} feeds recorded as malformed")
