"""Quality figures on the shared real data (`make eval`), each beside its reference tool.

- Text: the article-extraction benchmark's own metric (word 4-gram shingle multisets,
  precision and recall averaged over pages, F1 of the averages), on the pages we may tune on
  (ids 0-7) and, separately, the held-out ones (ids 8-f), for our extraction and for
  trafilatura's defaults.
- Dates: share of pages whose extracted day is exactly the labelled one, on htmldate's two
  evaluation sets, for our extraction and for htmldate's own ``find_date``.
- Syndication, NLP fields per set, and claim tracing on the labelled provenance chains
  (bench/trace_eval.py; it starts its own Elasticsearch node).
Floors that tests/test_eval.py enforces are pinned in bench/eval_floors.yaml.
"""

from __future__ import annotations

import gzip
import json
import random
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
    """Exact-day accuracy, and F1 as htmldate's own evaluation counts it.

    htmldate's F1 (the 0.949 it reports) scores a page with no date found as a miss and a
    page with no date labelled and none found as neither: it is not the share of exact days.
    """
    scores = {}
    for name, pages in _date_pages().items():
        right = wrong = missed = 0
        for raw, url, date in pages:
            found = find(raw, url)
            if found == (date or None):
                right += 1 if found else 0
            elif found is None:
                missed += 1
            else:
                wrong += 1
        precision = right / max(right + wrong, 1)
        recall = right / max(right + missed, 1)
        scores[name] = {
            "pages": len(pages),
            "accuracy": (len(pages) - wrong - missed) / len(pages),
            "f1": 2 * precision * recall / max(precision + recall, 1e-9),
        }
    return scores


REWRITES = Path(__file__).resolve().parent / "dedup_rewrites.yaml"
FIXTURE_PAIRS = {  # from tests/site/articles.yaml: (original, other, same story?)
    ("remotasks-abruptly-exits-kenya-leaving-annotators-unpaid",
     "kenyan-taskers-stranded-as-scale-owned-platform-pulls-out"): True,
    ("remotasks-workers-in-philippines-say-pay-was-withheld",
     "scale-ai-taskers-in-mindanao-describe-vanishing-payouts"): False,
    ("hebei-baoding-annotation-base-average-wage",
     "baoding-annotation-industry-draws-graduates-home"): False,
}


def syndicated(title: str, paragraphs: list[str], lang: str, seed: int) -> str:
    """A wire reprint as outlets publish them: new headline, credit line, a paragraph cut,
    typographic quotes, a promo at the end."""
    chooser = random.Random(seed)
    body = list(paragraphs)
    if len(body) > 4:
        del body[chooser.randrange(len(body) // 2, len(body))]
    body = [p.replace("“", '"').replace("”", '"').replace("’", "'") for p in body]
    if lang == "zh":
        credit, promo = "本文转载自合作媒体，经授权发布。", "更多报道请关注我们的公众号。"
        headline = "【转载】" + title
    else:
        credit = "This story was first published by a partner outlet and is republished here."
        promo = "Sign up for our newsletter to get the week's labour stories."
        headline = title.upper() if chooser.random() < 0.5 else "Wire: " + title
    return "\n".join([headline, credit, *body, promo])


def dedup_pairs() -> list[tuple[str, str, str, bool]]:
    """(text a, text b, language, same story?) for every labelled pair."""
    import yaml

    articles = {a["slug"]: a for a in yaml.safe_load(
        (Path(__file__).resolve().parent.parent / "tests" / "site" / "articles.yaml")
        .read_text(encoding="utf-8"))}

    def text(article: dict) -> str:
        return "\n".join([article["title"], *article["body"]])

    pairs = [(text(articles[a]), text(articles[b]), articles[a]["lang"], same)
             for (a, b), same in FIXTURE_PAIRS.items()]
    for seed, article in enumerate(articles.values()):  # reprints: the same story
        pairs.append((text(article), syndicated(article["title"], article["body"],
                                                article["lang"], seed), article["lang"], True))
    truth = json.loads((BENCHMARK / "ground-truth.json").read_text(encoding="utf-8"))
    real = [v["articleBody"] for _, v in sorted(truth.items()) if len(v["articleBody"]) > 1500]
    for seed, body in enumerate(real[:40]):  # real English news, reprinted
        paragraphs = [p for p in body.split("\n") if p.strip()]
        pairs.append((body, syndicated("Reprint", paragraphs, "en", seed), "en", True))
    if REWRITES.exists():  # same facts, other words: separate stories
        for rewrite in yaml.safe_load(REWRITES.read_text(encoding="utf-8")):
            original = articles[rewrite["of"]]
            pairs.append((text(original), "\n".join([rewrite["title"], *rewrite["body"]]),
                          rewrite["lang"], False))
    chooser = random.Random(7)  # unrelated stories on the same beat
    slugs = sorted(articles)
    for _ in range(60):
        a, b = chooser.sample(slugs, 2)
        if {a, b} not in [set(p) for p in FIXTURE_PAIRS]:
            pairs.append((text(articles[a]), text(articles[b]), articles[a]["lang"], False))
    return pairs


def dedup_scores() -> dict[str, float]:
    """Pairwise precision and recall of the syndication decision on the labelled pairs."""
    from pipeline.dedup import same_story

    tp = fp = fn = 0
    pairs = dedup_pairs()
    for a, b, lang, same in pairs:
        predicted = same_story(a, b, lang)
        tp += predicted and same
        fp += predicted and not same
        fn += same and not predicted
    return {"pairs": len(pairs), "positives": sum(p[3] for p in pairs),
            "precision": tp / max(1, tp + fp), "recall": tp / max(1, tp + fn)}


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
    table = Table(title="publication dates (exact day; F1 as htmldate's evaluation counts)")
    for column in ("extractor", "set", "pages", "accuracy", "F1"):
        table.add_column(column, justify="right")
    for name, find in (("labourwatch", ours_date), ("htmldate find_date", htmldate_date)):
        for set_name, s in date_scores(find).items():
            table.add_row(name, set_name, str(s["pages"]), f"{s['accuracy']:.3f}",
                          f"{s['f1']:.3f}")
    console.print(table)
    scores = dedup_scores()
    console.print(f"syndication (dedup), {scores['pairs']} labelled pairs "
                  f"({scores['positives']} copies): precision {scores['precision']:.3f}, "
                  f"recall {scores['recall']:.3f}")
    _print_nlp(console)
    _print_trace(console)


def _print_trace(console: Console) -> None:
    from bench.trace_eval import SETS, _cluster, evaluate, print_table

    with _cluster(None) as url:
        print_table({name: evaluate(url, path) for name, path in SETS.items()}, console)


def _print_nlp(console: Console) -> None:
    from bench.nlp_eval import FIELDS, SETS, evaluate, ner_recall

    table = Table(title="NLP (dev: tuned on; check: never tuned on)")
    for column in ("set", "field", "language", "gold", "precision", "recall", "F1"):
        table.add_column(column, justify="right")
    for set_name, path in SETS.items():
        scores = evaluate(path)
        for field in FIELDS:
            for lang in ("all", "en", "zh"):
                s = scores[f"{field}/{lang}"]
                if not s["gold"]:  # a set that does not annotate this field
                    continue
                table.add_row(f"{set_name} ({scores['items']})", field, lang, str(s["gold"]),
                              f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}")
        table.add_row(set_name, "wage qualifier", "all", "", "", "",
                      f"{scores['qualifier_accuracy']:.3f} (accuracy)")
    console.print(table)
    for name, recall in ner_recall().items():
        console.print(f"{name}: LOC recall {recall['LOC']:.3f} of {recall['LOC spans']} spans, "
                      f"ORG recall {recall['ORG']:.3f} of {recall['ORG spans']} spans "
                      "(all gold spans, rivers and ministries included)")


if __name__ == "__main__":
    main()
