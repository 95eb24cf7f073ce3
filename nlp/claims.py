"""Claims: sentences that carry a wage or a number about workers ("about 1,000 contractors",
3,000 名标注员, "12-hour shifts", 每天工作 10 个小时), with the entities and outlet
attributions of that sentence. Claim tracing matches them across articles and languages by
what survives translation."""

from __future__ import annotations

import re

from nlp.numbers import DIGITS, WORD_NUMBER, ZH_NUMBER, parse_chinese, parse_digits, parse_words

_WORKERS_EN = re.compile(
    rf"(?<![\w.,$€£₹₱])(?P<num>(?:{DIGITS})(?:\s?(?:thousand|million|k))?|{WORD_NUMBER}"
    r"(?:[- ](?:hundred|thousand|million))?|(?:hundreds|thousands|tens of thousands|millions)"
    r"(?= of))(?P<more>\+)?\s+(?:of\s+)?(?:[\w-]+\s+){0,3}?"
    r"(?P<unit>workers|contractors|annotators|label(?:l)?ers|moderators|taskers|raters|people"
    r"|employees|staff(?:ers)?|freelancers|trainers|members|gig workers|data workers|agents"
    r"|tutors|writers|transcribers|testers|reviewers|labourers|laborers|jobs|positions|roles)\b",
    re.IGNORECASE)
_WORKERS_ZH = re.compile(
    rf"(?P<num>{ZH_NUMBER})\s?(?P<more>多|余)?\s?(?:万|千)?(?:名|位|个|人)?\s?"
    r"(?:[\u4e00-\u9fff]{0,6}?)(?P<unit>工人|员工|标注员|标注师|审核员|外包人员|劳动者|从业者|众包工人"
    r"|数据标注员|内容审核员|训练师|零工|骑手|岗位|人)")
_VAGUE = {"hundreds": 100, "thousands": 1000, "tens of thousands": 10000, "millions": 1_000_000}


_UNIT_EN = re.compile(r"\b(?:workers|contractors|annotators|label(?:l)?ers|moderators|taskers"
                      r"|raters|people|employees|staff(?:ers)?|freelancers|trainers|members"
                      r"|agents|tutors|writers|transcribers|testers|reviewers|labourers"
                      r"|laborers|jobs|positions|roles)\b", re.IGNORECASE)
_UNIT_ZH = re.compile(r"工人|员工|标注员|标注师|审核员|外包人员|劳动者|从业者|训练师|零工|骑手"
                      r"|岗位|人")


def _anchored(pattern: re.Pattern[str], units: re.Pattern[str], text: str):  # noqa: ANN202
    """Matches of ``pattern`` that end at a unit word, found from the unit backwards (the
    number patterns are slow to try at every character)."""
    last_end = 0
    for unit in units.finditer(text):
        window_start = max(last_end, unit.start() - 70)
        while 0 < window_start > last_end and text[window_start - 1].isalnum():
            window_start -= 1  # never start inside a word ("twenty-four" read as "four")
        for match in pattern.finditer(text, window_start, unit.end()):
            if match.end() == unit.end():
                last_end = match.end()
                yield match
                break


def worker_counts(text: str) -> list[dict]:
    """Numbers of people: value, unit and where they are written."""
    found = []
    for pattern, units in ((_WORKERS_EN, _UNIT_EN), (_WORKERS_ZH, _UNIT_ZH)):
        if units is _UNIT_ZH and not re.search(r"[\u4e00-\u9fff]", text):
            continue
        for match in _anchored(pattern, units, text):
            written = match.group("num")
            value = _VAGUE.get(written.lower()) or _value(written)
            if value is None or value < 2 or (1900 <= value <= 2100 and "," not in written):
                continue
            found.append({"kind": "workers", "value": value, "unit": match.group("unit"),
                          "at_least": bool(match.group("more")) or written.lower() in _VAGUE,
                          "text": match.group(0), "start": match.start(), "end": match.end()})
    return found


def _value(written: str) -> float | None:
    if re.search(r"[\u4e00-\u9fff]", written):  # 20万, 三千: Chinese scales, digits or not
        return parse_chinese(written)
    if written[:1].isdigit() or written[:1] == ".":
        return parse_digits(written.replace(" thousand", "k").replace(" million", "m"))
    return parse_words(written)


# "12-hour shifts", "nine hours a day"; never "an hour" (a wage's period) or "one hour"
# each unit written once: the figure's pattern ends with it, and _anchored finds it first
_HOUR_EN = re.compile(r"-hours?\b| hours\b", re.IGNORECASE)
_HOUR_ZH = re.compile(r"小时|钟头")
_HOURS_EN = re.compile(rf"(?<![\w.,$])(?!(?:a|an|one)\b)(?P<num>{DIGITS}|{WORD_NUMBER})"
                       rf"(?:{_HOUR_EN.pattern})", re.IGNORECASE)
_HOURS_ZH = re.compile(rf"(?P<num>\d+(?:\.\d+)?|{ZH_NUMBER})\s?个?(?:{_HOUR_ZH.pattern})")


def hours(text: str) -> list[dict]:
    """Working hours ("12-hour shifts", "nine hours a day", 每班 12 个小时)."""
    found = []
    for pattern, units in ((_HOURS_EN, _HOUR_EN), (_HOURS_ZH, _HOUR_ZH)):
        for match in _anchored(pattern, units, text):
            value = _value(match.group("num"))
            if value is None or not 0 < value <= 168:
                continue
            found.append({"kind": "hours", "value": value, "unit": "hour",
                          "text": match.group(0), "start": match.start(), "end": match.end()})
    return found
