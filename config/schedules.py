"""The ``schedule`` a source or subscription declares (``every: 2h`` or ``cron: "0 7 * * mon"``),
validated once at load time and turned into an APScheduler trigger."""

from __future__ import annotations

import re
from datetime import timedelta

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

_EVERY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "min": "minutes", "h": "hours", "d": "days",
          "w": "weeks"}
MAX_JITTER = 300.0  # seconds: spreads sources that share a schedule, never more than this


class ScheduleError(ValueError):
    """A schedule that cannot be understood; the message says what is accepted."""


def every(text: object) -> timedelta:
    """``90s``, ``15m``, ``2h``, ``1d``, ``1w`` as a duration."""
    match = _EVERY.match(str(text))
    if not match or float(match[1]) <= 0:
        raise ScheduleError(f"every: {text!r} is not a duration like 30m, 2h, 1d or 1w")
    return timedelta(**{_UNITS[match[2].lower()]: float(match[1])})


def trigger(schedule: dict, jitter: float = MAX_JITTER):  # type: ignore[no-untyped-def]
    """The trigger for a schedule; jitter is capped at a tenth of the interval so a short
    schedule (tests, a busy source) still runs about when it says."""
    if not isinstance(schedule, dict) or len({"every", "cron"} & set(schedule)) != 1:
        raise ScheduleError(f"schedule needs exactly one of 'every: 2h' or 'cron: ...', "
                            f"not {schedule!r}")
    if "every" in schedule:
        interval = every(schedule["every"])
        spread = min(jitter, interval.total_seconds() / 10)
        return IntervalTrigger(seconds=interval.total_seconds(), timezone="UTC",
                               jitter=int(spread) or None)
    try:
        return CronTrigger.from_crontab(str(schedule["cron"]), timezone="UTC")
    except ValueError as error:
        raise ScheduleError(f"cron: {schedule['cron']!r}: {error}") from error


def validate(schedule: object) -> dict:
    """The schedule itself when it is valid; ScheduleError otherwise."""
    trigger(schedule)  # type: ignore[arg-type]
    return schedule  # type: ignore[return-value]
