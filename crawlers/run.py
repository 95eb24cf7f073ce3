"""Run one crawl pass over some sources, in this process (the CLI) or a child (the scheduler)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from scrapy import signals
from scrapy.crawler import CrawlerProcess

from config import Settings
from crawlers.context import CrawlContext, CrawlReport
from crawlers.frontier import frontier_problem
from crawlers.settings import scrapy_settings
from crawlers.sources import Source
from crawlers.spiders.sources import SourcesSpider
from pipeline.models import Source as SourceRow
from pipeline.store import Store, retry_on_conflict

log = logging.getLogger(__name__)


class CrawlError(RuntimeError):
    """Scrapy could not run the crawl at all (it logs the reason; it does not raise it)."""


def register_sources(store: Store, sources: list[Source]) -> None:
    """Keep the store's sources table in step with sources.yaml (names, kinds, config)."""
    retry_on_conflict(lambda: _register(store, sources))  # crawlers starting together


def _register(store: Store, sources: list[Source]) -> None:
    with store.session() as session:
        for source in sources:
            row = session.get(SourceRow, source.id) or SourceRow(id=source.id, name=source.name)
            row.name, row.kind, row.homepage = source.name, source.kind, source.homepage
            row.language, row.country = source.language, source.country
            row.config = {"feeds": list(source.feeds), "sitemaps": list(source.sitemaps),
                          "listings": list(source.listings),
                          "article_pattern": source.article_pattern,
                          "filter": source.filter, "verified": source.verified}
            session.merge(row)


def run_crawl(settings: Settings, sources: list[Source],
              on_progress: Callable[[CrawlReport], None] | None = None) -> CrawlReport:
    """Crawl ``sources`` once; returns the report. Twisted allows one such call per process."""
    problem = frontier_problem(settings)
    if problem:
        raise CrawlError(problem)
    context = CrawlContext.create(settings, sources)
    register_sources(context.store, sources)
    process = CrawlerProcess(scrapy_settings(context))
    crawler = process.create_crawler(SourcesSpider)
    if on_progress:
        def tick(*_args: object, **_kwargs: object) -> None:
            on_progress(context.report)

        crawler.signals.connect(tick, signal=signals.response_received)
        crawler.signals.connect(tick, signal=signals.item_scraped)
    process.crawl(crawler)
    process.start()
    if context.report.seconds is None:  # the spider never closed: it never ran
        raise CrawlError("the crawl did not start; the log above says why")
    return context.report
