"""APScheduler jobs built from settings: for now the maintenance job (index catch-up).

Per-source crawl jobs and weekly digests join here with their issues; ``labourwatch run``
starts this scheduler in the foreground and stops it cleanly on SIGINT/SIGTERM.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from apscheduler.schedulers.blocking import BlockingScheduler

from config import Settings

log = logging.getLogger(__name__)


def build_scheduler(settings: Settings, maintenance: Callable[[], object]) -> BlockingScheduler:
    """A scheduler whose maintenance job never overlaps itself and survives its own errors."""
    scheduler = BlockingScheduler(timezone="UTC", job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": 300})
    scheduler.add_job(_guarded(maintenance), "interval", id="maintenance",
                      name="index catch-up", minutes=settings.maintenance_minutes, jitter=30)
    return scheduler


def _guarded(job: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        try:
            log.info("maintenance: %s", job())
        except Exception:  # one failing run must not stop the schedule
            log.exception("maintenance job failed; it will run again at its next time")

    return run
