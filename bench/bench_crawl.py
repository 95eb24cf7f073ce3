"""Crawl throughput against a loopback site of N pages, beside a fetch-only Scrapy baseline.

Prints pages/s for (1) Scrapy fetching the pages and doing nothing, (2) `labourwatch crawl`
end to end into the store (archive, extraction, store; politeness off), as whole commands
(process start included) and for the crawl alone, and the cost of a no-change recrawl.
Usage: python -m bench.bench_crawl [--pages N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.site import BulkSite

console = Console()
LABOURWATCH = str(Path(sys.executable).parent / "labourwatch")


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=5000)
    args = parser.parse_args()
    site = BulkSite(args.pages).start()
    with console.status("rendering pages…"):
        for number in range(args.pages):
            site._page(number)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            sources = Path(tmp) / "sources.yaml"
            sources.write_text(site.sources_yaml(), encoding="utf-8")
            env = {**os.environ, "LABOURWATCH_DATA_DIR": str(Path(tmp) / "var"),
                   "LABOURWATCH_CRAWL_POLITE": "false", "LABOURWATCH_CRAWL_LOOPBACK_ONLY": "true",
                   "LABOURWATCH_CRAWL_CONCURRENCY": "16",
                   # no cluster: measure into the store; documents wait there for indexing
                   "LABOURWATCH_ES_URL": "http://127.0.0.1:9"}
            with console.status(f"baseline: Scrapy fetch only, {args.pages} pages…"):
                fetch_seconds, _ = timed([sys.executable, "-m", "bench.fetch_only",
                                          f"{site.base}/sitemap.xml"], env)
            site.clear_log()
            with console.status(f"labourwatch crawl, {args.pages} pages…"):
                crawl_seconds, out = timed([LABOURWATCH, "crawl", "--sources", str(sources),
                                            "--json"], env)
            first = json.loads(out)
            site.clear_log()
            with console.status("no-change recrawl…"):
                again_seconds, out = timed([LABOURWATCH, "crawl", "--sources", str(sources),
                                            "--json"], env)
            again = json.loads(out)
            requests = len(site.log)
    finally:
        site.stop()
    table = Table(title=f"crawl throughput, {args.pages} loopback pages (2 cores)")
    for column in ("run", "pages stored", "seconds", "pages/s", "× fetch-only time",
                   "crawl-only pages/s"):
        table.add_column(column, justify="right")
    table.add_row("Scrapy fetch only", "-", f"{fetch_seconds:.1f}",
                  f"{args.pages / fetch_seconds:.0f}", "1.00", "")
    table.add_row("labourwatch crawl", str(first["new"]), f"{crawl_seconds:.1f}",
                  f"{first['new'] / crawl_seconds:.0f}", f"{crawl_seconds / fetch_seconds:.2f}",
                  f"{first['new'] / first['seconds']:.0f}")
    console.print(table)
    console.print(f"no-change recrawl: {requests} requests ({again['not_modified']} answered "
                  f"304), {again['articles']} article bodies fetched, {again_seconds:.1f} s")


if __name__ == "__main__":
    main()
