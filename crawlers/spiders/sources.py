"""The one spider: feeds, sitemaps and listing pages of every configured source.

No per-outlet code: a source's feeds, sitemaps, listings and ``article_pattern`` from
``config/sources.yaml`` say everything. Entries travel with their article requests (title,
date, author, summary), and the seen-URL store decides which articles are fetched at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.linkextractors import LinkExtractor
from twisted.python.failure import Failure

from crawlers.context import CONTEXT_SETTING, CrawlContext
from crawlers.failures import ROBOTS, classify, is_permanent
from crawlers.feeds import parse_feed
from crawlers.sitemaps import decompress, parse_sitemap
from crawlers.sources import Source
from crawlers.urls import canonical_url
from pipeline.process import Hints


class SourcesSpider(scrapy.Spider):
    name = "sources"

    def __init__(self, context: CrawlContext, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.context = context
        self.requested: set[str] = set()  # canonical URLs asked for in this crawl
        # alone, this process filters its own requests (``requested``, per source for seeds);
        # on a shared frontier the scheduler's filter in Redis does it for every process
        self.shared = bool(context.settings.crawl_frontier_url)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SourcesSpider:
        spider = super().from_crawler(crawler, *args, context=crawler.settings[CONTEXT_SETTING],
                                      **kwargs)
        crawler.signals.connect(spider.closed_ok, signal=scrapy.signals.spider_closed)
        return spider

    def closed_ok(self, spider: scrapy.Spider, reason: str) -> None:
        self.context.seen.flush()
        self.context.report.finished()
        if reason == "finished":
            self.context.validators.flush()

    # -- requests ----------------------------------------------------------------------------
    def _request(self, url: str, source: Source, role: str, callback: Any,
                 **meta: Any) -> scrapy.Request:
        return scrapy.Request(
            url, callback=callback, errback=self.on_error, dont_filter=not self.shared,
            meta={"source": source.id, "role": role, "download_slot": source.id,
                  "conditional": role in {"feed", "sitemap"},
                  "handle_httpstatus_list": [304] if role in {"feed", "sitemap"} else [],
                  **meta})

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.context.sources:
            for url in source.feeds:
                yield self._request(url, source, "feed", self.parse_feed)
            for url in source.sitemaps:
                yield self._request(url, source, "sitemap", self.parse_sitemap)
            for url in source.listings:
                yield self._request(url, source, "listing", self.parse_listing)

    def _article(self, url: str, source: Source, hints: Hints | None,
                 signature: str | None) -> scrapy.Request | None:
        """A request for an article, or None when it is not to be fetched (seen, off-pattern)."""
        if not source.matches(url):
            return None
        key = canonical_url(url)
        if key in self.requested:
            return None
        report = self.context.report
        if not self.context.seen.should_fetch([key], signature):
            report.skipped_seen += 1
            report.count(source.id, "skipped_seen")
            return None
        self.requested.add(key)
        return self._request(key, source, "article", self.parse_article, hints=hints,
                             signature=signature, keys=[key])

    # -- callbacks ---------------------------------------------------------------------------
    def _not_modified(self, response: Response) -> bool:
        if response.status != 304:
            return False
        self.context.report.not_modified += 1
        self.context.report.count(response.meta["source"], "not_modified")
        return True

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        if self._not_modified(response):
            return
        source = self.context.source(response.meta["source"])
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        feed = parse_feed(response.body, response.url, content_type)
        if feed.problem:
            self._note_problem(response, "malformed_feed", feed.problem, fatal=not feed.entries)
        for entry in feed.entries:
            hints = Hints(title=entry.title, published_at=entry.published_at or entry.updated_at,
                          authors=entry.authors, summary=entry.summary)
            request = self._article(entry.url, source, hints, entry.signature)
            if request is not None:
                yield request

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        if self._not_modified(response):
            return
        source = self.context.source(response.meta["source"])
        try:
            body = decompress(response.body, self.settings.getint("DOWNLOAD_MAXSIZE"))
        except Exception as error:  # noqa: BLE001 - a bad gzip is a recorded failure
            self._note_problem(response, "bad_sitemap", f"cannot gunzip: {error}", fatal=True)
            return
        sitemap = parse_sitemap(body)
        if sitemap.kind == "invalid":
            self._note_problem(response, "bad_sitemap", sitemap.problem or "invalid", fatal=True)
            return
        if sitemap.problem:
            self._note_problem(response, "bad_sitemap", sitemap.problem, fatal=False)
        for entry in sitemap.entries:
            if sitemap.kind == "index":
                yield self._request(response.urljoin(entry.url), source, "sitemap",
                                    self.parse_sitemap)
                continue
            hints = Hints(title=entry.news_title, published_at=entry.news_published)
            request = self._article(response.urljoin(entry.url), source, hints, entry.signature)
            if request is not None:
                yield request

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        source = self.context.source(response.meta["source"])
        if not hasattr(response, "text"):
            self._note_problem(response, "not_html", "listing page is not HTML", fatal=True)
            return
        extractor = LinkExtractor(allow=source.article_pattern or (), deny_extensions=[],
                                  unique=True)
        for link in extractor.extract_links(response):
            request = self._article(link.url, source, Hints(title=link.text.strip() or None),
                                    None)
            if request is not None:
                yield request

    def parse_article(self, response: Response) -> Iterator[dict]:
        self.context.report.articles += 1
        yield {"url": response.url, "source": response.meta["source"],
               "fetch_id": response.meta.get("fetch_id"),
               "fetch_row": response.meta.get("fetch_row"), "body": response.body,
               "content_type": response.headers.get("Content-Type", b"").decode("latin-1"),
               "hints": response.meta.get("hints"), "signature": response.meta.get("signature"),
               "keys": response.meta.get("keys", [])}

    # -- failures ----------------------------------------------------------------------------
    def on_error(self, failure: Failure) -> None:
        request = failure.request
        code, detail = classify(failure)
        report = self.context.report
        source_id = request.meta.get("source")
        if code == ROBOTS:
            report.skipped_robots += 1
            report.count(source_id, "skipped_robots")
        else:
            report.failed[code] += 1
            report.count(source_id, f"failed:{code}")
        outcome = "skipped" if code == ROBOTS else "failed"
        self.context.record_failure(request.url, source_id, request.meta.get("fetch_id"),
                                    outcome, f"{code}: {detail}", request.meta.get("fetch_row"))
        if request.meta.get("role") == "article" and is_permanent(code):
            # not asked again until its feed or sitemap entry changes
            self.context.seen.mark(request.meta.get("keys", []), source_id, None,
                                   request.meta.get("signature"))

    def _note_problem(self, response: Response, code: str, detail: str, fatal: bool) -> None:
        """A feed or sitemap that is broken (fatal) or was read despite errors (not fatal)."""
        source_id = response.meta.get("source")
        if fatal:
            self.context.report.failed[code] += 1
            self.context.report.count(source_id, f"failed:{code}")
        self.context.record_failure(response.url, source_id, response.meta.get("fetch_id"),
                                    "failed" if fatal else "fetched", f"{code}: {detail}")
