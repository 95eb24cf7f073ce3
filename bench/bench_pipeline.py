"""Processing throughput on the real benchmark pages, beside baselines measured in the same run.

Stages: lxml parse only (the floor any HTML pipeline pays), trafilatura extraction only (the
peer library), our extraction (trafilatura + metadata + language), then the later stages one
by one on the extracted documents (language identification, relevance, MinHash signature,
the NLP stage), and end to end into the store (WARC archive + extraction and analysis in one
worker process per core + dedup + SQLite), as `labourwatch ingest` runs it. The
single-process stages are one core's work; end to end uses both. Ratios, not seconds, are
what to compare: this machine is noisy. Usage: python -m bench.bench_pipeline [--docs N]
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lxml.html
import trafilatura
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from config import load_settings
from nlp.pipeline import analyse, configure
from pipeline.dedup import signature_bytes
from pipeline.document import Document
from pipeline.extract import extract_html
from pipeline.ingest import Ingestor
from pipeline.language import detect
from pipeline.relevance import load_scorer

PAGES = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / \
    "article-extraction-benchmark" / "html"
console = Console()


def load_pages(count: int) -> list[tuple[str, bytes]]:
    files = sorted(PAGES.glob("*.html"))
    raw = [f.read_bytes() for f in files]
    return [(f"{files[i % len(files)].stem}-{i}", raw[i % len(files)]) for i in range(count)]


def timed(name: str, items: list[tuple[str, Any]], work: Callable[[str, Any], object],
          progress: Progress) -> float:
    task = progress.add_task(name, total=len(items))
    started = time.perf_counter()
    for key, item in items:
        with contextlib.suppress(Exception):  # a refused page costs what it cost
            work(key, item)
        progress.advance(task)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=3000)
    args = parser.parse_args()
    pages = load_pages(args.docs)
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({"data_dir": Path(tmp), "es_url": "http://127.0.0.1:1"},
                                 environ={})
        ingestor = Ingestor.from_settings(settings)
        folder = Path(tmp) / "pages"
        folder.mkdir()
        files = []
        for key, raw in pages:  # each copy its own file, so its own URL and article
            files.append(folder / f"{key}.html")
            files[-1].write_bytes(raw)

        extracted: list[Document] = []
        stages = {
            "lxml parse only": lambda _k, raw: lxml.html.fromstring(raw),
            "trafilatura only": lambda _k, raw: trafilatura.bare_extraction(
                raw, with_metadata=True, include_comments=False),
            "our extraction": lambda _k, raw: extracted.append(extract_html(raw)),
        }
        configure(settings.nlp_model, settings.config_dir)
        scorer = load_scorer(settings.config_file("relevance.yaml"))
        later: dict[str, Callable[[str, Document], object]] = {
            "language identification": lambda _k, d: detect(d.text, d.declared_language),
            "relevance": lambda _k, d: scorer.score(d.text, d.title),
            "MinHash signature": lambda _k, d: signature_bytes(d.text, d.language),
            "NLP stage": lambda _k, d: analyse(d.text, d.language or "auto", 2024),
        }
        seconds, counts = {}, {}
        with Progress(console=console, transient=True) as progress:
            for name, work in stages.items():
                seconds[name], counts[name] = timed(name, pages, work, progress), len(pages)
            docs = [(doc.url, doc) for doc in extracted]
            analyse(docs[0][1].text, "en")  # the NLP pipelines built before the clock starts
            for name, work in later.items():
                seconds[name], counts[name] = timed(name, docs, work, progress), len(docs)
            # the `labourwatch ingest` path: archive, extraction in worker processes
            # (extract_workers, one per core), relevance, dedup, store
            task = progress.add_task("end to end into store", total=len(files))
            started = time.perf_counter()
            ingestor.ingest(files, None, progress=lambda _r: progress.advance(task))
            seconds["end to end into store"] = time.perf_counter() - started
            counts["end to end into store"] = len(files)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    table = Table(title=f"pipeline throughput, {len(pages)} documents")
    for column in ("stage", "docs/s", "× lxml time", "× trafilatura time"):
        table.add_column(column, justify="right")
    per_doc = {name: spent / counts[name] for name, spent in seconds.items()}
    for name, each in per_doc.items():
        table.add_row(name, f"{1 / each:.1f}", f"{each / per_doc['lxml parse only']:.2f}",
                      f"{each / per_doc['trafilatura only']:.2f}")
    console.print(table)
    console.print(f"peak memory (max RSS): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
