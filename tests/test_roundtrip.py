"""Real pages ingested, stored, indexed in a real node, and found by a search."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from sqlalchemy import select

from index.search import search
from pipeline.models import Article, ArticleVersion
from pipeline.store import Store
from tests.conftest import benchmark_page, json_lines, run_cli

WORD = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter:
    words = WORD.findall(text.lower())
    return Counter(tuple(words[i:i + n]) for i in range(max(0, len(words) - n + 1)))


def recall(extracted: str, truth: str) -> float:
    true = shingles(truth)
    return sum((shingles(extracted) & true).values()) / max(1, sum(true.values()))


@pytest.fixture
def pages(ground_truth: dict[str, dict]) -> list[str]:
    """Ten benchmark pages (ids 0-7, the part we may look at), in a fixed order."""
    return sorted(i for i in ground_truth if i[0] in "01234567")[:10]


def distinctive_phrase(text: str) -> str:
    """Four consecutive long words from the middle of the text: a phrase only it contains."""
    middle = text.find(" ", len(text) // 3)
    words = [w for w in WORD.findall(text[middle:]) if not w.isdigit()]
    for i in range(len(words) - 4):
        if all(len(w) >= 4 for w in words[i:i + 4]):
            return " ".join(words[i:i + 4])
    return " ".join(words[:4])


def test_ingest_then_search_finds_each_page(settings, es, pages, ground_truth) -> None:
    docs = []
    for page_id in pages:
        done = run_cli(settings, "ingest", str(benchmark_page(page_id)),
                       "--url", ground_truth[page_id]["url"], "--json")
        assert done.returncode == 0, done.stderr
        [doc] = json_lines(done.stdout)
        docs.append((page_id, doc))

    for page_id, doc in docs:
        truth = ground_truth[page_id]
        assert doc["url"] == truth["url"]
        assert doc["title"] and doc["language"] == "en" and doc["outlet"]
        assert set(doc) >= {"id", "url", "title", "text", "language", "published_at", "outlet",
                            "cluster_id"}
        assert recall(doc["text"], truth["articleBody"]) > 0.6, page_id
        assert doc["indexed"] is True
    assert sum(bool(doc["published_at"]) for _, doc in docs) >= 7  # dates found on most pages

    store = Store.from_settings(settings)
    with store.session() as session:
        assert len(session.scalars(select(Article)).all()) == len(pages)
        assert all(a.index_state == "indexed" for a in session.scalars(select(Article)))
        assert len(session.scalars(select(ArticleVersion)).all()) == len(pages)

    for number, (_, doc) in enumerate(docs):
        phrase = distinctive_phrase(doc["text"])
        if number == 0:  # the command once, the library function (which it calls) after
            found = run_cli(settings, "search", f'"{phrase}"', "--json")
            assert found.returncode == 0, found.stderr
            result = json.loads(found.stdout)
        else:
            result = search(es, settings, f'"{phrase}"')
        assert result["total"] >= 1, phrase
        top = result["hits"][0]
        assert top["url"] == doc["url"], phrase
        assert any("<mark>" in h for h in top["highlights"])
        assert {f["key"] for f in result["facets"]["outlet"]} == {doc["outlet"]}


def test_human_search_output_shows_title_and_highlight(settings, ground_truth, pages) -> None:
    page_id = pages[0]
    run_cli(settings, "ingest", str(benchmark_page(page_id)), "--url",
            ground_truth[page_id]["url"])
    words = distinctive_phrase(ground_truth[page_id]["articleBody"]).split()[:2]
    done = run_cli(settings, "search", " ".join(words))
    assert done.returncode == 0, done.stderr
    assert "1 stories" in done.stdout
    assert ground_truth[page_id]["url"][:60] in done.stdout.replace("\n", "")
