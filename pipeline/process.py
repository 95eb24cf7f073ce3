"""The stages every document goes through, whether crawled or ingested: extract, then keep.

``extract`` turns bytes into a Document (HTML with trafilatura, PDF with pypdf); ``keep``
names the outlet, fills gaps from what the feed or sitemap said, and stores the document as a
new article, a new version, or nothing new.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from config import Settings
from nlp.pipeline import analyse as analyse_text
from nlp.pipeline import configure
from pipeline.dedup import Deduper, signature_bytes
from pipeline.document import Document, fold_chinese
from pipeline.errors import PipelineError
from pipeline.extract import extract_html, sniff
from pipeline.outlets import host_id, load_outlets, outlet_for_url
from pipeline.pdf import extract_pdf
from pipeline.relevance import load_scorer
from pipeline.store import Store, retry_on_conflict

log = logging.getLogger(__name__)

# Declared types that are never an article, whatever the bytes look like.
_NOT_ARTICLES = ("image/", "audio/", "video/", "font/", "application/zip",
                 "application/vnd.", "application/javascript", "text/css")


@dataclass
class Hints:
    """What a feed entry or sitemap said about a page; used where the page itself is silent."""

    title: str | None = None
    published_at: datetime | None = None
    authors: list[str] = field(default_factory=list)
    summary: str | None = None


@dataclass
class Kept:
    outcome: str  # new | updated | unchanged
    article_id: str
    cluster_id: str | None
    fetch_id: int | None = None


def analyse(doc: Document, scorer_file: Path) -> Document:
    """The CPU work after extraction: relevance and the MinHash signature."""
    relevance = load_scorer(scorer_file).score(doc.text, doc.title)
    doc.relevance, doc.relevance_terms, doc.beat = (relevance.score, relevance.terms,
                                                    relevance.on_topic)
    doc.signature = signature_bytes(doc.text, doc.language)
    doc.text_hash  # noqa: B018 - computed here, where the CPU work is parallel
    doc.nlp = run_nlp(doc)
    return doc


def run_nlp(doc: Document) -> dict | None:
    """Wages, companies, places, attributions and claims of the text; a failure here is
    logged and leaves the document without them rather than losing it."""
    try:
        year = doc.published_at.year if doc.published_at else None
        return analyse_text(doc.text, doc.language or "auto", year)
    except Exception:  # noqa: BLE001 - the article is worth keeping without its extractions
        log.exception("NLP failed on %s", doc.url)
        return None


def extract_document(raw: bytes, url: str | None, content_type: str | None,
                     min_chars: int, scorer_file: Path | None = None) -> Document:
    """Bytes to Document by what they are (HTML, PDF), analysed when ``scorer_file`` is given;
    a plain function so that a worker process can run it."""
    doc = _extract(raw, url, content_type, min_chars)
    return analyse(doc, scorer_file) if scorer_file else doc


def _extract(raw: bytes, url: str | None, content_type: str | None, min_chars: int
             ) -> Document:
    declared = (content_type or "").split(";")[0].strip().lower()
    if declared.startswith(_NOT_ARTICLES):
        raise PipelineError("not_article", content_type=declared)
    kind = sniff(raw)
    if kind == "empty":
        raise PipelineError("empty")
    if kind == "pdf":
        return fold_chinese(extract_pdf(raw, url=url, min_chars=min_chars))
    if kind in {"binary", "gzip"}:
        raise PipelineError("binary", hint=f"sniffed as {kind}")
    if declared and not (declared.startswith("text/") or "html" in declared
                         or "xml" in declared or declared == "application/octet-stream"):
        raise PipelineError("not_article", content_type=declared)
    if kind != "html":
        raise PipelineError("unsupported", kind=kind.upper())
    return fold_chinese(extract_html(raw, url=url, min_chars=min_chars))


class Processor:
    """Extraction and storage shared by ``ingest`` and the crawler's item pipeline."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.outlets = load_outlets(settings.config_file("gazetteer/outlets.yaml"))
        self.scorer_file = settings.config_file("relevance.yaml")
        self.deduper = Deduper()
        configure(settings.nlp_model, settings.config_dir)  # for NLP run in this process

    def extract(self, raw: bytes, url: str | None, content_type: str | None = None) -> Document:
        """A Document from raw bytes, or PipelineError saying why not."""
        return extract_document(raw, url, content_type, self.settings.min_text_chars)

    def keep(self, doc: Document, fetch_id: int | None, outlet: str | None = None,
             kind: str | None = None, hints: Hints | None = None,
             topic_filter: bool = False, update_fetch: bool = True,
             fetch_row: dict | None = None,
             within: Callable[[Session, str], None] | None = None) -> Kept:
        """Store ``doc``; the fetch row (if any) learns the outcome.

        ``fetch_row`` is a fetch not yet written (a crawled article): it is inserted in the
        same transaction as the document, one commit per page instead of two. ``within``
        writes more rows in that transaction (the crawler's seen-URL record), given the
        article id.

        With ``topic_filter`` (a source with ``filter: topic``) the relevance scorer decides
        whether the story is on topic; otherwise every story is, and is still scored.
        """
        known = self.outlets.get(outlet) if outlet else outlet_for_url(doc.url, self.outlets)
        doc.outlet = outlet or (known.id if known else None) or host_id(doc.url)
        doc.kind = kind or (known.kind if known else doc.kind)
        if hints:
            doc.title = doc.title or hints.title
            doc.published_at = doc.published_at or hints.published_at
            doc.authors = doc.authors or hints.authors
            doc.description = doc.description or hints.summary
        if doc.beat is None or doc.signature is None:
            analyse(doc, self.scorer_file)
        doc.on_topic = bool(doc.beat) or not topic_filter
        return retry_on_conflict(lambda: self._write(doc, fetch_id, update_fetch, fetch_row,
                                                     within))

    def _write(self, doc: Document, fetch_id: int | None, update_fetch: bool,
               fetch_row: dict | None, within: Callable[[Session, str], None] | None) -> Kept:
        """The one transaction of ``keep``; run again if another process stored the same
        story first (it then finds that article: unchanged, or a new version)."""
        # one flush, at commit: the article, its version and its cluster in one INSERT each
        with self.store.session() as session, session.no_autoflush:
            article, outcome, version = self.store.save_document(session, doc, fetch_id)
            if fetch_row is not None:
                fetch_id = self.store.add_fetch(session, **{**fetch_row, "outcome": outcome})
                if version is not None:
                    version.fetch_id = fetch_id
            elif fetch_id is not None and update_fetch:
                self.store.set_fetch_outcome(session, fetch_id, outcome)
            if outcome != "unchanged":
                self.deduper.assign(session, article, doc.signature)
            if within is not None:
                within(session, article.id)
            return Kept(outcome, article.id, article.cluster_id, fetch_id)
