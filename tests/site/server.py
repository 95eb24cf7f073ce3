"""The fixture website on 127.0.0.1, with a log of every request it answered.

Run it alone for the offline demo: ``python -m tests.site.server --port 8765``.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from tests.site import pages

SHARED_FEEDS = Path(__file__).resolve().parents[3] / "shared" / "data" / "feeds" / \
    "rss-parser" / "test" / "input"
REAL_FEEDS = {"guardian.rss": "application/rss+xml", "encoding.rss": "application/rss+xml",
              "heise.atom": "application/atom+xml", "rss-1.rss": "application/rdf+xml"}
_LINKS = [re.compile(p) for p in (
    rb"(<link>\s*)(https?://[^<\s]+)", rb"(<link\b[^>]*?\bhref=[\"'])(https?://[^\"']+)",
    rb"(<guid\b[^>]*>\s*)(https?://[^<\s]+)", rb"(<id>\s*)(https?://[^<\s]+)",
    rb"(rdf:(?:about|resource)=[\"'])(https?://[^\"']+)")]
SLOW_SECONDS = 4.0


@dataclass
class Logged:
    method: str
    path: str  # with the query string
    status: int
    user_agent: str
    conditional: bool
    at: float  # time.monotonic() when the request arrived


class FixtureSite:
    """A realistic site: feeds of each format, sitemaps, listings, PDFs and broken things."""

    def __init__(self, port: int = 0) -> None:
        self.articles = pages.load_articles()
        self.reports = pages.load_reports()
        self.log: list[Logged] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        # a crawler that hangs up on a slow or huge page is expected, not worth a traceback
        self.server.handle_error = lambda request, client_address: None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FixtureSite:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def write_sources(self, target: Path, **politeness: float) -> Path:
        """sources.yaml for this site, as a user would write it (``{base}`` filled in)."""
        text = (Path(__file__).parent / "sources.yaml").read_text(encoding="utf-8")
        text = text.replace("{base}", self.base)
        if politeness:
            text = text.replace("{delay: 0, concurrency: 8}",
                                f"{{delay: {politeness['delay']}, concurrency: 1}}")
        target.write_text(text, encoding="utf-8")
        return target

    def paths(self, prefix: str = "/") -> list[str]:
        with self._lock:
            return [entry.path for entry in self.log if entry.path.startswith(prefix)]

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()

    def edit(self, slug: str, paragraph: str) -> pages.Article:
        """Change an article (as a correction would): new text, a later updated date."""
        article = self.by_slug(slug)
        article.extra.append(paragraph)
        article.updated = datetime(2025, 11, 1, 9, 30, tzinfo=UTC)
        return article

    def by_slug(self, slug: str) -> pages.Article:
        return next(a for a in self.articles if a.slug == slug)

    def section(self, name: str) -> list[pages.Article]:
        return [a for a in self.articles if a.section == name]

    # -- special pages the tests refer to ----------------------------------------------------
    @property
    def twice_slug(self) -> str:
        """The news article whose page repeats its text twice."""
        return self.section("news")[-1].slug

    @property
    def gbk_slug(self) -> str:
        """The Chinese article served in GBK with no charset declared anywhere."""
        return self.section("cn")[0].slug

    # -- routing -----------------------------------------------------------------------------
    def route(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        base = self.base
        if path == "/robots.txt":
            return self._text(f"User-agent: *\nDisallow: /private/\n\n"
                              f"Sitemap: {base}/sitemap_index.xml\n", "text/plain")
        feeds = {
            "/news/rss.xml": (lambda: pages.rss2(base, "news", self.section("news"), [
                "/private/secret.html", "/news/loop-a.html", "/media/photo.jpg",
                "/news/gone.html", "/news/error.html"]), "application/rss+xml"),
            "/tech/atom.xml": (lambda: pages.atom(base, "tech", self.section("tech")),
                               "application/atom+xml"),
            "/world/feed.rdf": (lambda: pages.rdf(base, "world", self.section("world")),
                                "application/rdf+xml"),
            "/cn/feed.json": (lambda: pages.json_feed(base, "cn", self.section("cn")),
                              "application/feed+json"),
        }
        if path in feeds:
            render, kind = feeds[path]
            return self._conditional(render().encode("utf-8"), kind, headers)
        if path == "/sitemap_index.xml":
            body = pages.sitemap_index(base, ["/sitemaps/magazine-news.xml.gz",
                                              "/sitemaps/magazine-archive.xml"],
                                       max(a.modified for a in self.section("magazine")))
            return self._conditional(body.encode(), "application/xml", headers)
        if path == "/sitemaps/magazine-news.xml.gz":
            body = pages.news_sitemap(base, self.section("magazine"), [])
            return self._conditional(body, "application/x-gzip", headers)
        if path == "/sitemaps/magazine-archive.xml":
            first = self.section("magazine")[0]
            body = gzip.decompress(pages.news_sitemap(base, self.section("magazine")[:1], [
                f"/magazine/{first.slug}.amp.html", "/magazine/"]))
            return self._conditional(body, "application/xml", headers)
        if path == "/news/":
            return self._html(pages.listing(base, "News", self._news_links()))
        if path == "/reports/":
            links = [(f"/reports/{r['slug']}.pdf", r["title"]) for r in self.reports]
            return self._html(pages.listing(base, "Reports", links + [
                ("/reports/about.html", "About our research")]))
        if path.startswith("/reports/") and path.endswith(".pdf"):
            report = next((r for r in self.reports if path == f"/reports/{r['slug']}.pdf"), None)
            if report:
                from tests.site.pdf import make_pdf

                return 200, {"Content-Type": "application/pdf"}, make_pdf(
                    report["title"], report["author"], report["published"], report["body"])
        special = self._special(path)
        if special:
            return special
        if path.startswith("/real/") and path[6:] in REAL_FEEDS:
            return self._conditional(self._real_feed(path[6:]), REAL_FEEDS[path[6:]], headers)
        if path.startswith("/mirror/"):
            return self._html(pages.mirror_page(path))
        return self._article(path) or self._text("not found", "text/plain", 404)

    def _news_links(self) -> list[tuple[str, str]]:
        first = self.section("news")[0]
        links = [(a.path, a.title) for a in self.section("news")]
        return links + [
            (f"{first.path}?utm_source=newsletter&utm_medium=email", first.title),
            (f"/news/{first.slug}.amp.html", first.title + " (AMP)"),
            (f"/print/news/{first.slug}.html", first.title + " (print)"),
            ("/news/huge.html", "A very long page"), ("/news/bomb.html", "Compressed page"),
            ("/news/slow.html", "A slow page"), ("/private/secret.html", "Members only"),
            ("/tags/ai/", "More on AI")]

    def _special(self, path: str) -> tuple[int, dict[str, str], bytes] | None:
        if path == "/news/loop-a.html":
            return 302, {"Location": "/news/loop-b.html"}, b""
        if path == "/news/loop-b.html":
            return 302, {"Location": "/news/loop-a.html"}, b""
        if path == "/news/gone.html":
            return self._text("gone", "text/plain", 404)
        if path == "/news/error.html":
            return self._text("server error", "text/plain", 500)
        if path == "/media/photo.jpg":
            return 200, {"Content-Type": "image/jpeg"}, b"\xff\xd8\xff\xe0" + bytes(2000)
        if path == "/news/huge.html":
            filler = "<p>" + "Annotation work, described at great length. " * 40 + "</p>\n"
            return self._html("<html><body>" + filler * 1500 + "</body></html>")
        if path == "/news/bomb.html":
            return 200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, _bomb()
        if path == "/news/slow.html":
            time.sleep(SLOW_SECONDS)
            return self._html("<html><body><p>Too late.</p></body></html>")
        if path == "/private/secret.html":
            return self._html("<html><body><p>Robots may not read this.</p></body></html>")
        if path == "/broken/feed.xml":
            body = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Broken</title>'
                    b"<item><title>Still readable</title><link>" + self.base.encode()
                    + b"/mirror/broken/still-readable-entry</link></item><item><title>Cut off"
                    b" & unescaped <b>here")
            return 200, {"Content-Type": "application/rss+xml"}, body
        if path == "/broken/sitemap.xml":
            return self._text("this is not a sitemap <<< at all", "application/xml")
        return None

    def _article(self, path: str) -> tuple[int, dict[str, str], bytes] | None:
        match = re.fullmatch(r"/(?:print/)?([a-z]+)/([a-z0-9-]+?)(\.amp)?\.html", path)
        if not match:
            return None
        article = next((a for a in self.articles if a.section == match.group(1)
                        and a.slug == match.group(2)), None)
        if article is None:
            return None
        canonical = self.base + article.path
        if article.slug == self.gbk_slug:
            html = pages.page(self.base, article, canonical, charset_declared=False)
            return 200, {"Content-Type": "text/html"}, html.encode("gbk", "xmlcharrefreplace")
        repeat = 2 if article.slug == self.twice_slug else 1
        return self._html(pages.page(self.base, article, canonical, repeat=repeat))

    def _real_feed(self, name: str) -> bytes:
        raw = (SHARED_FEEDS / name).read_bytes()
        mirror = (self.base + "/mirror/").encode()
        for pattern in _LINKS:
            raw = pattern.sub(lambda m: m.group(1) + mirror + re.sub(
                rb"^https?://", b"", m.group(2)), raw)
        return raw

    # -- responses ---------------------------------------------------------------------------
    @staticmethod
    def _text(text: str, kind: str, status: int = 200) -> tuple[int, dict[str, str], bytes]:
        return status, {"Content-Type": f"{kind}; charset=utf-8"}, text.encode("utf-8")

    def _html(self, html: str) -> tuple[int, dict[str, str], bytes]:
        return self._text(html, "text/html")

    @staticmethod
    def _conditional(body: bytes, kind: str, headers: dict[str, str]
                     ) -> tuple[int, dict[str, str], bytes]:
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        out = {"Content-Type": kind, "ETag": etag,
               "Last-Modified": format_datetime(datetime(2025, 10, 31, tzinfo=UTC), usegmt=True)}
        if headers.get("if-none-match") == etag:
            return 304, out, b""
        return 200, out, body

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                arrived = time.monotonic()
                headers = {k.lower(): v for k, v in self.headers.items()}
                path = urlsplit(self.path).path
                try:
                    status, out, body = site.route(path, headers)
                except Exception as error:  # noqa: BLE001 - a fixture bug shows as a 500
                    status, out, body = 500, {"Content-Type": "text/plain"}, repr(error).encode()
                with site._lock:
                    site.log.append(Logged("GET", self.path, status,
                                           headers.get("user-agent", ""),
                                           "if-none-match" in headers, arrived))
                try:
                    self.send_response(status)
                    for key, value in out.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if status != 304:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the crawler gave up (too large, timed out): that is its business

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        return Handler


@lru_cache(maxsize=1)
def _bomb() -> bytes:
    """64 MB of zeros gzipped to 64 KB, compressed once: compressing it on every request
    took the site's thread up to seconds on a busy machine, past the crawlers' timeout."""
    return gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the fixture website on loopback.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--sources", type=Path, help="write a sources.yaml for it here")
    args = parser.parse_args()
    site = FixtureSite(args.port)
    if args.sources:
        site.write_sources(args.sources)
    print(f"serving the fixture site at {site.base}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        site.server.serve_forever()


if __name__ == "__main__":
    main()
