"""The managed local node through the real command: start, start again, status, stop."""

from __future__ import annotations

import json
import os
import subprocess
import time

from tests.conftest import LABOURWATCH, ROOT, free_port


def lw(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LABOURWATCH, *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=300)


def test_start_is_idempotent_status_reports_and_stop_stops() -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABOURWATCH_")}
    env.update({"LABOURWATCH_ES_HOME": str(ROOT / "var" / "elasticsearch"),
                "LABOURWATCH_ES_NODE_NAME": "test-lifecycle", "LABOURWATCH_ES_PORT": str(port),
                "LABOURWATCH_ES_HEAP": "512m", "LABOURWATCH_INDEX_PREFIX": "lwlifecycle-"})
    try:
        first = lw(env, "es", "start")
        assert first.returncode == 0, first.stderr
        assert f"started on http://127.0.0.1:{port}" in first.stderr

        before = time.monotonic()
        second = lw(env, "es", "start")
        assert second.returncode == 0, second.stderr
        assert "already running" in second.stderr
        assert time.monotonic() - before < 30  # a no-op, not a second node
        pid = first.stderr.split("(pid ")[1].split(")")[0]
        assert f"(pid {pid})" in second.stderr

        status = lw(env, "es", "status", "--json")
        assert status.returncode == 0, status.stderr
        data = json.loads(status.stdout)
        assert data["running"] and data["managed"]
        assert data["version"] == "8.19.21"
        assert data["health"] in {"green", "yellow"}
        assert str(data["pid"]) == pid
        # runs as an unprivileged user, never root (Elasticsearch refuses root)
        owner = subprocess.run(["ps", "-o", "user=", "-p", pid], capture_output=True, text=True)
        assert owner.stdout.strip() not in {"", "root"}

        human = lw(env, "es", "status")
        assert "8.19.21" in human.stdout and "health" in human.stdout
    finally:
        stop = lw(env, "es", "stop")
    assert stop.returncode == 0 and "stopped" in stop.stderr
    after = lw(env, "es", "status")
    assert after.returncode == 1
    assert "not running" in after.stdout
