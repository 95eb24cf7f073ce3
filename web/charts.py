"""Charts drawn on the server by pygal as inline SVG: nothing loaded from elsewhere, no
scripts, readable without JavaScript. Labels are ids, codes and years, never article text."""

from __future__ import annotations

import math
import re

import pygal
from markupsafe import Markup

_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)


def inline_svg(chart: pygal.graph.graph.Graph) -> Markup:
    """The chart as an <svg> element for a page. pygal leaves a config <script> for its
    optional tooltips; our pages run no scripts, so it goes."""
    svg = chart.render(is_unicode=True, disable_xml_declaration=True)
    return Markup(_SCRIPT.sub("", svg))


def coverage_chart(coverage: list[dict]) -> Markup | None:
    """Stories per month."""
    if not coverage:
        return None
    counts = [c["stories"] for c in coverage]
    step = max(1, math.ceil(max(counts) / 5))  # whole stories: pygal would label 0.5, 1.5…
    chart = pygal.Bar(js=[], show_legend=False, height=180, width=720, x_label_rotation=30,
                      title="stories per month", y_labels=list(range(0, max(counts) + step, step)),
                      value_formatter=lambda value: f"{value:,.0f}")
    chart.x_labels = [c["month"] for c in coverage]
    chart.add("stories", counts)
    return inline_svg(chart)


def hourly_box_chart(title: str, groups: list[dict]) -> Markup | None:
    """Hourly USD per group as boxes: minimum to maximum, quartiles and median."""
    if not groups:
        return None
    chart = pygal.Box(js=[], box_mode="extremes", show_legend=False, height=260, width=720,
                      x_label_rotation=30, title=title, y_title="USD per hour")
    chart.x_labels = [g["key"] for g in groups]
    for group in groups:
        chart.add(group["key"], group["values"])
    return inline_svg(chart)
