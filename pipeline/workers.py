"""Extraction in worker processes: the CPU-heavy stage uses every core while the main
process archives and stores (the store stays single-writer)."""

from __future__ import annotations

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


class ExtractPool:
    """``extract_document`` (extraction + relevance + signature) in ``workers`` processes, or
    inline when ``workers`` is 0; either way callers get Futures.

    Workers start with forkserver: forking a process that runs Twisted or holds SQLite
    connections is unsafe, and a fresh interpreter imports only what extraction needs. The
    fork server warms up once (``pipeline.warm``) and every worker is forked warm. Both start
    at the first submit, not before: a crawl's first seconds go to robots.txt and feeds, and
    on two cores a warm-up beside them slowed the fixture site's answers past their timeout.
    """

    def __init__(self, workers: int, min_chars: int, scorer_file: Path | None,
                 nlp_model: str | None = None, config_dir: Path | None = None) -> None:
        self.workers = workers
        self.min_chars = min_chars
        self.scorer_file = scorer_file
        self.nlp_options = (nlp_model, str(config_dir) if config_dir else None)
        configure(*self.nlp_options)  # for work done in this process
        self.executor: ProcessPoolExecutor | None = None
        self._starting = threading.Lock()  # the crawler submits from more than one thread

    @classmethod
    def from_settings(cls, settings: Settings, workers: int) -> ExtractPool:
        return cls(workers, settings.min_text_chars, settings.config_file("relevance.yaml"),
                   settings.nlp_model, settings.config_dir)

    def submit(self, raw: bytes, url: str | None, content_type: str | None
               ) -> Future[Document]:
        args = (raw, url, content_type, self.min_chars, self.scorer_file)
        if self.workers > 0:
            return self._processes().submit(extract_document, *args)
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
                context = get_context("forkserver")
                _start_warm_server(context, options(*self.nlp_options, self.scorer_file))
                self.executor = ProcessPoolExecutor(
                    self.workers, mp_context=context, initializer=configure,
                    initargs=self.nlp_options)
            return self.executor

    @property
    def window(self) -> int:
        """How many documents to keep in flight: enough that no worker waits."""
        return 2 * self.workers + 2 if self.workers else 1

    def close(self) -> None:
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
