"""Claim-tracing latency on the claims of N synthetic beat stories (``make bench``).

The stories are bench/index_corpus.py's (the index bench's seeded corpus, both languages,
syndicated copies, wages, companies and places); each gets its claims the way the NLP stage
makes them: one per sentence holding a wage or a count of workers, with that sentence's
companies and places. The claims go through the production path (``index.claims``) into the
claims index of a node started for the run. Then ``trace`` runs on claims written as a
reporter would paste them (a stored claim's sentence, the NLP stage run on it), and its
latency p50/p95 is printed beside a bare ``match`` query on the same index and sentences,
measured in the same run. Target: p95 ≤ 300 ms over 1,000 claims on 100,000 articles.
Usage: python -m bench.bench_trace [--articles N] [--claims Q]
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import sys
import time
import uuid
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bench.index_corpus import cluster_sizes, story_articles
from config import load_settings
from index import schema
from index.claims import index_claims
from index.client import make_client
from index.node import LocalNode
from index.schema import IndexNames
from index.trace import probe_from_text, trace
from nlp.claims import worker_counts
from nlp.components import sentence_bounds
from pipeline.models import Article

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261124
TARGET_P95_MS = 300
console = Console(width=120)


def with_claims(article: Article) -> Article:
    """Give a synthetic article the claims the NLP stage would find in it."""
    version = article.versions[-1]
    nlp = version.extractions[0].data
    text = version.text
    entities = [c["id"] for c in nlp.get("companies", [])] + \
        [p["id"] for p in nlp.get("places", [])]
    claims = []
    for start, end in sentence_bounds(text):
        sentence = text[start:end]
        numbers = [{"kind": "wage", "value": w["amount"], "value_max": w.get("amount_max"),
                    "unit": f"{w['currency']}/{w.get('period') or '-'}",
                    "hourly_usd": w.get("hourly_usd"), "text": w["text"]}
                   for w in nlp.get("wages", []) if w["text"] and w["text"] in sentence]
        numbers += [{k: v for k, v in c.items() if k not in ("start", "end")}
                    for c in worker_counts(sentence)]
        if numbers:
            claims.append({"text": sentence, "start": start, "end": end, "numbers": numbers,
                           "entities": entities, "attributed_to": []})
    nlp["claims"] = claims
    return article


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return (statistics.median(ordered) * 1000,
            ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000)


def run(articles: int, claims: int) -> int:
    node_settings = load_settings({
        "data_dir": ROOT / "var", "es_home": ROOT / "var" / "elasticsearch",
        "es_node_name": "bench-trace", "es_port": _free_port(), "es_heap": "2g"}, environ={})
    node = LocalNode(node_settings)
    with console.status("starting Elasticsearch…"):
        node.start()
    settings = load_settings({"data_dir": ROOT / "var" / "bench-trace", "es_url": node.url,
                              "index_prefix": f"bench-trace-{uuid.uuid4().hex[:6]}-"},
                             environ={})
    es = make_client(settings)
    try:
        index = schema.setup(es, settings, "claims")
        es.indices.put_settings(index=index, settings={"refresh_interval": "-1"})
        sentences: list[str] = []
        started = time.perf_counter()
        made = 0
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("building and indexing claims", total=articles)
            batch: list[Article] = []
            for number, copies in enumerate(cluster_sizes(articles, SEED)):
                for article in story_articles(number, copies, SEED):
                    batch.append(with_claims(article))
                if len(batch) >= 500:
                    made += _flush(es, index, batch, sentences)
                    progress.advance(task, len(batch))
                    batch = []
            made += _flush(es, index, batch, sentences)
        es.indices.put_settings(index=index, settings={"refresh_interval": "1s"})
        es.indices.refresh(index=index)
        held = es.count(index=index)["count"]
        build = time.perf_counter() - started
        if held != made:
            console.print(f"[red]the claims index holds {held} of {made} claims[/]")
            return 1
        rng = random.Random(SEED)
        asked = rng.sample(sentences, min(claims, len(sentences)))
        for sentence in asked[:20]:  # warm-up: caches, the NLP pipelines, the node
            trace(es, settings, probe_from_text(sentence))
        baseline, ours, found = [], [], 0
        alias = IndexNames(settings.index_prefix, "claims").read_alias
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("tracing", total=len(asked))
            for sentence in asked:
                tick = time.perf_counter()
                es.search(index=alias, query={"match": {"text": sentence}}, size=20)
                baseline.append(time.perf_counter() - tick)
                tick = time.perf_counter()
                result = trace(es, settings, probe_from_text(sentence))
                ours.append(time.perf_counter() - tick)
                found += bool(result["evidence"])
                progress.advance(task)
    finally:
        es.close()
        node.stop()
    base50, base95 = _percentiles(baseline)
    our50, our95 = _percentiles(ours)
    table = Table(title=f"claim tracing on {articles:,} articles ({made:,} claims, "
                        f"indexed in {build:.0f} s)")
    for column in ("query", "p50 ms", "p95 ms", "p95 vs match"):
        table.add_column(column, justify="right")
    table.add_row("bare match on claims", f"{base50:.1f}", f"{base95:.1f}", "1.0×")
    table.add_row("trace (NLP on the claim, retrieval, judging, labels)", f"{our50:.1f}",
                  f"{our95:.1f}", f"{our95 / base95:.1f}×")
    console.print(table)
    met = our95 <= TARGET_P95_MS
    console.print(f"{len(asked)} claims traced, {found} with evidence; target p95 ≤ "
                  f"{TARGET_P95_MS} ms: {'[green]met' if met else '[red]not met'}[/]")
    return 0


def _flush(es, index: str, batch: list[Article], sentences: list[str]) -> int:  # noqa: ANN001
    made = 0
    for article in batch:
        for claim in article.versions[-1].extractions[0].data["claims"]:
            sentences.append(claim["text"])
            made += 1
    failed = index_claims(es, index, batch, fresh=True)
    if failed:
        raise RuntimeError(f"claims not indexed: {next(iter(failed.values()))}")
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--claims", type=int, default=1000)
    args = parser.parse_args()
    sys.exit(run(args.articles, args.claims))


if __name__ == "__main__":
    main()
