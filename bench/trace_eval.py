"""Claim tracing on labelled provenance chains (`make eval`; floors in eval_floors.yaml).

Each chain in ``bench/trace_chains.yaml`` (tuned on) or ``bench/trace_check.yaml`` (never
tuned on) is a claim and the articles around it, each labelled origin, cites, repeats,
syndicated_copy, conflicts or unrelated. Every article of a set becomes a page, all pages go
through the real pipeline into one store and index (so the chains are distractors for each
other), then ``trace`` runs on each chain's claim. Reported: precision@1 of the origin, and
precision and recall of the (article, label) links, unrelated articles counting as links that
must not appear.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import uuid
from html import escape
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table

from config import Settings, load_settings

HERE = Path(__file__).resolve().parent
SETS = {"chains": HERE / "trace_chains.yaml", "check": HERE / "trace_check.yaml"}


def load_chains(path: Path) -> list[dict]:
    chains = yaml.safe_load(path.read_text(encoding="utf-8"))["chains"]
    for chain in chains:
        by_key = {a["key"]: a for a in chain["articles"]}
        for article in chain["articles"]:
            source = by_key.get(article.get("copy_of") or "")
            if article.get("paragraphs") == "copy" and source:
                article["paragraphs"] = source["paragraphs"]
            if article.get("title") == "copy" and source:
                article["title"] = source["title"]
    return chains


def page(article: dict) -> str:
    """A plain news page: what matters is the text, the URL, the date and the outlet."""
    body = "\n".join(f"<p>{escape(p)}</p>" for p in article["paragraphs"])
    lang = "zh-CN" if article["language"] == "zh" else "en"
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<title>{escape(article['title'])}</title>
<link rel="canonical" href="{escape(article['url'])}">
<meta property="article:published_time" content="{escape(str(article['published']))}">
<meta property="og:title" content="{escape(article['title'])}">
</head><body><article><h1>{escape(article['title'])}</h1>
<time datetime="{escape(str(article['published']))}">{escape(str(article['published']))}</time>
{body}
</article></body></html>"""


def build(settings: Settings, chains: list[dict], folder: Path) -> None:
    """Ingest every page of the chains into the store and index of ``settings``."""
    from index.client import make_client
    from index.sync import catch_up
    from pipeline.ingest import Ingestor

    ingestor = Ingestor.from_settings(settings)
    for chain in chains:
        for article in chain["articles"]:
            path = folder / f"{chain['id']}--{article['key']}.html"
            path.write_text(page(article), encoding="utf-8")
            result = ingestor.ingest_file(path, url=article["url"])
            if not result.ok:
                raise RuntimeError(f"{path.name}: {result.error}")
    es = make_client(settings)
    report = catch_up(ingestor.store, es, settings)
    es.close()
    if report.failed:
        raise RuntimeError(f"not indexed: {next(iter(report.failed.values()))}")


def score(settings: Settings, chains: list[dict], verbose: bool = False) -> dict:
    from index.client import make_client
    from index.trace import probe_from_text, trace

    es = make_client(settings)
    origin_hits = predicted = correct = gold_total = 0
    misses: list[str] = []
    for chain in chains:
        by_url = {a["url"]: a for a in chain["articles"]}
        year = min(int(str(a["published"])[:4]) for a in chain["articles"])
        result = trace(es, settings, probe_from_text(chain["claim"], "auto", year))
        found = {}
        for item in result["evidence"]:
            article = by_url.get(item["url"])
            found[article["key"] if article else item["url"]] = item["relation"]
        gold = {a["key"]: a["label"] for a in chain["articles"] if a["label"] != "unrelated"}
        origin = next((k for k, v in found.items() if v == "origin"), None)
        origin_hits += origin is not None and gold.get(origin) == "origin"
        predicted += len(found)
        gold_total += len(gold)
        correct += sum(gold.get(k) == v for k, v in found.items())
        if verbose and found != gold:
            misses.append(f"{chain['id']}: expected {gold}\n    found {found}")
    es.close()
    p = correct / predicted if predicted else 0.0
    r = correct / gold_total if gold_total else 0.0
    return {"chains": len(chains), "origin_p_at_1": origin_hits / len(chains),
            "label_precision": p, "label_recall": r,
            "label_f1": 2 * p * r / (p + r) if p + r else 0.0, "misses": misses}


def evaluate(es_url: str, path: Path, verbose: bool = False) -> dict:
    """Build a fresh store and index for one set on the cluster at ``es_url``, and score it."""
    from index import schema
    from index.client import make_client
    from pipeline.store import Store

    chains = load_chains(path)
    with tempfile.TemporaryDirectory(prefix="trace-eval-") as tmp:
        settings = load_settings({"data_dir": Path(tmp) / "var", "es_url": es_url,
                                  "index_prefix": f"trace-eval-{uuid.uuid4().hex[:8]}-",
                                  "extract_workers": 0}, environ={})
        pages = Path(tmp) / "pages"
        pages.mkdir()
        try:
            build(settings, chains, pages)
            return score(settings, chains, verbose)
        finally:
            es = make_client(settings)
            schema.drop_all(es, settings)
            es.close()
            Store.from_settings(settings).engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--es-url", help="a cluster to use (default: start a local node)")
    parser.add_argument("--set", choices=sorted(SETS), action="append")
    parser.add_argument("--verbose", action="store_true", help="print each imperfect chain")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with _cluster(args.es_url) as url:
        results = {name: evaluate(url, SETS[name], args.verbose)
                   for name in (args.set or sorted(SETS)) if SETS[name].exists()}
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print_table(results)


def print_table(results: dict, console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title="claim tracing (origin precision@1, link labels)")
    for column in ("set", "chains", "origin P@1", "label P", "label R", "label F1"):
        table.add_column(column)
    for name, r in results.items():
        table.add_row(name, str(r["chains"]), f"{r['origin_p_at_1']:.3f}",
                      f"{r['label_precision']:.3f}", f"{r['label_recall']:.3f}",
                      f"{r['label_f1']:.3f}")
        for miss in r["misses"]:
            console.print(miss)
    console.print(table)


class _cluster:
    """The cluster at ``url``, or a local node started (and stopped) for this run."""

    def __init__(self, url: str | None) -> None:
        self.url, self.node = url, None

    def __enter__(self) -> str:
        if self.url:
            return self.url
        import socket

        from index.node import LocalNode

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        root = HERE.parent
        settings = load_settings({"data_dir": root / "var", "es_home": root / "var" /
                                  "elasticsearch", "es_node_name": "trace-eval",
                                  "es_port": port, "es_heap": "768m"}, environ={})
        self.node = LocalNode(settings)
        self.node.start()
        return self.node.url

    def __exit__(self, *_exc: object) -> None:
        if self.node:
            self.node.stop()


if __name__ == "__main__":
    main()
