"""Canonical URLs: one key per story, whatever tracking parameters or AMP path it came with."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from config.yamlio import safe_load

TRACKING_FILE = Path(__file__).resolve().parent.parent / "config" / "tracking_params.yaml"

_CANONICAL_LINK = re.compile(
    rb"<link\b[^>]*?\brel\s*=\s*[\"']?canonical[\"']?[^>]*>", re.IGNORECASE)
_OG_URL = re.compile(
    rb"<meta\b[^>]*?\bproperty\s*=\s*[\"']og:url[\"'][^>]*>", re.IGNORECASE)
_HREF = re.compile(rb"\bhref\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
_CONTENT = re.compile(rb"\bcontent\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
# /story/amp/ → /story/, /story/amp → /story, /amp/story → /story, story.amp.html → story.html
_AMP_PATH = re.compile(r"/amp(?=/|$)|\.amp(?=\.html?$)|\.amp$")


@lru_cache(maxsize=1)
def _tracking(path: Path = TRACKING_FILE) -> tuple[frozenset[str], tuple[str, ...]]:
    names = [str(n).lower() for n in safe_load(path.read_text(encoding="utf-8"))]
    return (frozenset(n for n in names if not n.endswith("*")),
            tuple(n[:-1] for n in names if n.endswith("*")))


def _is_tracking(name: str) -> bool:
    exact, prefixes = _tracking()
    lowered = name.lower()
    return lowered in exact or lowered.startswith(prefixes)


def canonical_url(url: str) -> str:
    """w3lib canonical form, tracking parameters and fragments removed, AMP variants folded.

    ``https://Example.com/a/amp/?utm_source=x&id=2#top`` → ``https://example.com/a/?id=2``.
    """
    parts = urlsplit(url.strip())
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not _is_tracking(k) and not (k.lower() == "amp" and v in {"", "1", "true"})]
    host = (parts.hostname or "").lower()
    if host.startswith("amp."):
        host = host[4:]
    netloc = host if parts.port in (None, 80, 443) else f"{host}:{parts.port}"
    if parts.port in (80, 443) and parts.scheme not in ("http", "https"):
        netloc = f"{host}:{parts.port}"
    path = _AMP_PATH.sub("", parts.path) or "/"
    rebuilt = urlunsplit((parts.scheme.lower(), netloc, path, urlencode(query), ""))
    return canonicalize_url(rebuilt, keep_fragments=False)


def declared_canonical(body: bytes, base_url: str) -> str | None:
    """The page's own ``rel=canonical`` (else ``og:url``), made absolute and canonical."""
    head = body[:60000]
    for tag_pattern, attr_pattern in ((_CANONICAL_LINK, _HREF), (_OG_URL, _CONTENT)):
        tag = tag_pattern.search(head)
        if tag:
            value = attr_pattern.search(tag.group(0))
            if value:
                href = value.group(1).decode("utf-8", "replace").strip()
                if href.startswith(("http://", "https://", "/")):
                    return canonical_url(urljoin(base_url, href))
    return None


def story_url(body: bytes, fetched_url: str, hosts: set[str]) -> str:
    """The URL a fetched page is stored under: its own canonical link when that stays on the
    source's hosts (AMP and alternate URLs fold into one story), else the fetched URL."""
    url = canonical_url(fetched_url)
    declared = declared_canonical(body, fetched_url)
    host = (urlsplit(url).hostname or "").lower()
    if declared and same_site(declared, hosts | {host}):
        return declared
    return url


def same_site(url: str, hosts: set[str]) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == h or host.endswith("." + h) for h in hosts)
