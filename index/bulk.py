"""Bulk indexing: chunks of a generator of actions, a few bulk requests in flight at once;
failures are reported.

The documents are read (and analysed) on the calling thread, which is also where a store's
session lives, while up to ``in_flight`` earlier chunks are sent by worker threads: the next
chunk is built while Elasticsearch indexes the last, and a single-shard index is written by
more than one of the node's threads.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice

from elasticsearch import Elasticsearch
from elasticsearch.helpers import streaming_bulk

log = logging.getLogger(__name__)


@dataclass
class BulkReport:
    """Which documents Elasticsearch accepted and why the others were refused."""

    ok: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def bulk_index(es: Elasticsearch, index: str, docs: Iterable[dict], chunk_size: int = 200,
               max_retries: int = 3, on_item: Callable[[str, bool], None] | None = None,
               in_flight: int = 1) -> BulkReport:
    """Index ``docs`` (each with an ``id``) into ``index``; never raises for bad documents.

    429s are retried with backoff by the helper; a per-document error is recorded in the
    report; a cluster that cannot be reached marks every document not yet confirmed as failed.
    Results and ``on_item`` calls happen on the calling thread, chunk by chunk in order.
    """
    report = BulkReport()
    pending: dict[str, None] = {}

    def actions() -> Iterator[dict]:
        for doc in docs:
            pending[doc["id"]] = None
            yield {"_op_type": "index", "_index": index, "_id": doc["id"], "_source": doc}

    def send(chunk: list[dict]) -> list[tuple[bool, dict]]:
        return list(streaming_bulk(es, chunk, chunk_size=len(chunk), max_retries=max_retries,
                                   initial_backoff=1, max_backoff=30, raise_on_error=False,
                                   raise_on_exception=False, yield_ok=True))

    def record(results: list[tuple[bool, dict]]) -> None:
        for ok, item in results:
            result = next(iter(item.values()))
            doc_id = str(result.get("_id"))
            pending.pop(doc_id, None)
            if ok:
                report.ok.append(doc_id)
            else:
                report.failed[doc_id] = _reason(result)
            if on_item:
                on_item(doc_id, ok)

    waiting: deque[Future] = deque()
    with ThreadPoolExecutor(max_workers=max(1, in_flight),
                            thread_name_prefix="bulk") as pool:
        try:
            for chunk in _chunks(actions(), chunk_size):
                if len(waiting) >= max(1, in_flight):
                    record(waiting.popleft().result())
                waiting.append(pool.submit(send, chunk))
            while waiting:
                record(waiting.popleft().result())
        except Exception as error:  # noqa: BLE001 - an outage must not lose the rest of the run
            for future in waiting:  # what was confirmed before the outage still counts
                if future.exception() is None:
                    record(future.result())
            reason = f"Elasticsearch unavailable: {type(error).__name__}: {error}"[:1000]
            log.warning("%s; %d documents left unindexed", reason, len(pending))
            for doc_id in pending:
                report.failed[doc_id] = reason
                if on_item:
                    on_item(doc_id, False)
    return report


def _chunks(actions: Iterator[dict], size: int) -> Iterator[list[dict]]:
    while chunk := list(islice(actions, size)):
        yield chunk


def _reason(result: dict) -> str:
    error = result.get("error")
    if isinstance(error, dict):
        return f"{error.get('type')}: {error.get('reason')}"
    return str(error or f"status {result.get('status')}")
