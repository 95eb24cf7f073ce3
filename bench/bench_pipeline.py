"""Processing throughput on the real benchmark pages, beside baselines measured in the same run.

Stages: lxml parse only (the floor any HTML pipeline pays), trafilatura extraction only (the
peer library), our extraction (trafilatura + metadata + language), and end to end into the
store (WARC archive + extraction in one worker process per core + relevance + dedup +
SQLite), as `labourwatch ingest` runs it. The three single-process stages are one core's work;
end to end uses both. Ratios, not seconds, are what to compare: this
machine is noisy. Usage: python -m bench.bench_pipeline [--docs N]
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import lxml.html
import trafilatura
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from config import load_settings
from pipeline.extract import extract_html
from pipeline.ingest import Ingestor

PAGES = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / \
    "article-extraction-benchmark" / "html"
console = Console()


def load_pages(count: int) -> list[tuple[str, bytes]]:
    files = sorted(PAGES.glob("*.html"))
    raw = [f.read_bytes() for f in files]
    return [(f"{files[i % len(files)].stem}-{i}", raw[i % len(files)]) for i in range(count)]


def timed(name: str, pages: list[tuple[str, bytes]], work: Callable[[str, bytes], object],
          progress: Progress) -> float:
    task = progress.add_task(name, total=len(pages))
    started = time.perf_counter()
    for key, raw in pages:
        with contextlib.suppress(Exception):  # a refused page costs what it cost
            work(key, raw)
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

        stages = {
            "lxml parse only": lambda _k, raw: lxml.html.fromstring(raw),
            "trafilatura only": lambda _k, raw: trafilatura.bare_extraction(
                raw, with_metadata=True, include_comments=False),
            "our extraction": lambda _k, raw: extract_html(raw),
        }
        seconds = {}
        with Progress(console=console, transient=True) as progress:
            for name, work in stages.items():
                seconds[name] = timed(name, pages, work, progress)
            # the `labourwatch ingest` path: archive, extraction in worker processes
            # (extract_workers, one per core), relevance, dedup, store
            task = progress.add_task("end to end into store", total=len(files))
            started = time.perf_counter()
            ingestor.ingest(files, None, progress=lambda _r: progress.advance(task))
            seconds["end to end into store"] = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    table = Table(title=f"pipeline throughput, {len(pages)} documents")
    for column in ("stage", "docs/s", "× lxml time", "× trafilatura time"):
        table.add_column(column, justify="right")
    for name, spent in seconds.items():
        table.add_row(name, f"{len(pages) / spent:.1f}",
                      f"{spent / seconds['lxml parse only']:.2f}",
                      f"{spent / seconds['trafilatura only']:.2f}")
    console.print(table)
    console.print(f"peak memory (max RSS): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
