"""Publication days as htmldate reads them, from the page as published (comments included)."""

from __future__ import annotations

from pipeline.extract import extract_html

BODY = ("Annotators hired through a vendor in Manila said they earned less than two dollars an "
        "hour labelling images for a driverless-car company, and lost their jobs without notice.")

# Blog platforms (Movable Type, goo blog, Hatena) announce the entry to trackback clients in
# RDF wrapped in an HTML comment; often it is the page's only machine-readable date.
TRACKBACK = """<!--
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:dc="http://purl.org/dc/elements/1.1/"
         xmlns:trackback="http://madskills.com/public/xml/rss/module/trackback/">
<rdf:Description rdf:about="https://blog.example.jp/e/52743e"
  dc:identifier="https://blog.example.jp/e/52743e" dc:title="Annotators speak"
  dc:date="2020-07-12T22:00:00+09:00" trackback:ping="https://blog.example.jp/tb/52743e" />
</rdf:RDF>
-->"""


def blog_page() -> bytes:
    return (f"<html><head><title>Annotators speak</title></head><body>{TRACKBACK}"
            f"<div class='entry'><h1>Annotators speak</h1><p>{BODY}</p><p>{BODY} Again.</p>"
            "</div></body></html>").encode()


def test_date_only_in_a_trackback_comment_is_found() -> None:
    doc = extract_html(blog_page(), url="https://blog.example.jp/e/52743e")
    assert doc.published_at is not None
    assert doc.published_at.date().isoformat() == "2020-07-12"


def test_comments_never_reach_the_text() -> None:
    doc = extract_html(blog_page(), url="https://blog.example.jp/e/52743e")
    assert "trackback" not in doc.text and "rdf" not in doc.text.lower()
    assert doc.text.startswith("Annotators hired through a vendor in Manila")
