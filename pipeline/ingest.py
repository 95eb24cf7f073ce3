"""Local files through the same chain as crawled pages: archive → extract → store → index."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from elasticsearch import Elasticsearch

from config import Settings
from crawlers.warc import WarcArchive, WarcRef
from index.sync import SyncReport, catch_up
from pipeline.document import Document
from pipeline.errors import PipelineError
from pipeline.process import Processor
from pipeline.store import Store, now

log = logging.getLogger(__name__)

INPUT_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml", ".pdf"}


@dataclass
class IngestResult:
    """What happened to one input file."""

    path: Path
    outcome: str  # new | updated | unchanged | failed
    document: Document | None = None
    error: str | None = None
    indexed: bool = False
    cluster_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome != "failed"

    def as_json(self) -> dict:
        doc = self.document
        assert doc is not None
        return {
            "id": doc.id, "url": doc.url, "title": doc.title, "text": doc.text,
            "language": doc.language,
            "published_at": doc.published_at.strftime("%Y-%m-%dT%H:%M:%SZ")
            if doc.published_at else None,
            "outlet": doc.outlet, "cluster_id": self.cluster_id or doc.id,
            "outcome": self.outcome, "indexed": self.indexed,
        }


def _content_type(raw: bytes) -> str:
    return "application/pdf" if raw.lstrip()[:5] == b"%PDF-" else "text/html"


def expand(paths: Iterable[Path]) -> Iterator[Path]:
    """Files as given, and the HTML and PDF files under any folder given (sorted, recursive)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*")
                              if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES)
        else:
            yield path


class Ingestor:
    """Runs files through the pipeline; one bad file never stops the others."""

    def __init__(self, settings: Settings, store: Store, archive: WarcArchive) -> None:
        self.settings = settings
        self.store = store
        self.archive = archive
        self.processor = Processor(settings, store)

    @classmethod
    def from_settings(cls, settings: Settings, store: Store | None = None) -> Ingestor:
        return cls(settings, store or Store.from_settings(settings),
                   WarcArchive.from_settings(settings))

    def ingest_file(self, path: Path, outlet: str | None = None, url: str | None = None
                    ) -> IngestResult:
        uri = url or path.resolve().as_uri()
        raw: bytes | None = None
        ref = None
        try:
            raw = self._read(path)
            ref = self.archive.write_resource(uri, raw, _content_type(raw), now())
            doc = self.processor.extract(raw, url)
            doc.url = doc.url or uri
            doc.fetched_at = ref.fetched_at
            fetch_id = self._record(doc.url, raw, ref, "pending")
            kept = self.processor.keep(doc, fetch_id, outlet=outlet)
            return IngestResult(path, kept.outcome, document=doc, cluster_id=kept.cluster_id)
        except PipelineError as error:
            self._record(uri, raw, ref, "failed", str(error))
            return IngestResult(path, "failed", error=str(error))
        except Exception as error:  # noqa: BLE001 - one bad file never stops the others
            log.debug("unexpected failure on %s", path, exc_info=True)
            reason = f"internal: {type(error).__name__}: {error}"[:1000]
            self._record(uri, raw, ref, "failed", reason)
            return IngestResult(path, "failed", error=reason)

    def _read(self, path: Path) -> bytes:
        try:
            size = path.stat().st_size
            if size > self.settings.max_file_bytes:
                raise PipelineError("too_large", size=size, limit=self.settings.max_file_bytes)
            return path.read_bytes()
        except OSError as error:
            raise PipelineError("unreadable", error=f"{type(error).__name__}: "
                                f"{error.strerror or error}") from error

    def _record(self, uri: str, raw: bytes | None, ref: WarcRef | None, outcome: str,
                error: str | None = None) -> int:
        """The fetch row of one input, pointing at its WARC record when it was archived."""
        if error:
            log.info("%s: %s", uri, error)
        with self.store.session() as session:
            return self.store.add_fetch(
                session, url=uri, method="ingest", fetched_at=ref.fetched_at if ref else now(),
                content_type=_content_type(raw) if raw else None,
                size=len(raw) if raw is not None else None,
                warc_file=ref.file if ref else None, warc_offset=ref.offset if ref else None,
                warc_length=ref.length if ref else None,
                payload_digest=ref.digest if ref else None, outcome=outcome, error=error)

    def ingest(self, paths: Iterable[Path], es: Elasticsearch | None, outlet: str | None = None,
               url: str | None = None, progress: Callable[[IngestResult], None] | None = None
               ) -> tuple[list[IngestResult], SyncReport | None]:
        """Ingest every file, then index everything pending (this run's and earlier misses)."""
        results = []
        for path in expand(paths):
            result = self.ingest_file(path, outlet=outlet, url=url)
            results.append(result)
            if progress:
                progress(result)
        report = None
        if es is not None:
            report = catch_up(self.store, es, self.settings)
            for result in results:
                if result.document is not None:
                    result.indexed = result.document.id not in report.failed
        return results, report
