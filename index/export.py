"""Exports of every match, at any size: articles, wages and claims as CSV or JSON Lines.

A wage row names the companies and countries of its own sentence (the story's most named
when the sentence names none); with a wage, country or company filter only the figures that
meet it are rows (an article matches when one of its figures does).

Matching runs in Elasticsearch with a point in time and ``search_after`` (a consistent view,
no deep-paging limit); wages and claims are then read from the store, where each figure keeps
its sentence, its offsets and the archived capture it came from, so every exported row can be
traced back to what the page said when we fetched it.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from elasticsearch import Elasticsearch
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from config import Settings
from index.schema import IndexNames
from index.search import SearchFilters, build_query
from pipeline.models import Article, ArticleVersion
from pipeline.store import Store

KINDS = ("articles", "wages", "claims")

ARTICLE_COLUMNS = ["id", "url", "title", "outlet", "language", "kind", "published_at",
                   "cluster_id", "canonical", "on_topic", "companies", "countries", "places",
                   "wages", "warc", "warc_offset", "payload_digest", "fetched_at"]
WAGE_COLUMNS = ["article_id", "url", "outlet", "published_at", "text", "amount", "amount_max",
                "currency", "period", "qualifier", "hourly_usd", "hourly_usd_max", "basis",
                "language", "companies", "countries", "places", "sentence", "start", "end",
                "warc", "warc_offset", "payload_digest", "fetched_at"]
CLAIM_COLUMNS = ["article_id", "url", "outlet", "published_at", "text", "numbers", "entities",
                 "attributed_to", "start", "end", "warc", "warc_offset", "payload_digest",
                 "fetched_at"]
COLUMNS = {"articles": ARTICLE_COLUMNS, "wages": WAGE_COLUMNS, "claims": CLAIM_COLUMNS}


@dataclass
class Export:
    kind: str
    total: int  # matching articles
    rows: Iterator[dict]


def matching_ids(es: Elasticsearch, settings: Settings, query: str, filters: SearchFilters,
                 keep_alive: str = "2m") -> tuple[int, Iterator[list[dict]]]:
    """How many articles match, and their index documents in batches (oldest first)."""
    index = IndexNames(settings.index_prefix).read_alias
    body_query = build_query(query, filters)
    total = es.count(index=index, query=body_query)["count"]

    def batches() -> Iterator[list[dict]]:
        pit = es.open_point_in_time(index=index, keep_alive=keep_alive)["id"]
        after = None
        try:
            while True:
                extra = {"search_after": after} if after else {}
                page = es.search(pit={"id": pit, "keep_alive": keep_alive},
                                 size=settings.export_batch,
                                 query=body_query, track_total_hits=False,
                                 source_excludes=["terms"],
                                 sort=[{"published_at": {"order": "asc", "missing": "_first"}},
                                       {"_shard_doc": "asc"}], **extra)
                hits = page["hits"]["hits"]
                if not hits:
                    return
                pit = page.get("pit_id", pit)
                after = hits[-1]["sort"]
                yield [hit["_source"] for hit in hits]
        finally:
            es.close_point_in_time(id=pit)

    return total, batches()


def export(es: Elasticsearch, settings: Settings, store: Store, kind: str, query: str,
           filters: SearchFilters, progress: Callable[[int], None] | None = None) -> Export:
    if kind not in KINDS:
        raise ValueError(f"export kind is one of {', '.join(KINDS)}, not {kind!r}")
    total, batches = matching_ids(es, settings, query, filters)

    def rows() -> Iterator[dict]:
        for batch in batches:
            if kind == "articles":
                yield from (_article_row(source) for source in batch)
            else:
                yield from _figures(store, kind, batch, filters)
            if progress:
                progress(len(batch))

    return Export(kind, total, rows())


def _article_row(source: dict) -> dict:
    archived = source.get("archived") or {}
    return {**{k: source.get(k) for k in ("id", "url", "title", "outlet", "language", "kind",
                                         "published_at", "cluster_id", "canonical",
                                         "on_topic", "companies", "countries", "places")},
            "wages": len(source.get("wages") or []), "warc": archived.get("warc"),
            "warc_offset": archived.get("offset"), "payload_digest": archived.get("digest"),
            "fetched_at": archived.get("fetched_at")}


def _figures(store: Store, kind: str, batch: list[dict], filters: SearchFilters
             ) -> Iterator[dict]:
    """Wage or claim rows of a batch of matching articles, from the version that was indexed."""
    wanted = {source["id"]: source for source in batch}
    with store.session() as session:
        articles = session.scalars(
            select(Article).where(Article.id.in_(list(wanted))).options(
                selectinload(Article.versions).selectinload(ArticleVersion.extractions),
                selectinload(Article.versions).selectinload(ArticleVersion.fetch)))
        by_id = {article.id: article for article in articles}
    for article_id, source in wanted.items():
        article = by_id.get(article_id)
        if article is None or not article.versions:
            continue
        version = next((v for v in article.versions if v.version == source.get("version")),
                       article.versions[-1])
        nlp = next((e.data for e in version.extractions if e.stage == "nlp"), {})
        fetch = version.fetch
        common = {"article_id": article_id, "url": article.url, "outlet": article.outlet,
                  "published_at": source.get("published_at"), "language": version.language,
                  "warc": fetch.warc_file if fetch else None,
                  "warc_offset": fetch.warc_offset if fetch else None,
                  "payload_digest": fetch.payload_digest if fetch else None,
                  "fetched_at": fetch.fetched_at.isoformat() if fetch and fetch.fetched_at
                  else None}
        for item in nlp.get(kind) or []:
            row = {**common, **{k: v for k, v in item.items() if k in COLUMNS[kind]}}
            if kind == "wages":
                row.update(wage_context(version.text or "", item, nlp))
                if not figure_matches(row, filters):
                    continue
            yield row


def figure_matches(row: dict, filters: SearchFilters) -> bool:
    """Whether a wage row meets the filters itself, not only its article: its hourly range
    is in the wage filter's range, its sentence (or story) names a chosen country and company."""
    countries = {c.upper() for c in filters.countries}
    if countries and not countries & set(row["countries"]):
        return False
    if filters.companies and not set(filters.companies) & set(row["companies"]):
        return False
    if filters.wage_min is None and filters.wage_max is None:
        return True
    hourly = row.get("hourly_usd")  # the lower end, as the index's wage filter reads it
    return hourly is not None and (filters.wage_min is None or hourly >= filters.wage_min) \
        and (filters.wage_max is None or hourly <= filters.wage_max)


def wage_context(text: str, wage: dict, nlp: dict) -> dict:
    """Companies and countries named in the figure's sentence, else the one the story names
    most (who pays and where is usually said in the same sentence, otherwise it is the
    story's subject), and the names of the sentence's places."""
    sentence = wage.get("sentence") or ""
    # the sentence's last occurrence that starts at or before the figure
    start = text.rfind(sentence, 0, wage["start"] + len(sentence)) if sentence else -1
    end = start + len(sentence) if start >= 0 and start + len(sentence) >= wage["end"] else -1
    companies = [c["id"] for c in nlp.get("companies") or []]
    places = [p for p in nlp.get("places") or [] if p.get("country_code")]
    inside = [c["id"] for c in nlp.get("companies") or [] if start <= c["start"] < end]
    here = [p for p in places if start <= p["start"] < end]
    return {"companies": _unique(inside) or _most_named(companies),
            "countries": _unique(p["country_code"] for p in here)
            or _most_named([p["country_code"] for p in places]),
            "places": _unique(p["name"] for p in here)}


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _most_named(values: list[str]) -> list[str]:
    """The value named most often (the first named of those tied), or none."""
    if not values:
        return []
    counts = Counter(values)
    return [max(_unique(values), key=lambda v: counts[v])]


def lines(rows: Iterator[dict], kind: str, fmt: str) -> Iterator[str]:
    """Rows as CSV (a header, lists joined with ``|``, nested values as JSON) or JSON Lines,
    one text chunk per row, for files and for streamed HTTP responses alike."""
    if fmt == "jsonl":
        for row in rows:
            yield json.dumps(row, ensure_ascii=False) + "\n"
        return
    if fmt != "csv":
        raise ValueError(f"format is csv or jsonl, not {fmt!r}")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS[kind], extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.getvalue():  # no rows: the header alone
        yield buffer.getvalue()


def write(rows: Iterator[dict], kind: str, fmt: str, out: io.TextIOBase) -> int:
    """Write the rows to ``out``; returns how many."""
    count = 0

    def counted() -> Iterator[dict]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    for chunk in lines(counted(), kind, fmt):
        out.write(chunk)
    return count


def _cell(value: object) -> object:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "|".join(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value
