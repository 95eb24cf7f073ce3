"""The sources users follow, from ``config/sources.yaml`` (schema in DESIGN.md), validated."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from config.entries import load_entries
from config.schedules import ScheduleError
from config.schedules import validate as validate_schedule

KINDS = {"news", "report"}
FILTERS = {"topic", "all"}
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class SourceError(ValueError):
    """sources.yaml is not valid; the message names the file, the source and the field."""


@dataclass(frozen=True)
class Politeness:
    delay: float = 2.0  # seconds between requests to this source
    concurrency: int = 2  # requests in flight at once to this source


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    kind: str = "news"
    homepage: str | None = None
    language: str | None = None
    country: str | None = None
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    listings: tuple[str, ...] = ()
    article_pattern: str | None = None
    schedule: dict = field(default_factory=lambda: {"every": "2h"})
    filter: str = "topic"
    politeness: Politeness = Politeness()
    verified: bool = True  # False: URLs written from the outlet's conventions, never fetched

    @property
    def pattern(self) -> re.Pattern[str] | None:
        return re.compile(self.article_pattern) if self.article_pattern else None

    @property
    def hosts(self) -> set[str]:
        """Hosts whose pages belong to this source (its homepage, feeds, sitemaps, listings)."""
        urls = [self.homepage or "", *self.feeds, *self.sitemaps, *self.listings]
        return {h for h in ((urlsplit(u).hostname or "").lower() for u in urls) if h}

    def matches(self, url: str) -> bool:
        pattern = self.pattern
        return bool(pattern.search(url)) if pattern else True


def _urls(raw: object, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        raise SourceError(f"{where}: expected a list of URLs")
    for url in raw:
        if not isinstance(url, str) or urlsplit(url).scheme not in {"http", "https"}:
            raise SourceError(f"{where}: {url!r} is not an http(s) URL")
    return tuple(raw)


def parse_source(row: dict, where: str) -> Source:
    if not isinstance(row, dict):
        raise SourceError(f"{where}: expected a mapping")
    sid = row.get("id")
    if not isinstance(sid, str) or not _ID.match(sid):
        raise SourceError(f"{where}: id {sid!r} must be a lowercase slug")
    where = f"{where} ({sid})"
    kind = row.get("kind", "news")
    if kind not in KINDS:
        raise SourceError(f"{where}: kind {kind!r} is not one of {sorted(KINDS)}")
    filt = row.get("filter", "topic")
    if filt not in FILTERS:
        raise SourceError(f"{where}: filter {filt!r} is not one of {sorted(FILTERS)}")
    pattern = row.get("article_pattern")
    if pattern:
        try:
            re.compile(pattern)
        except re.error as error:
            raise SourceError(f"{where}: article_pattern: {error}") from error
    polite = row.get("politeness") or {}
    schedule = row.get("schedule") or {"every": "2h"}
    try:
        validate_schedule(schedule)
    except ScheduleError as error:
        raise SourceError(f"{where}: {error}") from error
    source = Source(
        id=sid, name=str(row.get("name") or sid), kind=kind, homepage=row.get("homepage"),
        language=row.get("language"), country=row.get("country"),
        feeds=_urls(row.get("feeds"), f"{where} feeds"),
        sitemaps=_urls(row.get("sitemaps"), f"{where} sitemaps"),
        listings=_urls(row.get("listings"), f"{where} listings"),
        article_pattern=pattern, schedule=schedule, filter=filt,
        politeness=Politeness(delay=float(polite.get("delay", 2.0)),
                              concurrency=int(polite.get("concurrency", 2))),
        verified=bool(row.get("verified", True)))
    if not (source.feeds or source.sitemaps or source.listings):
        raise SourceError(f"{where}: needs at least one of feeds, sitemaps, listings")
    return source


def load_sources(path: Path) -> list[Source]:
    """All sources in ``path``, in file order; raises SourceError on the first problem."""
    return load_entries(path, "sources", parse_source, SourceError)


def select(sources: list[Source], ids: list[str]) -> list[Source]:
    """The sources named by ``ids`` (all when empty); unknown ids are an error."""
    if not ids:
        return sources
    known = {s.id: s for s in sources}
    missing = [i for i in ids if i not in known]
    if missing:
        raise SourceError(f"unknown source id(s): {', '.join(missing)}")
    return [known[i] for i in ids]
