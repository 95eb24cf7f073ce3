"""Extraction in worker processes: the CPU-heavy stage uses every core while the main
process archives and stores (the store stays single-writer)."""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import forkserver, get_context
from pathlib import Path

from config import Settings
from nlp.pipeline import configure
from pipeline.document import Document
from pipeline.process import extract_document
from pipeline.warm import WARM_ENV, options

log = logging.getLogger(__name__)


class ExtractPool:
    """``extract_document`` (extraction + relevance + signature) in ``workers`` processes, or
    inline when ``workers`` is 0; either way callers get Futures.

    Workers start with forkserver: forking a process that runs Twisted or holds SQLite
    connections is unsafe, and a fresh interpreter imports only what extraction needs. The
    fork server warms up once (``pipeline.warm``) and every worker is forked warm. Both start
    at the first submit, not before: a crawl's first seconds go to robots.txt and feeds, and
    on two cores a warm-up beside them slowed the fixture site's answers past their timeout.

    With ``inline_while_starting`` the workers start in a background thread and documents
    submitted meanwhile are extracted in the calling process: the fork server's few seconds
    of single-core warm-up no longer leave the other core idle (``ingest`` uses it; a crawl
    does not, since extracting on the reactor's thread would stall its downloads). If the
    workers cannot start, every document is extracted in the calling process.
    """

    def __init__(self, workers: int, min_chars: int, scorer_file: Path | None,
                 nlp_model: str | None = None, config_dir: Path | None = None,
                 inline_while_starting: bool = False) -> None:
        self.workers = workers
        self.min_chars = min_chars
        self.scorer_file = scorer_file
        self.nlp_options = (nlp_model, str(config_dir) if config_dir else None)
        configure(*self.nlp_options)  # for work done in this process
        self.inline_while_starting = inline_while_starting
        self.executor: ProcessPoolExecutor | None = None  # set once workers take work
        self.inline_count = 0  # documents extracted in this process while workers started
        self._starting = threading.Lock()  # the crawler submits from more than one thread
        self._starter: threading.Thread | None = None

    @classmethod
    def from_settings(cls, settings: Settings, workers: int, inline_while_starting: bool = False
                      ) -> ExtractPool:
        return cls(workers, settings.min_text_chars, settings.config_file("relevance.yaml"),
                   settings.nlp_model, settings.config_dir, inline_while_starting)

    def submit(self, raw: bytes, url: str | None, content_type: str | None
               ) -> Future[Document]:
        args = (raw, url, content_type, self.min_chars, self.scorer_file)
        if self.workers > 0:
            executor = self._started() if self.inline_while_starting else self._processes()
            if executor is not None:
                return executor.submit(extract_document, *args)
            self.inline_count += 1
        future: Future[Document] = Future()
        try:
            future.set_result(extract_document(*args))
        except Exception as error:  # noqa: BLE001 - delivered through the future, as a worker's
            future.set_exception(error)
        return future

    def _processes(self) -> ProcessPoolExecutor:
        """The worker processes, started on first use (waits while the fork server warms)."""
        with self._starting:
            if self.executor is None:
                self.executor = self._new_executor()
            return self.executor

    def _new_executor(self) -> ProcessPoolExecutor:
        context = get_context("forkserver")
        _start_warm_server(context, options(*self.nlp_options, self.scorer_file))
        return ProcessPoolExecutor(self.workers, mp_context=context, initializer=configure,
                                   initargs=self.nlp_options)

    def _started(self) -> ProcessPoolExecutor | None:
        """The workers if they take work yet; else None, and they are being started."""
        with self._starting:
            if self.executor is None and self._starter is None:
                self._starter = threading.Thread(target=self._start_in_background,
                                                 name="extract-pool-start", daemon=True)
                self._starter.start()
            return self.executor

    def _start_in_background(self) -> None:
        """Start the fork server and a first worker; publish the pool once that worker has
        answered, so a submit never waits on the warm-up."""
        executor = None
        try:
            executor = self._new_executor()
            executor.submit(os.getpid).result()  # returns once the server has warmed
        except Exception:  # noqa: BLE001 - extraction goes on in this process
            log.warning("extraction workers did not start; extracting in this process",
                        exc_info=True)
            if executor is not None:  # no worker left behind
                executor.shutdown(wait=False, cancel_futures=True)
            return
        with self._starting:
            self.executor = executor

    @property
    def window(self) -> int:
        """How many documents to keep in flight: enough that no worker waits."""
        return 2 * self.workers + 2 if self.workers else 1

    def close(self) -> None:
        if self._starter is not None:
            self._starter.join()  # a pool still starting is shut down, not left behind
        with self._starting:
            if self.executor is not None:
                self.executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ExtractPool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _start_warm_server(context: object, warm_options: str) -> None:
    """Start the fork server (once per process) with the warm-up preloaded; the options
    reach it through its environment, which is set only while it starts."""
    context.set_forkserver_preload(["pipeline.warm"])  # type: ignore[attr-defined]
    os.environ[WARM_ENV] = warm_options
    try:
        forkserver.ensure_running()
    finally:
        os.environ.pop(WARM_ENV, None)
