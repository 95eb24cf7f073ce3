"""Config files that are a list of entries with unique ids (sources, subscriptions)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import yaml

from config.yamlio import safe_load

T = TypeVar("T")


def load_entries(path: Path, key: str, parse: Callable[[object, str], T],
                 error: type[ValueError], required: bool = True) -> list[T]:
    """Each entry of ``path`` (a list, or ``<key>:`` holding one) parsed in file order; the
    first problem raises ``error`` naming the file and entry. Ids must be unique."""
    try:
        rows = safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as problem:
        raise error(f"{path}: {problem}") from problem
    if isinstance(rows, dict):
        rows = rows.get(key)
    if rows is None and not required:
        return []
    if not isinstance(rows, list):
        raise error(f"{path}: expected a list of {key} (or '{key}:' with one)")
    found = [parse(row, f"{path} entry {n}") for n, row in enumerate(rows, 1)]
    seen: set[str] = set()
    for entry in found:
        if entry.id in seen:  # type: ignore[attr-defined]
            raise error(f"{path}: id {entry.id!r} appears twice")  # type: ignore[attr-defined]
        seen.add(entry.id)  # type: ignore[attr-defined]
    return found
