"""The schedule: one crawl job per source, one digest job per subscription, and maintenance.

APScheduler 3 with a persistent SQLAlchemy job store in the data dir, so a restart keeps
each job's next run time. The jobs come from ``config/sources.yaml`` and
``config/subscriptions.yaml``; every start reconciles the store with them (new jobs added,
changed schedules replaced, removed entries dropped, unchanged jobs left alone). Jobs
coalesce, never overlap, and are spread by jitter. A crawl runs in a child process, because
Twisted's reactor cannot be started twice in one process; a failing job is recorded
(``JobRun``) and the others go on. ``labourwatch status`` shows the jobs and their runs.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select

from config import Settings
from config.schedules import trigger as make_trigger
from config.settings import to_environ
from pipeline.models import JobRun
from pipeline.store import Store, now

log = logging.getLogger(__name__)

_context: dict[str, object] = {}  # the settings and store the jobs of this process run with
_children: set[subprocess.Popen] = set()
_children_lock = threading.Lock()


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: str  # "module:function", as the job store keeps it
    args: tuple
    trigger: object
    name: str


def jobstore_url(settings: Settings) -> str:
    """The store of record's database when one is configured, else a file in the data dir
    (a separate SQLite file keeps the scheduler's writes off the crawler's database lock)."""
    return settings.db_url or f"sqlite:///{(settings.data_dir / 'scheduler.db').resolve()}"


def build_scheduler(settings: Settings) -> BackgroundScheduler:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    _context.update(settings=settings, store=Store.from_settings(settings))
    return BackgroundScheduler(
        timezone=UTC,
        jobstores={"default": SQLAlchemyJobStore(url=jobstore_url(settings))},
        executors={"default": ThreadPoolExecutor(4)},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": int(settings.schedule_misfire_grace)})


def desired_jobs(settings: Settings, sources: list, subscriptions: list) -> list[JobSpec]:
    """What the config asks for (sources and subscriptions as loaded and validated)."""
    jitter = settings.schedule_jitter
    specs = [JobSpec("maintenance", "scheduler:maintenance_job", (),
                     IntervalTrigger(minutes=settings.maintenance_minutes, timezone=UTC,
                                     jitter=min(30, int(settings.maintenance_minutes * 6))),
                     "index catch-up and feed health")]
    specs += [JobSpec(f"crawl:{s.id}", "scheduler:crawl_job", (s.id,),
                      make_trigger(s.schedule, jitter), f"crawl {s.name}") for s in sources]
    specs += [JobSpec(f"digest:{s.id}", "scheduler:digest_job", (s.id,),
                      make_trigger(s.schedule, jitter), f"digest {s.name}")
              for s in subscriptions]
    return specs


def _signature(trigger: object) -> str:
    """What makes two triggers the same schedule (their start dates differ by construction)."""
    return f"{trigger} jitter={getattr(trigger, 'jitter', None)}"


def reconcile(scheduler: BackgroundScheduler, specs: list[JobSpec]) -> dict[str, list[str]]:
    """Bring the job store in line with the config; unchanged jobs keep their next run."""
    report: dict[str, list[str]] = {"added": [], "changed": [], "kept": [], "removed": []}
    existing = {job.id: job for job in scheduler.get_jobs()}
    for spec in specs:
        job = existing.pop(spec.id, None)
        if (job is not None and job.func_ref == spec.func and tuple(job.args) == spec.args
                and _signature(job.trigger) == _signature(spec.trigger)):
            report["kept"].append(spec.id)
            continue
        scheduler.add_job(spec.func, trigger=spec.trigger, args=spec.args, id=spec.id,
                          name=spec.name, replace_existing=True)
        report["changed" if job is not None else "added"].append(spec.id)
    for job_id in existing:
        scheduler.remove_job(job_id)
        report["removed"].append(job_id)
    return report


def start(settings: Settings) -> tuple[BackgroundScheduler, dict[str, list[str]]]:
    """A running scheduler whose jobs match the config files; raises on a bad config."""
    from crawlers.sources import load_sources
    from digests.subscriptions import load_subscriptions

    specs = desired_jobs(settings, load_sources(settings.config_file("sources.yaml")),
                         load_subscriptions(settings.config_file("subscriptions.yaml")))
    scheduler = build_scheduler(settings)
    scheduler.start(paused=True)  # the job store is readable, nothing runs yet
    try:
        report = reconcile(scheduler, specs)
    except Exception:
        scheduler.shutdown(wait=False)
        raise
    scheduler.resume()
    return scheduler, report


def stop(scheduler: BackgroundScheduler, grace: float = 20.0) -> None:
    """Stop taking jobs, ask running crawls to finish (SIGTERM), then wait for them."""
    scheduler.shutdown(wait=False)
    with _children_lock:
        children = list(_children)
    for child in children:
        child.terminate()
    for child in children:
        try:
            child.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            child.kill()


def jobs(settings: Settings) -> list[dict]:
    """The stored jobs and their next run times, without running anything."""
    scheduler = BackgroundScheduler(
        timezone=UTC, jobstores={"default": SQLAlchemyJobStore(url=jobstore_url(settings))})
    scheduler.start(paused=True)
    try:
        return [{"id": job.id, "name": job.name, "schedule": str(job.trigger),
                 "next_run": job.next_run_time} for job in scheduler.get_jobs()]
    finally:
        scheduler.shutdown(wait=False)


def recent_runs(store: Store, limit: int = 20) -> list[dict]:
    with store.session() as session:
        rows = session.scalars(select(JobRun).order_by(JobRun.id.desc()).limit(limit)).all()
        return [{"job": r.job_id, "kind": r.kind, "started_at": r.started_at,
                 "finished_at": r.finished_at, "outcome": r.outcome, "counts": r.counts,
                 "error": r.error} for r in rows]


# -- the jobs (module-level functions: the job store keeps them as "scheduler:name") ----------
def crawl_job(source_id: str) -> dict:
    return _recorded(f"crawl:{source_id}", "crawl", lambda: _crawl(source_id))


def digest_job(subscription_id: str) -> dict:
    return _recorded(f"digest:{subscription_id}", "digest", lambda: _digest(subscription_id))


def maintenance_job() -> dict:
    return _recorded("maintenance", "maintenance", _maintenance)


def _recorded(job_id: str, kind: str, work: Callable[[], dict]) -> dict:
    """Run ``work`` with a JobRun row around it; an exception is recorded, never raised, so
    one failing job cannot disturb the scheduler or the other jobs."""
    store: Store = _context["store"]  # type: ignore[assignment]
    with store.session() as session:
        row = JobRun(job_id=job_id, kind=kind, started_at=now(), outcome="running")
        session.add(row)
        session.flush()
        run_id = row.id
    counts, outcome, error = None, "ok", None
    try:
        counts = work()
    except Exception as failure:  # noqa: BLE001 - recorded; the next run tries again
        log.exception("job %s failed", job_id)
        outcome, error = "failed", f"{type(failure).__name__}: {failure}"
    with store.session() as session:
        row = session.get(JobRun, run_id)
        row.finished_at, row.outcome, row.counts, row.error = now(), outcome, counts, error
    return {"outcome": outcome, "counts": counts, "error": error}


def _crawl(source_id: str) -> dict:
    """``labourwatch crawl --source ID --json`` in a child process with our settings."""
    settings: Settings = _context["settings"]  # type: ignore[assignment]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABOURWATCH_")}
    env.update(to_environ(settings))
    child = subprocess.Popen([sys.executable, "-m", "labourwatch", "crawl", "--source",
                              source_id, "--json"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env)
    with _children_lock:
        _children.add(child)
    try:
        stdout, stderr = child.communicate(timeout=settings.crawl_job_timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise TimeoutError(f"crawl of {source_id} ran over {settings.crawl_job_timeout:.0f} s "
                           "and was stopped") from None
    finally:
        with _children_lock:
            _children.discard(child)
    if child.returncode != 0:
        reason = " ".join(stderr.split())[-500:] or f"exit status {child.returncode}"
        raise RuntimeError(f"crawl of {source_id} failed: {reason}")
    summary = json.loads(stdout)
    return {k: summary[k] for k in ("fetched", "new", "updated", "unchanged", "indexed")
            if k in summary} | {"failed": sum(summary.get("failed", {}).values())}


def _digest(subscription_id: str) -> dict:
    from digests.deliver import DeliveryError
    from digests.run import due_weeks, produce
    from digests.subscriptions import find, load_subscriptions
    from index.client import make_client

    settings: Settings = _context["settings"]  # type: ignore[assignment]
    store: Store = _context["store"]  # type: ignore[assignment]
    sub = find(load_subscriptions(settings.config_file("subscriptions.yaml")), subscription_id)
    es = make_client(settings)
    try:
        outcomes = [produce(settings, es, store, sub, week, send_email=True)
                    for week in due_weeks(store, sub, datetime.now(UTC))]
    finally:
        es.close()
    counts = {"weeks": [o.week for o in outcomes],
              "stories": outcomes[-1].stories, "wages": outcomes[-1].wages,
              "sent": sum(o.state == "sent" for o in outcomes),
              "failed": sum(o.state == "failed" for o in outcomes)}
    if counts["failed"]:
        errors = "; ".join(f"{o.week}: {o.error}" for o in outcomes if o.state == "failed")
        raise DeliveryError(f"{counts['failed']} digest(s) not sent ({errors})")
    return counts


def _maintenance() -> dict:
    from crawlers.health import source_health
    from index.client import make_client
    from index.sync import catch_up

    settings: Settings = _context["settings"]  # type: ignore[assignment]
    store: Store = _context["store"]  # type: ignore[assignment]
    es = make_client(settings)
    try:
        report = catch_up(store, es, settings)
    finally:
        es.close()
    health = source_health(store)
    return {"indexed": report.indexed, "unindexed": len(report.failed),
            "failing_sources": sum(h["state"] == "failing" for h in health),
            "degraded_sources": sum(h["state"] == "degraded" for h in health)}
