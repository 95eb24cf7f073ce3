"""Per-source health from the fetch log: what `labourwatch status` shows after real runs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import case, func, select

from pipeline.models import Fetch
from pipeline.store import Store, now


def source_health(store: Store, days: int = 7) -> list[dict]:
    """For each source crawled in the last ``days``: fetches, failures, last success, last error."""
    since = now() - timedelta(days=days)
    with store.session() as session:
        rows = session.execute(
            select(Fetch.source_id, func.count(),
                   func.sum(case((Fetch.outcome == "failed", 1), else_=0)),
                   func.max(Fetch.fetched_at),
                   func.max(case((Fetch.outcome != "failed", Fetch.fetched_at), else_=None)))
            .where(Fetch.method == "crawl", Fetch.fetched_at >= since)
            .group_by(Fetch.source_id).order_by(Fetch.source_id)).all()
        health = []
        for source_id, total, failed, last, last_ok in rows:
            last_error = session.scalar(
                select(Fetch.error).where(Fetch.source_id == source_id,
                                          Fetch.outcome == "failed")
                .order_by(Fetch.fetched_at.desc()).limit(1))
            failed = int(failed or 0)
            state = "ok" if failed == 0 else ("failing" if failed == total else "degraded")
            health.append({"source": source_id, "state": state, "fetches": total,
                           "failed": failed, "last_fetch": last, "last_success": last_ok,
                           "last_error": last_error})
        return health
