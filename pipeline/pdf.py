"""Text and metadata of PDF reports, with pypdf (pure Python, so no system dependency)."""

from __future__ import annotations

import io
import logging
import re
from datetime import UTC, datetime

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from pipeline.document import Document
from pipeline.errors import PipelineError
from pipeline.language import detect, text_length

log = logging.getLogger(__name__)
logging.getLogger("pypdf").setLevel(logging.ERROR)

_PDF_DATE = re.compile(r"D?:?(\d{4})(\d{2})?(\d{2})?")
_HYPHEN_BREAK = re.compile(r"(\w)-\n(\w)")
MAX_PAGES = 400  # a report longer than this is cut (and says so in the log)


def _pdf_date(value: object) -> datetime | None:
    match = _PDF_DATE.match(str(value or ""))
    if not match:
        return None
    year, month, day = match.group(1), match.group(2) or "01", match.group(3) or "01"
    try:
        return datetime(int(year), int(month), int(day), tzinfo=UTC)
    except ValueError:
        return None


def extract_pdf(raw: bytes, url: str | None = None, min_chars: int = 150) -> Document:
    """Extract a report; encrypted, corrupt or image-only PDFs raise PipelineError."""
    try:
        reader = PdfReader(io.BytesIO(raw), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise PipelineError("pdf_encrypted")
        pages = []
        for number, page in enumerate(reader.pages):
            if number >= MAX_PAGES:
                log.info("%s: only the first %d pages read", url, MAX_PAGES)
                break
            # no NUL characters: some fonts map glyphs to U+0000, and PostgreSQL text refuses it
            pages.append((page.extract_text() or "").replace("\x00", ""))
        meta = reader.metadata or {}
    except PipelineError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError,
            RecursionError, NotImplementedError) as error:
        raise PipelineError("pdf_unreadable", error=f"{type(error).__name__}: {error}") from error
    text = _HYPHEN_BREAK.sub(r"\1\2", "\n\n".join(p.strip() for p in pages if p.strip()))
    if text_length(text) < min_chars:
        raise PipelineError("too_short", chars=len(text), minimum=min_chars)
    title = str(meta.get("/Title") or "").replace("\x00", "").strip() or None
    if not title:
        title = next((line.strip() for line in text.splitlines() if len(line.strip()) > 8), None)
    author = str(meta.get("/Author") or "").strip()
    return Document(url=url or "", text=text, title=title,
                    authors=[a.strip() for a in re.split(r"[;,]| and ", author) if a.strip()],
                    published_at=_pdf_date(meta.get("/CreationDate")),
                    language=detect(text), kind="report")
