"""What goes into one subscription's digest for one ISO week.

Everything comes through the same search the CLI and the API use (one story per syndication
cluster, the subscription's query and filters), then the store adds what the index does not
hold: each story's opening sentences and each wage figure with its sentence, company, place
and archived capture. Ranking mixes three things a reader weighs: how well the story matches,
how recent it is within the week, and how many outlets carried it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from elasticsearch import Elasticsearch, NotFoundError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from config import Settings
from digests.subscriptions import Subscription
from digests.weeks import Week
from index.export import wage_context
from index.schema import IndexNames
from index.search import build_query, search
from nlp.components import sentence_bounds
from pipeline.models import Article, ArticleVersion
from pipeline.store import Store, utc

CANDIDATES = 200  # clusters read per week before ranking; a week rarely has more on this beat
# Match leads; a second outlet carrying a story outweighs being a few days newer (within one
# week recency says little about importance); four outlets give the full reach.
WEIGHTS = {"match": 0.6, "reach": 0.3, "recency": 0.1}
REACH_FULL = 4
EXTRACT_CHARS = 420
TOP = 10  # companies and places listed


@dataclass
class Story:
    id: str
    url: str
    title: str
    outlet: str | None
    language: str | None
    published_at: datetime | None
    extract: str
    copies: int
    outlets: list[str]
    rank: float


@dataclass
class WageRow:
    text: str
    hourly_usd: float | None
    hourly_usd_max: float | None
    period: str | None
    currency: str | None
    companies: list[str]
    places: list[str]
    sentence: str
    article_id: str
    url: str
    title: str
    outlet: str | None
    published_at: datetime | None
    warc: str | None


@dataclass
class Mentions:
    id: str
    name: str
    this_week: int
    last_week: int

    @property
    def change(self) -> int:
        return self.this_week - self.last_week


@dataclass
class Digest:
    subscription: Subscription
    week: Week
    generated_at: datetime
    total: int  # stories (clusters) this week, including those past the listed ones
    stories: list[Story] = field(default_factory=list)
    wages: list[WageRow] = field(default_factory=list)
    companies: list[Mentions] = field(default_factory=list)
    places: list[Mentions] = field(default_factory=list)
    outlets: dict[str, int] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.stories


def select_digest(es: Elasticsearch, settings: Settings, store: Store, sub: Subscription,
                  week: Week) -> Digest:
    filters = sub.search_filters(since=week.monday, until=week.sunday)
    found = search(es, settings, sub.query, filters, limit=CANDIDATES)
    hits = found["hits"]
    reach = _outlets_per_cluster(es, settings, [h["cluster_id"] for h in hits if h["cluster_id"]])
    articles = _articles(store, [h["id"] for h in hits])
    best = max((h["score"] or 0.0 for h in hits), default=0.0) or 1.0
    stories = sorted((_story(hit, articles.get(hit["id"]), reach, week, best) for hit in hits),
                     key=lambda s: -s.rank)
    digest = Digest(subscription=sub, week=week, generated_at=datetime.now(UTC),
                    total=found["total"], stories=stories[:sub.stories])
    names: dict[str, str] = {}
    for story in stories:
        article = articles.get(story.id)
        if article is not None:
            digest.wages += _wages(article, names)
    digest.wages.sort(key=lambda w: (w.hourly_usd is None, w.hourly_usd or 0))
    this = _counts(es, settings, sub, week)
    last = _counts(es, settings, sub, week.previous())
    digest.companies = _mentions(this["companies"], last["companies"], names)
    digest.places = _mentions(this["places"], last["places"], names)
    digest.outlets, digest.languages = this["outlet"], this["language"]
    return digest


def _story(hit: dict, article: Article | None, reach: dict[str, list[str]], week: Week,
           best: float) -> Story:
    published = _when(hit["published_at"])
    recency = 0.0
    if published:
        recency = min(1.0, max(0.0, (published - week.start).total_seconds() / 604800))
    outlets = reach.get(hit["cluster_id"] or "", []) or [hit["outlet"] or "?"]
    spread = min(1.0, math.log2(len(outlets)) / math.log2(REACH_FULL))
    rank = (WEIGHTS["match"] * (hit["score"] or 0.0) / best + WEIGHTS["recency"] * recency
            + WEIGHTS["reach"] * spread)
    text = article.versions[-1].text if article and article.versions else ""
    return Story(id=hit["id"], url=hit["url"], title=hit["title"] or hit["url"],
                 outlet=hit["outlet"], language=hit["language"], published_at=published,
                 extract=opening(text), copies=hit["copies"], outlets=outlets,
                 rank=round(rank, 4))


def opening(text: str, sentences: int = 2) -> str:
    """The first two sentences, as written, cut at a word boundary if they run long."""
    bounds = sentence_bounds(text)[:sentences]
    if not bounds:
        return ""
    found = re.sub(r"\s+", " ", text[bounds[0][0]:bounds[-1][1]]).strip()
    if len(found) <= EXTRACT_CHARS:
        return found
    cut = found[:EXTRACT_CHARS]
    return (cut.rsplit(" ", 1)[0] if " " in cut[-40:] else cut) + "…"


def _when(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return utc(value)
    if isinstance(value, str) and value:
        return utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    return None


def _outlets_per_cluster(es: Elasticsearch, settings: Settings, clusters: list[str]
                         ) -> dict[str, list[str]]:
    """Which outlets carried each story: every copy in its cluster, whatever its date."""
    if not clusters:
        return {}
    response = es.search(
        index=IndexNames(settings.index_prefix).read_alias, size=0,
        query={"terms": {"cluster_id": clusters}},
        aggs={"clusters": {"terms": {"field": "cluster_id", "size": len(clusters)},
                           "aggs": {"outlets": {"terms": {"field": "outlet", "size": 50}}}}})
    return {b["key"]: [o["key"] for o in b["outlets"]["buckets"]]
            for b in response["aggregations"]["clusters"]["buckets"]}


def _articles(store: Store, ids: list[str]) -> dict[str, Article]:
    if not ids:
        return {}
    with store.session() as session:
        rows = session.scalars(
            select(Article).where(Article.id.in_(ids)).options(
                selectinload(Article.versions).selectinload(ArticleVersion.extractions),
                selectinload(Article.versions).selectinload(ArticleVersion.fetch)))
        return {article.id: article for article in rows}


def _wages(article: Article, names: dict[str, str]) -> list[WageRow]:
    """The wage figures of the article's current version, each with its company and place as
    the wages export and explorer name them (``index.export.wage_context``)."""
    if not article.versions:
        return []
    version = article.versions[-1]
    nlp = next((e.data for e in version.extractions if e.stage == "nlp"), None) or {}
    for kind in ("companies", "places"):
        for item in nlp.get(kind) or []:
            names.setdefault(item["id"], item.get("name") or item["id"])
    fetch = version.fetch
    rows = []
    for wage in nlp.get("wages") or []:
        context = wage_context(version.text, wage, nlp)
        rows.append(WageRow(
            text=wage["text"], hourly_usd=wage.get("hourly_usd"),
            hourly_usd_max=wage.get("hourly_usd_max"), period=wage.get("period"),
            currency=wage.get("currency"),
            companies=[names.get(c, c) for c in context["companies"]],
            places=context["places"] or context["countries"],
            sentence=wage.get("sentence") or "", article_id=article.id, url=article.url,
            title=article.title or article.url, outlet=article.outlet,
            published_at=_when(article.published_at),
            warc=fetch.warc_file if fetch else None))
    return rows


def _counts(es: Elasticsearch, settings: Settings, sub: Subscription, week: Week
            ) -> dict[str, dict[str, int]]:
    """Articles per company, place, outlet and language in one week (copies count: an outlet
    that ran the story mentioned those names too)."""
    query = build_query(sub.query, sub.search_filters(since=week.monday, until=week.sunday))
    fields = {"companies": TOP * 3, "places": TOP * 3, "outlet": 50, "language": 10}
    try:
        response = es.search(index=IndexNames(settings.index_prefix).read_alias, size=0,
                             query=query,
                             aggs={name: {"terms": {"field": name, "size": size}}
                                   for name, size in fields.items()})
    except NotFoundError:  # no index yet: nothing was mentioned
        return {name: {} for name in fields}
    return {name: {b["key"]: b["doc_count"] for b in response["aggregations"][name]["buckets"]}
            for name in fields}


def _mentions(this: dict[str, int], last: dict[str, int], names: dict[str, str]
              ) -> list[Mentions]:
    found = [Mentions(id=key, name=names.get(key, key), this_week=count,
                      last_week=last.get(key, 0)) for key, count in this.items()]
    found.sort(key=lambda m: (-m.this_week, -m.change, m.name))
    return found[:TOP]
