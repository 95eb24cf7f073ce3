"""NLP quality: precision, recall and F1 per field on the annotated sets, and place and
organisation recall on the Chinese Universal NER sets.

- ``bench/nlp_dev.yaml``: the development set (tune on it).
- ``bench/nlp_dev2.yaml``: a second development set of wage sentences only (tune on it).
- ``bench/nlp_dev3.yaml``: a third wage-only development set in the style of reporting on the
  beat, English and Chinese, written before the extractor was run on it (tune on it).
- ``bench/nlp_check.yaml``: written separately and never tuned on; it shows whether what was
  tuned generalises.
Wages match on amount, currency, period and range (qualifier reported apart); companies,
places and attributions on id (``new:`` companies on their name, case-insensitively).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from nlp.pipeline import analyse

HERE = Path(__file__).resolve().parent
NER = HERE.parent.parent / "shared" / "data" / "ner"
SETS = {"dev": HERE / "nlp_dev.yaml", "dev2": HERE / "nlp_dev2.yaml",
        "dev3": HERE / "nlp_dev3.yaml", "check": HERE / "nlp_check.yaml"}
FIELDS = ("wages", "companies", "places", "attributions")


@dataclass
class Tally:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, gold: Counter, predicted: Counter, item_id: str) -> None:
        hit = gold & predicted
        self.true_positive += sum(hit.values())
        self.false_positive += sum((predicted - gold).values())
        self.false_negative += sum((gold - predicted).values())
        for missing in gold - predicted:
            self.errors.append(f"{item_id}: missed {missing}")
        for extra in predicted - gold:
            self.errors.append(f"{item_id}: extra {extra}")

    def scores(self) -> dict[str, float]:
        p = self.true_positive / max(1, self.true_positive + self.false_positive)
        r = self.true_positive / max(1, self.true_positive + self.false_negative)
        return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
                "gold": self.true_positive + self.false_negative}


def _wage_key(wage: dict) -> tuple:
    maximum = wage.get("amount_max")
    return (round(float(wage["amount"]), 2), wage["currency"], wage.get("period"),
            round(float(maximum), 2) if maximum not in (None, "") else None)


def _company_key(company: str) -> str:
    return company.lower().strip() if company.startswith("new:") else company


def predicted_keys(result: dict) -> dict[str, Counter]:
    return {
        "wages": Counter(_wage_key(w) for w in result["wages"]),
        "companies": Counter({_company_key(c["id"]) for c in result["companies"]}),
        "places": Counter({p["id"] for p in result["places"]}),
        "attributions": Counter({a["source"] for a in result["attributions"]}),
    }


def gold_keys(item: dict) -> dict[str, Counter]:
    return {
        "wages": Counter(_wage_key(w) for w in item.get("wages") or []),
        "companies": Counter({_company_key(c) for c in item.get("companies") or []}),
        "places": Counter(set(item.get("places") or [])),
        "attributions": Counter(set(item.get("attributions") or [])),
    }


def evaluate(path: Path) -> dict[str, dict]:
    """Scores per field and language (``all``, ``en``, ``zh``), plus qualifier accuracy."""
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    tallies = {(f, lang): Tally() for f in FIELDS for lang in ("all", "en", "zh")}
    qualifiers = Counter()
    for item in items:
        result = analyse(item["text"], item.get("lang", "auto"), item.get("year"))
        gold, predicted = gold_keys(item), predicted_keys(result)
        for name in FIELDS:
            if name not in item:  # a set that annotates only some fields (dev2, dev3: wages)
                continue
            for lang in ("all", item.get("lang", "en")):
                tallies[(name, lang)].add(gold[name], predicted[name],
                                          item["id"] if lang == "all" else "")
        by_key = {_wage_key(w): w.get("qualifier") for w in result["wages"]}
        for wage in item.get("wages") or []:
            if _wage_key(wage) in by_key:
                qualifiers["right" if by_key[_wage_key(wage)] == wage.get("qualifier")
                           else "wrong"] += 1
    scores: dict[str, dict] = {f"{name}/{lang}": tally.scores()
                               for (name, lang), tally in tallies.items()}
    scores["errors"] = {name: tallies[(name, "all")].errors for name in FIELDS}
    scores["qualifier_accuracy"] = qualifiers["right"] / max(1, sum(qualifiers.values()))
    scores["items"] = len(items)
    return scores


def ner_recall() -> dict[str, dict[str, float]]:
    """Share of gold LOC and ORG spans of the Chinese UNER sets that our places (LOC) or
    companies and organisations (ORG) cover."""
    results = {}
    for path in sorted(NER.glob("*/*.iob2")):
        found = Counter()
        for text, spans in _sentences(path):
            result = analyse(text, "zh")
            places = [(p["start"], p["end"]) for p in result["places"]]
            orgs = [(c["start"], c["end"]) for c in result["companies"]] + \
                [(o["start"], o["end"]) for o in result["organizations"]]
            for label, start, end in spans:
                if label not in ("LOC", "ORG"):
                    continue
                covered = places if label == "LOC" else orgs
                found[f"{label}_gold"] += 1
                if any(s < end and start < e for s, e in covered):
                    found[f"{label}_found"] += 1
        results[path.parent.name] = {
            label: found[f"{label}_found"] / max(1, found[f"{label}_gold"])
            for label in ("LOC", "ORG")} | {"LOC spans": found["LOC_gold"],
                                            "ORG spans": found["ORG_gold"]}
    return results


def _sentences(path: Path):  # type: ignore[no-untyped-def]
    """(text, [(label, start, end)]) per sentence of an IOB2 file."""
    text, tokens = None, []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("# text = "):
            text = line[len("# text = "):]
        elif line.strip() and not line.startswith("#"):
            parts = line.split("\t")
            tokens.append((parts[1], parts[2]))
        elif not line.strip() and tokens:
            if text is not None:
                yield text, list(_spans(text, tokens))
            text, tokens = None, []


def _spans(text: str, tokens: list[tuple[str, str]]):  # type: ignore[no-untyped-def]
    position, current = 0, None
    for token, tag in tokens:
        start = text.find(token, position)
        if start < 0:
            continue
        end = start + len(token)
        position = end
        kind = tag[2:] if tag != "O" else None
        if tag.startswith("B-") or (tag.startswith("I-") and current and current[0] != kind):
            if current:
                yield current
            current = (kind, start, end)
        elif tag.startswith("I-") and current:
            current = (current[0], current[1], end)
        else:
            if current:
                yield current
            current = None
    if current:
        yield current
