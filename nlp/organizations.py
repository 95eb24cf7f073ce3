"""Organisations that are not companies (unions, NGOs, research groups, agencies) and people,
found by the way news writes them; the name lists and cues are in ``config/nlp/organizations.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from config.yamlio import safe_load
from nlp.lexicon import Lexicon, near
from nlp.paths import data_file

_CAP = r"(?:[A-Z][\w'’&.-]*|of|for|on|and|the|de|du|des|la|&)"


@dataclass(frozen=True)
class Named:
    kind: str  # organization | person
    name: str
    start: int
    end: int


class Organizations:
    def __init__(self, data: dict) -> None:
        heads = "|".join(re.escape(h) for h in data["heads_en"])
        self.en = re.compile(rf"\b((?:[A-Z][\w'’&.-]*\s)(?:{_CAP}\s){{0,5}}(?:{heads}))\b")
        heads_zh = "|".join(re.escape(h) for h in data["heads_zh"])
        self.zh = re.compile(rf"([\u4e00-\u9fff]{{2,10}}?(?:{heads_zh}))")
        self.zh_stop = set(data["zh_stop"])
        self.known: Lexicon[str] = Lexicon((n, n) for n in data["known"])
        titles = "|".join(re.escape(t) for t in data["person_cues_en"])
        self.person_en = re.compile(
            rf"(?:(?:{titles})\s+)([A-Z][a-z]+(?:[- ][A-Z][a-z]+){{1,2}})\b"
            rf"|\b([A-Z][a-z]+(?: [A-Z][a-z]+){{1,2}}),? (?:a|an|the|who|\d{{2}})\b"
            rf"|\b([A-Z][a-z]+(?: [A-Z][a-z]+){{1,2}}) (?:said|says|told|recalled|explained)\b")
        self.not_people = set(data["not_people"])
        self.model_labels: dict[str, str] = data["model_labels"]
        self.en_heads = re.compile(rf"\b(?:{heads})\b")
        # people are named near a speech verb or a title ("X, a moderator, said ...")
        self.person_anchor = re.compile(rf"\b(?:{titles}|recalled|explained)\b")

    def find(self, text: str, masked: list[tuple[int, int]]) -> list[Named]:
        found: list[Named] = []

        def free(start: int, end: int) -> bool:
            return not any(s < end and start < e for s, e in [*masked,
                                                              *((n.start, n.end) for n in found)])

        for hit in self.known.find(text):
            if free(hit.start, hit.end):
                found.append(Named("organization", hit.text, hit.start, hit.end))
        for match in near(self.en, self.en_heads, text):
            name = re.sub(r"^(?:The|A|An|In|At|But|And|For)\s", "", match.group(1))
            start = match.end(1) - len(name)
            if free(start, match.end(1)) and len(name.split()) >= 2:
                found.append(Named("organization", name, start, match.end(1)))
        for match in self.zh.finditer(text):
            name = match.group(1)
            cut = max((name.rfind(c) for c in self.zh_stop), default=-1)
            name, start = name[cut + 1:], match.start(1) + cut + 1
            if len(name) >= 4 and free(start, match.end(1)):
                found.append(Named("organization", name, start, match.end(1)))
        for match in near(self.person_en, self.person_anchor, text, 60, containing=False):
            group = next(g for g in (1, 2, 3) if match.group(g))
            name = match.group(group)
            if name.split()[0] in self.not_people or not free(match.start(group), match.end(group)):
                continue
            found.append(Named("person", name, match.start(group), match.end(group)))
        return sorted(found, key=lambda n: n.start)


@lru_cache(maxsize=4)
def load_organizations(config_dir: str | None = None) -> Organizations:
    path = data_file(config_dir, "nlp/organizations.yaml")
    data = safe_load(path.read_text(encoding="utf-8"))
    if "model_labels" not in data:  # a user's file from before trained models: ours
        shipped = data_file(None, "nlp/organizations.yaml").read_text(encoding="utf-8")
        data["model_labels"] = safe_load(shipped)["model_labels"]
    return Organizations(data)
