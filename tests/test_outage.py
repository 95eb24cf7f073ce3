"""An index outage loses nothing: documents wait in the store and are indexed later."""

from __future__ import annotations

from index.schema import IndexNames
from index.search import search
from pipeline.store import Store
from tests.conftest import benchmark_page, free_port, json_lines, run_cli


def pages(ground_truth: dict, count: int) -> list[str]:
    return sorted(i for i in ground_truth if i[0] in "01234567")[20:20 + count]


def test_index_down_then_reindex_catches_up(settings, es, ground_truth) -> None:
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there: the cluster is down
    ids = pages(ground_truth, 3)
    done = run_cli(settings, "ingest", *[str(benchmark_page(i)) for i in ids], "--json",
                   LABOURWATCH_ES_URL=down)
    assert done.returncode == 0, done.stderr  # stored: not a failure of the inputs
    docs = json_lines(done.stdout)
    assert len(docs) == 3 and not any(d["indexed"] for d in docs)
    assert "3 left unindexed" in " ".join(done.stderr.split())
    assert Store.from_settings(settings).counts()["unindexed"] == 3

    status = run_cli(settings, "status", LABOURWATCH_ES_URL=down)
    assert "3 not yet indexed" in status.stdout and "not running" in status.stdout

    rebuilt = run_cli(settings, "reindex")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "reindexed 3 of 3" in rebuilt.stderr
    assert Store.from_settings(settings).counts()["unindexed"] == 0
    for doc in docs:
        assert doc["url"] in [h["url"] for h in search(es, settings, f'"{doc["title"]}"')["hits"]]


def test_next_ingest_indexes_what_an_outage_left(settings, es, ground_truth) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    first, second = pages(ground_truth, 2)
    run_cli(settings, "ingest", str(benchmark_page(first)), LABOURWATCH_ES_URL=down)
    assert Store.from_settings(settings).counts()["unindexed"] == 1
    done = run_cli(settings, "ingest", str(benchmark_page(second)))
    assert done.returncode == 0, done.stderr
    assert "2 indexed" in done.stderr  # this run's page and the one left behind
    assert Store.from_settings(settings).counts()["unindexed"] == 0
    assert es.count(index=IndexNames(settings.index_prefix).read_alias)["count"] == 2
