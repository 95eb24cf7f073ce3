"""Quality figures on the shared real data (`make eval`), each beside its reference tool.

- Text: the article-extraction benchmark's own metric (word 4-gram shingle multisets,
  precision and recall averaged over pages, F1 of the averages), on the pages we may tune on
  (ids 0-7) and, separately, the held-out ones (ids 8-f), for our extraction and for
  trafilatura's defaults.
- Dates: share of pages whose extracted day is exactly the labelled one, on htmldate's two
  evaluation sets, for our extraction and for htmldate's own ``find_date``.
Floors that tests/test_eval.py enforces are pinned in bench/eval_floors.yaml.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import trafilatura
from htmldate import find_date
from rich.console import Console
from rich.table import Table

from pipeline.errors import PipelineError
from pipeline.extract import extract_html

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
BENCHMARK = DATA / "article-extraction-benchmark"
HTMLDATE = DATA / "htmldate"
FLOORS = Path(__file__).resolve().parent / "eval_floors.yaml"
_WORD = re.compile(r"\w+")


def _shingles(text: str) -> Counter:
    words = _WORD.findall(text.lower())
    return Counter(tuple(words[i:i + 4]) for i in range(max(0, len(words) - 3)))


def text_scores(extract: Callable[[bytes, str], str], held_out: bool) -> dict[str, float]:
    """Benchmark precision, recall and F1 of ``extract`` on one split."""
    truth = json.loads((BENCHMARK / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(i for i in truth if (i[0] in "89abcdef") == held_out)
    precision = recall = 0.0
    for page_id in ids:
        raw = (BENCHMARK / "html" / f"{page_id}.html").read_bytes()
        predicted = _shingles(extract(raw, truth[page_id]["url"]) or "")
        true = _shingles(truth[page_id]["articleBody"])
        shared = sum((predicted & true).values())
        precision += shared / max(1, sum(predicted.values())) if predicted else 0.0
        recall += shared / max(1, sum(true.values()))
    p, r = precision / len(ids), recall / len(ids)
    return {"pages": len(ids), "precision": p, "recall": r,
            "f1": 2 * p * r / (p + r) if p + r else 0.0}


def ours_text(raw: bytes, url: str) -> str:
    try:
        return extract_html(raw, url=url, min_chars=0).text
    except PipelineError:
        return ""


def trafilatura_text(raw: bytes, url: str) -> str:
    result = trafilatura.bare_extraction(raw, url=url, with_metadata=False)
    return result.text if result else ""


def _date_pages() -> dict[str, list[tuple[bytes, str, str]]]:
    sets = {}
    for name, default_dir in (("mediacloud 2020", "test_set"), ("htmldate default", "eval")):
        labels = json.loads((HTMLDATE / ("eval_mediacloud_2020.json" if default_dir == "test_set"
                                         else "eval_default_subset.json")).read_text())
        pages = []
        for url, label in labels.items():
            path = HTMLDATE / label.get("dir", default_dir) / (label["file"] + ".gz")
            if not path.exists():
                path = HTMLDATE / label.get("dir", default_dir) / label["file"]
            if not path.exists():
                continue
            raw = path.read_bytes()
            pages.append((gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw, url,
                          label["date"]))
        sets[name] = pages
    return sets


def ours_date(raw: bytes, url: str) -> str | None:
    try:
        doc = extract_html(raw, url=url, min_chars=0)
    except PipelineError:
        return None
    return doc.published_at.strftime("%Y-%m-%d") if doc.published_at else None


def htmldate_date(raw: bytes, url: str) -> str | None:
    try:
        return find_date(raw.decode("utf-8", "replace"), url=url, original_date=True)
    except Exception:  # noqa: BLE001 - htmldate's failure is a miss
        return None


def date_scores(find: Callable[[bytes, str], str | None]) -> dict[str, dict[str, float]]:
    scores = {}
    for name, pages in _date_pages().items():
        right = sum(find(raw, url) == (date or None) for raw, url, date in pages)
        scores[name] = {"pages": len(pages), "accuracy": right / len(pages)}
    return scores


def main() -> None:
    console = Console()
    table = Table(title="text extraction (article-extraction-benchmark metric)")
    for column in ("extractor", "split", "pages", "precision", "recall", "F1"):
        table.add_column(column, justify="right")
    for name, extract in (("labourwatch", ours_text), ("trafilatura defaults", trafilatura_text)):
        for held_out in (False, True):
            s = text_scores(extract, held_out)
            table.add_row(name, "held-out 8-f" if held_out else "tune 0-7", str(s["pages"]),
                          f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}")
    console.print(table)
    table = Table(title="publication dates (exact day)")
    for column in ("extractor", "set", "pages", "accuracy"):
        table.add_column(column, justify="right")
    for name, find in (("labourwatch", ours_date), ("htmldate find_date", htmldate_date)):
        for set_name, s in date_scores(find).items():
            table.add_row(name, set_name, str(s["pages"]), f"{s['accuracy']:.3f}")
    console.print(table)


if __name__ == "__main__":
    main()
