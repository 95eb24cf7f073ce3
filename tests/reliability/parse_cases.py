"""Run every case through the feed and sitemap parsers the way the crawler does, in a process
of its own (so a hang is cut by the caller's timeout and its peak memory is its own).

Usage: ``python -m tests.reliability.parse_cases MAX_BYTES FILE...``; prints one JSON object
per file, then ``{"max_rss_kb": …}``. A parser that raises is reported as ``crash``, with
the exception, instead of stopping the sweep.
"""

from __future__ import annotations

import json
import resource
import sys
from pathlib import Path

from crawlers.feeds import parse_feed
from crawlers.sitemaps import decompress, parse_sitemap

URL = "https://fixture.example/feed.xml"


def _sitemap(body: bytes, max_bytes: int) -> dict:
    """As ``SourcesSpider.parse_sitemap``: a body that cannot be gunzipped is recorded."""
    try:
        xml = decompress(body, max_bytes)
    except Exception as error:  # noqa: BLE001 - the spider records any gunzip failure
        return {"sitemap": "bad_gzip", "sitemap_problem": f"{type(error).__name__}: {error}"}
    parsed = parse_sitemap(xml)
    return {"sitemap": parsed.kind, "sitemap_entries": len(parsed.entries),
            "sitemap_problem": parsed.problem, "longest_url": max(
                (len(e.url) for e in parsed.entries), default=0)}


def sweep(path: Path, max_bytes: int) -> dict:
    row: dict = {"file": str(path)}
    if path.stat().st_size > max_bytes:  # Scrapy's DOWNLOAD_MAXSIZE refuses it unread
        return {**row, "refused": "too_large"}
    body = path.read_bytes()
    try:
        feed = parse_feed(body, URL)
        row.update(feed=feed.version, feed_entries=len(feed.entries), feed_problem=feed.problem,
                   longest_title=max((len(e.title or "") for e in feed.entries), default=0))
        row.update(_sitemap(body, max_bytes))
    except Exception as error:  # noqa: BLE001 - what the test must see, not a stopped sweep
        row["crash"] = f"{type(error).__name__}: {error}"[:500]
    return row


def main(argv: list[str]) -> None:
    max_bytes = int(argv[0])
    for name in argv[1:]:
        print(json.dumps(sweep(Path(name), max_bytes), ensure_ascii=False), flush=True)
    print(json.dumps({"max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


if __name__ == "__main__":
    main(sys.argv[1:])
