"""Warm-up of the extraction workers, done once in their fork server.

The extraction workers start with multiprocessing's forkserver. Each used to import trafilatura
and spaCy, build the English and Chinese NLP pipelines (gazetteers, jieba's dictionary) and
load htmldate's lazy tables on its first page: about 5 s of CPU per worker, 10 s of a
60-second, 3,000-page ingest on two cores. The fork server imports this module before it
forks any worker (``set_forkserver_preload``), so that work is done once, in the server, and
every worker is forked warm (sharing those pages copy-on-write).

The server inherits the environment of the process that starts it; ``WARM_ENV`` carries the
NLP options and the relevance terms file to warm with. A worker whose options differ still
works: it builds what it lacks on its first page.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

WARM_ENV = "LABOURWATCH_WORKER_WARMUP"
SAMPLE = """<html lang="en"><head><title>Annotators</title>
<meta property="article:published_time" content="2024-05-06T09:00:00+00:00"></head><body>
<article><h1>Annotators</h1><p>Data annotators in Nairobi said on Monday, 6 May 2024 that
they were paid $1.32 an hour by an outsourcing firm working for OpenAI.</p>
<p>数据标注员说，他们的时薪只有1.5美元。</p></article></body></html>""".encode()

warmed_in: int | None = None  # the pid that did the warm-up: a forked worker's parent


def options(model: str | None, config_dir: str | None, scorer_file: Path | None) -> str:
    """The value of ``WARM_ENV`` for these options."""
    return json.dumps([model, config_dir, str(scorer_file) if scorer_file else None])


def warm() -> None:
    """Build and load everything a worker needs; never raises (a failure here must not
    stop the fork server: the workers would then warm themselves)."""
    global warmed_in
    try:
        from nlp.pipeline import analyse, configure
        from pipeline.process import extract_document

        model, config_dir, scorer = json.loads(os.environ.get(WARM_ENV) or "[null,null,null]")
        configure(model, config_dir)
        analyse("Annotators were paid $1.32 an hour by Sama in Nairobi.", "en", 2024)
        analyse("数据标注员的时薪只有1.5美元。", "zh", 2024)
        extract_document(SAMPLE, "https://example.org/annotators", "text/html", 0,
                         Path(scorer) if scorer else None)
        warmed_in = os.getpid()
    except Exception:  # noqa: BLE001 - the workers warm themselves instead
        log.warning("extraction worker warm-up failed", exc_info=True)


def warm_origin() -> tuple[int | None, int]:
    """The pid where this process's warm-up ran, and this process's pid: in a worker forked
    warm they differ (the first is its fork server's)."""
    return warmed_in, os.getpid()


if os.environ.get(WARM_ENV):
    warm()
