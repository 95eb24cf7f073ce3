"""Local files through the same chain as crawled pages: archive → extract → store → index."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
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
from pipeline.workers import ExtractPool

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


@dataclass
class _Pending:
    """A file read and archived, its extraction under way (or already failed)."""

    path: Path
    uri: str
    raw: bytes | None = None
    ref: WarcRef | None = None
    future: Future[Document] | None = None
    error: PipelineError | None = None


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
        """One file, extracted in this process."""
        with ExtractPool.from_settings(self.settings, 0) as pool:
            return self._finish(self._start(path, url, pool), outlet, url)

    def _start(self, path: Path, url: str | None, pool: ExtractPool) -> _Pending:
        """Read and archive a file, and hand it to an extraction worker."""
        pending = _Pending(path, url or path.resolve().as_uri())
        try:
            pending.raw = self._read(path)
            pending.ref = self.archive.write_resource(pending.uri, pending.raw,
                                                      _content_type(pending.raw), now())
            pending.future = pool.submit(pending.raw, url, None)
        except PipelineError as error:
            pending.error = error
        return pending

    def _finish(self, pending: _Pending, outlet: str | None, url: str | None) -> IngestResult:
        """Store the extracted document with its fetch row, or record why it failed."""
        path, uri, raw, ref = pending.path, pending.uri, pending.raw, pending.ref
        try:
            if pending.error is not None:
                raise pending.error
            assert pending.future is not None
            doc = pending.future.result()
            doc.url = doc.url or uri
            doc.fetched_at = ref.fetched_at if ref else None
            kept = self.processor.keep(doc, None, outlet=outlet,
                                       fetch_row=self._row(doc.url, raw, ref, "pending"))
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
        """Write the fetch row of an input that failed."""
        if error:
            log.info("%s: %s", uri, error)
        with self.store.session() as session:
            return self.store.add_fetch(session, **self._row(uri, raw, ref, outcome, error))

    @staticmethod
    def _row(uri: str, raw: bytes | None, ref: WarcRef | None, outcome: str,
             error: str | None = None) -> dict:
        """The fetch row of one input, pointing at its WARC record when it was archived."""
        return {"url": uri, "method": "ingest", "fetched_at": ref.fetched_at if ref else now(),
                "content_type": _content_type(raw) if raw else None,
                "size": len(raw) if raw is not None else None,
                "warc_file": ref.file if ref else None,
                "warc_offset": ref.offset if ref else None,
                "warc_length": ref.length if ref else None,
                "payload_digest": ref.digest if ref else None, "outcome": outcome,
                "error": error}

    def ingest(self, paths: Iterable[Path], es: Elasticsearch | None, outlet: str | None = None,
               url: str | None = None, progress: Callable[[IngestResult], None] | None = None
               ) -> tuple[list[IngestResult], SyncReport | None]:
        """Ingest every file, then index everything pending (this run's and earlier misses).

        Files are extracted in ``extract_workers`` processes, a bounded window of them in
        flight, and stored in the order given.
        """
        results = []
        with ExtractPool.from_settings(self.settings, self.settings.extract_workers,
                                       inline_while_starting=True) as pool:
            window: deque[_Pending] = deque()
            for path in [*expand(paths), None]:
                if path is not None:
                    window.append(self._start(path, url, pool))
                while window and (path is None or len(window) > pool.window):
                    result = self._finish(window.popleft(), outlet, url)
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
