"""The scheduler with its real job store: jobs from config, kept across restarts, reconciled
with edits, a failing job isolated, and a scheduled crawl running a real crawl of the
loopback site in a child process."""

from __future__ import annotations

import dataclasses
import signal
import subprocess
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

import scheduler
from pipeline.models import Article, JobRun
from pipeline.store import Store
from tests.conftest import LABOURWATCH, ROOT, cli_env, run_cli
from tests.site.server import FixtureSite

SUBSCRIPTIONS = """\
- id: weekly
  name: Weekly
  query: "*"
  schedule: {cron: "0 7 * * mon"}
"""


def write_config(folder: Path, site: FixtureSite, keep: set[str],
                 schedules: dict[str, str] | None = None) -> None:
    """sources.yaml with the chosen fixture sources (and schedules), plus subscriptions."""
    import yaml

    folder.mkdir(exist_ok=True)
    sources = yaml.safe_load(site.write_sources(folder / "all.yaml").read_text("utf-8"))
    chosen = [s for s in sources if s["id"] in keep]
    for source in chosen:
        if schedules and source["id"] in schedules:
            source["schedule"] = {"every": schedules[source["id"]]}
    (folder / "sources.yaml").write_text(yaml.safe_dump(chosen, allow_unicode=True), "utf-8")
    (folder / "subscriptions.yaml").write_text(SUBSCRIPTIONS, encoding="utf-8")


@pytest.fixture
def config(settings, site, tmp_path):
    folder = tmp_path / "config"
    write_config(folder, site, {"site-cn", "site-tech"})
    return dataclasses.replace(settings, config_dir=folder, crawl_loopback_only=True,
                               crawl_polite=False, crawl_timeout=1.5, crawl_retries=0)


def next_runs(running) -> dict[str, datetime]:  # noqa: ANN001
    return {job.id: job.next_run_time for job in running.get_jobs()}


def test_jobs_come_from_config_survive_a_restart_and_follow_edits(config, site) -> None:
    running, report = scheduler.start(config)
    try:
        before = next_runs(running)
        assert set(report["added"]) == set(before) == {
            "maintenance", "crawl:site-cn", "crawl:site-tech", "digest:weekly"}
        job = running.get_job("crawl:site-tech")
        assert job.max_instances == 1 and job.coalesce and job.misfire_grace_time
        assert running.get_job("digest:weekly").next_run_time.weekday() == 0  # a Monday
    finally:
        scheduler.stop(running)

    # a restart with the same config keeps every job and its next run time
    running, report = scheduler.start(config)
    try:
        assert sorted(report["kept"]) == sorted(before) and not report["added"]
        assert next_runs(running) == before
    finally:
        scheduler.stop(running)

    # edits are reconciled on the next start: a new schedule replaces, a removed source goes
    write_config(config.config_dir, site, {"site-cn"}, schedules={"site-cn": "30m"})
    running, report = scheduler.start(config)
    try:
        assert report["changed"] == ["crawl:site-cn"]
        assert report["removed"] == ["crawl:site-tech"]
        assert "0:30:00" in str(running.get_job("crawl:site-cn").trigger)
        assert running.get_job("crawl:site-tech") is None
    finally:
        scheduler.stop(running)
    status = run_cli(config, "status", "--json")
    assert status.returncode == 0, status.stderr
    assert '"crawl:site-cn"' in status.stdout


def wait_for_runs(store: Store, jobs: set[str], timeout: float = 240) -> dict[str, JobRun]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with store.session() as session:
            done = {r.job_id: r for r in session.scalars(
                select(JobRun).where(JobRun.finished_at.is_not(None)))}
        if jobs <= set(done):
            return done
        time.sleep(0.5)
    raise AssertionError(f"jobs {jobs - set(done)} did not finish in {timeout} s")


def test_a_failing_job_is_isolated_and_a_scheduled_crawl_really_crawls(config, site) -> None:
    write_config(config.config_dir, site, {"site-cn", "site-tech"})
    running, _ = scheduler.start(config)
    try:
        # the source disappears from the config while its job is still scheduled: that run
        # fails (recorded), the other jobs run regardless
        write_config(config.config_dir, site, {"site-cn"})
        soon = datetime.now(UTC)
        for job_id in ("crawl:site-tech", "crawl:site-cn", "maintenance"):
            running.modify_job(job_id, next_run_time=soon)
        store = Store.from_settings(config)
        runs = wait_for_runs(store, {"crawl:site-tech", "crawl:site-cn", "maintenance"})
        assert running.running and running.get_job("crawl:site-tech").next_run_time > soon
    finally:
        scheduler.stop(running)
    failed = runs["crawl:site-tech"]
    assert failed.outcome == "failed" and "site-tech" in failed.error
    crawled = runs["crawl:site-cn"]
    assert crawled.outcome == "ok", crawled.error
    assert crawled.counts["new"] >= 3 and crawled.counts["indexed"] == crawled.counts["new"]
    assert runs["maintenance"].outcome == "ok"
    with store.session() as session:
        chinese = session.scalar(select(func.count()).select_from(Article)
                                 .where(Article.source_id == "site-cn"))
    assert chinese == crawled.counts["new"]
    assert all(path.startswith("/cn/") or path in {"/robots.txt"} for path in site.paths())
    status = run_cli(config, "status")
    assert status.returncode == 0 and "crawl:site-tech" in status.stdout
    assert "failed" in status.stdout


def test_schedule_runs_in_the_foreground_and_stops_on_sigterm(config) -> None:
    process = subprocess.Popen([*LABOURWATCH, "schedule"], cwd=ROOT, env=cli_env(config),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stderr), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any("scheduled jobs" in x for x in lines):
            assert process.poll() is None, "".join(lines)
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        reader.join(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    text = " ".join("".join(lines).split())
    assert process.returncode == 0, text
    assert "Scheduler running with 4 jobs" in text and "crawl:site-cn" in text
    assert "scheduler stopped" in text
