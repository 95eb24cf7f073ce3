"""Bulk indexing: a generator of actions through ``streaming_bulk``; failures are reported."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from elasticsearch import Elasticsearch
from elasticsearch.helpers import streaming_bulk

log = logging.getLogger(__name__)


@dataclass
class BulkReport:
    """Which documents Elasticsearch accepted and why the others were refused."""

    ok: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def bulk_index(es: Elasticsearch, index: str, docs: Iterable[dict], chunk_size: int = 200,
               max_retries: int = 3, on_item: Callable[[str, bool], None] | None = None
               ) -> BulkReport:
    """Index ``docs`` (each with an ``id``) into ``index``; never raises for bad documents.

    429s are retried with backoff by the helper; a per-document error is recorded in the
    report; a cluster that cannot be reached marks every document not yet confirmed as failed.
    """
    report = BulkReport()
    pending: dict[str, None] = {}

    def actions() -> Iterable[dict]:
        for doc in docs:
            pending[doc["id"]] = None
            yield {"_op_type": "index", "_index": index, "_id": doc["id"], "_source": doc}

    try:
        for ok, item in streaming_bulk(es, actions(), chunk_size=chunk_size,
                                       max_retries=max_retries, initial_backoff=1,
                                       max_backoff=30, raise_on_error=False,
                                       raise_on_exception=False, yield_ok=True):
            result = next(iter(item.values()))
            doc_id = str(result.get("_id"))
            pending.pop(doc_id, None)
            if ok:
                report.ok.append(doc_id)
            else:
                report.failed[doc_id] = _reason(result)
            if on_item:
                on_item(doc_id, ok)
    except Exception as error:  # noqa: BLE001 - an outage must not lose the rest of the run
        reason = f"Elasticsearch unavailable: {type(error).__name__}: {error}"[:1000]
        log.warning("%s; %d documents left unindexed", reason, len(pending))
        for doc_id in pending:
            report.failed[doc_id] = reason
            if on_item:
                on_item(doc_id, False)
    return report


def _reason(result: dict) -> str:
    error = result.get("error")
    if isinstance(error, dict):
        return f"{error.get('type')}: {error.get('reason')}"
    return str(error or f"status {result.get('status')}")
