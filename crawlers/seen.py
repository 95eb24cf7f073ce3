"""The seen-URL store and feed/sitemap validators: what makes a second crawl cheap."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.models import SeenUrl, Validator
from pipeline.store import Store, now, retry_on_conflict


class SeenStore:
    """Asks and records which canonical URLs were fetched, and what their entry said then."""

    def __init__(self, store: Store, batch: int = 200) -> None:
        self.store = store
        self.batch = batch
        self._pending: dict[str, tuple[str | None, str | None, str | None]] = {}
        self._cache: dict[str, str | None] = {}
        with store.session() as session:
            for url, signature in session.execute(select(SeenUrl.url, SeenUrl.signature)):
                self._cache[url] = signature

    def should_fetch(self, urls: list[str], signature: str | None) -> bool:
        """True if none of ``urls`` was fetched, or the entry's signature has changed since."""
        known = [u for u in urls if u in self._cache]
        if not known:
            return True
        return signature is not None and all(self._cache[u] != signature for u in known)

    def mark(self, urls: list[str], source_id: str | None, article_id: str | None,
             signature: str | None) -> None:
        """Remember ``urls`` as fetched; written in batches (a lost batch only costs a
        refetch that finds the text unchanged)."""
        for url in dict.fromkeys(urls):
            self._cache[url] = signature
            self._pending[url] = (source_id, article_id, signature)
        if len(self._pending) >= self.batch:
            self.flush()

    def record(self, session: Session, urls: list[str], source_id: str | None,
               article_id: str | None, signature: str | None) -> None:
        """Remember ``urls`` as fetched inside the caller's transaction: used when a page
        becomes an article, so the two are written together and a crawl killed at any
        moment never fetches a stored article again."""
        stamp = now()
        for url in dict.fromkeys(urls):
            self._cache[url] = signature
            self._pending.pop(url, None)
            row = session.get(SeenUrl, url)
            if row is None:
                row = SeenUrl(url=url, first_seen_at=stamp)
                session.add(row)
            row.source_id, row.article_id, row.signature = source_id, article_id, signature
            row.last_fetched_at = stamp

    def flush(self) -> None:
        if self._pending:
            retry_on_conflict(self._write_pending)  # crawlers on a shared frontier

    def _write_pending(self) -> None:
        stamp = now()
        with self.store.session() as session:
            existing = {row.url: row for row in session.scalars(
                select(SeenUrl).where(SeenUrl.url.in_(list(self._pending))))}
            for url, (source_id, article_id, signature) in self._pending.items():
                row = existing.get(url)
                if row is None:
                    row = SeenUrl(url=url, first_seen_at=stamp)
                    session.add(row)
                row.source_id, row.article_id, row.signature = source_id, article_id, signature
                row.last_fetched_at = stamp
        self._pending.clear()


class Validators:
    """ETag / Last-Modified per feed or sitemap URL, for conditional GET."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._deferred: dict[str, tuple[str | None, str | None]] = {}

    def defer(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Remember validators to write when the crawl finishes (see ``flush``)."""
        self._deferred[url] = (etag, last_modified)

    def flush(self) -> None:
        for url, (etag, modified) in self._deferred.items():
            self.put(url, etag, modified)
        self._deferred.clear()

    def get(self, url: str) -> tuple[str | None, str | None]:
        with self.store.session() as session:
            row = session.get(Validator, url)
            return (row.etag, row.last_modified) if row else (None, None)

    def put(self, url: str, etag: str | None, last_modified: str | None,
            checked_at: datetime | None = None) -> None:
        if etag or last_modified:
            retry_on_conflict(lambda: self._put(url, etag, last_modified, checked_at))

    def _put(self, url: str, etag: str | None, last_modified: str | None,
             checked_at: datetime | None) -> None:
        with self.store.session() as session:
            row = session.get(Validator, url) or Validator(url=url)
            row.etag, row.last_modified = etag, last_modified
            row.checked_at = checked_at or now()
            session.merge(row)
