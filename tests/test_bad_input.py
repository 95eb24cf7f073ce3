"""Broken files get a clear, recorded error; the good files beside them are still indexed."""

from __future__ import annotations

import gzip
from pathlib import Path

from sqlalchemy import select

from index.search import search
from pipeline.models import Fetch
from pipeline.store import Store
from tests.conftest import benchmark_page, json_lines, run_cli


def make_bad_files(folder: Path) -> dict[str, str]:
    """Bad inputs, each with the words its error message must contain."""
    folder.mkdir()
    (folder / "empty.html").write_bytes(b"")
    (folder / "binary.html").write_bytes(bytes(range(256)) * 40)
    (folder / "report.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF")
    (folder / "gzipped.html").write_bytes(gzip.compress(b"<html><body>hi</body></html>"))
    (folder / "navigation-only.html").write_bytes(
        b"<html><body><nav><a href='/'>Home</a> <a href='/x'>More</a></nav></body></html>")
    (folder / "truncated.html").write_bytes(b"<html><head><title>Cut</title></head><body><p>Work")
    (folder / "huge.html").write_bytes(b"<html><body>" + b"<p>pad</p>" * 400_000 + b"</body>")
    return {"empty.html": "empty", "binary.html": "binary data", "report.pdf": "PDF",
            "gzipped.html": "binary data", "navigation-only.html": "under the minimum",
            "truncated.html": "under the minimum", "huge.html": "over the limit",
            "missing.html": "No such file"}


def test_bad_files_are_reported_and_good_ones_indexed(settings, es, ground_truth, tmp_path):
    expected = make_bad_files(tmp_path / "bad")
    good = sorted(i for i in ground_truth if i[0] in "01234567")[10:12]
    paths = [str(benchmark_page(good[0]))]
    paths += [str(tmp_path / "bad" / name) for name in expected]
    paths += [str(benchmark_page(good[1]))]

    done = run_cli(settings, "ingest", *paths, "--json", LABOURWATCH_MAX_FILE_BYTES="1000000")
    assert done.returncode == 1  # some inputs failed
    docs = json_lines(done.stdout)
    assert len(docs) == 2 and all(d["indexed"] for d in docs)
    stderr = " ".join(done.stderr.split())
    for name, words in expected.items():
        line = next((ln for ln in done.stderr.splitlines() if name in ln), "")
        assert line, f"no error line for {name}"
        assert words in stderr, (name, words)
    assert f"{len(paths)} files: 2 new" in stderr and f"{len(expected)} failed" in stderr

    # every failure is recorded in the store with its reason
    store = Store.from_settings(settings)
    with store.session() as session:
        failed = session.scalars(select(Fetch).where(Fetch.outcome == "failed")).all()
        assert len(failed) == len(expected)
        assert all(f.error for f in failed)
        # what could be read was archived as evidence, even when it could not be used
        assert sum(f.warc_file is not None for f in failed) >= len(expected) - 2

    # the good pages are searchable
    for doc in docs:
        hits = search(es, settings, f'"{doc["title"]}"')["hits"]
        assert doc["url"] in [h["url"] for h in hits]


def test_nonsense_queries_never_error(settings, es, ground_truth) -> None:
    page = sorted(i for i in ground_truth if i[0] in "01234567")[0]
    run_cli(settings, "ingest", str(benchmark_page(page)), "--url", ground_truth[page]["url"])
    for query in ['"unclosed phrase', "((( AND OR -", "title:[* TO", "~~~***", "\\", "数据标注 \""]:
        result = search(es, settings, query)
        assert result["total"] >= 0
    done = run_cli(settings, "search", "((( AND", "--json")
    assert done.returncode == 0, done.stderr
    bad_date = run_cli(settings, "search", "x", "--since", "last tuesday")
    assert bad_date.returncode == 2 and "bad date" in bad_date.stderr
