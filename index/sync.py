"""Keep the index in step with the store: index what is pending, rebuild from scratch.

Nothing is ever only in Elasticsearch: both directions read the store of record.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from elasticsearch import Elasticsearch

from config import Settings
from index import schema
from index.analysis import document_terms
from index.bulk import BulkReport, bulk_index
from index.claims import index_claims
from pipeline.models import Article
from pipeline.store import Store
from pipeline.store import iso as _iso

log = logging.getLogger(__name__)


def to_index_doc(article: Article) -> dict:
    """The index document for the article's current version (schema: templates/articles.json)."""
    version = article.versions[-1]
    fetch = version.fetch
    nlp = next((e.data for e in version.extractions if e.stage == "nlp"), {})
    return {
        "id": article.id,
        "url": article.url,
        "title": version.title,
        "text": version.text,
        "description": version.description,
        # stems and jieba words of title, description and text (index/analysis.py)
        "terms": document_terms(version.title, version.description, version.text),
        "authors": version.authors or [],
        "outlet": article.outlet,
        "site_name": version.site_name,
        "language": version.language,
        "script": version.script,
        "kind": article.kind,
        "published_at": _iso(version.published_at),
        "fetched_at": _iso(fetch.fetched_at if fetch else version.created_at),
        "indexed_at": _iso(datetime.now(UTC)),
        "version": version.version,
        "cluster_id": article.cluster_id or article.id,
        "on_topic": article.on_topic,
        "canonical": article.canonical,
        "relevance": article.relevance,
        "companies": [c["id"] for c in nlp.get("companies", [])],
        "countries": sorted({p["country_code"] for p in nlp.get("places", [])
                             if p.get("country_code")}),
        "places": [p["id"] for p in nlp.get("places", [])],
        "wages": [{k: w.get(k) for k in ("text", "amount", "currency", "period", "hourly_usd",
                                         "hourly_usd_max")} for w in nlp.get("wages", [])],
        "archived": {"warc": fetch.warc_file, "offset": fetch.warc_offset,
                     "digest": fetch.payload_digest, "fetched_at": _iso(fetch.fetched_at)}
        if fetch and fetch.warc_file else None,
    }


@dataclass
class SyncReport:
    indexed: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    index: str | None = None


def _docs(articles: Iterable[Article], versions: dict[str, int]) -> Iterable[dict]:
    for article in articles:
        versions[article.id] = article.current_version
        yield to_index_doc(article)


def _progress(progress: Callable[[int], None] | None) -> Callable[[str, bool], None] | None:
    return (lambda _id, _ok: progress(1)) if progress else None


def _refresh(es: Elasticsearch, index: str) -> None:
    try:  # make this run's documents searchable at once, not after refresh_interval
        es.indices.refresh(index=index)
    except Exception as error:  # noqa: BLE001 - they are indexed; refresh comes anyway
        log.warning("refresh of %s failed: %s", index, error)


def _mark(store: Store, versions: dict[str, int], result: BulkReport) -> None:
    with store.session() as session:
        store.mark_indexed(session, {i: versions[i] for i in result.ok})
        store.mark_unindexed(session, result.failed)


def _index_articles(store: Store, es: Elasticsearch, settings: Settings, index: str,
                    articles: Iterable[Article], progress: Callable[[int], None] | None,
                    claims_index: str | None = None) -> SyncReport:
    """Index the articles, then their claims; an article counts as indexed only when its
    claims are too, so a failure on either side is retried by the next catch-up."""
    versions: dict[str, int] = {}
    held: dict[str, Article] = {}

    def docs() -> Iterable[dict]:
        for article in articles:
            held[article.id] = article
            yield from _docs([article], versions)

    result = bulk_index(es, index, docs(), chunk_size=settings.bulk_chunk_size,
                        max_retries=settings.bulk_max_retries, on_item=_progress(progress),
                        in_flight=settings.bulk_in_flight)
    failed = dict(result.failed)
    if result.ok:
        claims_target = claims_index or schema.IndexNames(settings.index_prefix,
                                                          "claims").write_alias
        failed.update(index_claims(es, claims_target, (held[i] for i in result.ok),
                                   max_retries=settings.bulk_max_retries,
                                   fresh=claims_index is not None))
        _refresh(es, index)
        _refresh(es, claims_target)
    done = BulkReport(ok=[i for i in result.ok if i not in failed], failed=failed)
    _mark(store, versions, done)
    return SyncReport(indexed=len(done.ok), failed=failed, index=index)


def build_version(es: Elasticsearch, settings: Settings, docs: Iterable[dict],
                  on_item: Callable[[str, bool], None] | None = None
                  ) -> tuple[str, BulkReport]:
    """A new index version (current template) holding ``docs``, refreshed, not yet behind the
    aliases: the Elasticsearch half of a rebuild (``make bench`` times it on its own)."""
    index = schema.new_version(es, settings)
    schema.bulk_loading(es, index)
    result = bulk_index(es, index, docs, chunk_size=settings.bulk_chunk_size,
                        max_retries=settings.bulk_max_retries, on_item=on_item,
                        in_flight=settings.bulk_in_flight)
    if result.ok:  # searchable as the template says before any alias points here
        schema.bulk_loaded(es, settings, index)
        _refresh(es, index)
    return index, result


def catch_up(store: Store, es: Elasticsearch, settings: Settings,
             progress: Callable[[int], None] | None = None) -> SyncReport:
    """Index every article whose current version the index does not have yet.

    When the cluster cannot be reached the articles stay in the store, marked with the
    reason, and the next catch-up (next ingest, crawl, maintenance job) indexes them.
    """
    write_alias = schema.IndexNames(settings.index_prefix).write_alias
    with store.session() as session:
        articles = store.unindexed(session)
    try:
        current = schema.setup(es, settings)
        claims = schema.setup(es, settings, "claims")
        if schema.outdated(es, settings, current) or schema.outdated(es, settings, claims,
                                                                     "claims"):
            log.warning("index %s predates the current mapping; rebuilding it from the store",
                        current)
            return reindex(store, es, settings, progress)
    except Exception as error:  # noqa: BLE001 - an outage must not lose what is stored
        reason = f"Elasticsearch unavailable: {type(error).__name__}: {error}"[:1000]
        failed = {a.id: reason for a in articles}
        with store.session() as session:
            store.mark_unindexed(session, failed)
        return SyncReport(failed=failed, index=write_alias)
    if not articles:
        return SyncReport(index=write_alias)
    return _index_articles(store, es, settings, write_alias, articles, progress)


def reindex(store: Store, es: Elasticsearch, settings: Settings,
            progress: Callable[[int], None] | None = None) -> SyncReport:
    """Build a fresh index version from the store, then move both aliases to it at once."""
    started = datetime.now(UTC)
    schema.setup(es, settings)
    schema.setup(es, settings, "claims")
    versions: dict[str, int] = {}
    with store.session() as session:
        index, result = build_version(es, settings,
                                      _docs(store.all_articles(session), versions),
                                      _progress(progress))
    if result.failed and not result.ok:
        _mark(store, versions, result)
        es.indices.delete(index=index)
        raise RuntimeError(f"reindex failed, aliases left in place: "
                           f"{next(iter(result.failed.values()))}")
    claims = schema.new_version(es, settings, "claims")
    indexed = set(result.ok)
    with store.session() as session:
        unclaimed = index_claims(es, claims, (a for a in store.all_articles(session)
                                              if a.id in indexed),
                                 max_retries=settings.bulk_max_retries, fresh=True)
    failed = {**result.failed, **unclaimed}
    _mark(store, versions, BulkReport(ok=[i for i in result.ok if i not in unclaimed],
                                      failed=failed))
    for name, kind in ((index, "articles"), (claims, "claims")):
        es.indices.refresh(index=name)
        for old in schema.swap_aliases(es, settings, name, kind):
            es.indices.delete(index=old)
    # Anything stored while the rebuild ran went to the old index; index it again.
    with store.session() as session:
        late = [a for a in store.unindexed(session) if _iso(a.updated_at) >= _iso(started)]
    if late:
        _index_articles(store, es, settings, index, late, progress)
    return SyncReport(indexed=len(result.ok) - len(unclaimed), failed=failed, index=index)
