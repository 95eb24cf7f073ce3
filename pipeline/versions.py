"""The versions of a story and what changed between them (reporters care when a story was
edited, and how)."""

from __future__ import annotations

import difflib

from sqlalchemy import or_, select

from pipeline.document import article_id
from pipeline.models import Article
from pipeline.store import Store


def find_article(store: Store, key: str) -> Article | None:
    """An article by id, URL, or the id its URL would have."""
    with store.session() as session:
        article = session.scalar(select(Article).where(or_(
            Article.id == key, Article.url == key, Article.id == article_id(key))))
        if article is not None:
            for version in article.versions:
                _ = version.fetch  # loaded while the session is open
        return article


def describe(article: Article) -> list[dict]:
    return [{"version": v.version, "created_at": v.created_at.isoformat(),
             "fetched_at": v.fetch.fetched_at.isoformat() if v.fetch else None,
             "title": v.title, "chars": len(v.text), "text_hash": v.text_hash,
             "archived": {"warc": v.fetch.warc_file, "offset": v.fetch.warc_offset,
                          "digest": v.fetch.payload_digest} if v.fetch else None}
            for v in article.versions]


def diff(article: Article, old: int | None = None, new: int | None = None) -> str:
    """A unified diff, paragraph by paragraph, between two versions (default: the last two)."""
    versions = {v.version: v for v in article.versions}
    new = new or max(versions)
    old = old or max(1, new - 1)
    if old not in versions or new not in versions:
        raise KeyError(f"versions {old} and {new}: the story has {sorted(versions)}")
    a, b = versions[old], versions[new]
    return "\n".join(difflib.unified_diff(
        a.text.splitlines(), b.text.splitlines(),
        fromfile=f"version {old} ({a.created_at:%Y-%m-%d %H:%M})",
        tofile=f"version {new} ({b.created_at:%Y-%m-%d %H:%M})", lineterm=""))
