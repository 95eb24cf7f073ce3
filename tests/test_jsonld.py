"""JSON-LD as a second opinion: metadata a page states only in its schema.org block."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.extract import extract_html
from pipeline.jsonld import article_data

BODY = " ".join(["Content moderators in Nairobi said they were paid $2 an hour to review "
                 "graphic material for an outsourcing firm working for large AI companies."] * 4)


def page(jsonld: str, meta: str = "") -> bytes:
    return (f"<html><head><title>x</title>{meta}<script type='application/ld+json'>{jsonld}"
            f"</script></head><body><article><h1>Moderators speak out</h1><p>{BODY}</p>"
            f"<p>{BODY}</p></article></body></html>").encode()


def test_sloppy_graph_block_still_gives_the_article() -> None:
    # a CDATA wrapper, a trailing comma and the article inside an @graph beside other objects
    block = """//<![CDATA[
    {"@context": "https://schema.org", "@graph": [
      {"@type": "WebSite", "name": "Example", "datePublished": "2001-01-01"},
      {"@type": ["NewsArticle"], "headline": "Moderators speak out",
       "datePublished": "2023-02-14T08:30:00+03:00",
       "author": [{"@type": "Person", "name": "Jane Doe"}, {"name": "Li Wei"},
                  "https://example.org/staff/ghost"],
       "publisher": {"@type": "Organization", "name": "Example News"},
       "mainEntityOfPage": {"@id": "https://example.org/moderators"},},
    ]}
    //]]>"""
    data = article_data(page(block))
    assert data is not None
    assert data.headline == "Moderators speak out"
    assert data.authors == ["Jane Doe", "Li Wei"]
    assert data.publisher == "Example News"
    assert data.url == "https://example.org/moderators"
    assert data.published == datetime(2023, 2, 14, 5, 30, tzinfo=UTC)


def test_page_metadata_filled_from_jsonld_only_where_missing() -> None:
    block = ('{"@type": "NewsArticle", "datePublished": "2024-05-06", "author": '
             '{"name": "Jane Doe"}, "publisher": {"name": "Example News"}}')
    doc = extract_html(page(block), url="https://example.org/a")
    assert doc.authors == ["Jane Doe"]
    assert doc.published_at is not None and doc.published_at.date().isoformat() == "2024-05-06"
    # the page's own meta tags keep priority over the JSON-LD
    meta = ('<meta name="author" content="Sam Meta">'
            '<meta property="article:published_time" content="2024-05-01">')
    doc = extract_html(page(block, meta), url="https://example.org/a")
    assert doc.authors == ["Sam Meta"]
    assert doc.published_at is not None and doc.published_at.date().isoformat() == "2024-05-01"


def test_broken_or_absent_jsonld_is_ignored() -> None:
    assert article_data(page('{"@type": "NewsArticle", "headline": ')) is None
    assert article_data(page('{"@type": "Organization", "name": "Example"}')) is None
    future = '{"@type": "NewsArticle", "datePublished": "2999-01-01"}'
    assert extract_html(page(future)).published_at is None  # a date in the future is no date
