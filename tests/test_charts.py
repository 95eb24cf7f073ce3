"""The coverage chart counts whole stories: no "1.5 stories" on its axis."""

from __future__ import annotations

import re

from web.charts import coverage_chart


def _labels(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def test_story_axis_in_whole_numbers() -> None:
    svg = str(coverage_chart([{"month": "2019-11", "stories": 1},
                              {"month": "2019-12", "stories": 3}]))
    numbers = [label for label in _labels(svg) if re.fullmatch(r"[\d.,]+", label)]
    assert numbers == ["0", "1", "2", "3"]


def test_large_counts_few_labels() -> None:
    svg = str(coverage_chart([{"month": f"2020-{m:02d}", "stories": m * 97}
                              for m in range(1, 13)]))
    numbers = [label for label in _labels(svg) if re.fullmatch(r"[\d,]+", label)]
    assert 3 <= len(numbers) <= 7 and "." not in "".join(numbers)
    assert int(numbers[-1].replace(",", "")) >= 12 * 97
