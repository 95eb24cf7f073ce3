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
                   WarcArchive(settings.data_dir / "warc", settings.warc_max_bytes))

    def ingest_file(self, path: Path, outlet: str | None = None, url: str | None = None
                    ) -> IngestResult:
        uri = url or path.resolve().as_uri()
        raw: bytes | None = None
        ref = None
        try:
            raw = self._read(path)
            kind = "application/pdf" if raw.startswith(b"%PDF") else "text/html"
            ref = self.archive.write_resource(uri, raw, kind, now())
            doc = self.processor.extract(raw, url)
            return self._store(path, doc, raw, ref, outlet)
        except PipelineError as error:
            self._record_failure(uri, raw, ref, str(error))
            return IngestResult(path, "failed", error=str(error))
        except Exception as error:  # noqa: BLE001 - one bad file never stops the others
            log.debug("unexpected failure on %s", path, exc_info=True)
            reason = f"internal: {type(error).__name__}: {error}"[:1000]
            self._record_failure(uri, raw, ref, reason)
            return IngestResult(path, "failed", error=reason)

    def _store(self, path: Path, doc: Document, raw: bytes, ref: WarcRef,
               outlet: str | None) -> IngestResult:
        if not doc.url:
            doc.url = path.resolve().as_uri()
        doc.fetched_at = ref.fetched_at
        with self.store.session() as session:
            fetch = self.store.record_fetch(
                session, url=doc.url, method="ingest", fetched_at=ref.fetched_at,
                content_type="application/pdf" if doc.kind == "report" else "text/html",
                size=len(raw), warc_file=ref.file, warc_offset=ref.offset,
                warc_length=ref.length, payload_digest=ref.digest, outcome="pending")
            fetch_id = fetch.id
        kept = self.processor.keep(doc, fetch_id, outlet=outlet)
        return IngestResult(path, kept.outcome, document=doc, cluster_id=kept.cluster_id)

    def _read(self, path: Path) -> bytes:
        try:
            size = path.stat().st_size
            if size > self.settings.max_file_bytes:
                raise PipelineError("too_large", size=size, limit=self.settings.max_file_bytes)
            return path.read_bytes()
        except OSError as error:
            raise PipelineError("unreadable", error=f"{type(error).__name__}: "
                                f"{error.strerror or error}") from error

    def _record_failure(self, uri: str, raw: bytes | None, ref: WarcRef | None,
                        reason: str) -> None:
        log.info("%s: %s", uri, reason)
        with self.store.session() as session:
            self.store.record_fetch(
                session, url=uri, method="ingest", fetched_at=ref.fetched_at if ref else now(),
                size=len(raw) if raw is not None else None,
                warc_file=ref.file if ref else None, warc_offset=ref.offset if ref else None,
                warc_length=ref.length if ref else None,
                payload_digest=ref.digest if ref else None, outcome="failed", error=reason)

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
