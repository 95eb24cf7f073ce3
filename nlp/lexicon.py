"""Find many names at once in raw text: an Aho-Corasick automaton (pyahocorasick, in C) over
every surface form, longest match wins, Latin names only on word boundaries.

Gazetteers (companies, places, outlets) are tens of thousands of names; testing each with a
regular expression or walking spaCy tokens in Python would cost more than the tokenizer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

import ahocorasick
from opencc import OpenCC

T = TypeVar("T")


@dataclass(frozen=True)
class Hit(Generic[T]):
    start: int
    end: int
    text: str
    values: tuple[T, ...]


@lru_cache(maxsize=2)
def _converter(config: str) -> OpenCC:
    return OpenCC(config)


def han_variants(name: str) -> set[str]:
    """A Chinese name in both scripts: gazetteers are written in one, news uses both."""
    if not any("\u3400" <= ch <= "\u9fff" for ch in name):
        return {name}
    return {name, _converter("t2s").convert(name), _converter("s2t").convert(name)}


def _is_word(ch: str) -> bool:
    return ch.isalnum() and not ("\u3400" <= ch <= "\u9fff")


class Lexicon(Generic[T]):
    """Surface form → values; ``find`` returns the longest non-overlapping hits."""

    def __init__(self, entries: Iterable[tuple[str, T]]) -> None:
        table: dict[str, list[T]] = {}
        for surface, value in entries:
            surface = surface.strip()
            if len(surface) < 2:
                continue
            for form in han_variants(surface):
                values = table.setdefault(form, [])
                if value not in values:
                    values.append(value)
        self.automaton = ahocorasick.Automaton()
        for surface, values in table.items():
            self.automaton.add_word(surface, (surface, tuple(values)))
        if table:
            self.automaton.make_automaton()
        self.size = len(table)

    def find(self, text: str) -> list[Hit[T]]:
        if not self.size:
            return []
        candidates = sorted(self._candidates(text), key=lambda h: (h.start, h.start - h.end))
        hits: list[Hit[T]] = []
        last_end = -1
        for hit in candidates:
            if hit.start >= last_end:  # leftmost, then longest: "New York City" over "York"
                hits.append(hit)
                last_end = hit.end
        return hits

    def _candidates(self, text: str) -> Iterator[Hit[T]]:
        for end_index, (surface, values) in self.automaton.iter(text):
            end = end_index + 1
            start = end - len(surface)
            # Latin names must be whole words: "Sama" not in "Samarkand", "Meta" not "metal"
            if _is_word(surface[0]) and start > 0 and _is_word(text[start - 1]):
                continue
            if _is_word(surface[-1]) and end < len(text) and _is_word(text[end]):
                continue
            yield Hit(start, end, surface, values)
