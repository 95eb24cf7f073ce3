"""Per-source health from the fetch log: what `labourwatch status` and the sources page show
after real runs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import case, func, select

from pipeline.models import Article, Fetch, Source
from pipeline.store import Store, now

UNHEALTHY = ("failing", "degraded", "silent")  # worst first


def source_health(store: Store, days: int = 7, configured: Mapping[str, str] | None = None
                  ) -> list[dict]:
    """For each source crawled in the last ``days``: fetches, failures, last success, last
    error and articles stored. A ``configured`` source (ids to names) with no crawl in that
    time is listed as ``silent``: a schedule that stopped running fails without an error."""
    since = now() - timedelta(days=days)
    with store.session() as session:
        rows = session.execute(
            select(Fetch.source_id, func.count(),
                   func.sum(case((Fetch.outcome == "failed", 1), else_=0)),
                   func.max(Fetch.fetched_at),
                   func.max(case((Fetch.outcome != "failed", Fetch.fetched_at), else_=None)))
            .where(Fetch.method == "crawl", Fetch.fetched_at >= since)
            .group_by(Fetch.source_id).order_by(Fetch.source_id)).all()
        stored = dict(session.execute(
            select(Article.source_id, func.count()).group_by(Article.source_id)).all())
        names = {**(configured or {}),
                 **dict(session.execute(select(Source.id, Source.name)).all())}
        health = []
        for source_id, total, failed, last, last_ok in rows:
            last_error = session.scalar(
                select(Fetch.error).where(Fetch.source_id == source_id,
                                          Fetch.outcome == "failed")
                .order_by(Fetch.fetched_at.desc()).limit(1))
            failed = int(failed or 0)
            state = "ok" if failed == 0 else ("failing" if failed == total else "degraded")
            health.append({"source": source_id, "name": names.get(source_id), "state": state,
                           "fetches": total, "failed": failed, "last_fetch": last,
                           "last_success": last_ok, "last_error": last_error,
                           "articles": stored.get(source_id, 0)})
        seen = {row["source"] for row in health}
        for source_id in sorted(set(configured or {}) - seen):
            health.append({"source": source_id, "name": names.get(source_id), "state": "silent",
                           "fetches": 0, "failed": 0, "last_fetch": None, "last_success": None,
                           "last_error": None, "articles": stored.get(source_id, 0)})
        return health
