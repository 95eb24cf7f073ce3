"""Feeds of every kind (RSS 0.9x/1.0/2.0, Atom, RDF, JSON Feed) through feedparser."""

from __future__ import annotations

import calendar
import json
import re
import time
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin

import feedparser

# feedparser warns on every entry about its updated/published fallback; we read both ourselves
warnings.filterwarnings("ignore", category=DeprecationWarning, module="feedparser")
# feedparser must never fetch anything itself: we hand it bytes Scrapy downloaded.
feedparser.RESOLVE_RELATIVE_URIS = False
feedparser.SANITIZE_HTML = True
# feedparser falls back to its slow loose (sgmllib) parser on anything that is not XML: an HTML
# page served at a feed's URL took 22 s and 5 MB of it 200 MB, 60 MB of it 3 GB. A feed names
# its root element near the start, so bodies without one are refused before parsing.
_FEED_ROOT = re.compile(rb"<(?:[\w.-]+:)?(?:rss|feed|rdf|channel)[\s>/]", re.IGNORECASE)
FEED_ROOT_WITHIN = 65_536  # bytes from the start (after an XML declaration, DTD, comments)


@dataclass
class FeedEntry:
    """One entry: where the article is and what the feed says about it."""

    url: str
    title: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    authors: list[str] = field(default_factory=list)
    summary: str | None = None
    language: str | None = None

    @property
    def signature(self) -> str | None:
        """Changes when the publisher says the entry changed (its updated or published date)."""
        stamp = self.updated_at or self.published_at
        return stamp.strftime("%Y-%m-%dT%H:%M:%SZ") if stamp else None


@dataclass
class ParsedFeed:
    version: str  # feedparser's name for the format, e.g. rss20, atom10, rss10, json11
    entries: list[FeedEntry]
    problem: str | None = None  # why feedparser called it ill-formed (bozo), if it did


def _when(value: time.struct_time | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _summary(entry: dict) -> str | None:
    text = entry.get("summary") or ""
    if not text and entry.get("content"):
        text = entry["content"][0].get("value", "")
    if not text:
        return None
    from lxml import html  # local import: only entries with HTML summaries need it

    try:
        return " ".join(html.fromstring(text).text_content().split())[:2000] or None
    except Exception:  # noqa: BLE001 - a summary we cannot clean is just dropped
        return None


def _json_date(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def parse_json_feed(body: bytes, url: str) -> ParsedFeed:
    """JSON Feed 1.0/1.1 (jsonfeed.org); feedparser 6.0 on PyPI does not read it yet."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        return ParsedFeed("json", [], f"not JSON: {error}"[:300])
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith(
            "https://jsonfeed.org/version/"):
        return ParsedFeed("json", [], "JSON without a jsonfeed.org version")
    version = "json" + str(data["version"]).rsplit("/", 1)[-1].replace(".", "")
    entries = []
    for item in data.get("items") or []:
        if not isinstance(item, dict):
            continue
        link = item.get("url") or item.get("external_url")
        if not isinstance(link, str) or not link:
            continue
        people = item.get("authors") or ([item["author"]] if item.get("author") else [])
        authors = [p["name"] for p in people if isinstance(p, dict) and p.get("name")]
        summary = item.get("summary") or item.get("content_text")
        entries.append(FeedEntry(
            url=urljoin(url, link.strip()), title=item.get("title"),
            published_at=_json_date(item.get("date_published")),
            updated_at=_json_date(item.get("date_modified")), authors=authors,
            summary=str(summary)[:2000] if summary else None,
            language=item.get("language") or data.get("language")))
    return ParsedFeed(version, entries)


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> ParsedFeed:
    """Entries with a link from ``body``; never raises on a malformed feed."""
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if "json" in (content_type or "").lower() or head == b"{":
        return parse_json_feed(body, url)
    wide = b"\0" in body[:4]  # UTF-16/32: feedparser decodes those itself
    if not wide and not _FEED_ROOT.search(body, 0, FEED_ROOT_WITHIN):
        return ParsedFeed("unknown", [], "not a feed: no <rss>, <feed> or <rdf:RDF> element "
                                         "near the start")
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False)
    problem = None
    error = parsed.get("bozo_exception")
    if parsed.get("bozo") and not isinstance(error, feedparser.NonXMLContentType):
        problem = f"{type(error).__name__}: {error}"[:500]
    language = (parsed.get("feed") or {}).get("language")
    entries = []
    for entry in parsed.get("entries", []):
        link = entry.get("link") or ""
        if not link and str(entry.get("id", "")).startswith(("http://", "https://")):
            link = entry["id"]
        if not link:
            continue
        authors = [a.get("name") for a in entry.get("authors", []) if a.get("name")]
        if not authors and entry.get("author"):
            authors = [entry["author"]]
        entries.append(FeedEntry(
            url=urljoin(url, link.strip()), title=entry.get("title"),
            published_at=_when(entry.get("published_parsed")),
            updated_at=_when(entry.get("updated_parsed")),
            authors=authors, summary=_summary(entry), language=language))
    return ParsedFeed(version=parsed.get("version") or "unknown", entries=entries,
                      problem=problem)
