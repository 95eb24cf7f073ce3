"""Server-rendered pages (Jinja2, no build step, usable without JavaScript): search with facets
and a coverage chart, and the article page with its figures marked in place. Every value from
an article is escaped by the templates; article HTML is never rendered."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import urlencode

import pygal
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
_MARK = re.compile(r"(</?mark>)")
_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)
FACET_PARAMS = {"outlet": "outlet", "language": "lang", "company": "company",
                "country": "country"}


def mark_only(fragment: str) -> Markup:
    """A highlight fragment from Elasticsearch (HTML-encoded, with <mark> tags): every text
    piece decoded and escaped again by us, only the <mark> tags kept as markup."""
    return Markup("").join(Markup(part) if part in ("<mark>", "</mark>")
                           else escape(html.unescape(part))
                           for part in _MARK.split(fragment))


TEMPLATES.env.filters["mark_only"] = mark_only


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


def coverage_chart(coverage: list[dict]) -> Markup | None:
    """Stories per month as an inline SVG (pygal, drawn on the server, no scripts loaded)."""
    if not coverage:
        return None
    chart = pygal.Bar(js=[], show_legend=False, height=180, width=720, x_label_rotation=30,
                      title="stories per month")
    chart.x_labels = [c["month"] for c in coverage]
    chart.add("stories", [c["stories"] for c in coverage])
    svg = chart.render(is_unicode=True, disable_xml_declaration=True)
    # pygal leaves a config <script> for its optional tooltips; the page uses no scripts
    return Markup(_SCRIPT.sub("", svg))


def add_pages(app: FastAPI, search_api, article_api) -> None:  # noqa: ANN001
    """The HTML pages, built on the same functions as the JSON API."""

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def search_page(request: Request) -> HTMLResponse:
        params = request.query_params
        q = params.get("q", "*") or "*"
        active = {name: params.getlist(name) for name in FACET_PARAMS.values()
                  if params.getlist(name)}
        wage_max = params.get("wage_max")
        try:
            wage_max_value = float(wage_max) if wage_max else None
        except ValueError:
            wage_max_value = None
        result = search_api(q, active, wage_max_value)
        query_pairs = [("q", q)] + [(k, v) for k, vs in active.items() for v in vs]
        if wage_max_value is not None:
            query_pairs.append(("wage_max", str(wage_max_value)))

        def facet_link(facet: str, key: str) -> str:
            return "/?" + urlencode([*query_pairs, (FACET_PARAMS[facet], key)])

        return TEMPLATES.TemplateResponse(request, "search.html", {
            "q": q, "result": result, "active": active, "wage_max": wage_max_value,
            "facet_link": facet_link, "chart": coverage_chart(result.get("coverage") or []),
            "query_string": urlencode(query_pairs), "lang": None})

    @app.get("/articles/{key:path}", response_class=HTMLResponse, include_in_schema=False)
    def article_page(request: Request, key: str) -> HTMLResponse:
        article = article_api(key)  # a 404 when there is no such article
        extractions = article.get("extractions") or {}
        return TEMPLATES.TemplateResponse(request, "article.html", {
            "article": article, "paragraphs": marked(article["text"] or "", extractions),
            "wages": extractions.get("wages") or [],
            "attributions": extractions.get("attributions") or [],
            "copies": article["copies"], "versions": article["versions"],
            "lang": article.get("language")})
