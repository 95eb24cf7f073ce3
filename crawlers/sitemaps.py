"""Sitemaps: index files, url sets, gzipped files, and Google News tags."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree
from scrapy.utils.gz import gunzip

# Entities are never resolved and nothing is fetched: a sitemap cannot expand or reach out.
_PARSER = etree.XMLParser(recover=True, resolve_entities=False, no_network=True,
                          remove_comments=True, remove_pis=True, huge_tree=False)


@dataclass
class SitemapEntry:
    url: str
    lastmod: str | None = None
    news_title: str | None = None
    news_published: datetime | None = None
    news_language: str | None = None

    @property
    def signature(self) -> str | None:
        return self.lastmod or (self.news_published.isoformat() if self.news_published else None)


@dataclass
class ParsedSitemap:
    kind: str  # index | urlset | invalid
    entries: list[SitemapEntry]
    problem: str | None = None


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    for candidate in (text, text[:10]):
        try:
            parsed = datetime.fromisoformat(candidate)
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def decompress(body: bytes, max_size: int) -> bytes:
    """The sitemap XML, gunzipped when it came gzipped (bounded: no decompression bombs)."""
    if body[:2] == b"\x1f\x8b":
        return gunzip(body, max_size=max_size)
    return body


def parse_sitemap(body: bytes) -> ParsedSitemap:
    """Entries of a sitemap or sitemap index; a broken one says why instead of raising."""
    if not body.strip():
        return ParsedSitemap("invalid", [], "empty sitemap")
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as error:
        return ParsedSitemap("invalid", [], f"not XML: {error}")
    if root is None:
        return ParsedSitemap("invalid", [], "not XML")
    kind = {"sitemapindex": "index", "urlset": "urlset"}.get(_local(root.tag))
    if kind is None:
        return ParsedSitemap("invalid", [], f"root element <{_local(root.tag)}> is not a sitemap")
    entries = []
    for element in root:
        if _local(element.tag) not in {"url", "sitemap"}:
            continue
        fields: dict[str, str] = {}
        for child in element.iter():
            name = _local(child.tag)
            if name and child.text and child.text.strip():
                fields.setdefault(name, child.text.strip())
        if "loc" not in fields:
            continue
        entries.append(SitemapEntry(
            url=fields["loc"], lastmod=fields.get("lastmod"), news_title=fields.get("title"),
            news_published=_date(fields.get("publication_date")),
            news_language=fields.get("language")))
    problem = None
    if _PARSER.error_log and len(_PARSER.error_log):
        problem = f"recovered from XML errors: {_PARSER.error_log[0].message}"[:300]
    return ParsedSitemap(kind, entries, problem)
