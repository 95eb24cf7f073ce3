"""Syndication clusters as the store keeps them: copies join, edits can leave."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.dedup import Deduper
from pipeline.document import Document
from pipeline.models import Article
from pipeline.process import Processor
from pipeline.store import Store
from tests.site.pages import load_articles


def doc(url: str, text: str, day: int) -> Document:
    return Document(url=url, text=text, title="t", language="en",
                    published_at=datetime(2024, 3, day, tzinfo=UTC))


def test_earliest_copy_is_canonical_and_an_edit_that_leaves_hands_it_on(settings) -> None:
    articles = [a for a in load_articles() if a.lang == "en"]
    story, other = "\n".join(articles[0].body), "\n".join(articles[5].body)
    store = Store.from_settings(settings)
    processor = Processor(settings, store)
    copy = processor.keep(doc("https://b.example/copy", story + "\nRepublished.", 15), None)
    first = processor.keep(doc("https://a.example/original", story, 14), None)
    assert first.cluster_id == copy.cluster_id  # a copy seen first still joins its original

    def canonical() -> dict[str, bool]:
        with store.session() as session:
            return {a.url: a.canonical for a in session.query(Article)}

    assert canonical() == {"https://a.example/original": True, "https://b.example/copy": False}
    # the original is rewritten into another story: the copy is now the story of its cluster
    edited = processor.keep(doc("https://a.example/original", other, 14), None)
    assert edited.outcome == "updated" and edited.cluster_id != copy.cluster_id
    assert canonical() == {"https://a.example/original": True, "https://b.example/copy": True}


def test_a_copy_another_process_stored_joins_its_cluster(settings) -> None:
    """Crawler processes sharing a frontier each cluster with their own MinHash index; each
    takes in what the others stored, so a near copy lands with its original whichever
    process fetched which."""
    articles = [a for a in load_articles() if a.lang == "en"]
    story = "\n".join(articles[0].body)
    first, second = (Processor(settings, Store.from_settings(settings)) for _ in range(2))
    second.deduper = Deduper(refresh_seconds=0)  # looks at every store, not every 2 s
    # both processes have loaded their index before the original is stored
    first.keep(doc("https://a.example/other", "\n".join(articles[3].body), 10), None)
    second.keep(doc("https://b.example/other", "\n".join(articles[5].body), 11), None)
    original = first.keep(doc("https://a.example/original", story, 14), None)
    copy = second.keep(doc("https://b.example/copy", story + "\nRepublished.", 15), None)
    assert copy.cluster_id == original.cluster_id
    with Store.from_settings(settings).session() as session:
        canonical = {a.url: a.canonical for a in session.query(Article)
                     if a.cluster_id == original.cluster_id}
    assert canonical == {"https://a.example/original": True, "https://b.example/copy": False}
