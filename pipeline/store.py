"""Open the store of record and keep articles, versions, fetches and index state in it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import create_engine, event, func, insert, or_, select, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from config import Settings
from pipeline.document import Document
from pipeline.migrate import ensure_schema
from pipeline.models import Article, ArticleVersion, Extraction, Fetch, Source

log = logging.getLogger(__name__)
T = TypeVar("T")

# Everything indexing needs, loaded up front so articles can be used after their session.
_FULL = (selectinload(Article.versions).selectinload(ArticleVersion.fetch),
         selectinload(Article.versions).selectinload(ArticleVersion.extractions))


_INSERT_FETCH = insert(Fetch).returning(Fetch.id)
NLP_VERSION = "1"  # raise when the NLP stage's output changes shape

# Articles whose current version the index does not have.
_UNINDEXED = or_(Article.index_state != "indexed",
                 Article.indexed_version != Article.current_version)


def _grouped(values: dict[str, object]) -> dict[object, list[str]]:
    groups: dict[object, list[str]] = {}
    for key, value in values.items():
        groups.setdefault(value, []).append(key)
    return groups


def retry_on_conflict(work: Callable[[], T], attempts: int = 3) -> T:
    """Run ``work`` (one whole transaction) again when another process inserted the same row
    first (crawlers on a shared frontier store at once): the next attempt finds that row."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except IntegrityError:
            if attempt == attempts:
                raise
            log.info("a write raced another process; trying again (%d)", attempt)
    raise AssertionError("not reached")


def now() -> datetime:
    return datetime.now(UTC)


def iso(value: datetime | None) -> str | None:
    """A time as the index and the exports write it: UTC, to the second, with a Z."""
    value = utc(value)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def utc(value: datetime | None) -> datetime | None:
    """A stored time as an aware UTC datetime: SQLite hands back naive ones."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _fit(value: str | None, column) -> str | None:  # type: ignore[no-untyped-def]
    """A page-supplied string cut to its column's length: SQLite stores any length, but
    PostgreSQL refuses the whole row (a JSON-LD ``inLanguage`` can be a sentence)."""
    limit = column.type.length
    return value[:limit] if value and limit and len(value) > limit else value


def _set_nlp(version: ArticleVersion, data: dict | None, stamp: datetime) -> bool:
    """Keep the NLP stage's findings on a version; True if they changed."""
    if data is None:
        return False
    current = next((e for e in version.extractions if e.stage == "nlp"), None)
    if current is not None and current.stage_version == NLP_VERSION and current.data == data:
        return False
    if current is None:
        version.extractions.append(Extraction(stage="nlp", stage_version=NLP_VERSION,
                                              created_at=stamp, data=data))
    else:
        current.stage_version, current.data, current.created_at = NLP_VERSION, data, stamp
    return True


def display_url(url: str) -> str:
    """The store's URL for people to read: no password, no query options."""
    return make_url(url).set(query={}).render_as_string(hide_password=True)


def make_engine(url: str) -> Engine:
    """An engine for any SQLAlchemy URL; SQLite gets WAL so readers never block the writer."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    if url.startswith("postgresql"):
        # sessions in UTC, so a naive time is read as UTC there as it is in SQLite
        return create_engine(url, pool_pre_ping=True,
                             connect_args={"options": "-c timezone=UTC"})
    return create_engine(url, pool_pre_ping=True)


class Store:
    """The store of record; one per process, sessions per unit of work."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        ensure_schema(self.engine)  # a new or older store is migrated in place (Alembic)
        self._known_sources: set[str] = set()
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(settings.database_url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    # -- writing -----------------------------------------------------------------------------
    def ensure_source(self, session: Session, source_id: str, name: str | None = None) -> None:
        if source_id in self._known_sources:
            return
        if session.get(Source, source_id) is None:
            session.add(Source(id=source_id, name=name or source_id))
            session.flush()
        self._known_sources.add(source_id)

    def add_fetch(self, session: Session, **fields) -> int:
        """Insert a fetch row without the ORM's bookkeeping (one per crawled response)."""
        if fields.get("source_id"):
            self.ensure_source(session, fields["source_id"])
        fields.setdefault("fetched_at", now())
        if fields.get("error"):
            fields["error"] = fields["error"][:2000]
        fields["content_type"] = _fit(fields.get("content_type"), Fetch.content_type)
        # one statement for every row (values as parameters), so its compiled form is cached
        return session.execute(_INSERT_FETCH, fields).scalar_one()

    def set_fetch_outcome(self, session: Session, fetch_id: int, outcome: str,
                          error: str | None = None) -> None:
        values: dict = {"outcome": outcome}
        if error is not None:
            values["error"] = error[:2000]
        session.execute(update(Fetch).where(Fetch.id == fetch_id).values(**values))

    def save_document(self, session: Session, doc: Document, fetch_id: int | None
                      ) -> tuple[Article, str, ArticleVersion | None]:
        """Store ``doc`` as a new article, a new version, or nothing new.

        Returns the article, the outcome (``new``, ``updated`` or ``unchanged``) and the new
        version. Nothing is flushed: the caller's commit writes it all at once.
        """
        stamp = now()
        if doc.outlet:
            self.ensure_source(session, doc.outlet)
        article = session.get(Article, doc.id)
        if article is not None:
            current = article.versions[-1] if article.versions else None
            if current is not None and current.text_hash == doc.text_hash:
                if _set_nlp(current, doc.nlp, stamp):  # reprocessed with a newer NLP stage
                    article.index_state = "pending"
                return article, "unchanged", None
            outcome, number = "updated", article.current_version + 1
        else:
            article = Article(id=doc.id, url=doc.url, first_seen_at=stamp, updated_at=stamp,
                              cluster_id=doc.id)
            session.add(article)
            outcome, number = "new", 1
        article.source_id = doc.outlet
        article.outlet = doc.outlet
        article.kind = doc.kind
        article.title = doc.title
        article.language = doc.language
        article.published_at = doc.published_at
        article.relevance = doc.relevance
        article.relevance_terms = doc.relevance_terms
        article.on_topic = doc.on_topic
        article.text_hash = doc.text_hash
        article.updated_at = stamp
        article.current_version = number
        article.index_state = "pending"
        article.index_error = None
        version = ArticleVersion(
            version=number, fetch_id=fetch_id, created_at=stamp, text_hash=doc.text_hash,
            title=doc.title, text=doc.text, text_original=doc.text_original, script=doc.script,
            description=doc.description, authors=doc.authors,
            site_name=_fit(doc.site_name, ArticleVersion.site_name),
            published_at=doc.published_at, language=doc.language,
            declared_language=_fit(doc.declared_language, ArticleVersion.declared_language))
        article.versions.append(version)
        _set_nlp(version, doc.nlp, stamp)
        return article, outcome, version

    # -- index state -------------------------------------------------------------------------
    def unindexed(self, session: Session, limit: int | None = None) -> list[Article]:
        """Articles whose current version Elasticsearch does not have yet."""
        query = (select(Article)
                 .where(_UNINDEXED)
                 .options(*_FULL)
                 .order_by(Article.updated_at))
        if limit:
            query = query.limit(limit)
        return list(session.scalars(query))

    def all_articles(self, session: Session) -> Iterator[Article]:
        query = (select(Article)
                 .options(*_FULL)
                 .order_by(Article.id)
                 .execution_options(yield_per=500))
        yield from session.scalars(query)

    def mark_indexed(self, session: Session, versions: dict[str, int]) -> None:
        """One UPDATE per indexed version number, not one per article (a catch-up after an
        outage marks thousands)."""
        for version, ids in _grouped(versions).items():
            session.execute(update(Article).where(Article.id.in_(ids)).values(
                index_state="indexed", indexed_version=version, index_error=None))

    def mark_unindexed(self, session: Session, errors: dict[str, str]) -> None:
        for reason, ids in _grouped(errors).items():  # an outage gives them all one reason
            session.execute(update(Article).where(Article.id.in_(ids)).values(
                index_state="failed", index_error=reason[:2000]))

    def counts(self) -> dict[str, int]:
        with self.session() as session:
            def count(query) -> int:  # type: ignore[no-untyped-def]
                return session.scalar(query) or 0

            return {
                "articles": count(select(func.count()).select_from(Article)),
                "versions": count(select(func.count()).select_from(ArticleVersion)),
                "fetches": count(select(func.count()).select_from(Fetch)),
                "failed_fetches": count(select(func.count()).select_from(Fetch)
                                        .where(Fetch.outcome == "failed")),
                "unindexed": count(select(func.count()).select_from(Article)
                                   .where(_UNINDEXED)),
            }
