"""The wages explorer's figures: rows for the table and their hourly USD grouped by country,
company and year for the charts. Rows come from the wages export (``index/export.py``), so
the page, ``/api/wages`` and the CSV list the same figures."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from statistics import median

MAX_GROUPS = 15  # boxes per chart; the rest are the smaller groups, left out
DIMENSIONS = {"country": "countries", "company": "companies", "year": "year"}


def hourly_values(row: dict) -> list[float]:
    """The figure's hourly USD: both ends of a range, one value otherwise, none when it has no
    honest hourly conversion (per-task pay)."""
    low, high = row.get("hourly_usd"), row.get("hourly_usd_max")
    if low is None:
        return []
    return [low, high] if high not in (None, low) else [low]


def keys(row: dict, dimension: str) -> list[str]:
    if dimension == "year":
        return [row["published_at"][:4]] if row.get("published_at") else []
    return list(row.get(DIMENSIONS[dimension]) or [])


def groups(rows: Iterable[dict], dimension: str) -> list[dict]:
    """Hourly figures per country, company or year (a figure naming two countries counts in
    both): the largest groups (years in order), each with n, min, median and max."""
    values: dict[str, list[float]] = defaultdict(list)
    figures: dict[str, int] = defaultdict(int)
    for row in rows:
        hourly = hourly_values(row)
        if not hourly:
            continue
        for key in keys(row, dimension):
            values[key].extend(hourly)
            figures[key] += 1
    chosen = sorted(values, key=lambda k: (-figures[k], k))[:MAX_GROUPS]
    if dimension == "year":
        chosen.sort()
    return [{"key": key, "values": values[key], "figures": figures[key],
             "min": min(values[key]), "median": median(values[key]), "max": max(values[key])}
            for key in chosen]

