"""The document that flows through the stages: extraction fills it, the store keeps it."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from pipeline.language import fold_traditional

_SPACE = re.compile(r"\s+")


def article_id(url: str) -> str:
    """A stable id from the canonical URL: the same story keeps its id across versions."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:20]


def text_hash(text: str) -> str:
    """Hash of normalised text, so whitespace or Unicode form changes are not new versions."""
    normal = _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().lower()
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def fold_chinese(doc: Document) -> Document:
    """Traditional Chinese is searched and analysed as Simplified; the original is kept."""
    if doc.language != "zh":
        return doc
    folded, traditional = fold_traditional(doc.text)
    doc.script = "Hant" if traditional else "Hans"
    if traditional:
        doc.text_original, doc.text = doc.text, folded
        if doc.title:
            doc.title = fold_traditional(doc.title)[0]
    return doc


@dataclass
class Document:
    """One extracted article or report, before it is stored."""

    url: str
    text: str
    title: str | None = None
    description: str | None = None
    authors: list[str] = field(default_factory=list)
    site_name: str | None = None
    published_at: datetime | None = None
    language: str | None = None
    declared_language: str | None = None
    outlet: str | None = None
    kind: str = "news"
    fetched_at: datetime | None = None
    text_original: str | None = None  # as written, when ``text`` was folded (Traditional)
    script: str | None = None  # Hans / Hant for Chinese
    relevance: float | None = None
    relevance_terms: dict[str, int] = field(default_factory=dict)
    beat: bool | None = None  # the relevance scorer's verdict; None until scored
    on_topic: bool = True  # what search uses: the verdict, unless the source takes all
    signature: bytes | None = None  # MinHash of the text, for syndication clusters
    nlp: dict | None = None  # the NLP stage's findings (extract --json shape)
    _hashed: tuple[str, str] | None = field(default=None, repr=False, compare=False)

    @property
    def id(self) -> str:
        return article_id(self.url)

    @property
    def text_hash(self) -> str:
        """Computed once per text (in the worker that extracted it, during a crawl)."""
        if self._hashed is None or self._hashed[0] is not self.text:
            self._hashed = (self.text, text_hash(self.text))
        return self._hashed[1]
