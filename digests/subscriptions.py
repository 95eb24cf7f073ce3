"""Saved searches that advocacy groups receive weekly, from ``config/subscriptions.yaml``.

Shape (DESIGN.md): ``id, name, query, filters, schedule, deliver {email[], atom, dir}``.
``filters`` takes the search filters by their CLI names (outlet, lang, company, country,
wage_min, wage_max, off_topic); ``languages`` at the top level is the same as ``filters.lang``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from config.entries import load_entries
from config.schedules import ScheduleError
from config.schedules import validate as validate_schedule
from index.search import SearchFilters

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
DEFAULT_SCHEDULE = {"cron": "0 7 * * mon"}  # Monday 07:00 UTC, for the week just ended
_LISTS = {"outlet": "outlets", "outlets": "outlets", "lang": "languages",
          "language": "languages", "languages": "languages", "company": "companies",
          "companies": "companies", "country": "countries", "countries": "countries"}
_NUMBERS = {"wage_min", "wage_max"}


class SubscriptionError(ValueError):
    """subscriptions.yaml is not valid; the message names the file, entry and field."""


@dataclass(frozen=True)
class Delivery:
    email: tuple[str, ...] = ()
    atom: bool = True
    dir: bool = True


@dataclass(frozen=True)
class Subscription:
    id: str
    name: str
    query: str = "*"
    filters: dict = field(default_factory=dict)
    schedule: dict = field(default_factory=lambda: dict(DEFAULT_SCHEDULE))
    deliver: Delivery = Delivery()
    stories: int = 25  # the most a digest lists; the rest are counted

    def search_filters(self, since: date | None = None, until: date | None = None
                       ) -> SearchFilters:
        """The subscription's filters for one period, as the search function takes them."""
        chosen = SearchFilters(since=since, until=until)
        for key, value in self.filters.items():
            if key in _NUMBERS:
                setattr(chosen, key, float(value))
            elif key == "off_topic":
                chosen.off_topic = bool(value)
            else:
                getattr(chosen, _LISTS[key]).extend(value)
        return chosen


def _filters(raw: object, languages: object, where: str) -> dict:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise SubscriptionError(f"{where}: filters must be a mapping")
    chosen: dict = {}
    for key, value in raw.items():
        if key in _NUMBERS:
            try:
                chosen[key] = float(value)
            except (TypeError, ValueError):
                raise SubscriptionError(f"{where}: filters.{key} must be a number") from None
        elif key == "off_topic":
            chosen[key] = bool(value)
        elif key in _LISTS:
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise SubscriptionError(f"{where}: filters.{key} must be a word or a list")
            chosen.setdefault(_LISTS[key], []).extend(values)
        else:
            raise SubscriptionError(
                f"{where}: unknown filter {key!r} (known: {', '.join(sorted(_LISTS))}, "
                f"wage_min, wage_max, off_topic)")
    if languages:
        values = [languages] if isinstance(languages, str) else languages
        chosen.setdefault("languages", []).extend(values)
    return chosen


def _delivery(raw: object, where: str) -> Delivery:
    if raw is None:
        return Delivery()
    if not isinstance(raw, dict):
        raise SubscriptionError(f"{where}: deliver must be a mapping")
    emails = raw.get("email") or []
    emails = [emails] if isinstance(emails, str) else emails
    for address in emails:
        if not isinstance(address, str) or not _EMAIL.match(address):
            raise SubscriptionError(f"{where}: deliver.email {address!r} is not an address")
    return Delivery(email=tuple(emails), atom=bool(raw.get("atom", True)),
                    dir=bool(raw.get("dir", True)))


def parse_subscription(row: object, where: str) -> Subscription:
    if not isinstance(row, dict):
        raise SubscriptionError(f"{where}: expected a mapping")
    sid = row.get("id")
    if not isinstance(sid, str) or not _ID.match(sid):
        raise SubscriptionError(f"{where}: id {sid!r} must be a lowercase slug")
    where = f"{where} ({sid})"
    schedule = row.get("schedule") or dict(DEFAULT_SCHEDULE)
    try:
        validate_schedule(schedule)
    except ScheduleError as error:
        raise SubscriptionError(f"{where}: {error}") from error
    query = row.get("query", "*")
    if not isinstance(query, str) or not query.strip():
        raise SubscriptionError(f"{where}: query must be a search (use '*' for everything)")
    stories = row.get("stories", 25)
    if not isinstance(stories, int) or not 1 <= stories <= 500:
        raise SubscriptionError(f"{where}: stories must be a whole number from 1 to 500")
    return Subscription(
        id=sid, name=str(row.get("name") or sid), query=query,
        filters=_filters(row.get("filters"), row.get("languages"), where),
        schedule=schedule, deliver=_delivery(row.get("deliver"), where), stories=stories)


def load_subscriptions(path: Path) -> list[Subscription]:
    """Every subscription in ``path`` (none when the file does not exist)."""
    if not path.exists():
        return []
    return load_entries(path, "subscriptions", parse_subscription, SubscriptionError,
                        required=False)


def find(subscriptions: list[Subscription], sid: str) -> Subscription:
    for sub in subscriptions:
        if sub.id == sid:
            return sub
    known = ", ".join(s.id for s in subscriptions) or "none configured"
    raise SubscriptionError(f"no subscription {sid!r} (known: {known})")
