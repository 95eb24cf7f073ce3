"""Scrapy settings built from labourwatch settings and the chosen sources."""

from __future__ import annotations

from scrapy.settings import Settings as ScrapySettings

from config import Settings
from crawlers.context import CONTEXT_SETTING, CrawlContext
from crawlers.frontier import frontier_settings


def scrapy_settings(context: CrawlContext) -> ScrapySettings:
    """Polite, identifiable, bounded: robots.txt, AutoThrottle, per-source slots, size limits."""
    settings: Settings = context.settings
    polite = settings.crawl_polite
    values = {
        CONTEXT_SETTING: context,
        "BOT_NAME": "labourwatch",
        "USER_AGENT": settings.crawl_user_agent.format(contact=settings.crawl_contact_url),
        "ROBOTSTXT_OBEY": settings.crawl_obey_robots,
        "ROBOTSTXT_PARSER": "scrapy.robotstxt.ProtegoRobotParser",
        "AUTOTHROTTLE_ENABLED": polite,
        "AUTOTHROTTLE_START_DELAY": settings.crawl_autothrottle_start,
        "AUTOTHROTTLE_MAX_DELAY": 60.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "CONCURRENT_REQUESTS": settings.crawl_concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": settings.crawl_concurrency,
        # Scrapy starts this many tasks for every callback's output; an article page gives
        # one item, so its default of 100 is mostly idle tasks (a third of the crawl's CPU)
        "CONCURRENT_ITEMS": 4,
        "DOWNLOAD_DELAY": 0.0,
        # One download slot per source (requests carry meta["download_slot"] = source id),
        # each with the delay and concurrency its sources.yaml entry asks for.
        "DOWNLOAD_SLOTS": {s.id: {"concurrency": s.politeness.concurrency if polite
                                  else settings.crawl_concurrency,
                                  "delay": s.politeness.delay if polite else 0.0,
                                  "jitter": 0.0}  # the asked-for delay is a floor, not a mean
                           for s in context.sources},
        "DOWNLOAD_TIMEOUT": settings.crawl_timeout,
        "DOWNLOAD_MAXSIZE": settings.crawl_max_bytes,
        "DOWNLOAD_WARNSIZE": min(settings.crawl_max_bytes, 8 * 1024 * 1024),
        "REDIRECT_MAX_TIMES": 8,
        "RETRY_TIMES": settings.crawl_retries,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "LOG_ENABLED": True,
        "LOG_INSTALL_ROOT_HANDLER": False,  # our CLI's handler (rich, on stderr) shows them
        "DOWNLOADER_MIDDLEWARES": {
            "crawlers.middlewares.LoopbackGuardMiddleware": 40,
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "crawlers.middlewares.RobotsTxtMiddleware": 100,  # Scrapy's place, with a fix
            "crawlers.middlewares.ConditionalGetMiddleware": 640,
            "crawlers.middlewares.EvidenceMiddleware": 650,
        },
        "EXTENSIONS": {"scrapy.extensions.throttle.AutoThrottle": None,
                       "crawlers.throttle.SourceThrottle": 0},
        "ITEM_PIPELINES": {"crawlers.pipelines.StorePipeline": 300},
        "SPIDER_MIDDLEWARES": {},
        # with crawl_frontier_url: one queue and duplicate filter in Redis for every process
        **frontier_settings(settings, context.sources),
    }
    return ScrapySettings(values)
