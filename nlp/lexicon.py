"""Find many names at once in raw text: an Aho-Corasick automaton (pyahocorasick, in C) over
every surface form, longest match wins, Latin names only on word boundaries.

Gazetteers (companies, places, outlets) are tens of thousands of names; testing each with a
regular expression or walking spaCy tokens in Python would cost more than the tokenizer.
"""

from __future__ import annotations

import re
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


_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN = "A-Za-z0-9\u00c0-\u024f"
_CAPITAL = re.compile(r"[A-Z\u00c0-\u00de\u0100-\u017f]")
# a capitalised word, after anything but a Latin letter or digit (据BBC报道 too)
_CAPITAL_WORD = re.compile(rf"(?<![{_LATIN}])[A-Z\u00c0-\u00de\u0100-\u017f][{_LATIN}]*\.?")
# tokens a name can end at: Latin words (with a final dot: U.S.), or single other characters
_TOKEN = re.compile(rf"[{_LATIN}]+\.?|[^\s{_LATIN}]")


@lru_cache(maxsize=4)
def _capital_words(text: str) -> dict[str, list[int]]:
    """Where each capitalised word of ``text`` starts, by the word as written and without its
    last character ("Apple." at a sentence's end is "Apple"). Every lexicon of the NLP stage
    reads the same text, so the scan is done once rather than once per gazetteer, and each
    lexicon intersects its first words with these keys instead of testing word by word."""
    starts: dict[str, list[int]] = {}
    for match in _CAPITAL_WORD.finditer(text):
        word = match.group(0)
        starts.setdefault(word, []).append(match.start())
        starts.setdefault(word[:-1], []).append(match.start())
    return starts


class Lexicon(Generic[T]):
    """Surface form → values; ``find`` returns the longest non-overlapping hits.

    Names that start with a capital letter (most of them) are looked up in a dict from each
    capitalised word of the text over the next few words; the rest (Chinese, lower-case
    starts such as "sub-Saharan Africa") go through an Aho-Corasick automaton. A single
    automaton over tens of thousands of Latin names cost a hundred times more per character.
    """

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
        self.capitalised: dict[str, tuple[T, ...]] = {}
        # Chinese names in their own automaton, used only on text with Chinese in it
        self.automata = {"han": ahocorasick.Automaton(), "other": ahocorasick.Automaton()}
        counts = {"han": 0, "other": 0}
        for surface, values in table.items():
            if _CAPITAL.match(surface) and surface.isprintable():
                self.capitalised[surface] = tuple(values)
                continue
            kind = "han" if _HAN.search(surface) else "other"
            self.automata[kind].add_word(surface, (surface, tuple(values)))
            counts[kind] += 1
        for kind, automaton in self.automata.items():
            if counts[kind]:
                automaton.make_automaton()
        self.counts = counts
        # first word of the capitalised names → the longest of them, in characters: how far
        # to read on from a capitalised word of the text ("Nairobi" 7, "New" 35)
        self.first_words: dict[str, int] = {}
        for surface in self.capitalised:
            first = _CAPITAL_WORD.match(surface).group(0)
            self.first_words[first] = max(self.first_words.get(first, 0), len(surface))
        self.size = len(table)

    def find(self, text: str) -> list[Hit[T]]:
        if not self.size:
            return []
        candidates = sorted([*self._capitalised(text), *self._automaton(text)],
                            key=lambda h: (h.start, h.start - h.end))
        hits: list[Hit[T]] = []
        last_end = -1
        for hit in candidates:
            if hit.start >= last_end:  # leftmost, then longest: "New York City" over "York"
                hits.append(hit)
                last_end = hit.end
        return hits

    def _capitalised(self, text: str) -> Iterator[Hit[T]]:
        lookup, words = self.capitalised, _capital_words(text)
        reach: dict[int, int] = {}  # most capitalised words start no name
        for word in self.first_words.keys() & words.keys():
            for start in words[word]:
                reach[start] = max(reach.get(start, 0), self.first_words[word])
        for start in sorted(reach):
            best = None
            for token in _TOKEN.finditer(text, start, min(len(text), start + reach[start])):
                end = token.end()
                for stop in (end, end - 1) if text[end - 1] == "." else (end,):
                    surface = text[start:stop]
                    if surface in lookup and (stop >= len(text) or not _is_word(text[stop])):
                        best = (stop, surface)
            if best:
                yield Hit(start, best[0], best[1], lookup[best[1]])

    def _automaton(self, text: str) -> Iterator[Hit[T]]:
        kinds = [k for k, n in self.counts.items() if n and (k == "other" or _HAN.search(text))]
        for kind in kinds:
            yield from self._scan(self.automata[kind], text)

    def _scan(self, automaton: ahocorasick.Automaton, text: str) -> Iterator[Hit[T]]:
        for end_index, (surface, values) in automaton.iter(text):
            end = end_index + 1
            start = end - len(surface)
            # Latin names must be whole words: "Sama" not in "Samarkand", "Meta" not "metal"
            if _is_word(surface[0]) and start > 0 and _is_word(text[start - 1]):
                continue
            if _is_word(surface[-1]) and end < len(text) and _is_word(text[end]):
                continue
            yield Hit(start, end, surface, values)


def near(pattern: re.Pattern[str], anchors: re.Pattern[str], text: str, window: int = 80,
         containing: bool = True) -> Iterator[re.Match[str]]:
    """Matches of ``pattern`` that contain a match of ``anchors`` (a cheap regex: the word a
    pattern cannot do without), or with ``containing=False`` any within ``window`` of one.
    Trying a pattern that starts with a run of capitalised words at every word of an article
    is most of its cost; this tries it only where it can match."""
    seen_until = 0
    for anchor in anchors.finditer(text):
        low = max(seen_until, anchor.start() - window, 0)
        high = min(len(text), anchor.end() + window)
        while high < len(text) and text[high].isalnum():  # never cut a word in two
            high += 1
        for match in pattern.finditer(text, low, high):
            if not containing or (match.start() <= anchor.start() and
                                  match.end() >= anchor.end()):
                seen_until = max(seen_until, match.end())
                yield match
                if containing:
                    break
