"""Baseline for the crawl bench: Scrapy fetching the same pages and doing nothing with them."""

from __future__ import annotations

import sys

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.utils.sitemap import Sitemap


class FetchOnly(scrapy.Spider):
    name = "fetch_only"

    def __init__(self, sitemap: str, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.start_urls = [sitemap]

    def parse(self, response: scrapy.http.Response):  # type: ignore[no-untyped-def]
        for entry in Sitemap(response.body):
            yield scrapy.Request(entry["loc"], callback=self.page)

    def page(self, response: scrapy.http.Response) -> None:
        return None


if __name__ == "__main__":
    process = CrawlerProcess({"LOG_LEVEL": "ERROR", "CONCURRENT_REQUESTS": 16,
                              "CONCURRENT_REQUESTS_PER_DOMAIN": 16, "ROBOTSTXT_OBEY": True,
                              "COOKIES_ENABLED": False, "TELNETCONSOLE_ENABLED": False})
    process.crawl(FetchOnly, sitemap=sys.argv[1])
    process.start()
