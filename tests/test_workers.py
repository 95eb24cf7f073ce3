"""Extraction workers start warm: forked from a fork server that loaded and built everything
once, so no worker spends its first page importing spaCy or building the NLP pipelines."""

from __future__ import annotations

import os
import time
from pathlib import Path

from pipeline.warm import WARM_ENV, warm_origin
from pipeline.workers import ExtractPool

ROOT = Path(__file__).resolve().parent.parent
PAGE = ("<html><head><title>Moderators</title></head><body><article><h1>Moderators</h1>"
        + "<p>Content moderators in Accra said they were paid $2.10 an hour by an outsourcing "
          "firm working for a social media company, and were not told what they would see.</p>"
        * 3 + "</article></body></html>").encode()


def test_workers_are_forked_from_a_warmed_server() -> None:
    with ExtractPool(2, 150, ROOT / "config" / "relevance.yaml") as pool:
        assert pool.executor is None  # nothing started before the first document
        doc = pool.submit(PAGE, "https://example.org/moderators", "text/html").result(120)
        assert pool.executor is not None
        assert WARM_ENV not in os.environ  # set only while the fork server starts
        origins = [pool.executor.submit(warm_origin).result(timeout=120) for _ in range(6)]
        for warmed_in, pid in origins:
            assert warmed_in is not None and warmed_in != pid  # warmed before the fork
        assert len({warmed_in for warmed_in, _ in origins}) == 1  # one server for all
    assert doc.nlp is not None
    assert [w["amount"] for w in doc.nlp["wages"]] == [2.1]
    assert doc.relevance > 0


def test_an_ingest_extracts_in_its_own_process_while_the_workers_start() -> None:
    """The fork server's warm-up takes seconds of one core; meanwhile documents are
    extracted in the calling process, and once the workers answer they take the rest."""
    with ExtractPool(2, 150, ROOT / "config" / "relevance.yaml",
                     inline_while_starting=True) as pool:
        first = pool.submit(PAGE, "https://example.org/moderators", "text/html")
        assert first.done() and pool.inline_count == 1  # no wait for the fork server
        deadline = time.monotonic() + 120
        while pool.executor is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pool.executor is not None  # the workers started in the background
        later = pool.submit(PAGE, "https://example.org/moderators", "text/html")
        assert pool.inline_count == 1
        warmed_in, pid = pool.executor.submit(warm_origin).result(timeout=120)
        assert warmed_in is not None and pid != os.getpid()
    for doc in (first.result(), later.result(timeout=120)):
        assert [w["amount"] for w in doc.nlp["wages"]] == [2.1]
    assert first.result().text == later.result().text
