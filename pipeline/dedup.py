"""Syndication clusters: exact copies by text hash, near copies by MinHash LSH (datasketch).

Shingles are word 5-grams for space-separated languages and character 5-grams for Chinese, so
a wire story reprinted with a new headline, a dropped paragraph or different boilerplate
lands in its original's cluster, while a rewrite that shares facts but not wording does not.
The earliest published copy is the cluster's canonical story.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

import numpy as np
from datasketch import MinHash, MinHashLSH
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.models import Article

NUM_PERM = 128
SCHEME = "affine32"  # stored signatures must be read back with the scheme that made them
THRESHOLD = 0.6  # estimated Jaccard of shingle sets above which two texts are copies
# How often a process looks for signatures other processes stored, and how far back before
# the newest it has seen (a transaction stamps updated_at before it commits)
REFRESH_SECONDS = 2.0
OVERLAP = timedelta(seconds=10)
_WORD = re.compile(r"\w+", re.UNICODE)
_HAN = re.compile(r"[\u3400-\u9fff]")


def shingles(text: str, language: str | None, size: int = 5) -> set[str]:
    """Word n-grams, or character n-grams of the Han characters for Chinese."""
    if language == "zh" or len(_HAN.findall(text[:2000])) > 200:
        chars = "".join(_HAN.findall(text))
        return {chars[i:i + size] for i in range(max(1, len(chars) - size + 1))}
    words = _WORD.findall(text.lower())
    return {" ".join(words[i:i + size]) for i in range(max(1, len(words) - size + 1))}


_PERMUTATIONS = MinHash(num_perm=NUM_PERM, scheme=SCHEME).permutations


def signature(text: str, language: str | None) -> MinHash:
    minhash = MinHash(num_perm=NUM_PERM, scheme=SCHEME, permutations=_PERMUTATIONS)
    minhash.update_batch([s.encode("utf-8") for s in shingles(text, language)])
    return minhash


def signature_bytes(text: str, language: str | None) -> bytes:
    """The signature as stored (and as it crosses from a worker process)."""
    return signature(text, language).hashvalues.astype(np.uint32).tobytes()


def same_story(a: str, b: str, language: str | None, threshold: float = THRESHOLD) -> bool:
    """The clustering decision for two texts, as the Deduper makes it (for evaluation)."""
    return signature(a, language).jaccard(signature(b, language)) >= threshold


def _from_bytes(raw: bytes) -> MinHash:
    # the permutations are the same for every signature: drawing them again costs more
    # than the comparison they serve
    return MinHash(num_perm=NUM_PERM, scheme=SCHEME, permutations=_PERMUTATIONS,
                   hashvalues=np.frombuffer(raw, dtype=np.uint32).astype(np.uint64))


class Deduper:
    """Assigns each stored article to a cluster; holds the LSH index of this process.

    Crawler processes sharing a frontier write to one store, each with its own index: every
    ``REFRESH_SECONDS`` the index takes in the signatures stored since the newest it has
    seen (less ``OVERLAP``), so a copy one process stored is found by the others.
    """

    def __init__(self, threshold: float = THRESHOLD, refresh_seconds: float = REFRESH_SECONDS
                 ) -> None:
        self.threshold = threshold
        self.refresh_seconds = refresh_seconds
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self.hashes: dict[str, MinHash] = {}
        self._loaded = False
        self._newest = None  # the latest updated_at read from the store (as the store has it)
        self._looked = 0.0  # time.monotonic() of the last look

    def _refresh(self, session: Session) -> None:
        """Take in the signatures stored since the last look (all of them at the first)."""
        if self._loaded and time.monotonic() - self._looked < self.refresh_seconds:
            return
        query = select(Article.id, Article.minhash, Article.updated_at).where(
            Article.minhash.is_not(None))
        if self._newest is not None:
            query = query.where(Article.updated_at >= self._newest - OVERLAP)
        for article_id, raw, updated in session.execute(query):
            held = self.hashes.get(article_id)
            if held is None or held.hashvalues.astype(np.uint32).tobytes() != raw:
                self._insert(article_id, _from_bytes(raw))
            if self._newest is None or updated > self._newest:
                self._newest = updated
        self._loaded = True
        self._looked = time.monotonic()

    def _insert(self, article_id: str, minhash: MinHash) -> None:
        if article_id in self.hashes:
            self.lsh.remove(article_id)
        self.hashes[article_id] = minhash
        self.lsh.insert(article_id, minhash)

    def assign(self, session: Session, article: Article, signature: bytes) -> list[Article]:
        """Put ``article`` (the signature of its current text) in a cluster; returns the
        cluster's members whose canonical flag changed, which the index must learn about."""
        self._refresh(session)
        minhash = _from_bytes(signature)
        article.minhash = signature
        cluster = self._match(session, article, minhash)
        self._insert(article.id, minhash)
        left, was_canonical = article.cluster_id, article.canonical
        article.cluster_id = cluster or article.id
        changed = self._elect(session, article)
        if left and left != article.cluster_id and was_canonical:
            changed += self._succeed(session, left)  # an edit took the story out
        return changed

    def _succeed(self, session: Session, cluster_id: str) -> list[Article]:
        """Give a cluster whose canonical story left it the earliest remaining member."""
        # unflushed: the leaver still has the old cluster in the database, not in memory
        members = [a for a in session.scalars(select(Article).where(
            Article.cluster_id == cluster_id)) if a.cluster_id == cluster_id]
        if not members:
            return []
        heir = min(members, key=_order)
        heir.canonical = True
        heir.index_state = "pending"
        return [heir]

    def _match(self, session: Session, article: Article, minhash: MinHash) -> str | None:
        exact = session.scalar(select(Article.cluster_id).where(
            Article.text_hash == article.text_hash, Article.id != article.id).limit(1))
        if exact:
            return exact
        best, best_score = None, self.threshold
        for other in self.lsh.query(minhash):
            if other == article.id:
                continue
            score = minhash.jaccard(self.hashes[other])
            if score >= best_score:
                best, best_score = other, score
        if best is None:
            return None
        return session.scalar(select(Article.cluster_id).where(Article.id == best)) or best

    def _elect(self, session: Session, article: Article) -> list[Article]:
        """The earliest published member is canonical (unknown dates count as latest).

        Only the cluster's current canonical story is compared with the newcomer, so a
        large cluster costs no more than a small one.
        """
        current = session.scalar(select(Article).where(
            Article.cluster_id == article.cluster_id, Article.canonical.is_(True),
            Article.id != article.id).limit(1))
        if current is None or _order(article) < _order(current):
            article.canonical = True
            if current is not None:
                current.canonical = False
                current.index_state = "pending"
                return [current]
            return []
        article.canonical = False
        return []


def _order(article: Article) -> tuple:
    return (article.published_at is None, _naive(article.published_at),
            _naive(article.first_seen_at))


def _naive(value):  # type: ignore[no-untyped-def]
    """Compare stored (naive, SQLite) and fresh (aware) datetimes alike."""
    if value is None:
        return None
    return value.replace(tzinfo=None) if value.tzinfo else value
