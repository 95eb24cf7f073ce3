"""Page furniture that survives extraction: a repeated headline, newsletter and app prompts,
share and comment widgets, "related stories" lists. Dropped line by line by patterns kept in
``config/boilerplate.yaml``, so a user can see and extend what is removed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lxml import etree

from config.yamlio import safe_load

_WORDS = re.compile(r"\w+")
_BULLET = re.compile(r"^\s*[-•*·]\s")
DEFAULT = Path(__file__).resolve().parent.parent / "config" / "boilerplate.yaml"


@dataclass(frozen=True)
class Furniture:
    max_words: int
    lines: re.Pattern[str]
    tail_headers: re.Pattern[str]
    hidden: etree.XPath | None = None  # elements with a hidden_classes class name

    def hidden_elements(self, tree: etree._Element) -> list[etree._Element]:
        """Hover cards and other hidden elements (removed before extraction)."""
        return self.hidden(tree) if self.hidden is not None else []

    def clean(self, text: str, title: str | None = None) -> str:
        lines = text.splitlines()
        lines = self._drop_headline(lines, title)
        kept: list[str] = []
        in_tail = False
        for line in lines:
            words = len(_WORDS.findall(line))
            stripped = line.strip()
            if words <= self.max_words and self.tail_headers.fullmatch(stripped):
                in_tail = True
                continue
            if in_tail and (_BULLET.match(line) or words < self.max_words):
                continue
            in_tail = False
            if words <= self.max_words and self.lines.fullmatch(stripped):
                continue
            kept.append(line)
        return "\n".join(kept)

    @staticmethod
    def _drop_headline(lines: list[str], title: str | None) -> list[str]:
        """The title is stored apart from the text; a first line that repeats it goes."""
        if not title or not lines:
            return lines
        title_words = set(_key(title).split())
        first = _key(lines[0]).split()
        if not title_words or not first:
            return lines
        # the page's title often carries the site name ("… | The Guardian") or a kicker
        shared = sum(w in title_words for w in first)
        if shared / len(first) >= 0.9 and shared / len(title_words) >= 0.6:
            return lines[1:]
        return lines


def _key(text: str) -> str:
    return " ".join(_WORDS.findall(text.lower()))


@lru_cache(maxsize=4)
def load_furniture(path: Path = DEFAULT) -> Furniture:
    data = safe_load(path.read_text(encoding="utf-8"))

    def union(patterns: list[str]) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)

    return Furniture(int(data["max_words"]), union(data["lines"]), union(data["tail_headers"]),
                     _class_xpath(data.get("hidden_classes") or []))


def _class_xpath(names: list[str]) -> etree.XPath | None:
    """Elements carrying any of ``names`` as a whole class name (not a substring of one)."""
    if not names:
        return None
    tests = " or ".join(f"contains(concat(' ', normalize-space(@class), ' '), ' {n} ')"
                        for n in names)
    return etree.XPath(f"//*[@class][{tests}]")
