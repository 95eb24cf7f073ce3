"""What one crawl shares between its Scrapy components: store, archive, seen URLs, counts."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from config import Settings
from crawlers.seen import SeenStore, Validators
from crawlers.sources import Source
from crawlers.warc import WarcArchive
from pipeline.process import Processor
from pipeline.store import Store

CONTEXT_SETTING = "LABOURWATCH_CONTEXT"


@dataclass
class CrawlReport:
    """The summary a user reads after a crawl."""

    fetched: int = 0  # responses received, of any kind (robots, feeds, sitemaps, pages)
    articles: int = 0  # article and report responses handed to the pipeline
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    not_modified: int = 0  # feeds and sitemaps answered 304
    skipped_seen: int = 0  # entries not fetched: seen before and not changed since
    skipped_robots: int = 0
    failed: Counter = field(default_factory=Counter)  # reason code -> count
    per_source: dict[str, Counter] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    seconds: float | None = None  # how long the crawl itself took
    frontier: dict | None = None  # the shared frontier this crawl took part in, if any

    def finished(self) -> None:
        self.seconds = round(time.monotonic() - self.started, 3)

    def count(self, source_id: str | None, what: str, n: int = 1) -> None:
        self.per_source.setdefault(source_id or "-", Counter())[what] += n

    def as_dict(self) -> dict:
        return {"fetched": self.fetched, "articles": self.articles, "new": self.new,
                "updated": self.updated, "unchanged": self.unchanged,
                "not_modified": self.not_modified, "skipped_seen": self.skipped_seen,
                "skipped_robots": self.skipped_robots, "failed": dict(self.failed),
                "seconds": self.seconds, "frontier": self.frontier,
                "per_source": {k: dict(v) for k, v in self.per_source.items()}}


@dataclass
class CrawlContext:
    settings: Settings
    sources: list[Source]
    store: Store
    archive: WarcArchive
    processor: Processor
    seen: SeenStore
    validators: Validators
    report: CrawlReport = field(default_factory=CrawlReport)

    @classmethod
    def create(cls, settings: Settings, sources: list[Source], store: Store | None = None
               ) -> CrawlContext:
        store = store or Store.from_settings(settings)
        return cls(settings=settings, sources=sources, store=store,
                   archive=WarcArchive.from_settings(settings),
                   processor=Processor(settings, store), seen=SeenStore(store),
                   validators=Validators(store))

    def __deepcopy__(self, memo: dict) -> CrawlContext:
        """Scrapy deep-copies its settings; the one shared context must stay one object."""
        return self

    def source(self, source_id: str) -> Source | None:
        return next((s for s in self.sources if s.id == source_id), None)

    def record_failure(self, url: str, source_id: str | None, fetch_id: int | None,
                       outcome: str, reason: str, fetch_row: dict | None = None) -> None:
        """Put the reason on the request's fetch row, or add the row: the one the response
        left unwritten (``fetch_row``, with its WARC record), or a bare one if it had none."""
        with self.store.session() as session:
            if fetch_id is not None:
                self.store.set_fetch_outcome(session, fetch_id, outcome, reason)
                return
            row = {"url": url, "source_id": source_id, "method": "crawl", **(fetch_row or {})}
            self.store.add_fetch(session, **{**row, "outcome": outcome, "error": reason})
