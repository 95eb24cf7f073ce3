"""Which outlet a URL belongs to, from the outlets gazetteer in ``config/gazetteer/``."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from config.yamlio import safe_load


@dataclass(frozen=True)
class Outlet:
    id: str
    name: str
    kind: str = "news"
    language: str | None = None
    domains: tuple[str, ...] = ()
    aliases: tuple[str, ...] = field(default=())


@lru_cache(maxsize=4)
def load_outlets(path: Path) -> dict[str, Outlet]:
    rows = safe_load(path.read_text(encoding="utf-8")) or []
    return {row["id"]: Outlet(id=row["id"], name=row["name"], kind=row.get("kind", "news"),
                              language=row.get("language"),
                              domains=tuple(row.get("domains", ())),
                              aliases=tuple(row.get("aliases", ()))) for row in rows}


def outlet_for_url(url: str, outlets: dict[str, Outlet]) -> Outlet | None:
    """The outlet whose domain (or a parent domain) serves ``url``."""
    host = (urlsplit(url).hostname or "").lower()
    if not host:
        return None
    for outlet in outlets.values():
        for domain in outlet.domains:
            if host == domain or host.endswith("." + domain):
                return outlet
    return None


def host_id(url: str) -> str | None:
    """A fallback outlet id for unknown sites: the host without ``www.``."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.") or None
