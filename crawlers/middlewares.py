"""Downloader middlewares: evidence (WARC + fetch rows), conditional GET, loopback guard,
and Scrapy's robots.txt middleware with a fix."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxt
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from crawlers.context import CONTEXT_SETTING, CrawlContext

# Hop-by-hop framing that no longer describes the body we keep.
_DROP_HEADERS = {b"transfer-encoding", b"connection", b"keep-alive"}


def crawl_context(crawler: Crawler) -> CrawlContext:
    context = crawler.settings.get(CONTEXT_SETTING)
    if context is None:
        raise NotConfigured("no labourwatch crawl context in the settings")
    return context


def source_for(context: CrawlContext, request: Request) -> str | None:
    """The source a request belongs to: its meta, else the source serving that host."""
    if request.meta.get("source"):
        return request.meta["source"]
    host = (urlsplit(request.url).hostname or "").lower()
    return next((s.id for s in context.sources if host in s.hosts), None)


class EvidenceMiddleware:
    """Every response (robots.txt, feeds, sitemaps, pages, PDFs, redirects, errors) goes to
    the WARC archive, and a fetch row in the store points at its record.

    It sits just outside the redirect middleware, so redirects are kept too, and bodies are
    kept as they came over the wire (a WARC reader undoes any Content-Encoding).
    """

    def __init__(self, context: CrawlContext) -> None:
        self.context = context

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EvidenceMiddleware:
        return cls(crawl_context(crawler))

    def process_response(self, request: Request, response: Response) -> Response:
        context = self.context
        headers = [(k.decode("latin-1"), v.decode("latin-1"))
                   for k, values in response.headers.items() if k.lower() not in _DROP_HEADERS
                   for v in values]
        ref = context.archive.write_response(response.url, response.body, response.status,
                                             headers)
        role = request.meta.get("role") or ("robots" if request.url.endswith("/robots.txt")
                                            else "other")
        outcome = {304: "not_modified"}.get(response.status, "fetched")
        if role == "article" and 200 <= response.status < 300:
            outcome = "pending"
        elif response.status >= 400:
            outcome = "failed"
        source_id = source_for(context, request)
        row = {"url": response.url, "source_id": source_id, "method": "crawl",
               "fetched_at": ref.fetched_at, "status": response.status,
               "content_type": response.headers.get("Content-Type", b"").decode("latin-1")[:200],
               "size": len(response.body), "warc_file": ref.file, "warc_offset": ref.offset,
               "warc_length": ref.length, "payload_digest": ref.digest, "outcome": outcome,
               "error": f"HTTP {response.status}" if response.status >= 400 else None}
        if outcome == "pending":
            # an article's row is written with its document, in one transaction
            request.meta["fetch_row"] = row
        else:
            with context.store.session() as session:
                request.meta["fetch_id"] = context.store.add_fetch(session, **row)
        context.report.fetched += 1
        context.report.count(source_id, "fetched")
        return response


class ConditionalGetMiddleware:
    """If-None-Match / If-Modified-Since for feeds and sitemaps.

    New validators are written only when the crawl finishes, so a crawl that dies halfway
    cannot make the next one skip entries it never fetched.
    """

    def __init__(self, context: CrawlContext) -> None:
        self.context = context

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalGetMiddleware:
        return cls(crawl_context(crawler))

    def process_request(self, request: Request) -> None:
        if not request.meta.get("conditional"):
            return
        etag, modified = self.context.validators.get(request.url)
        if etag:
            request.headers.setdefault("If-None-Match", etag)
        if modified:
            request.headers.setdefault("If-Modified-Since", modified)

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("conditional") and response.status == 200:
            etag = response.headers.get("ETag")
            modified = response.headers.get("Last-Modified")
            self.context.validators.defer(
                request.url, etag.decode("latin-1") if etag else None,
                modified.decode("latin-1") if modified else None)
        return response


class LoopbackGuardMiddleware:
    """Refuses any host that is not on loopback: tests and the offline demo stay local."""

    def __init__(self, enabled: bool) -> None:
        if not enabled:
            raise NotConfigured("crawl_loopback_only is off")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LoopbackGuardMiddleware:
        return cls(crawl_context(crawler).settings.crawl_loopback_only)

    def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).hostname or ""
        try:
            local = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            local = False
        if not local:
            raise IgnoreRequest(f"host {host!r} is not on loopback (crawl_loopback_only)")


class RobotsTxtMiddleware(ScrapyRobotsTxt):
    """Scrapy's, except that every request that comes while its host's robots.txt is being
    fetched waits for the parsed file.

    Scrapy 2.19 has those requests await the one shared Deferred through ``asFuture``, which
    leaves None as its result for the next in line, and None means "no robots.txt: allow" (the
    change came with scrapy/scrapy#6802). Only the first waiter was checked: a crawl whose
    seeds include a disallowed page fetched it, and a crawler joining a shared frontier, whose
    first requests are any pages at all, fetched disallowed ones. Here each waiter gets a
    Deferred of its own, fed by a callback that hands the parser on, as before 2.13.
    """

    async def robot_parser(self, request: Request) -> RobotParser | None:
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)
        mine: Deferred[RobotParser | None] = Deferred()

        def relay(parser: RobotParser | None) -> RobotParser | None:
            mine.callback(parser)
            return parser  # the shared Deferred keeps it for the next waiter

        pending.addCallback(relay)
        return await maybe_deferred_to_future(mine)
