"""Search the articles index: one function used by the CLI, the API and digests alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from elasticsearch import Elasticsearch, NotFoundError

from config import Settings
from index.analysis import rewrite, stem_prefixes
from index.schema import IndexNames

FACETS = {"outlet": "outlet", "language": "language", "company": "companies",
          "country": "countries"}
SEARCH_FIELDS = ["title^3", "description^2", "text"]
HIGHLIGHT = {"pre_tags": ["<mark>"], "post_tags": ["</mark>"], "encoder": "html",
             "fields": {"text": {"fragment_size": 180, "number_of_fragments": 3},
                        "title": {"number_of_fragments": 0}}}
SOURCE = ["id", "url", "title", "outlet", "language", "published_at", "cluster_id", "wages",
          "companies", "places", "countries", "kind"]


@dataclass
class SearchFilters:
    """Every filter a user can set; empty means no restriction."""

    outlets: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    since: date | None = None
    until: date | None = None
    wage_min: float | None = None
    wage_max: float | None = None
    off_topic: bool = False  # include stories the relevance scorer judged off the beat

    def clauses(self) -> list[dict]:
        found: list[dict] = [] if self.off_topic else [{"term": {"on_topic": True}}]
        for values, name in ((self.outlets, "outlet"), (self.languages, "language"),
                             (self.companies, "companies"),
                             (self.countries, "countries")):
            if values:
                found.append({"terms": {name: [v.upper() if name == "countries" else v
                                               for v in values]}})
        if self.since or self.until:
            bounds = {}
            if self.since:
                bounds["gte"] = self.since.isoformat()
            if self.until:
                bounds["lte"] = self.until.isoformat()
            found.append({"range": {"published_at": bounds}})
        if self.wage_min is not None or self.wage_max is not None:
            wage: dict = {}
            if self.wage_min is not None:
                wage["gte"] = self.wage_min
            if self.wage_max is not None:
                wage["lte"] = self.wage_max
            found.append({"nested": {"path": "wages",
                                     "query": {"range": {"wages.hourly_usd": wage}}}})
        return found


def build_query(query: str, filters: SearchFilters) -> dict:
    """The bool query: free text in ``simple_query_string`` syntax (never a syntax error)."""
    text = query.strip()
    must: list[dict] = []
    if text and text != "*":
        # the words as written (Chinese runs as phrases), or their stems / jieba words
        plain, analysed = rewrite(text)
        either = [{"simple_query_string": {"query": plain, "fields": SEARCH_FIELDS,
                                           "default_operator": "and", "lenient": True}}]
        if analysed:
            either.append({"simple_query_string": {"query": analysed, "fields": ["terms"],
                                                   "default_operator": "and",
                                                   "lenient": True}})
        must.append({"bool": {"should": either, "minimum_should_match": 1}})
    return {"bool": {"must": must or [{"match_all": {}}], "filter": filters.clauses()}}


def highlight(query: str) -> dict:
    """Marks for the words as written and for the words sharing their stems.

    A story found through its stems ("annotator" finding "annotators") would otherwise come
    back unmarked: ``text`` is analysed as written (no stemmer in our Elasticsearch build) and
    ``terms``, which holds the stems, would be marked as stems, not as the words a reader sees.
    """
    text = query.strip()
    prefixes = stem_prefixes(text) if text and text != "*" else []
    if not prefixes:
        return HIGHLIGHT
    plain, _ = rewrite(text)
    marked = [{"simple_query_string": {"query": plain, "fields": ["title", "text"],
                                       "default_operator": "or", "lenient": True}}]
    marked += [{"prefix": {name: prefix}} for prefix in prefixes for name in ("title", "text")]
    return {**HIGHLIGHT, "highlight_query": {"bool": {"should": marked}}}


def aggregations() -> dict:
    """Stories (clusters) matched, coverage per month and the facets, beside every search."""
    return {"stories": {"cardinality": {"field": "cluster_id", "precision_threshold": 40000}},
            # coverage over time: stories (clusters) per month of publication
            "coverage": {"date_histogram": {"field": "published_at", "calendar_interval": "month",
                                            "format": "yyyy-MM", "min_doc_count": 1},
                         "aggs": {"stories": {"cardinality": {"field": "cluster_id"}}}},
            **{name: {"terms": {"field": fieldname, "size": 20}}
               for name, fieldname in FACETS.items()}}


def search(es: Elasticsearch, settings: Settings, query: str,
           filters: SearchFilters | None = None, limit: int = 20, offset: int = 0,
           sort: str = "relevance") -> dict:
    """Stories matching ``query``: one hit per syndication cluster, highlights and facets."""
    filters = filters or SearchFilters()
    order: list = ["_score", {"published_at": {"order": "desc", "missing": "_last"}}]
    if sort == "date":
        order = [{"published_at": {"order": "desc", "missing": "_last"}}, "_score"]
    body = {
        "query": build_query(query, filters),
        "collapse": {"field": "cluster_id",
                     "inner_hits": {"name": "copies", "size": 0, "_source": False}},
        "highlight": highlight(query),
        "sort": order,
        "track_scores": True,
        "track_total_hits": True,
        "aggs": aggregations(),
    }
    try:
        response = es.search(index=IndexNames(settings.index_prefix).read_alias, size=limit,
                             from_=offset, source=SOURCE, **body)
    except NotFoundError:  # nothing indexed yet: an empty answer, not an error
        return {"total": 0, "documents": 0, "hits": [], "coverage": [],
                "facets": {name: [] for name in FACETS}}
    return _shape(response)


def _shape(response: dict) -> dict:
    hits = []
    for hit in response["hits"]["hits"]:
        source = hit["_source"]
        highlight = hit.get("highlight", {})
        copies = hit.get("inner_hits", {}).get("copies", {}).get("hits", {}).get("total", {})
        hits.append({
            "id": source.get("id"), "url": source.get("url"), "title": source.get("title"),
            "outlet": source.get("outlet"), "language": source.get("language"),
            "published_at": source.get("published_at"), "cluster_id": source.get("cluster_id"),
            "copies": copies.get("value", 1) if copies else 1,
            "score": hit.get("_score"),
            # adjacent marks (CJK text is matched character by character) read as one
            "highlights": [h.replace("</mark><mark>", "") for h in
                           highlight.get("title", []) + highlight.get("text", [])],
            "wages": source.get("wages", []), "companies": source.get("companies", []),
            "places": source.get("places", []),
        })
    aggs = response.get("aggregations", {})
    return {
        "total": int(aggs.get("stories", {}).get("value", response["hits"]["total"]["value"])),
        "documents": response["hits"]["total"]["value"],
        "hits": hits,
        "coverage": [{"month": b["key_as_string"], "stories": b["stories"]["value"],
                      "documents": b["doc_count"]}
                     for b in aggs.get("coverage", {}).get("buckets", [])],
        "facets": {name: [{"key": b["key"], "count": b["doc_count"]}
                          for b in aggs.get(name, {}).get("buckets", [])] for name in FACETS},
    }
