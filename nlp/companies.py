"""Companies: the curated gazetteer in ``config/gazetteer/companies.yaml``, plus patterns for
companies it does not list (legal suffixes, "X, a Nairobi-based firm", 某某科技有限公司).

Products are not companies (the gazetteer lists none); outlets and organisations are found
by their own components and mask any overlapping company name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from config.yamlio import safe_load
from nlp.lexicon import Lexicon, near
from nlp.paths import data_file

# a name that is also a word counts only beside one of these
_CUE_AFTER = re.compile(r"[\s,]*(?:Inc\b|Ltd\b|LLC\b|Corp\b|Co\.|GmbH|AI\b|Technologies\b"
                        r"|Labs?\b|['’]s\b|(?:contributors|workers|taskers|raters|pay)\b"
                        r"|(?:said|says|told|announced|which|whose)\b"
                        r"|,? (?:a|an|the) (?:[\w-]+ ){0,3}(?:company|firm|startup|start-up|vendor"
                        r"|contractor|platform|marketplace)|公司|平台|旗下|等)")
_CUE_BEFORE = re.compile(r"(?:company|firm|startup|start-up|contractor|vendor|platform|"
                         r"subsidiary|clients?|by|for|at|with|公司|平台|旗下)\s*$", re.IGNORECASE)

_SUFFIX = (r"(?:Inc\.?|Ltd\.?|LLC|Limited|Corp\.?|Corporation|PLC|GmbH|S\.A\.|Pvt\.? Ltd\.?"
           r"|Private Limited|Co\., Ltd\.?|Company Limited)")
_CAP = r"[A-Z][\w&'’.-]*"
_LEGAL = re.compile(rf"\b((?:{_CAP} ){{0,4}}{_CAP},? {_SUFFIX})(?!\w)")
_BASED = re.compile(rf"\b((?:{_CAP} ){{0,3}}{_CAP}), an? (?:[\w-]+ ){{0,4}}(?:company|firm"
                    r"|startup|start-up|vendor|contractor|subcontractor|agency|outsourcer)\b")
_CALLED = re.compile(rf"\b(?:company|firm|startup|vendor|contractor|subcontractor|platform"
                     rf"|agency|outsourcer) (?:called|named) ((?:{_CAP} ){{0,3}}{_CAP})")
_LED_BY = re.compile(rf"\b(?:led by|backed by|from investors? (?:such as|including)) "
                     rf"((?:{_CAP} ){{0,3}}{_CAP})")
_LEGAL_ANCHOR = re.compile(rf"(?<![\w]){_SUFFIX}(?!\w)")
_BASED_ANCHOR = re.compile(r"\b(?:company|firm|startup|start-up|vendor|contractor|subcontractor"
                           r"|agency|outsourcer)\b")
_CALLED_ANCHOR = re.compile(r"\b(?:called|named)\b")
_LED_BY_ANCHOR = re.compile(r"\b(?:led by|backed by|from investors?)\b")
_ZH_NAMED = re.compile(r"(?:名为|名叫|叫做|叫)[“\"「]([^”\"」]{2,12})[”\"」]的?"
                       r"[\u4e00-\u9fff]{0,6}?(?:公司|企业|平台|机构|工作室)")
_ZH_SUFFIX = re.compile(r"(?:股份有限公司|有限责任公司|有限公司|科技公司|数据公司|信息技术公司"
                        r"|网络公司|外包公司|人工智能公司)")
_ZH_ROLES = ("外包商", "供应商", "承包商", "合作方", "服务商", "外包公司", "子公司", "母公司",
             "公司", "企业", "客户")
_ZH_STOP = set("的在与和为是由被向给从了及或把将对这那其该于，。、；：“”‘’《》（）()!！?？ "
               "一家名叫")


@dataclass(frozen=True)
class Company:
    id: str
    name: str
    kind: str
    ambiguous: bool = False


@dataclass(frozen=True)
class Found:
    company: Company
    start: int
    end: int
    text: str


class Companies:
    def __init__(self, entries: list[dict]) -> None:
        forms = []
        for entry in entries:
            company = Company(entry["id"], entry["name"], entry.get("kind", "other"))
            for name in {entry["name"], *(entry.get("names") or []),
                         *(entry.get("names_zh") or [])}:
                forms.append((str(name), company))
            vague = Company(company.id, company.name, company.kind, ambiguous=True)
            forms += [(str(name), vague) for name in entry.get("ambiguous") or []]
        self.lexicon: Lexicon[Company] = Lexicon(forms)

    def find(self, text: str, masked: list[tuple[int, int]] = ()) -> list[Found]:
        found = []
        for hit in self.lexicon.find(text):
            if any(s < hit.end and hit.start < e for s, e in masked):
                continue
            company = hit.values[0]
            if company.ambiguous and not (_CUE_AFTER.match(text, hit.end) or
                                          _CUE_BEFORE.search(text, max(0, hit.start - 40),
                                                             hit.start)):
                continue
            found.append(Found(company, hit.start, hit.end, hit.text))
        taken = [(f.start, f.end) for f in found] + list(masked)
        for start, end, name in _unlisted(text):
            if not any(s < end and start < e for s, e in taken):
                found.append(Found(Company(f"new:{name}", name, "unknown"), start, end, name))
                taken.append((start, end))
        return sorted(found, key=lambda f: f.start)


def _unlisted(text: str) -> list[tuple[int, int, str]]:
    """Companies the gazetteer does not know, by the way text introduces them."""
    spans = []
    for pattern, anchor in ((_LEGAL, _LEGAL_ANCHOR), (_BASED, _BASED_ANCHOR),
                            (_CALLED, _CALLED_ANCHOR), (_LED_BY, _LED_BY_ANCHOR)):
        for match in near(pattern, anchor, text):
            name = match.group(1).strip(" ,")
            first = name.split()[0]
            if first in {"In", "At", "From", "On", "Across"}:
                continue  # "In Johannesburg, a vendor ...": a place, not a company
            if first in {"The", "A", "An", "For", "But", "And"}:
                name = name.split(" ", 1)[1] if " " in name else ""
            if len(name) >= 3:
                start = match.start(1) + match.group(1).index(name)
                spans.append((start, start + len(name), name))
    for match in _ZH_NAMED.finditer(text):
        spans.append((match.start(1), match.end(1), match.group(1)))
    for match in _ZH_SUFFIX.finditer(text):
        start = match.start()
        while start > 0 and match.start() - start < 14 and text[start - 1] not in _ZH_STOP:
            start -= 1
        name = text[start:match.end()]
        for role in _ZH_ROLES:  # 外包商河北某某科技有限公司: the role is not the name
            if name.startswith(role) and len(name) - len(role) >= len(match.group(0)) + 2:
                name, start = name[len(role):], start + len(role)
                break
        if len(name) - len(match.group(0)) >= 2:
            spans.append((start, match.end(), name))
    return spans


@lru_cache(maxsize=4)
def load_companies(config_dir: str | None = None) -> Companies:
    path = data_file(config_dir, "gazetteer/companies.yaml")
    return Companies(safe_load(path.read_text(encoding="utf-8")) or [])
