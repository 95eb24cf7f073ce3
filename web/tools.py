"""Pages and API routes for the reporters' and advocates' tools: claim tracing (a timeline of
who said a figure, when, and whose figure differs) and digest previews (any subscription's
week, rendered exactly as the email's HTML part, without sending or recording anything)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse

from config import Settings
from web.pages import TEMPLATES

RELATIONS = ("origin", "cites", "repeats", "syndicated_copy", "conflicts")


def timeline(evidence: list[dict], width: int = 900) -> list[dict]:
    """Where each statement sits on a time axis (x in pixels), for the page's SVG."""
    dated = [e for e in evidence if e.get("published_at")]
    if not dated:
        return []
    times = [datetime.fromisoformat(e["published_at"].replace("Z", "+00:00")).timestamp()
             for e in dated]
    low, high = min(times), max(times)
    span = (high - low) or 1.0
    return [{"x": 40 + (t - low) / span * (width - 80), "y": 30 + 22 * (n % 4),
             "relation": e["relation"], "outlet": e.get("outlet") or "?",
             "date": e["published_at"][:10]} for n, (e, t) in enumerate(zip(dated, times,
                                                                           strict=True))]


def add_tool_routes(app: FastAPI, settings: Settings, es: Callable, store: Callable) -> None:
    from digests.render import render
    from digests.select import select_digest
    from digests.subscriptions import SubscriptionError, find, load_subscriptions
    from digests.weeks import Week
    from index.trace import probe_from_text, trace, trace_article

    @app.get("/api/trace", summary="Who stated a claim first, who repeated or credited it, "
                                   "and whose figure conflicts")
    def api_trace(claim: Annotated[str, Query(min_length=3, max_length=2000)],
                  year: Annotated[int | None, Query(ge=1990, le=2100)] = None) -> dict:
        return trace(es(), settings, probe_from_text(claim, "auto", year))

    @app.get("/api/trace/article/{key:path}", summary="Every claim of an article, traced")
    def api_trace_article(key: str) -> dict:
        result = trace_article(es(), settings, key)
        if result["article"] is None:
            raise HTTPException(404, f"no claims stored for {key!r}")
        return result

    @app.get("/trace", response_class=HTMLResponse, include_in_schema=False)
    def trace_page(request: Request, claim: str = "", article: str = "") -> HTMLResponse:
        traces: list[dict] = []
        if article.strip():
            traces = trace_article(es(), settings, article.strip())["claims"]
        elif claim.strip():
            traces = [trace(es(), settings, probe_from_text(claim.strip()[:2000]))]
        for found in traces:
            found["timeline"] = timeline(found["evidence"])
        return TEMPLATES.TemplateResponse(request, "trace.html", {
            "claim": claim, "article": article, "traces": traces, "relations": RELATIONS})

    def subscriptions() -> list:
        try:
            return load_subscriptions(settings.config_file("subscriptions.yaml"))
        except SubscriptionError as error:
            raise HTTPException(500, str(error)) from error

    @app.get("/digests", response_class=HTMLResponse, include_in_schema=False)
    def digests_page(request: Request) -> HTMLResponse:
        return TEMPLATES.TemplateResponse(request, "digests.html", {
            "subscriptions": subscriptions(), "week": str(Week.last_complete())})

    @app.get("/digests/{sid}", response_class=HTMLResponse, include_in_schema=False)
    def digest_preview(request: Request, sid: str, week: str = "") -> HTMLResponse:
        try:
            sub = find(subscriptions(), sid)
            chosen = Week.parse(week) if week else Week.last_complete()
        except (SubscriptionError, ValueError) as error:
            raise HTTPException(404, str(error)) from error
        rendered = render(select_digest(es(), settings, store(), sub, chosen))
        return TEMPLATES.TemplateResponse(request, "digest.html", {
            "sub": sub, "week": chosen, "rendered": rendered,
            "previous": chosen.previous(), "next": chosen.next()})

    @app.get("/digests/{sid}/atom.xml", include_in_schema=False)
    def digest_feed(sid: str) -> FileResponse:
        path = Path(settings.data_dir) / "digests" / sid / "atom.xml"
        if not sid.replace("-", "").replace("_", "").isalnum() or not path.is_file():
            raise HTTPException(404, f"no feed for {sid!r} yet")
        return FileResponse(path, media_type="application/atom+xml")
