"""The claims index: one document per sentence that carries a figure, kept beside the articles.

A claim is what the NLP stage found in a sentence (its numbers with units, the companies and
places it names, the outlets it credits); the document adds the article's outlet, date and
cluster and the archived capture, so that tracing can answer from the index alone and still
point at what the page said when it was fetched. Claims are (re)written whenever their
article is indexed, and stale ones (from an earlier version) are removed.
"""

from __future__ import annotations

from collections.abc import Iterable

from elasticsearch import Elasticsearch

from index.analysis import document_terms
from index.bulk import BulkReport, bulk_index
from pipeline.models import Article
from pipeline.store import iso as _iso


def to_claim_docs(article: Article) -> list[dict]:
    """The claim documents of the article's current version."""
    version = article.versions[-1]
    nlp = next((e.data for e in version.extractions if e.stage == "nlp"), None) or {}
    companies = {c["id"] for c in nlp.get("companies") or []}
    countries = {p["id"]: p.get("country_code") for p in nlp.get("places") or []}
    fetch = version.fetch
    archived = ({"warc": fetch.warc_file, "offset": fetch.warc_offset,
                 "length": fetch.warc_length, "digest": fetch.payload_digest,
                 "fetched_at": _iso(fetch.fetched_at)}
                if fetch is not None and fetch.warc_file else None)
    article_countries = sorted({c for c in countries.values() if c})
    credits = [(a["start"], a["source"]) for a in nlp.get("attributions") or []
               if a.get("source")]
    docs = []
    for n, claim in enumerate(nlp.get("claims") or []):
        entities = list(claim.get("entities") or [])
        places = [e for e in entities if e in countries]
        docs.append({
            "id": f"{article.id}:{n}", "article_id": article.id, "url": article.url,
            "title": version.title, "outlet": article.outlet, "language": version.language,
            "published_at": _iso(version.published_at),
            "cluster_id": article.cluster_id or article.id, "canonical": article.canonical,
            "version": version.version, "text": claim["text"],
            "terms": document_terms(claim["text"]),
            "start": claim.get("start"), "end": claim.get("end"),
            "numbers": [{k: number.get(k) for k in ("kind", "value", "value_max", "unit",
                                                    "hourly_usd", "text")}
                        for number in claim.get("numbers") or []],
            "companies": [e for e in entities if e in companies], "places": places,
            "countries": sorted({countries[p] for p in places if countries[p]}),
            "entities": entities, "attributed_to": list(claim.get("attributed_to") or []),
            "credited_nearby": _nearby(version.text, claim, credits),
            "article_companies": sorted(companies), "article_countries": article_countries,
            "article_places": sorted(countries),
            "archived": archived,
        })
    return docs


NEARBY = 300  # characters either side of a claim, within its paragraph, for its credit


def _nearby(text: str, claim: dict, credits: list[tuple[int, str]]) -> list[str]:
    """Outlets credited next to the claim ("…, TIME reported. Workers were paid…"), within
    its paragraph, when the sentence itself credits none."""
    start, end = claim.get("start") or 0, claim.get("end") or 0
    low = max(text.rfind("\n", 0, start) + 1, start - NEARBY)
    stop = text.find("\n", end)
    high = min(stop if stop >= 0 else len(text), end + NEARBY)
    return list(dict.fromkeys(source for at, source in credits
                              if low <= at < high and not start <= at < end))


def index_claims(es: Elasticsearch, index: str, articles: Iterable[Article],
                 chunk_size: int = 500, max_retries: int = 3, fresh: bool = False
                 ) -> dict[str, str]:
    """Write the claims of ``articles`` (streamed: a rebuild holds no more than a chunk);
    returns the articles whose claims failed, with why.

    ``fresh``: the index is new (a rebuild), so there are no stale claims to remove.
    """
    owners: dict[str, str] = {}
    batch: list[Article] = []
    failed: dict[str, str] = {}

    def docs() -> Iterable[dict]:
        for article in articles:
            batch.append(article)
            for doc in to_claim_docs(article):
                owners[doc["id"]] = article.id
                yield doc
            if not fresh and len(batch) >= chunk_size:
                failed.update(_clean(es, index, batch, owners))
                batch.clear()
        if not fresh and batch:
            failed.update(_clean(es, index, batch, owners))

    report: BulkReport = bulk_index(es, index, docs(), chunk_size=chunk_size,
                                    max_retries=max_retries)
    for doc_id, reason in report.failed.items():
        failed.setdefault(owners[doc_id], f"claims: {reason}")
    return failed


def _clean(es: Elasticsearch, index: str, batch: list[Article], owners: dict[str, str]
           ) -> dict[str, str]:
    """Remove the stale claims of a batch; the articles it could not clean, with why."""
    ids = [a.id for a in batch]
    try:
        _remove_stale(es, index, ids, {d for d, owner in owners.items() if owner in set(ids)})
    except Exception as error:  # noqa: BLE001 - retried with the article next run
        return dict.fromkeys(ids, f"claims: {type(error).__name__}: {error}"[:1000])
    return {}


def _remove_stale(es: Elasticsearch, index: str, article_ids: list[str], keep: set[str]
                  ) -> None:
    """Delete claims of these articles that their current versions no longer make."""
    found = es.search(index=index, query={"terms": {"article_id": article_ids}},
                      source=False, size=10_000, track_total_hits=False)
    stale = [hit["_id"] for hit in found["hits"]["hits"] if hit["_id"] not in keep]
    if stale:
        es.bulk(operations=[{"delete": {"_index": index, "_id": doc_id}} for doc_id in stale],
                refresh=False)
