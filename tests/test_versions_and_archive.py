"""Versions of a story, the WARC evidence behind it, and rebuilding the index from the store."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from crawlers.warc import WarcArchive, read_record
from index import schema
from index.client import make_client
from index.schema import IndexNames
from index.search import search
from pipeline.models import Article, Fetch
from pipeline.store import Store
from tests.conftest import benchmark_page, json_lines, run_cli

URL = "https://www.example-news.org/2024/05/annotators-pay"


def test_changed_text_is_a_new_version_and_unchanged_is_not(settings, es, ground_truth,
                                                            tmp_path: Path) -> None:
    page = sorted(i for i in ground_truth if i[0] in "01234567")[30]
    raw = benchmark_page(page).read_bytes()
    copy = tmp_path / "page.html"
    copy.write_bytes(raw)
    [first] = json_lines(run_cli(settings, "ingest", str(copy), "--url", URL, "--json").stdout)
    assert first["outcome"] == "new"
    again = json_lines(run_cli(settings, "ingest", str(copy), "--url", URL, "--json").stdout)
    assert again[0]["outcome"] == "unchanged"

    marker = "Correction: annotators in Nairobi were paid zanzibarine wages"
    # edit inside the article body: after a piece of its text that stands verbatim in the HTML
    anchor = next(line[:40].encode() for line in first["text"].splitlines()[2:]
                  if len(line) > 60 and line[:40].encode() in raw)
    edited = raw.replace(anchor, anchor + f" {marker}. ".encode(), 1)
    copy.write_bytes(edited)
    updated = json_lines(run_cli(settings, "ingest", str(copy), "--url", URL, "--json").stdout)
    assert updated[0]["outcome"] == "updated" and marker in updated[0]["text"]

    store = Store.from_settings(settings)
    with store.session() as session:
        article = session.scalars(select(Article)).one()
        assert [v.version for v in article.versions] == [1, 2]
        assert marker not in article.versions[0].text and marker in article.versions[1].text
        assert article.indexed_version == 2
    shown = run_cli(settings, "versions", URL, "--diff")
    assert shown.returncode == 0, shown.stderr
    added = [line for line in shown.stdout.splitlines() if line.startswith("+") and
             not line.startswith("+++")]
    assert len(added) == 1 and marker in added[0]  # exactly the edit, nothing else
    assert "version 1" in shown.stdout and "version 2" in shown.stdout
    listed = json.loads(run_cli(settings, "versions", URL, "--json").stdout)
    assert [v["version"] for v in listed["versions"]] == [1, 2]
    assert all(v["archived"]["digest"].startswith("sha1:") for v in listed["versions"])
    hits = search(es, settings, "zanzibarine")["hits"]
    assert [h["url"] for h in hits] == [URL]  # the index holds the current version, once
    assert es.count(index=IndexNames(settings.index_prefix).read_alias)["count"] == 1


def test_archived_record_is_exactly_what_was_ingested(settings, ground_truth) -> None:
    page = sorted(i for i in ground_truth if i[0] in "01234567")[31]
    run_cli(settings, "ingest", str(benchmark_page(page)), "--url", URL)
    store = Store.from_settings(settings)
    with store.session() as session:
        fetch = session.scalars(select(Fetch)).one()
        headers, payload = read_record(settings.data_dir / "warc", fetch.warc_file,
                                       fetch.warc_offset)
    assert payload == benchmark_page(page).read_bytes()
    assert headers["WARC-Target-URI"] == URL
    assert headers["WARC-Payload-Digest"] == fetch.payload_digest
    assert fetch.payload_digest.startswith("sha1:")


def test_records_at_every_gzip_level_read_back_one_by_one_and_in_sequence(tmp_path,
                                                                         ground_truth) -> None:
    """Levels 0-3 are ISA-L's members and 4-9 zlib's: one file may hold both (the level was
    changed between runs) and every reader must still find each page by its offset."""
    pages = [benchmark_page(i).read_bytes() for i in sorted(ground_truth)[:5]]
    archive, refs = WarcArchive(tmp_path), []
    for level, page in zip((0, 2, 3, 6, 9), pages, strict=True):
        archive.level = level
        refs.append(archive.write_resource(f"https://example.org/{level}", page, "text/html",
                                           None))
    assert len({ref.file for ref in refs}) == 1
    for ref, page in zip(refs, pages, strict=True):
        headers, payload = read_record(tmp_path, ref.file, ref.offset)
        assert payload == page
        assert headers["WARC-Payload-Digest"] == ref.digest
    with (tmp_path / refs[0].file).open("rb") as handle:
        read, checked = [], []
        for record in ArchiveIterator(handle, check_digests="raise"):  # warcio's own check
            if record.rec_type == "resource":
                read.append(record.content_stream().read())
                checked.append(record.digest_checker.passed)
        assert read == pages
        assert checked == [True] * len(pages)  # block and payload digests both verified


def test_reindex_builds_a_new_index_and_moves_the_aliases(settings, es, ground_truth) -> None:
    ids = sorted(i for i in ground_truth if i[0] in "01234567")[32:35]
    run_cli(settings, "ingest", *[str(benchmark_page(i)) for i in ids])
    names = IndexNames(settings.index_prefix)
    before = set(es.indices.get_alias(name=names.read_alias))
    done = run_cli(settings, "reindex")
    assert done.returncode == 0, done.stderr
    after = set(es.indices.get_alias(name=names.read_alias))
    assert after and after.isdisjoint(before)  # a new concrete index took over
    assert set(es.indices.get_alias(name=names.write_alias)) == after
    assert not es.indices.exists(index=list(before))  # the old one is gone
    assert es.count(index=names.read_alias)["count"] == 3
    # filled with refreshes off and an async translog, it is live with the template's settings
    [live] = after
    got = es.indices.get_settings(index=live, flat_settings=True, include_defaults=True)[live]
    current = {**got["defaults"], **got["settings"]}
    assert current["index.refresh_interval"] == "1s"
    assert current["index.translog.durability"].lower() == "request"
    assert current["index.number_of_replicas"] == str(settings.index_replicas)


def test_processes_setting_up_a_new_index_at_once_agree_on_one(settings, es) -> None:
    """Crawlers sharing a frontier end together and each indexes what it stored: on a new
    deployment they all find no index and create one; Elasticsearch lets one be the write
    index, and the others must use it rather than fail (their articles left unindexed)."""
    def set_up() -> str:
        client = make_client(settings)  # a connection of its own, as another process has
        try:
            return schema.setup(client, settings)
        finally:
            client.close()

    with ThreadPoolExecutor(3) as pool:
        chosen = set(pool.map(lambda _: set_up(), range(3)))
    names = IndexNames(settings.index_prefix)
    assert chosen == set(es.indices.get_alias(name=names.write_alias))
    assert list(es.indices.get(index=f"{settings.index_prefix}articles-*")) == list(chosen)


def test_an_index_from_an_older_mapping_is_rebuilt_from_the_store(settings, es, ground_truth):
    ids = sorted(i for i in ground_truth if i[0] in "01234567")[35:37]
    run_cli(settings, "ingest", *[str(benchmark_page(i)) for i in ids])
    names = IndexNames(settings.index_prefix)
    [old] = es.indices.get_alias(name=names.read_alias)
    es.indices.put_mapping(index=old, meta={"schema_version": 1})  # as an older release left it
    done = run_cli(settings, "ingest", str(benchmark_page(ids[0])))  # any run catches up
    assert done.returncode == 0, done.stderr
    [new] = es.indices.get_alias(name=names.read_alias)
    assert new != old and not es.indices.exists(index=old)
    assert es.count(index=names.read_alias)["count"] == 2


def test_reprocess_retries_captures_that_failed_extraction(settings, es, ground_truth) -> None:
    page = sorted(i for i in ground_truth if i[0] in "01234567")[38]
    strict = run_cli(settings, "ingest", str(benchmark_page(page)), "--url", URL,
                     LABOURWATCH_MIN_TEXT_CHARS="1000000")
    assert strict.returncode == 1 and "too_short" in strict.stderr  # refused, but archived
    assert Store.from_settings(settings).counts()["articles"] == 0
    done = run_cli(settings, "reprocess")  # with the default minimum, it is an article
    assert done.returncode == 0, done.stderr
    assert "new 1" in done.stderr
    hits = search(es, settings, "*")["hits"]
    assert [h["url"] for h in hits] == [URL]
