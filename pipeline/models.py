"""The store of record: SQLAlchemy 2 models for sources, fetches, articles and their versions.

The store is the structured truth: the index is rebuilt from it, and it points into the WARC
archive for the evidence. An article is one canonical URL; every change of its text is a new
``ArticleVersion``; ``index_state`` says whether Elasticsearch has the current version.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Source(Base):
    """An outlet or report publisher from ``config/sources.yaml`` (or named by ``--outlet``)."""

    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="news")
    homepage: Mapped[str | None] = mapped_column(String(500))
    language: Mapped[str | None] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(8))
    config: Mapped[dict | None] = mapped_column(JSON)


class Fetch(Base):
    """One attempt to get a document (HTTP fetch or local ingest), successful or not."""

    __tablename__ = "fetches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, index=True)
    source_id: Mapped[str | None] = mapped_column(ForeignKey("sources.id"))
    method: Mapped[str] = mapped_column(String(16))  # crawl | ingest | reprocess
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[int | None] = mapped_column(Integer)  # HTTP status; None for local files
    content_type: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[int | None] = mapped_column(Integer)
    warc_file: Mapped[str | None] = mapped_column(String(300))
    # 64-bit: warc_max_bytes may exceed 2 GiB (SQLite's INTEGER is 64-bit as it is)
    warc_offset: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    warc_length: Mapped[int | None] = mapped_column(Integer)
    payload_digest: Mapped[str | None] = mapped_column(String(80))
    outcome: Mapped[str] = mapped_column(String(16))  # new | updated | unchanged | failed
    error: Mapped[str | None] = mapped_column(Text)  # the recorded reason for a failure


class Article(Base):
    """One story at one canonical URL; its text lives in versions."""

    __tablename__ = "articles"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    source_id: Mapped[str | None] = mapped_column(ForeignKey("sources.id"), index=True)
    outlet: Mapped[str | None] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="news")
    title: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8), index=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    cluster_id: Mapped[str | None] = mapped_column(String(40), index=True)
    # relevance to the beat (pipeline/relevance.py); off-topic stories are kept, flagged
    relevance: Mapped[float | None] = mapped_column()
    relevance_terms: Mapped[dict | None] = mapped_column(JSON)
    on_topic: Mapped[bool] = mapped_column(default=True, index=True)
    # syndication (pipeline/dedup.py): text hash and MinHash of the current version
    text_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)
    canonical: Mapped[bool] = mapped_column(default=True)
    index_state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    indexed_version: Mapped[int | None] = mapped_column(Integer)
    index_error: Mapped[str | None] = mapped_column(Text)

    versions: Mapped[list[ArticleVersion]] = relationship(
        back_populates="article", order_by="ArticleVersion.version", cascade="all, delete-orphan")


class ArticleVersion(Base):
    """The extracted text and metadata of an article as one fetch saw it."""

    __tablename__ = "article_versions"
    __table_args__ = (UniqueConstraint("article_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[str] = mapped_column(ForeignKey("articles.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    fetch_id: Mapped[int | None] = mapped_column(ForeignKey("fetches.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    text_hash: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)  # Simplified when the page was Traditional
    text_original: Mapped[str | None] = mapped_column(Text)  # as written, when folded
    script: Mapped[str | None] = mapped_column(String(8))
    description: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list | None] = mapped_column(JSON)
    site_name: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    language: Mapped[str | None] = mapped_column(String(8))
    declared_language: Mapped[str | None] = mapped_column(String(16))

    article: Mapped[Article] = relationship(back_populates="versions")
    fetch: Mapped[Fetch | None] = relationship()
    extractions: Mapped[list[Extraction]] = relationship(
        back_populates="version", cascade="all, delete-orphan")


class Extraction(Base):
    """What one stage (NLP, for now) extracted from one version, as JSON in the design shape."""

    __tablename__ = "extractions"
    __table_args__ = (UniqueConstraint("version_id", "stage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("article_versions.id"), index=True)
    stage: Mapped[str] = mapped_column(String(32))
    stage_version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    data: Mapped[dict] = mapped_column(JSON)

    version: Mapped[ArticleVersion] = relationship(back_populates="extractions")


class SeenUrl(Base):
    """A canonical URL the crawler has fetched, and what its feed/sitemap entry last said.

    A second crawl asks this table before fetching an article: unseen URLs and entries whose
    signature (updated date, lastmod) changed are fetched; the rest are not.
    """

    __tablename__ = "seen_urls"

    url: Mapped[str] = mapped_column(Text, primary_key=True)
    source_id: Mapped[str | None] = mapped_column(String(64), index=True)
    article_id: Mapped[str | None] = mapped_column(String(40))
    signature: Mapped[str | None] = mapped_column(String(200))
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Validator(Base):
    """ETag / Last-Modified of a feed or sitemap, for conditional GET on the next crawl."""

    __tablename__ = "validators"

    url: Mapped[str] = mapped_column(Text, primary_key=True)
    etag: Mapped[str | None] = mapped_column(String(300))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DigestRun(Base):
    """One subscription's digest for one ISO week: what it held, and whether it was sent.

    ``state`` is ``rendered`` (no email asked for), ``sent`` or ``failed``; a failed send is
    retried by the next run, a sent one is never sent again unless forced. The rendered HTML
    stays here so the Atom feed can be rebuilt from the store.
    """

    __tablename__ = "digest_runs"
    __table_args__ = (UniqueConstraint("subscription_id", "week"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[str] = mapped_column(String(64), index=True)
    week: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(16))
    stories: Mapped[int] = mapped_column(Integer, default=0)
    wages: Mapped[int] = mapped_column(Integer, default=0)
    subject: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    rendered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recipients: Mapped[list | None] = mapped_column(JSON)
    message_id: Mapped[str | None] = mapped_column(String(300))
    error: Mapped[str | None] = mapped_column(Text)


class JobRun(Base):
    """One run of a scheduled job: when, how it ended, and what it counted."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # crawl | digest | maintenance
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(String(16), default="running")  # ok | failed
    counts: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
