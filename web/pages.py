"""Server-rendered pages (Jinja2, no build step, usable without JavaScript): search with facets
and a coverage chart, the article page with its figures marked in place, the wages explorer
and source health. Every value from an article is escaped by the templates; article HTML is
never rendered. The pages read through the same functions as the JSON API."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Generator
from contextlib import closing
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.datastructures import QueryParams

from crawlers.health import UNHEALTHY
from index.search import SearchFilters
from web import wages
from web.charts import coverage_chart, hourly_box_chart

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
_MARK = re.compile(r"(</?mark>)")
FACET_PARAMS = {"outlet": "outlet", "language": "lang", "company": "company",
                "country": "country"}
WAGE_ROWS = 1000  # figures listed (and charted) on the wages page; the CSV has every one


@dataclass
class PageData:
    """What the pages read: the functions behind ``/api/search``, ``/api/wages``,
    ``/api/articles/{id}`` and ``/api/sources``."""

    search: Callable[[str, SearchFilters], dict]
    wages: Callable[[str, SearchFilters], Generator[dict, None, None]]
    article: Callable[[str], dict]
    sources: Callable[[], list[dict]]


@dataclass
class PageQuery:
    """A page's query and filters as the URL gives them, and links that keep them."""

    q: str
    active: dict[str, list[str]]
    wage_min: float | None
    wage_max: float | None

    @classmethod
    def from_params(cls, params: QueryParams) -> PageQuery:
        return cls(q=params.get("q", "*").strip() or "*",
                   active={name: params.getlist(name) for name in FACET_PARAMS.values()
                           if params.getlist(name)},
                   wage_min=_number(params.get("wage_min")),
                   wage_max=_number(params.get("wage_max")))

    @property
    def filters(self) -> SearchFilters:
        return SearchFilters(outlets=self.active.get("outlet", []),
                             languages=self.active.get("lang", []),
                             companies=self.active.get("company", []),
                             countries=self.active.get("country", []),
                             wage_min=self.wage_min, wage_max=self.wage_max)

    @property
    def pairs(self) -> list[tuple[str, str]]:
        pairs = [("q", self.q)] + [(k, v) for k, vs in self.active.items() for v in vs]
        for name, value in (("wage_min", self.wage_min), ("wage_max", self.wage_max)):
            if value is not None:
                pairs.append((name, f"{value:g}"))
        return pairs

    def link(self, path: str, facet: str | None = None, key: str | None = None) -> str:
        """``path`` with this query and filters, plus one more facet value if given."""
        extra = [(FACET_PARAMS[facet], key)] if facet and key is not None else []
        return f"{path}?{urlencode([*self.pairs, *extra])}"


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def mark_only(fragment: str) -> Markup:
    """A highlight fragment from Elasticsearch (HTML-encoded, with <mark> tags): every text
    piece decoded and escaped again by us, only the <mark> tags kept as markup."""
    return Markup("").join(Markup(part) if part in ("<mark>", "</mark>")
                           else escape(html.unescape(part))
                           for part in _MARK.split(fragment))


def when(value: str | None, length: int = 10) -> str:
    """An ISO timestamp shortened for a table (date, or date and minute)."""
    return (value or "")[:length].replace("T", " ")


def mark_in(sentence: str, figure: str) -> Markup:
    """The sentence with its figure marked (both escaped)."""
    before, found, after = sentence.partition(figure.strip()) if figure.strip() else (
        sentence, "", "")
    if not found:
        return escape(sentence)
    return Markup('{}<mark class="wage">{}</mark>{}').format(before, found, after)


def amount(value: float | None) -> str:
    """A figure as a reader writes it: thousands separated, no trailing zeros."""
    if value is None:
        return ""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


TEMPLATES.env.filters["mark_only"] = mark_only
TEMPLATES.env.filters["when"] = when
TEMPLATES.env.filters["amount"] = amount
TEMPLATES.env.filters["mark_in"] = mark_in


def marked(text: str, extractions: dict | None) -> list[Markup]:
    """The text in paragraphs, wages, companies and places wrapped in <mark> where they are."""
    spans = []
    for kind, label in (("wages", "currency"), ("companies", "id"), ("places", "id")):
        for item in (extractions or {}).get(kind) or []:
            spans.append((item["start"], item["end"], kind.rstrip("s").replace("ie", "y"),
                          str(item.get(label) or "")))
    spans.sort()
    pieces, position = [], 0
    for start, end, kind, label in spans:
        if start < position:
            continue  # overlapping marks: the first wins
        pieces.append(escape(text[position:start]))
        pieces.append(Markup('<mark class="{}" title="{}">{}</mark>').format(
            kind, label, text[start:end]))
        position = end
    pieces.append(escape(text[position:]))
    joined = Markup("").join(pieces)
    return [Markup(p) for p in str(joined).split("\n") if p.strip()]


def add_pages(app: FastAPI, data: PageData) -> None:
    """The HTML pages, built on the same functions as the JSON API."""

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def search_page(request: Request) -> HTMLResponse:
        query = PageQuery.from_params(request.query_params)
        result = data.search(query.q, query.filters)
        return TEMPLATES.TemplateResponse(request, "search.html", {
            "query": query, "path": "/", "result": result,
            "chart": coverage_chart(result.get("coverage") or [])})

    @app.get("/wages", response_class=HTMLResponse, include_in_schema=False)
    def wages_page(request: Request) -> HTMLResponse:
        query = PageQuery.from_params(request.query_params)
        result = data.search(query.q, query.filters)  # for the facets and the story count
        with closing(data.wages(query.q, query.filters)) as figures:  # ends the point in time
            rows = list(islice(figures, WAGE_ROWS + 1))
        shown = rows[:WAGE_ROWS]
        charts = []
        for dimension, title in (("country", "by country"), ("company", "by company"),
                                 ("year", "by year of publication")):
            groups = wages.groups(shown, dimension)
            charts.append({"dimension": dimension, "groups": groups,
                           "svg": hourly_box_chart(f"hourly USD {title}", groups)})
        return TEMPLATES.TemplateResponse(request, "wages.html", {
            "query": query, "path": "/wages", "result": result, "rows": shown,
            "more": len(rows) > WAGE_ROWS, "charts": charts})

    @app.get("/sources", response_class=HTMLResponse, include_in_schema=False)
    def sources_page(request: Request) -> HTMLResponse:
        order = [*UNHEALTHY, "ok"]  # the worst first
        rows = sorted(data.sources(), key=lambda r: (order.index(r["state"]), r["source"] or ""))
        return TEMPLATES.TemplateResponse(request, "sources.html", {
            "rows": rows, "unhealthy": UNHEALTHY,
            "attention": sum(r["state"] in UNHEALTHY for r in rows)})

    @app.get("/articles/{key:path}", response_class=HTMLResponse, include_in_schema=False)
    def article_page(request: Request, key: str) -> HTMLResponse:
        article = data.article(key)  # a 404 when there is no such article
        extractions = article.get("extractions") or {}
        return TEMPLATES.TemplateResponse(request, "article.html", {
            "article": article, "paragraphs": marked(article["text"] or "", extractions),
            "wages": extractions.get("wages") or [],
            "attributions": extractions.get("attributions") or [],
            "copies": article["copies"], "versions": article["versions"],
            "lang": article.get("language")})
