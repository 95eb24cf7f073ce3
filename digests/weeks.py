"""ISO weeks, the unit a digest covers: ``2026-W47`` is Monday 00:00 to Sunday 24:00 UTC."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Week:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Week:
        """``2026-W47`` (or ``2026W47``); a clear error for anything else."""
        match = _WEEK.match(text.strip())
        if not match:
            raise ValueError(f"a week is written YYYY-Www (e.g. 2026-W47), not {text!r}")
        week = cls(int(match[1]), int(match[2]))
        try:
            date.fromisocalendar(week.year, week.number, 1)
        except ValueError as error:
            raise ValueError(f"{text!r}: {error}") from None
        return week

    @classmethod
    def of(cls, day: date) -> Week:
        year, number, _ = day.isocalendar()
        return cls(year, number)

    @classmethod
    def last_complete(cls, at: datetime | None = None) -> Week:
        """The most recent week that has ended: what a Monday-morning digest reports."""
        today = (at or datetime.now(UTC)).astimezone(UTC).date()
        return cls.of(today - timedelta(days=7))

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.monday, datetime.min.time(), UTC)

    @property
    def end(self) -> datetime:
        """Exclusive: the next Monday at midnight."""
        return self.start + timedelta(days=7)

    def previous(self) -> Week:
        return Week.of(self.monday - timedelta(days=7))

    def next(self) -> Week:
        return Week.of(self.monday + timedelta(days=7))

    def __str__(self) -> str:
        return f"{self.year}-W{self.number:02d}"
