"""Rebuild what we extracted from what we archived: the store from the WARC files.

For each article, the capture behind its current version is read back from the archive and
put through today's extraction; changed text becomes a new version, unchanged text stays.
Captures whose extraction failed are tried again (a better extractor may now read them).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import or_, select

from config import Settings
from crawlers.urls import story_url
from crawlers.warc import read_record
from pipeline.errors import PipelineError
from pipeline.models import Article, ArticleVersion, Fetch, Source
from pipeline.process import Processor
from pipeline.store import Store

log = logging.getLogger(__name__)


def _captures(store: Store, since: datetime | None) -> list[tuple[Fetch, str | None]]:
    """(fetch, article URL) for current versions, then failed 2xx captures with no article."""
    with store.session() as session:
        current = (select(Fetch, Article.url)
                   .join(ArticleVersion, ArticleVersion.fetch_id == Fetch.id)
                   .join(Article, (Article.id == ArticleVersion.article_id)
                         & (Article.current_version == ArticleVersion.version)))
        failed = (select(Fetch, None)
                  .where(Fetch.outcome == "failed", Fetch.warc_file.is_not(None),
                         or_(Fetch.status.is_(None), Fetch.status.between(200, 299))))
        if since is not None:
            current = current.where(Fetch.fetched_at >= since)
            failed = failed.where(Fetch.fetched_at >= since)
        rows = [(f, url) for f, url in session.execute(current.order_by(Fetch.fetched_at))]
        rows += [(f, None) for f, _ in session.execute(failed.order_by(Fetch.fetched_at))]
        return rows


def reprocess(settings: Settings, store: Store, since: datetime | None = None,
              progress: Callable[[], None] | None = None) -> Counter:
    """Re-extract every capture; returns counts by outcome (new, updated, unchanged, codes)."""
    processor = Processor(settings, store)
    with store.session() as session:
        sources = {s.id: s for s in session.scalars(select(Source))}
    counts: Counter = Counter()
    for fetch, article_url in _captures(store, since):
        source = sources.get(fetch.source_id or "")
        config = (source.config or {}) if source else {}
        try:
            _, payload = read_record(settings.data_dir / "warc", fetch.warc_file,
                                     fetch.warc_offset)
            url = article_url or story_url(payload, fetch.url, set())
            doc = processor.extract(payload, url, fetch.content_type)
            doc.url = url
            kept = processor.keep(doc, fetch.id, outlet=fetch.source_id,
                                  kind=source.kind if source else None,
                                  topic_filter=config.get("filter") == "topic",
                                  update_fetch=False)
            counts[kept.outcome] += 1
        except PipelineError as error:
            counts[f"failed:{error.code}"] += 1
        except (OSError, StopIteration, ValueError) as error:
            log.warning("capture %s of %s unreadable: %s", fetch.id, fetch.url, error)
            counts["failed:unreadable_capture"] += 1
        if progress:
            progress()
    return counts
