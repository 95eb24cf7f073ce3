"""`make demo`: the whole chain, offline. Serve the fixture site on loopback, crawl it, search.

Everything goes to ``var/demo`` and indices named ``demo-*``, apart from a user's own data.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.site.server import FixtureSite

ROOT = Path(__file__).resolve().parents[2]
LABOURWATCH = str(Path(sys.executable).parent / "labourwatch")
QUERIES = ['"an hour" Kenya', "content moderators", "数据标注"]


def main() -> None:
    data = ROOT / "var" / "demo"
    data.mkdir(parents=True, exist_ok=True)
    site = FixtureSite().start()
    env = {**os.environ, "LABOURWATCH_DATA_DIR": str(data), "LABOURWATCH_INDEX_PREFIX": "demo-",
           "LABOURWATCH_CRAWL_LOOPBACK_ONLY": "true", "LABOURWATCH_CRAWL_POLITE": "false",
           "LABOURWATCH_CRAWL_TIMEOUT": "2"}
    try:
        sources = site.write_sources(data / "sources.yaml")
        print(f"fixture site at {site.base}; crawling it with {sources}", flush=True)
        subprocess.run([LABOURWATCH, "crawl", "--sources", str(sources)], env=env, check=True)
    finally:
        site.stop()
    for query in QUERIES:
        print(f"\n$ labourwatch search '{query}' --limit 3", flush=True)
        subprocess.run([LABOURWATCH, "search", query, "--limit", "3"], env=env, check=True)
    print(f"\nData in {data}; try: LABOURWATCH_DATA_DIR={data} LABOURWATCH_INDEX_PREFIX=demo- "
          f"{LABOURWATCH} status")


if __name__ == "__main__":
    main()
