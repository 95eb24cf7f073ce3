"""The shared crawl frontier: one request queue and one duplicate filter in Redis.

With ``crawl_frontier_url`` set, every ``labourwatch crawl`` process with the same sources
(on one machine or many, writing to one store) takes part in one *pass*: each seeds the
sources' feeds, sitemaps and listings, the duplicate filter lets each URL into the queue once,
and whichever process is free fetches the next request. scrapy-redis provides the queue and
the filter; this module adds what a pass of ordinary spiders needs besides:

* a fingerprint that agrees with our canonical URLs (``crawlers/urls.py``), so tracking and
  AMP variants are one request, while a feed read for two sources stays two;
* knowing when the pass is over. A process whose queue is empty cannot stop while another is
  still parsing a page whose links are not queued yet, so each process marks itself *busy*
  before it takes a request and *idle* only when Scrapy has nothing left in it (every link of
  every page it took is queued by then). A process stops when one atomic look at Redis shows an
  empty queue and no busy process, and has shown that for ``crawl_frontier_idle`` seconds
  (time for late starters to join). scrapy-redis's own ``SCHEDULER_IDLE_BEFORE_CLOSE`` is not
  used: it is a blocking pop, which would stall this process's downloads;
* a pass that starts and ends by itself: the first process to arrive (no live member) empties
  whatever an earlier, killed pass left behind, and the last to leave deletes the keys, so the
  next scheduled crawl reads its feeds afresh (the seen-URL store in the database still makes it
  skip known articles). A process that dies is dropped after ``MEMBER_TTL`` without heartbeats.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import time
import uuid
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from redis import Redis
from redis.exceptions import RedisError
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from config import Settings
from crawlers.context import CONTEXT_SETTING, CrawlReport
from crawlers.sources import Source
from crawlers.urls import canonical_url

log = logging.getLogger(__name__)

MEMBER_TTL = 60  # seconds without a heartbeat after which a process counts as gone
HEARTBEAT = 10.0  # seconds between heartbeats
POLL = 0.25  # seconds between looks at the shared queue while this process has nothing to do
SEED_ROLES = {"feed", "sitemap", "listing"}  # read once per source, not once per URL

# One atomic step each (Lua runs alone on the server): the time is Redis's, so the clocks of
# the crawler machines need not agree. KEYS: members, busy, queue, dupefilter.
_PRUNE = """
local now = tonumber(redis.call('TIME')[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[2]))
"""
# Join a pass, or start a new one (dropping a dead pass's leftovers); 1 if new.
_JOIN = _PRUNE + """
local new = redis.call('ZCARD', KEYS[1]) == 0
if new then redis.call('DEL', KEYS[2], KEYS[3], KEYS[4]) end
redis.call('ZADD', KEYS[1], now, ARGV[1])
return new and 1 or 0
"""
# Say busy or idle; returns what the pass looks like: {queued, busy members, live members}.
_STATE = _PRUNE + """
redis.call('ZADD', KEYS[1], now, ARGV[1])
if ARGV[3] == 'busy' then redis.call('ZADD', KEYS[2], now, ARGV[1])
else redis.call('ZREM', KEYS[2], ARGV[1]) end
return {redis.call('ZCARD', KEYS[3]), redis.call('ZCARD', KEYS[2]),
        redis.call('ZCARD', KEYS[1])}
"""
# Leave; the last member out deletes the pass. 1 if it did.
_LEAVE = _PRUNE + """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('ZCARD', KEYS[1]) > 0 then return 0 end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return 1
"""


def frontier_key(settings: Settings, sources: list[Source]) -> str:
    """The Redis key prefix of one sources set's frontier, within the deployment's namespace
    (``index_prefix``, which already names this deployment's indices)."""
    seeds = sorted([s.id, list(s.feeds), list(s.sitemaps), list(s.listings)] for s in sources)
    digest = hashlib.sha1(json.dumps(seeds).encode()).hexdigest()[:12]
    return f"{settings.index_prefix}frontier:{digest}"


def frontier_settings(settings: Settings, sources: list[Source]) -> dict[str, Any]:
    """The Scrapy settings that put a crawl on the shared frontier; empty when unset."""
    if not settings.crawl_frontier_url:
        return {}
    key = frontier_key(settings, sources)
    escaped = key.replace("%", "%%")  # scrapy-redis fills in "%(spider)s" in these two
    return {"SCHEDULER": "crawlers.frontier.SharedFrontier",
            "DUPEFILTER_CLASS": "crawlers.frontier.CanonicalDupeFilter",
            "REDIS_URL": settings.crawl_frontier_url,
            "FRONTIER_KEY": key,
            "SCHEDULER_QUEUE_KEY": f"{escaped}:requests",
            "SCHEDULER_DUPEFILTER_KEY": f"{escaped}:dupefilter",
            "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
            "SCHEDULER_PERSIST": True,  # the pass's last member deletes it (see _LEAVE)
            "SCHEDULER_IDLE_BEFORE_CLOSE": 0,  # never a blocking pop
            "FRONTIER_IDLE_SECONDS": settings.crawl_frontier_idle}


def frontier_problem(settings: Settings) -> str | None:
    """Why the configured frontier cannot be used (checked before Scrapy starts, which would
    only log it), or None."""
    if not settings.crawl_frontier_url:
        return None
    try:
        with Redis.from_url(settings.crawl_frontier_url, socket_connect_timeout=10,
                            socket_timeout=10) as client:
            client.ping()
    except (RedisError, ValueError) as error:
        return (f"cannot use the shared frontier at {display_url(settings.crawl_frontier_url)}"
                f": {error}")
    return None


def frontier_status(settings: Settings) -> dict | None:
    """The passes under way on the shared frontier (``labourwatch status``); None if unset."""
    if not settings.crawl_frontier_url:
        return None
    status: dict[str, Any] = {"url": display_url(settings.crawl_frontier_url), "passes": []}
    try:
        with Redis.from_url(settings.crawl_frontier_url, socket_connect_timeout=10,
                            socket_timeout=10) as client:
            now = client.time()[0]
            for members in client.scan_iter(match=f"{settings.index_prefix}frontier:*:members"):
                key = members.decode().removesuffix(":members")
                status["passes"].append({
                    "key": key, "crawlers": client.zcount(members, now - MEMBER_TTL, "+inf"),
                    "queued": client.zcard(f"{key}:requests"),
                    "seen": client.scard(f"{key}:dupefilter")})
    except (RedisError, ValueError) as error:
        status["error"] = str(error)
    return status


def display_url(url: str) -> str:
    """A Redis URL for people to read: without its password."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class CanonicalDupeFilter(RFPDupeFilter):
    """scrapy-redis's filter, keyed as our spider keys its requests."""

    def request_seen(self, request: Request) -> bool:
        # a redirect continues a request already let in (as Scrapy's own filter sees it when
        # requests carry dont_filter); filtering it would hide loops and lose its fetch row
        if request.meta.get("redirect_urls"):
            return False
        return super().request_seen(request)

    def request_fingerprint(self, request: Request) -> str:
        """Canonical URL, method and body; plus the source for feeds, sitemaps and listings,
        which are read once for each source that lists them, as in a crawl of one process."""
        scope = request.meta.get("source") if request.meta.get("role") in SEED_ROLES else ""
        data = [request.method, canonical_url(request.url), (request.body or b"").hex(),
                scope or ""]
        return hashlib.sha1(json.dumps(data).encode()).hexdigest()


class SharedFrontier(Scheduler):
    """scrapy-redis's scheduler, as one member of a pass (see the module docstring)."""

    crawler: Crawler
    server: Redis

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedFrontier:
        instance = super().from_crawler(crawler)
        instance.crawler = crawler
        instance.quiet_for = crawler.settings.getfloat("FRONTIER_IDLE_SECONDS", 5.0)
        instance.member = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        instance.busy = False
        instance.quiet_since = None
        instance.key = crawler.settings["FRONTIER_KEY"]
        instance.members_key, instance.busy_key = f"{instance.key}:members", \
            f"{instance.key}:busy"
        instance._join = instance.server.register_script(_JOIN)
        instance._state = instance.server.register_script(_STATE)
        instance._leave = instance.server.register_script(_LEAVE)
        instance._beat = task.LoopingCall(instance._heartbeat)
        crawler.signals.connect(instance.idle, signal=signals.spider_idle)
        return instance

    @property
    def report(self) -> CrawlReport:
        return self.crawler.settings[CONTEXT_SETTING].report

    def _keys(self) -> list[str]:
        return [self.members_key, self.busy_key, self.queue.key, self.df.key]

    def open(self, spider: Spider) -> None:
        super().open(spider)
        new = self._join(keys=self._keys(), args=[self.member, MEMBER_TTL])
        log.info("frontier %s: %s the pass as %s", self.key, "started" if new else "joined",
                 self.member)
        self.report.frontier = {"url": display_url(self.crawler.settings["REDIS_URL"]),
                                "key": self.key, "member": self.member,
                                "started_pass": bool(new), "crawlers": 1}
        self._beat.start(HEARTBEAT, now=False)

    def close(self, reason: str) -> None:
        if self._beat.running:
            self._beat.stop()
        ended = self._leave(keys=self._keys(), args=[self.member, MEMBER_TTL])
        log.info("frontier: left the pass (%s)%s", reason, "; it is over" if ended else "")

    def _set(self, state: str) -> tuple[int, int, int]:
        queued, busy, members = self._state(keys=self._keys(),
                                            args=[self.member, MEMBER_TTL, state])
        frontier = self.report.frontier
        frontier["crawlers"] = max(frontier["crawlers"], int(members))  # most at once
        return int(queued), int(busy), int(members)

    def _heartbeat(self) -> None:
        try:
            self._set("busy" if self.busy else "idle")
        except RedisError as error:  # the next beat tries again; 6 may fail before MEMBER_TTL
            log.warning("frontier heartbeat failed: %s", error)

    def next_request(self) -> Request | None:
        if not self.busy:
            if not len(self.queue):
                return None
            self.busy = True  # said before taking, so no look at Redis misses the request
            self._set("busy")
        return super().next_request()

    def idle(self, spider: Spider) -> None:
        """Stop only when the whole pass has been quiet for ``crawl_frontier_idle`` seconds."""
        self.busy = False  # everything this process took is done and its links are queued
        queued, busy, _members = self._set("idle")
        now = time.monotonic()
        if queued or busy:
            self.quiet_since = None
        elif self.quiet_since is None:
            self.quiet_since = now
        if self.quiet_since is not None and now - self.quiet_since >= self.quiet_for:
            return  # Scrapy closes the spider
        from twisted.internet import reactor  # the one Scrapy installed, not a default

        reactor.callLater(POLL, self._wake)
        raise DontCloseSpider

    def _wake(self) -> None:
        """Ask the engine to look at the queue again now, not at its 5 s heartbeat."""
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None and slot.closing is None:
            slot.nextcall.schedule()
