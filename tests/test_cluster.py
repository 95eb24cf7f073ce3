"""A three-node cluster on loopback: shards and replicas from settings, and a node that dies
in the middle of an ingest loses no document.

The nodes are started through ``index.node.LocalNode`` in cluster mode (``es_seed_hosts``),
sharing the distribution ``make install`` unpacked, each with its own folder and ports.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from config import load_settings
from index import schema
from index.client import make_client
from index.node import LocalNode
from index.schema import IndexNames
from index.sync import catch_up
from pipeline.store import Store
from tests.conftest import BENCHMARK, LABOURWATCH, ROOT, RUN_ID, cli_env, free_port, run_cli

NODES = 3
TRANSPORT_OFFSET = 100  # index/node.py: transport port = HTTP port + 100


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_node_port() -> int:
    """An HTTP port whose transport port (port + 100) is free too."""
    for _ in range(50):
        port = free_port()
        if port + TRANSPORT_OFFSET < 65536 and _free(port + TRANSPORT_OFFSET):
            return port
    raise RuntimeError("no free pair of loopback ports")


@pytest.fixture(scope="module")
def cluster() -> Iterator[list[LocalNode]]:
    """Three managed nodes forming one cluster; all stopped afterwards, even on failure."""
    ports = []
    while len(ports) < NODES:  # bounded by free_node_port's own bound
        port = free_node_port()
        if port not in ports and port + TRANSPORT_OFFSET not in ports:
            ports.append(port)
    names = [f"test-cluster-{i}" for i in range(1, NODES + 1)]
    seeds = [f"127.0.0.1:{p + TRANSPORT_OFFSET}" for p in ports]
    nodes = []
    for name, port in zip(names, ports, strict=True):
        settings = load_settings({
            "data_dir": ROOT / "var", "es_home": ROOT / "var" / "elasticsearch",
            "es_node_name": name, "es_port": port, "es_heap": "512m",
            "es_cluster_name": f"lwtest-{RUN_ID}", "es_seed_hosts": ",".join(seeds),
            "es_initial_masters": names}, environ={})
        node = LocalNode(settings)
        node.stop()  # a node left running by an interrupted earlier run
        shutil.rmtree(node.paths.data, ignore_errors=True)  # its state names another cluster
        nodes.append(node)
    try:
        # Each start returns once its node answers: no member can wait for a master alone.
        with ThreadPoolExecutor(NODES) as pool:
            list(pool.map(LocalNode.start, nodes))
        es = make_client(nodes[0].settings)
        health = es.cluster.health(wait_for_nodes=str(NODES), timeout="120s")
        es.close()
        assert health["number_of_nodes"] == NODES, health
        yield nodes
    finally:
        with ThreadPoolExecutor(NODES) as pool:
            list(pool.map(LocalNode.stop, nodes))


def pages(count: int) -> list[Path]:
    return sorted((BENCHMARK / "html").glob("*.html"))[100:100 + count]


def test_node_down_mid_ingest_loses_nothing(cluster: list[LocalNode], tmp_path: Path) -> None:
    entry, _, victim = cluster  # the ingest talks to the first node; the third one dies
    settings = load_settings({
        "data_dir": tmp_path / "var", "config_dir": ROOT / "config", "es_url": entry.url,
        "index_prefix": f"lwcluster-{RUN_ID}-{uuid.uuid4().hex[:6]}-",
        "index_shards": 3, "index_replicas": 1}, environ={})
    env = {"LABOURWATCH_INDEX_SHARDS": "3", "LABOURWATCH_INDEX_REPLICAS": "1"}
    es = make_client(settings)
    store = Store.from_settings(settings)
    first, second = pages(12), pages(27)[12:]
    try:
        done = run_cli(settings, "ingest", *map(str, first), **env)
        assert done.returncode == 0, done.stderr
        read_alias = IndexNames(settings.index_prefix).read_alias
        index = next(iter(es.indices.get_alias(name=read_alias)))
        shards = es.indices.get_settings(index=index)[index]["settings"]["index"]
        assert (shards["number_of_shards"], shards["number_of_replicas"]) == ("3", "1")
        health = es.cluster.health(index=index, wait_for_status="green", timeout="60s")
        assert health["status"] == "green" and health["active_shards"] == 6, health
        holders = {s["node"] for s in es.cat.shards(index=index, format="json")}
        assert victim.settings.es_node_name in holders  # its loss takes shards with it
        stored_first = store.counts()["articles"]
        assert es.count(index=read_alias)["count"] == stored_first > 0

        # Second batch: kill the third node (as a crash would) once a few more are stored.
        killed = threading.Event()
        proc = subprocess.Popen([*LABOURWATCH, "ingest", *map(str, second)], cwd=ROOT,
                                env=cli_env(settings, **env), text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

        def kill_when_stored() -> None:
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline and proc.poll() is None:
                if store.counts()["articles"] >= stored_first + 3:
                    break
                time.sleep(0.2)
            pid = victim.pid()
            if pid is not None:
                os.kill(pid, signal.SIGKILL)
                killed.set()

        killer = threading.Thread(target=kill_when_stored)
        killer.start()
        _, stderr = proc.communicate(timeout=300)
        killer.join(timeout=60)
        assert proc.returncode == 0, stderr
        assert killed.is_set()

        # Whatever the dying node cost this run is indexed by the next catch-up.
        report = catch_up(store, es, settings)
        assert not report.failed, report.failed
        counts = store.counts()
        assert counts["unindexed"] == 0 and counts["articles"] > stored_first
        health = es.cluster.health(wait_for_nodes=str(len(cluster) - 1), timeout="60s")
        assert health["number_of_nodes"] == len(cluster) - 1
        assert health["status"] in {"yellow", "green"}, health  # every primary is active
        assert es.count(index=read_alias)["count"] == counts["articles"]
        with store.session() as session:
            stored_ids = {a.id for a in store.all_articles(session)}
        found = es.search(index=read_alias, size=len(stored_ids) + 10, _source=False,
                          query={"match_all": {}})
        assert {hit["_id"] for hit in found["hits"]["hits"]} == stored_ids
    finally:
        schema.drop_all(es, settings)
        es.close()


def test_single_node_config_is_unchanged_without_seed_hosts(tmp_path: Path) -> None:
    """No seed hosts: the node is its own single-node cluster, as it always was."""
    settings = load_settings({"es_home": tmp_path, "es_node_name": "solo", "es_port": 9400},
                             environ={})
    node = LocalNode(settings)
    node.paths.dist.joinpath("config").mkdir(parents=True)
    for name in ("jvm.options", "log4j2.properties"):
        node.paths.dist.joinpath("config", name).write_text("")
    node._write_config()
    config = (node.paths.conf / "elasticsearch.yml").read_text()
    assert "discovery.type: single-node" in config and "seed_hosts" not in config
    assert "node.name: labourwatch-local" in config and "transport.port: 9500" in config
