"""Index throughput and search latency on N synthetic beat stories, beside baselines measured in
the same run on the same node: bulk docs/s of our full-rebuild path against plain
``elasticsearch.helpers.bulk`` (default settings), and search p50/p95 of our queries against a
bare ``match_all``. Its own Elasticsearch node (free loopback port, data under
var/elasticsearch/bench-index, 2 GB heap), stopped at the end even on error. Exits non-zero
when the index does not hold every generated document.
Usage: python -m bench.bench_index [--docs N] [--queries Q] [--rebuild]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import inspect
import json
import os
import random
import shutil
import socket
import statistics
import sys
import time
from collections.abc import Callable
from multiprocessing import Pool
from pathlib import Path

from elasticsearch import Elasticsearch
from elasticsearch.helpers import bulk
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bench.index_corpus import cluster_sizes, queries, story_docs
from config import Settings, load_settings
from index import schema, sync
from index.client import make_client
from index.node import LocalNode
from index.search import SOURCE, SearchFilters, aggregations, build_query, search

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "bench-index"
SEED = 20261124
TARGET_DOCS_PER_S = 3000
TARGET_P95_MS = 100
console = Console(width=120)


# -- documents --------------------------------------------------------------------------------
def _cache_key() -> str:
    """Built documents are reused until the generator, its data or the analysis change."""
    digest = hashlib.sha1(inspect.getsource(sync.to_index_doc).encode())
    for path in ("bench/index_corpus.py", "bench/index_corpus.yaml", "index/analysis.py",
                 "config/nlp/jieba_words.txt"):
        digest.update((ROOT / path).read_bytes())
    return digest.hexdigest()[:12]


def _build_stories(batch: list[tuple[int, int]]) -> list[dict]:
    return [doc for number, copies in batch for doc in story_docs(number, copies, SEED)]


def documents(count: int, rebuild: bool) -> tuple[list[dict], float | None]:
    """The index documents, and the build rate (docs/s, both cores) when built in this run."""
    path = CACHE / f"docs-{count}-{SEED}-{_cache_key()}.jsonl.gz"
    if path.exists() and not rebuild:
        with console.status(f"reading {path.name}…"), gzip.open(path, "rt", encoding="utf-8") as f:
            return [json.loads(line) for line in f], None
    stories = list(enumerate(cluster_sizes(count, SEED)))
    batches = [stories[i:i + 100] for i in range(0, len(stories), 100)]
    docs: list[dict] = []
    started = time.perf_counter()
    with Progress(console=console, transient=True) as progress, Pool(2) as pool:
        task = progress.add_task("building index documents (to_index_doc)", total=count)
        for built in pool.imap(_build_stories, batches):
            docs += built
            progress.advance(task, len(built))
    rate = len(docs) / (time.perf_counter() - started)
    CACHE.mkdir(parents=True, exist_ok=True)
    for old in CACHE.glob(f"docs-{count}-*.jsonl.gz"):
        old.unlink()
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as f:
        f.writelines(json.dumps(doc, ensure_ascii=False) + "\n" for doc in docs)
    return docs, rate


# -- node -------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def node_settings() -> Settings:
    return load_settings({"data_dir": ROOT / "var", "es_home": ROOT / "var" / "elasticsearch",
                          "es_node_name": "bench-index", "es_port": free_port(),
                          "es_heap": "2g"}, environ={})


def client_settings(url: str, prefix: str) -> Settings:
    return load_settings({"data_dir": CACHE / "var", "es_url": url, "index_prefix": prefix,
                          "es_request_timeout": 120}, environ={})


# -- bulk -------------------------------------------------------------------------------------
def cpu_seconds(pid: int | None) -> float:
    """CPU time a process has used: on a shared machine, steadier than the wall clock."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_load(name: str, docs: list[dict], load: Callable[[list[dict]], str],
               es: Elasticsearch, pid: int | None) -> tuple[tuple[float, float], str]:
    """Wall and Elasticsearch CPU seconds to load and refresh, after checking the index holds
    every document."""
    with console.status(f"{name}: {len(docs):,} documents…"):
        started, cpu = time.perf_counter(), cpu_seconds(pid)
        index = load(docs)
        seconds = time.perf_counter() - started, cpu_seconds(pid) - cpu
    es.indices.refresh(index=index)
    held = es.count(index=index)["count"]
    if held != len(docs):
        console.print(f"[bold red]FAIL: {name} left {held:,} documents in {index}, "
                      f"not {len(docs):,}[/]")
        sys.exit(2)
    return seconds, index


def ours(es: Elasticsearch, settings: Settings) -> Callable[[list[dict]], str]:
    """`labourwatch reindex` after reading the store: a new version, loaded, aliases moved."""
    def load(docs: list[dict]) -> str:
        schema.setup(es, settings)
        index, report = sync.build_version(es, settings, docs)
        if report.failed:
            raise RuntimeError(f"{len(report.failed)} documents refused: "
                               f"{next(iter(report.failed.values()))}")
        for old in schema.swap_aliases(es, settings, index):
            es.indices.delete(index=old)
        return index
    return load


def baseline(es: Elasticsearch, settings: Settings) -> Callable[[list[dict]], str]:
    """The same documents through ``helpers.bulk`` with its defaults, then a refresh."""
    def load(docs: list[dict]) -> str:
        index = schema.new_version(es, settings)
        bulk(es, ({"_index": index, "_id": d["id"], "_source": d} for d in docs))
        es.indices.refresh(index=index)
        return index
    return load


# -- search -----------------------------------------------------------------------------------
def settle(es: Elasticsearch, index: str, limit: float = 600.0) -> float:
    """Seconds until the merges a big load leaves behind are done (at most ``limit``): latency
    is measured on a settled index, not against background merging."""
    started = time.perf_counter()
    with console.status("waiting for merges to finish…"):
        while time.perf_counter() - started < limit:
            merges = es.indices.stats(index=index, metric="merge")["indices"][index]
            if merges["primaries"]["merges"]["current"] == 0:
                break
            time.sleep(2)
    return time.perf_counter() - started


def query_kinds(es: Elasticsearch, settings: Settings) -> dict[str, Callable[[str, random.Random],
                                                                             object]]:
    alias = schema.IndexNames(settings.index_prefix).read_alias

    def wage_filters(rng: random.Random) -> SearchFilters:
        return SearchFilters(wage_max=rng.choice((1.0, 2.0, 3.0, 5.0)),
                             countries=[rng.choice(("KE", "PH", "IN", "CN", "VE", "US"))])

    return {
        "match_all (baseline)": lambda _q, _r: es.search(index=alias, query={"match_all": {}},
                                                         size=20),
        "plain": lambda q, _r: es.search(index=alias, query=build_query(q, SearchFilters()),
                                         size=20, source=SOURCE),
        "faceted": lambda q, _r: es.search(index=alias, query=build_query(q, SearchFilters()),
                                           size=20, source=SOURCE, aggs=aggregations()),
        "wage-filtered (search())": lambda q, r: search(es, settings, q, wage_filters(r)),
        "faceted + collapsed (search())": lambda q, _r: search(es, settings, q),
    }


def latencies(kinds: dict[str, Callable[[str, random.Random], object]], words: list[str],
              pid: int | None) -> dict[str, tuple[list[float], float]]:
    """Per kind: milliseconds per call, client side (our query rewriting and JSON decoding
    included), and Elasticsearch's CPU milliseconds per call. The kinds take turns word by
    word, so a change in the machine's load falls on all of them alike."""
    rng = random.Random(SEED)
    for word in words[:40]:  # a running site has its JIT and caches warm
        for run in kinds.values():
            run(word, rng)
    spent: dict[str, list[float]] = {name: [] for name in kinds}
    cpu: dict[str, float] = dict.fromkeys(kinds, 0.0)
    for word in words:
        for name, run in kinds.items():
            started, before = time.perf_counter(), cpu_seconds(pid)
            run(word, rng)
            spent[name].append((time.perf_counter() - started) * 1000)
            cpu[name] += cpu_seconds(pid) - before
    return {name: (spent[name], cpu[name] * 1000 / len(words)) for name in kinds}


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


# -- report -----------------------------------------------------------------------------------
def report(count: int, build_rate: float | None, loads: dict[str, float],
           timings: dict[str, tuple[list[float], float]], peak: dict) -> None:
    table = Table(title=f"bulk indexing, {count:,} documents (2 cores, shared)")
    for column in ("path", "seconds", "docs/s", "× baseline docs/s", "ES CPU s",
                   "docs per ES CPU s", "target"):
        table.add_column(column, justify="right")
    base, _ = loads["helpers.bulk defaults (baseline)"]
    for name, (seconds, cpu) in loads.items():
        rate = count / seconds
        target = "" if "baseline" in name else \
            f"≥ {TARGET_DOCS_PER_S:,}: {'met' if rate >= TARGET_DOCS_PER_S else 'UNMET'}"
        table.add_row(name, f"{seconds:.1f}", f"{rate:,.0f}", f"{base / seconds:.2f}",
                      f"{cpu:.1f}", f"{count / cpu:,.0f}", target)
    console.print(table)
    if build_rate:
        console.print(f"building the documents (to_index_doc with the terms analysis, 2 "
                      f"processes): {build_rate:,.0f} docs/s; cached for the next run")
    table = Table(title=f"search latency, {len(next(iter(timings.values()))[0])} queries each "
                        "(English and Chinese words)")
    for column in ("query", "p50 ms", "p95 ms", "p50 × match_all", "p95 × match_all",
                   "ES CPU ms/query", "target"):
        table.add_column(column, justify="right")
    floor, _ = timings["match_all (baseline)"]
    for name, (spent, cpu) in timings.items():
        p50, p95 = percentile(spent, 0.5), percentile(spent, 0.95)
        target = f"p95 ≤ {TARGET_P95_MS} ms: {'met' if p95 <= TARGET_P95_MS else 'UNMET'}" \
            if name.startswith("faceted + collapsed") else ""
        table.add_row(name, f"{p50:.1f}", f"{p95:.1f}", f"{p50 / percentile(floor, 0.5):.1f}",
                      f"{p95 / percentile(floor, 0.95):.1f}", f"{cpu:.1f}", target)
    console.print(table)
    console.print(f"index: {peak['size_mb']:,.0f} MB on disk, {peak['segments']} segments "
                  f"(searched after {peak['settled']:.0f} s of merging); "
                  f"load average {peak['load']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rebuild", action="store_true", help="build the documents again")
    args = parser.parse_args()
    docs, build_rate = documents(args.docs, args.rebuild)
    if len(docs) != args.docs:
        console.print(f"[bold red]FAIL: generated {len(docs):,} documents, not {args.docs:,}[/]")
        sys.exit(2)
    settings = node_settings()
    node = LocalNode(settings)
    shutil.rmtree(node.paths.node / "data", ignore_errors=True)  # a crashed run's indices
    with console.status(f"starting Elasticsearch on {node.url}…"):
        node.start()
    try:
        ours_settings = client_settings(node.url, "bench-ours-")
        base_settings = client_settings(node.url, "bench-base-")
        es = make_client(ours_settings)
        warm = client_settings(node.url, "bench-warm-")
        baseline(es, warm)(docs[:2000])  # the JVM warms up on someone else's time
        schema.drop_all(es, warm)
        loads: dict[str, tuple[float, float]] = {}
        loads["helpers.bulk defaults (baseline)"], _ = timed_load(
            "baseline", docs, baseline(es, base_settings), es, node.pid())
        schema.drop_all(es, base_settings)
        loads["ours: full rebuild (sync.build_version)"], index = timed_load(
            "ours", docs, ours(es, ours_settings), es, node.pid())
        settled = settle(es, index)
        words = list(queries(args.queries, SEED))
        with console.status("searching…"):
            timings = latencies(query_kinds(es, ours_settings), words, node.pid())
        stats = es.indices.stats(index=index, metric="store,segments")["indices"][index]
        peak = {"size_mb": stats["primaries"]["store"]["size_in_bytes"] / 2**20,
                "segments": stats["primaries"]["segments"]["count"],
                "load": " ".join(f"{v:.1f}" for v in os.getloadavg()), "settled": settled}
        es.close()
    finally:
        node.stop()
        shutil.rmtree(node.paths.node / "data", ignore_errors=True)
    report(args.docs, build_rate, loads, timings, peak)


if __name__ == "__main__":
    main()
