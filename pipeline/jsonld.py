"""What a page's schema.org JSON-LD says about its article: the publisher's own statement,
used as a second opinion beside trafilatura's reading of the HTML.

Only ``<script type="application/ld+json">`` blocks are read (extruct would also parse
microdata and RDFa, at the price of rdflib and html5lib; news sites put articles in JSON-LD).
Publishers' JSON is often sloppy, so each block is parsed leniently and a block that still
fails is skipped, never fatal.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import unescape

from dateutil import parser as dateparser

_BLOCK = re.compile(rb"<script[^>]+type\s*=\s*[\"']?application/ld\+json[\"']?[^>]*>(.*?)</script>",
                    re.IGNORECASE | re.DOTALL)
_CDATA = re.compile(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$|^\s*<!--|-->\s*$")
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

# schema.org types that describe one article or report (subtypes of Article, and the
# report-like types publishers use)
ARTICLE_TYPES = {"article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle",
                 "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle",
                 "askpublicnewsarticle", "blogposting", "liveblogposting", "socialmediaposting",
                 "scholarlyarticle", "techarticle", "report", "advertisercontentarticle",
                 "satiricalarticle"}


@dataclass
class ArticleData:
    """The article object's fields, as far as the page gave them."""

    headline: str | None = None
    description: str | None = None
    body: str | None = None
    authors: list[str] = field(default_factory=list)
    publisher: str | None = None
    url: str | None = None
    language: str | None = None
    published: datetime | None = None
    modified: datetime | None = None


def blocks(raw: bytes, limit: int = 2_000_000) -> list[object]:
    """Every JSON-LD block of the page that parses (leniently), in page order."""
    found = []
    for match in _BLOCK.finditer(raw[:limit]):
        text = match.group(1).decode("utf-8", "replace")
        for attempt in (text, _repair(text)):
            try:
                found.append(json.loads(attempt, strict=False))
                break
            except (ValueError, RecursionError):  # RecursionError: arrays nested 100k deep
                continue
    return found


def _repair(text: str) -> str:
    """The usual publisher mistakes: CDATA or comment wrappers, trailing commas, raw
    control characters, HTML-escaped quotes."""
    text = _CDATA.sub("", text.strip())
    text = _CONTROL.sub(" ", text)
    text = _TRAILING_COMMA.sub(r"\1", text)
    if text.startswith("{&quot;") or "&quot;:" in text:
        text = unescape(text)
    return text


def _objects(node: object) -> list[dict]:
    """All dicts in a JSON-LD document: top-level lists and ``@graph`` members included."""
    if isinstance(node, list):
        return [o for item in node for o in _objects(item)]
    if not isinstance(node, dict):
        return []
    found = [node]
    graph = node.get("@graph")
    if graph is not None:
        found += _objects(graph)
    return found


def _types(obj: dict) -> set[str]:
    kind = obj.get("@type") or []
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).rsplit("/", 1)[-1].lower() for k in kinds}


def _text(value: object) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if v), None)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    if isinstance(value, (str, int, float)) and str(value).strip():
        return unescape(str(value)).strip()
    return None


def _names(value: object) -> list[str]:
    values = value if isinstance(value, list) else [value]
    names = []
    for item in values:
        name = _text(item)
        if name and not name.startswith("http") and name not in names:
            names.append(name)
    return names


def parse_date(value: object) -> datetime | None:
    """An ISO 8601 (or close) date as an aware datetime; None if it is not one."""
    text = _text(value)
    if not text:
        return None
    try:
        parsed = dateparser.isoparse(text)
    except (ValueError, OverflowError):
        try:
            with warnings.catch_warnings():  # "IST" and friends: the day is still right
                warnings.simplefilter("ignore", dateparser.UnknownTimezoneWarning)
                parsed = dateparser.parse(text, fuzzy=False)
        except (ValueError, OverflowError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _url(value: object) -> str | None:
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url")
    text = _text(value)
    return text if text and text.startswith("http") else None


def article_data(raw: bytes) -> ArticleData | None:
    """The page's main article object: the article-typed object with the longest body (or the
    first one), from any block. None when the page declares no article."""
    candidates = [o for block in blocks(raw) for o in _objects(block)
                  if _types(o) & ARTICLE_TYPES]
    if not candidates:
        return None
    main = max(candidates, key=lambda o: len(_text(o.get("articleBody")) or ""))
    return ArticleData(
        headline=_text(main.get("headline")) or _text(main.get("name")),
        description=_text(main.get("description")),
        body=_text(main.get("articleBody")),
        authors=_names(main.get("author")),
        publisher=_text(main.get("publisher")),
        url=_url(main.get("mainEntityOfPage")) or _url(main.get("url")),
        language=_text(main.get("inLanguage")),
        published=parse_date(main.get("datePublished")) or parse_date(main.get("dateCreated")),
        modified=parse_date(main.get("dateModified")),
    )
