"""Attributions: which outlet a statement is credited to ("according to TIME", "Semafor
reported", "told NBC News", 据《时代》周刊报道, 36氪获悉), resolved to outlet ids from
``config/gazetteer/outlets.yaml`` (every configured source is there)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from config.yamlio import safe_load
from nlp.lexicon import Lexicon, han_variants
from nlp.paths import data_file

_BEFORE_PATTERN = (
    r"(?:according to|reported by|reporting by|told|telling|in an interview with|speaking to|"
    r"spoke to|spoke with|cited by|quoted by|published by|obtained by|reviewed by|seen by|"
    r"first reported by|as reported by|reported in|(?:report|investigation|analysis|study|"
    r"survey|story|article|review|audit|data|research|findings|reporting|interview|index|"
    r"ratings?|documents?)\s+(?:by|from|in)|(?:a\s+)?statement\s+to|据|根据|援引|引述|转引|引用|来自|"
    r"接受|对|告诉|向)"
    r"\s*(?:the\s+|a\s+|an\s+)?(?:\d{4}\s+)?"
    # "according to domestic outlet The Paper", "told the business daily"
    r"(?:(?:[\w-]+\s+){0,2}?(?:outlet|newspaper|magazine|news site|news outlet|publication"
    r"|broadcaster|daily|website|tabloid|wire service|news agency)\s+)?$")
_AFTER_PATTERN = (
    r"\s*(?:magazine|newspaper|news agency|news site|website|outlet|'s|’s)?\s*(?:\d{4}\s+)?"
    r"(?:has\s+|had\s+|first\s+|previously\s+|"
    r"later\s+|also\s+)?(?:reported|reports|found|finds|revealed|reveals|wrote|writes|noted|"
    r"learned|obtained|documented|estimated|estimates|calculated|uncovered|investigation|report"
    r"|reporting|analysis|survey|study|said|says|found that|warned|warns)\b|\s*,\s*citing\b"
    r"|(?:周刊|杂志|网站|网|记者|新闻|报)?\s*(?:的)?(?:一份|最新)?(?:报告|调查|研究)?(?:显示|"
    r"报道|报导|称|指出|发现|获悉|披露|援引|消息|调查|发布|表示|分析|写道|了解到|统计|注意到)")


# the cue words in Simplified and Traditional script (據《時代》雜誌報導)
_BEFORE = re.compile("|".join(f"(?:{p})" for p in han_variants(_BEFORE_PATTERN)), re.IGNORECASE)
_AFTER = re.compile("|".join(f"(?:{p})" for p in han_variants(_AFTER_PATTERN)), re.IGNORECASE)


@dataclass(frozen=True)
class Outlet:
    id: str
    name: str


@dataclass(frozen=True)
class Attribution:
    outlet: Outlet
    start: int
    end: int
    text: str  # the credit as written: "according to TIME"


class Attributions:
    def __init__(self, outlets: list[dict]) -> None:
        forms = []
        for entry in outlets:
            outlet = Outlet(entry["id"], entry["name"])
            for name in {entry["name"], *(entry.get("aliases") or [])}:
                forms.append((str(name), outlet))
                bare = str(name).strip("《》")
                if bare != name:
                    forms.append((bare, outlet))
                if name.startswith("The ") and name[4:5].isupper():  # "the Atlantic reported"
                    forms.append(("the " + name[4:], outlet))
        self.lexicon: Lexicon[Outlet] = Lexicon(forms)

    def names(self, text: str) -> list[tuple[int, int]]:
        """Every span naming an outlet, credited or not (they are not companies or places)."""
        return [(h.start, h.end) for h in self.lexicon.find(text)]

    def find(self, text: str) -> list[Attribution]:
        found = []
        for hit in self.lexicon.find(text):
            before = _BEFORE.search(text, max(0, hit.start - 60), _left_edge(text, hit.start))
            after = _AFTER.match(text, _right_edge(text, hit.end))
            if not (before or after):
                continue
            start = before.start() if before else hit.start
            end = after.end() if after and not before else hit.end
            if text[start:end].strip() == "":
                continue
            found.append(Attribution(hit.values[0], start, end, text[start:end]))
        return found


def _left_edge(text: str, start: int) -> int:
    """Step over an opening 《 that belongs to the name."""
    return start - 1 if start and text[start - 1] == "《" else start


def _right_edge(text: str, end: int) -> int:
    return end + 1 if end < len(text) and text[end] == "》" else end


@lru_cache(maxsize=4)
def load_attributions(config_dir: str | None = None) -> Attributions:
    path = data_file(config_dir, "gazetteer/outlets.yaml")
    return Attributions(safe_load(path.read_text(encoding="utf-8")) or [])
