"""Is a story on the AI-labour beat? A transparent scorer whose terms live in config/."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from config.yamlio import safe_load

_CJK = re.compile(r"[\u3400-\u9fff]")
_SEPARATORS = re.compile(r"[\s-]+")


@dataclass(frozen=True)
class Relevance:
    score: float
    on_topic: bool
    terms: dict[str, int] = field(default_factory=dict)  # matched term -> occurrences


@dataclass(frozen=True)
class Scorer:
    threshold: float
    # term, group, weight, regex, and the term as the substring prefilter looks for it
    patterns: tuple[tuple[str, str, float, re.Pattern[str], str], ...]

    def score(self, text: str, title: str | None = None) -> Relevance:
        total = 0.0
        matched: dict[str, int] = {}
        core = False
        # a substring test in C first: most terms are absent from any one text
        present = _SEPARATORS.sub(" ", f"{title or ''} {text}".lower())
        for term, group, weight, pattern, needle in self.patterns:
            if needle not in present:
                continue
            count = len(pattern.findall(text)) + 2 * len(pattern.findall(title or ""))
            if count:
                matched[term] = count
                total += weight * math.log2(1 + count)
                core = core or group == "core"
        return Relevance(round(total, 2), core and total >= self.threshold, matched)


def _pattern(term: str) -> re.Pattern[str]:
    if _CJK.search(term):
        return re.compile(re.escape(term))
    flags = 0 if term.isupper() else re.IGNORECASE  # "AI", "RLHF" only as written
    body = r"[\s-]+".join(re.escape(word) for word in term.split())  # data-labelling too
    return re.compile(rf"(?<![\w-]){body}(?![\w-])", flags)


@lru_cache(maxsize=4)
def load_scorer(path: Path) -> Scorer:
    data = safe_load(path.read_text(encoding="utf-8"))
    patterns = []
    for group, spec in data["groups"].items():
        for term in spec["terms"]:
            patterns.append((str(term), group, float(spec["weight"]), _pattern(str(term)),
                             _SEPARATORS.sub(" ", str(term).lower())))
    return Scorer(float(data["threshold"]), tuple(patterns))
