"""A large loopback site for crawl benchmarks: N article pages behind one sitemap."""

from __future__ import annotations

import dataclasses
import random
from functools import lru_cache

from tests.site import pages
from tests.site.server import FixtureSite


class BulkSite(FixtureSite):
    """The fixture site's articles, repeated as ``count`` distinct pages (numbered text)."""

    def __init__(self, count: int, port: int = 0) -> None:
        super().__init__(port)
        self.count = count
        self._page = lru_cache(maxsize=None)(self._render)

    def _render(self, number: int) -> bytes:
        """A distinct story: eight paragraphs drawn from the English fixture articles, so
        pages share sentences (as a beat's coverage does) without being copies."""
        template = self.articles[number % len(self.articles)]
        chooser = random.Random(number)
        pool = [p for a in self.articles if a.lang == "en" for p in a.body]
        article = dataclasses.replace(
            template, slug=f"story-{number}", section="p", lang="en",
            title=f"{template.title} (part {number})",
            body=[f"Dispatch number {number} from our labour desk."] + chooser.sample(pool, 8))
        return pages.page(self.base, article).encode("utf-8")

    def route(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if path == "/robots.txt":
            return self._text("User-agent: *\nAllow: /\n", "text/plain")
        if path == "/sitemap.xml":
            urls = "".join(f"<url><loc>{self.base}/p/story-{i}.html</loc>"
                           f"<lastmod>2025-10-01</lastmod></url>" for i in range(self.count))
            body = ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns='
                    f'"http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>')
            return self._conditional(body.encode(), "application/xml", headers)
        if path.startswith("/p/story-") and path.endswith(".html"):
            number = int(path[len("/p/story-"):-len(".html")])
            if 0 <= number < self.count:
                return 200, {"Content-Type": "text/html; charset=utf-8"}, self._page(number)
        return self._text("not found", "text/plain", 404)

    def sources_yaml(self) -> str:
        return (f"- id: bulk\n  name: Bulk site\n  sitemaps: ['{self.base}/sitemap.xml']\n"
                f"  article_pattern: '/p/story-'\n  filter: all\n"
                f"  politeness: {{delay: 0, concurrency: 16}}\n")
