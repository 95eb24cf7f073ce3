"""`labourwatch run`: the main job catches the index up, keeps running, stops on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import time

import httpx

from pipeline.store import Store
from tests.conftest import LABOURWATCH, ROOT, benchmark_page, cli_env, free_port, run_cli


def test_run_catches_up_and_stops_cleanly(settings, ground_truth) -> None:
    page = sorted(i for i in ground_truth if i[0] in "01234567")[40]
    down = f"http://127.0.0.1:{free_port()}"
    run_cli(settings, "ingest", str(benchmark_page(page)), LABOURWATCH_ES_URL=down)
    assert Store.from_settings(settings).counts()["unindexed"] == 1

    web_port = free_port()
    process = subprocess.Popen([*LABOURWATCH, "run"], cwd=ROOT,
                               env=cli_env(settings, LABOURWATCH_WEB_PORT=str(web_port)),
                               stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and Store.from_settings(settings).counts()[
                "unindexed"]:
            assert process.poll() is None, process.communicate()
            time.sleep(0.5)
        assert Store.from_settings(settings).counts()["unindexed"] == 0
        time.sleep(1.0)
        assert process.poll() is None  # the scheduler keeps the job running
        answer = None
        for _ in range(60):  # the API runs beside it, on loopback
            try:
                answer = httpx.get(f"http://127.0.0.1:{web_port}/api/search", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.5)
        assert answer is not None and answer.status_code == 200
        assert answer.json()["total"] == 1
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    text = " ".join(stderr.split())
    assert "caught up 1 documents" in text and "stopping" in text
