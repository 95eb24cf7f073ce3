"""Page metadata with trafilatura's readers, minus the ones labourwatch never uses.

trafilatura's ``extract_metadata`` also reads categories, tags and the licence: on the
article-extraction benchmark those took 3 of its 5.4 ms per page, more than htmldate, and
nothing downstream reads them. This runs the same readers in the same order for the fields a
Document keeps (title, authors, URL, date, site name, description), so the values match what
``extract_metadata`` gives; ``tests/test_metadata.py`` checks that on the real pages.
"""

from __future__ import annotations

import logging
from typing import Any

from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_author,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document

log = logging.getLogger(__name__)


def page_metadata(tree: HtmlElement, url: str | None, date_params: dict[str, Any]) -> Document:
    """Title, author, URL, date, site name and description of a parsed page (read-only)."""
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None  # a one-word byline is a handle or a section, as trafilatura holds
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception as error:  # noqa: BLE001 - trafilatura's JSON reader has known bugs
        log.warning("JSON metadata unreadable: %s", error)
    metadata.title = metadata.title or extract_title(tree)
    metadata.author = metadata.author or extract_author(tree)
    metadata.url = metadata.url or extract_url(tree, url)
    metadata.date = find_date(tree, **{**date_params, "url": metadata.url})
    metadata.sitename = _sitename(metadata.sitename or extract_sitename(tree), metadata.url)
    metadata.clean_and_trim()
    return metadata


def _sitename(name: str | None, url: str | None) -> str | None:
    """The site's name as trafilatura tidies it, else the URL's host."""
    if name:
        name = name.lstrip("@")  # a Twitter handle
        if name and "." not in name and not name[0].isupper():
            name = name.title()
        return name
    match = META_URL.match(url) if url else None
    return match[1] if match else None
