"""Shared fixtures: one real Elasticsearch node per test session, real data from ../shared.

The node is started through the same code users run (``index.node.LocalNode``) from the
distribution ``make install`` put under ``var/elasticsearch``, on its own port and with its own
data folder, or the cluster in ``LABOURWATCH_ES_URL`` is used. Each test gets a unique index
prefix and a fresh data dir, and its indices are deleted afterwards.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from config import Settings, load_settings
from index import schema
from index.client import make_client
from index.node import LocalNode
from tests.pg import TestServer
from tests.redis_server import RedisServer

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
BENCHMARK = SHARED / "article-extraction-benchmark"
RUN_ID = uuid.uuid4().hex[:8]
_SCRIPT = Path(sys.executable).parent / "labourwatch"  # the installed console script
LABOURWATCH = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "labourwatch"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def node_settings(name: str, port: int) -> Settings:
    """Settings for a managed test node sharing the install that ``make install`` made."""
    return load_settings({"data_dir": ROOT / "var", "es_home": ROOT / "var" / "elasticsearch",
                          "es_node_name": name, "es_port": port, "es_heap": "768m"},
                         environ={})


@pytest.fixture(scope="session")
def es_url() -> Iterator[str]:
    """The URL of a real cluster for this test session."""
    external = os.environ.get("LABOURWATCH_ES_URL")
    if external:
        yield external
        return
    settings = node_settings("test-session", free_port())
    node = LocalNode(settings)
    node.start()
    try:
        yield node.url
    finally:
        node.stop()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[TestServer]:
    """Debian's PostgreSQL server, started once for the session (installed if missing)."""
    server = TestServer(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: TestServer) -> str:
    """The SQLAlchemy URL of a fresh, empty database on the session's server."""
    return pg_server.create_database(f"lw_{RUN_ID}_{uuid.uuid4().hex[:8]}")


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """Debian's Redis server, started once for the session (installed if missing)."""
    server = RedisServer(free_port()).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def site():
    """The fixture website on a free loopback port, for one test (crawler modules that crawl
    it once for many tests keep their own module-scoped one)."""
    from tests.site.server import FixtureSite

    served = FixtureSite().start()
    yield served
    served.stop()


@pytest.fixture
def settings(tmp_path: Path, es_url: str) -> Iterator[Settings]:
    """Settings for one test: fresh data dir, unique index prefix, the session's cluster."""
    prefix = f"lwtest-{RUN_ID}-{uuid.uuid4().hex[:6]}-"
    value = load_settings({"data_dir": tmp_path / "var", "config_dir": ROOT / "config",
                           "es_url": es_url, "index_prefix": prefix}, environ={})
    yield value
    es = make_client(value)
    schema.drop_all(es, value)
    es.close()


@pytest.fixture
def es(settings: Settings):  # type: ignore[no-untyped-def]
    client = make_client(settings)
    yield client
    client.close()


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment that points the ``labourwatch`` command at a test's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABOURWATCH_")}
    env.update({
        "LABOURWATCH_DATA_DIR": str(settings.data_dir),
        "LABOURWATCH_CONFIG": str(settings.config_dir),
        "LABOURWATCH_INDEX_PREFIX": settings.index_prefix,
        "LABOURWATCH_MIN_TEXT_CHARS": str(settings.min_text_chars),
        "COLUMNS": "200",
    })
    if settings.es_url:
        env["LABOURWATCH_ES_URL"] = settings.es_url
    env.update(extra)
    return env


def run_cli(settings: Settings, *args: str, timeout: float = 300,
            **extra_env: str) -> subprocess.CompletedProcess[str]:
    """Run the real ``labourwatch`` command (a new process, like a user's shell)."""
    return subprocess.run([*LABOURWATCH, *args], capture_output=True, text=True, cwd=ROOT,
                          env=cli_env(settings, **extra_env), timeout=timeout)


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="session")
def ground_truth() -> dict[str, dict]:
    return json.loads((BENCHMARK / "ground-truth.json").read_text(encoding="utf-8"))


def benchmark_page(page_id: str) -> Path:
    return BENCHMARK / "html" / f"{page_id}.html"
