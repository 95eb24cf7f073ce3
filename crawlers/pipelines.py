"""The Scrapy item pipeline: every fetched article goes through labourwatch's pipeline."""

from __future__ import annotations

import asyncio
import logging

from scrapy.crawler import Crawler

from crawlers.context import CrawlContext
from crawlers.middlewares import crawl_context
from crawlers.urls import canonical_url, story_url
from pipeline.document import Document
from pipeline.errors import PipelineError
from pipeline.workers import ExtractPool

log = logging.getLogger(__name__)


class StorePipeline:
    """Extract, store (new / updated / unchanged) and mark the URL seen; failures recorded.

    Extraction is CPU work; with ``crawl_extract_workers`` > 0 it runs in worker processes
    while this process keeps downloading and storing (the store stays single-writer here).
    """

    def __init__(self, context: CrawlContext) -> None:
        self.context = context
        settings = context.settings
        self.pool = ExtractPool.from_settings(settings, settings.crawl_extract_workers)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawl_context(crawler))

    def close_spider(self) -> None:
        self.pool.close()

    async def _extract(self, body: bytes, url: str, content_type: str) -> Document:
        if self.pool.workers == 0:  # extracted here, inline
            return await asyncio.wrap_future(self.pool.submit(body, url, content_type))
        # handed over from a thread: the pool's first submit waits while its fork server
        # warms up (seconds), and the reactor must keep downloading meanwhile
        future = await asyncio.to_thread(self.pool.submit, body, url, content_type)
        return await asyncio.wrap_future(future)

    async def process_item(self, item: dict) -> dict:
        context = self.context
        report = context.report
        source = context.source(item["source"])
        url = story_url(item["body"], item["url"], source.hosts if source else set())
        seen = [url, *item["keys"], canonical_url(item["url"])]
        try:
            doc = await self._extract(item["body"], url, item["content_type"])
            doc.url = url
            kept = context.processor.keep(doc, item["fetch_id"], outlet=item["source"],
                                          kind=source.kind if source else None,
                                          hints=item["hints"],
                                          topic_filter=bool(source and source.filter == "topic"),
                                          fetch_row=item["fetch_row"],
                                          within=lambda session, article_id: context.seen.record(
                                              session, seen, item["source"], article_id,
                                              item["signature"]))
        except PipelineError as error:
            report.failed[error.code] += 1
            report.count(item["source"], f"failed:{error.code}")
            context.record_failure(item["url"], item["source"], item["fetch_id"], "failed",
                                   str(error), item["fetch_row"])
            # the page is what it is: do not fetch it again until its entry changes
            context.seen.mark([url, *item["keys"]], item["source"], None, item["signature"])
            return item
        except Exception as error:  # noqa: BLE001 - one bad page never stops the crawl
            log.exception("processing %s failed", item["url"])
            report.failed["internal"] += 1
            context.record_failure(item["url"], item["source"], item["fetch_id"], "failed",
                                   f"internal: {type(error).__name__}: {error}",
                                   item["fetch_row"])
            return item
        setattr(report, kept.outcome, getattr(report, kept.outcome) + 1)
        report.count(item["source"], kept.outcome)
        return item

