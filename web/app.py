"""The JSON API (``/api/``, described at ``/openapi.json``), built by a factory from settings
the way Datasette builds its app: tests get an in-process client, ``labourwatch serve`` and
``labourwatch run`` serve the same app on 127.0.0.1.

Read-only by default. The one state-changing action, starting a crawl, needs the token from
``LABOURWATCH_API_TOKEN``; without that variable it is disabled. Nothing a user sends is
ever fetched: a crawl can only be asked for by source id, from the configured sources.
"""

from __future__ import annotations

import hmac
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from config import Settings
from crawlers.health import source_health
from crawlers.sources import load_sources
from index.client import make_client
from index.export import KINDS, export, lines
from index.search import SearchFilters, search
from pipeline.models import Article, Extraction
from pipeline.store import Store
from pipeline.versions import describe, find_article
from web.pages import PageData, add_pages
from web.tools import add_tool_routes


class CrawlRequest(BaseModel):
    sources: list[str]


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="labourwatch", version="0.1",
                  description="Search, wages, claims and exports of coverage of AI labour.")
    state: dict = {}

    def es():  # type: ignore[no-untyped-def]
        if "es" not in state:
            state["es"] = make_client(settings)
        return state["es"]

    def store() -> Store:
        if "store" not in state:
            state["store"] = Store.from_settings(settings)
        return state["store"]

    def filters(
        outlet: Annotated[list[str] | None, Query()] = None,
        lang: Annotated[list[str] | None, Query()] = None,
        company: Annotated[list[str] | None, Query()] = None,
        country: Annotated[list[str] | None, Query()] = None,
        since: date | None = None, until: date | None = None,
        wage_min: float | None = None, wage_max: float | None = None,
        off_topic: bool = False,
    ) -> SearchFilters:
        return SearchFilters(outlets=outlet or [], languages=lang or [],
                             companies=company or [], countries=country or [], since=since,
                             until=until, wage_min=wage_min, wage_max=wage_max,
                             off_topic=off_topic)

    chosen_filters = Depends(filters)

    @app.get("/api/search", summary="Stories matching a query, one per syndication cluster")
    def api_search(q: str = "*", chosen: SearchFilters = chosen_filters,
                   limit: Annotated[int, Query(ge=1, le=200)] = 20,
                   offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
                   sort: Annotated[str, Query(pattern="^(relevance|date)$")] = "relevance"
                   ) -> dict:
        return search(es(), settings, q, chosen, limit=limit, offset=offset, sort=sort)

    @app.get("/api/facets", summary="Facet counts for a query")
    def api_facets(q: str = "*", chosen: SearchFilters = chosen_filters) -> dict:
        return search(es(), settings, q, chosen, limit=1)["facets"]

    @app.get("/api/coverage", summary="Stories per month for a query")
    def api_coverage(q: str = "*", chosen: SearchFilters = chosen_filters) -> list[dict]:
        return search(es(), settings, q, chosen, limit=1)["coverage"]

    @app.get("/api/articles/{key:path}", summary="One article: text, extractions, versions, "
                                                 "copies and archived captures")
    def api_article(key: str) -> dict:
        article = find_article(store(), key)
        if article is None:
            raise HTTPException(404, f"no article {key!r}")
        current = article.versions[-1]
        with store().session() as session:
            copies = [{"id": a.id, "url": a.url, "outlet": a.outlet,
                       "published_at": _iso(a.published_at), "canonical": a.canonical}
                      for a in session.query(Article).filter(
                          Article.cluster_id == article.cluster_id, Article.id != article.id)]
            extraction = session.query(Extraction).filter(
                Extraction.version_id == current.id, Extraction.stage == "nlp").one_or_none()
        return {"id": article.id, "url": article.url, "outlet": article.outlet,
                "title": current.title, "text": current.text,
                "text_original": current.text_original, "language": current.language,
                "published_at": _iso(current.published_at), "cluster_id": article.cluster_id,
                "canonical": article.canonical, "on_topic": article.on_topic,
                "relevance": article.relevance, "copies": copies,
                "versions": describe(article),
                "extractions": extraction.data if extraction else None}

    @app.get("/api/wages", summary="Wage figures of matching articles, each with its sentence "
                                   "and archived capture")
    def api_wages(q: str = "*", chosen: SearchFilters = chosen_filters,
                  limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> list[dict]:
        rows = export(es(), settings, store(), "wages", q, chosen).rows
        return [row for _, row in zip(range(limit), rows, strict=False)]

    @app.get("/api/export/{kind}", summary="Every match as CSV or JSON Lines (streamed)")
    def api_export(kind: str, q: str = "*", chosen: SearchFilters = chosen_filters,
                   format: Annotated[str, Query(pattern="^(csv|jsonl)$")] = "csv"
                   ) -> StreamingResponse:
        if kind not in KINDS:
            raise HTTPException(404, f"export kind is one of {', '.join(KINDS)}")
        result = export(es(), settings, store(), kind, q, chosen)
        media = "text/csv" if format == "csv" else "application/x-ndjson"
        return StreamingResponse(
            lines(result.rows, kind, format), media_type=f"{media}; charset=utf-8",
            headers={"Content-Disposition":
                     f'attachment; filename="labourwatch-{kind}.{format}"'})

    @app.get("/api/sources", summary="Per-source crawl health over the last week (configured "
                                     "sources never crawled in it are 'silent')")
    def api_sources() -> list[dict]:
        configured = {s.id: s.name for s in load_sources(settings.config_file("sources.yaml"))}
        return [{k: _iso(v) if hasattr(v, "isoformat") else v for k, v in row.items()}
                for row in source_health(store(), configured=configured)]

    def token(authorization: Annotated[str | None, Header()] = None) -> None:
        expected = settings.api_token
        if not expected:
            raise HTTPException(403, "state-changing actions are disabled: set "
                                     "LABOURWATCH_API_TOKEN to enable them")
        given = (authorization or "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise HTTPException(401, "a valid token is needed (Authorization: Bearer …)")

    @app.post("/api/crawl", status_code=202, dependencies=[Depends(token)],
              summary="Start a crawl of configured sources (needs the API token)")
    def api_crawl(request: CrawlRequest) -> dict:
        known = {s.id for s in load_sources(settings.config_file("sources.yaml"))}
        unknown = sorted(set(request.sources) - known)
        if unknown or not request.sources:
            raise HTTPException(422, f"unknown sources: {', '.join(unknown) or '(none given)'}")
        command = [sys.executable, "-m", "labourwatch", "crawl"]
        for source in request.sources:
            command += ["--source", source]
        process = subprocess.Popen(command, cwd=Path(__file__).resolve().parent.parent,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return {"started": True, "pid": process.pid, "sources": request.sources}

    add_tool_routes(app, settings, es, store)
    add_pages(app, PageData(
        search=lambda q, chosen: search(es(), settings, q, chosen, limit=50),
        wages=lambda q, chosen: export(es(), settings, store(), "wages", q, chosen).rows,
        article=api_article, sources=api_sources))
    return app


def _iso(value):  # type: ignore[no-untyped-def]
    return value.isoformat() if value is not None else None
