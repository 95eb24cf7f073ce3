"""Our metadata reader gives what trafilatura's extract_metadata gives, on real pages."""

from __future__ import annotations

from pathlib import Path

from htmldate.utils import load_html
from trafilatura.metadata import extract_metadata

from pipeline.extract import DATE_PARAMS
from pipeline.metadata import page_metadata

PAGES = Path(__file__).resolve().parents[2] / "shared" / "data" / \
    "article-extraction-benchmark" / "html"
FIELDS = ("title", "author", "url", "date", "sitename", "description")


def test_same_fields_as_trafilatura_on_the_benchmark_pages() -> None:
    pages = sorted(PAGES.glob("*.html"))
    assert len(pages) > 150
    differing = []
    for page in pages:
        tree = load_html(page.read_bytes())
        ours = page_metadata(tree, None, DATE_PARAMS)
        theirs = extract_metadata(tree, None, DATE_PARAMS)
        differing += [(page.name, f) for f in FIELDS if getattr(ours, f) != getattr(theirs, f)]
    assert not differing
    assert sum(bool(page_metadata(load_html(p.read_bytes()), None, DATE_PARAMS).date)
               for p in pages[:20]) >= 15  # the fields compared are filled, not both empty
