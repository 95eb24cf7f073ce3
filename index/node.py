"""The managed local Elasticsearch node: install from Maven Central, start, stop, status.

The server is Elastic's own integ-test distribution, fetched once with ``mvn``. It runs as an
unprivileged service user when we are root (Elasticsearch refuses to run as root), with its
config, data and logs under ``<data_dir>/elasticsearch/node`` so the unpacked distribution
stays pristine and can be shared by several nodes (tests start their own).

With ``es_seed_hosts`` set, the node is one member of a cluster on loopback or a LAN: each
member has its own ``es_node_name``, ``es_port`` (transport on ``es_port + 100``) and folder,
and ``es_initial_masters`` names the members that elect the first master.
"""

from __future__ import annotations

import json
import logging
import os
import pwd
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from config import Settings
from index.java import ensure_java

log = logging.getLogger(__name__)

NODE_TEMPLATE = Path(__file__).parent / "templates" / "node.yml"
COMPLETE_MARK = ".labourwatch-complete"
SINGLE_NODE_NAME = "labourwatch-local"  # the name a single-node cluster has always had


class NodeError(RuntimeError):
    """The local node could not be installed, started or stopped; the message says why."""


@dataclass
class NodePaths:
    """Where one node's distribution, config, data, logs and pid file live."""

    home: Path
    version: str
    name: str = "node"

    @property
    def dist(self) -> Path:
        return self.home / f"elasticsearch-{self.version}"

    @property
    def node(self) -> Path:
        return self.home / self.name

    @property
    def conf(self) -> Path:
        return self.node / "config"

    @property
    def data(self) -> Path:
        return self.node / "data"

    @property
    def logs(self) -> Path:
        return self.node / "logs"

    @property
    def tmp(self) -> Path:
        return self.node / "tmp"

    @property
    def pidfile(self) -> Path:
        return self.node / "elasticsearch.pid"


def auto_heap() -> str:
    """An eighth of RAM, within 512 MB and 4 GB: room for Python, spaCy and the OS cache."""
    total_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)
    return f"{max(512, min(4096, total_mb // 8))}m"


class LocalNode:
    """One managed node, driven by settings: a single-node cluster, or a cluster member."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.paths = NodePaths(settings.es_node_home.resolve(), settings.es_version,
                               settings.es_node_name)
        self.url = f"http://{settings.es_host}:{settings.es_port}"

    # -- install ---------------------------------------------------------------------------
    def installed(self) -> bool:
        return (self.paths.dist / COMPLETE_MARK).exists()

    def install(self) -> bool:
        """Fetch and unpack the distribution once; True if this call installed it."""
        ensure_java(self.settings.es_java_home)
        if self.installed():
            return False
        self.paths.home.mkdir(parents=True, exist_ok=True)
        archive = self._download()
        staging = self.paths.home / f".unpack-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        _unzip(archive, staging)
        unpacked = staging / f"elasticsearch-{self.settings.es_version}"
        if not (unpacked / "bin" / "elasticsearch").exists():
            raise NodeError(f"{archive} does not hold elasticsearch-{self.settings.es_version}/")
        shutil.rmtree(self.paths.dist, ignore_errors=True)
        unpacked.rename(self.paths.dist)
        shutil.rmtree(staging, ignore_errors=True)
        (self.paths.dist / COMPLETE_MARK).write_text(self.settings.es_version + "\n")
        return True

    def _download(self) -> Path:
        downloads = self.paths.home / "downloads"
        target = downloads / f"elasticsearch-{self.settings.es_version}.zip"
        if target.exists() and zipfile.is_zipfile(target):
            return target
        mvn = shutil.which("mvn") or _install_maven()
        artifact = self.settings.es_maven_artifact.format(version=self.settings.es_version)
        cmd = [mvn, "-q", "-B", "dependency:copy", f"-Dartifact={artifact}",
               f"-DoutputDirectory={downloads}", "-Dmdep.stripVersion=false"]
        log.info("fetching %s from Maven Central", artifact)
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=self.paths.home)
        if done.returncode != 0 or not target.exists():
            detail = (done.stdout + done.stderr).strip()[-2000:]
            raise NodeError(f"mvn could not fetch {artifact} (exit {done.returncode}):\n{detail}")
        return target

    # -- start / stop ----------------------------------------------------------------------
    def pid(self) -> int | None:
        """The pid of our running node, or None (a stale pid file is removed)."""
        try:
            pid = int(self.paths.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            cmdline = b""
        if b"elasticsearch" not in cmdline:
            self.paths.pidfile.unlink(missing_ok=True)
            return None
        return pid

    def healthy(self, timeout: float = 2.0) -> dict | None:
        """Cluster health when the node answers and is at least yellow, else None."""
        url = f"{self.url}/_cluster/health?wait_for_status=yellow&timeout=1s"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                health = json.load(response)
        except (OSError, urllib.error.URLError, ValueError):
            return None
        return health if health.get("status") in {"green", "yellow"} else None

    def answering(self, timeout: float = 2.0) -> bool:
        """True when the node serves HTTP at all, even while it waits for a cluster to form."""
        try:
            with urllib.request.urlopen(f"{self.url}/_nodes/_local", timeout=timeout):
                return True
        except urllib.error.HTTPError:
            return True
        except (OSError, ValueError):
            return False

    def ready(self) -> bool:
        """Started far enough for ``start()`` to return: healthy when alone; answering when a
        cluster member, because the first members cannot elect a master until enough others
        have started, and each is started by its own command."""
        return self.answering() if self.settings.es_clustered else self.healthy() is not None

    def start(self) -> bool:
        """Start the node and wait until it is healthy; False if it was already running."""
        if self.pid() is not None:
            self._wait_healthy()
            return False
        if self.healthy():
            raise NodeError(f"{self.url} is already served by another process; "
                            "set LABOURWATCH_ES_PORT to use another port")
        if not self.installed():
            self.install()
        java_home = ensure_java(self.settings.es_java_home)
        self._write_config()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "ES_PATH_CONF": str(self.paths.conf),
            "ES_JAVA_HOME": str(java_home),
            "ES_TMPDIR": str(self.paths.tmp),
            "LANG": "C.UTF-8",
        }
        user = self._service_user()
        cmd = [str(self.paths.dist / "bin" / "elasticsearch"), "-d", "-s",
               "-p", str(self.paths.pidfile)]
        log.info("starting Elasticsearch %s on %s", self.settings.es_version, self.url)
        done = subprocess.run(cmd, env=env, user=user, capture_output=True, text=True,
                              cwd=self.paths.node, timeout=self.settings.es_start_timeout)
        if done.returncode != 0:
            raise NodeError(f"Elasticsearch did not start (exit {done.returncode}):\n"
                            f"{(done.stdout + done.stderr).strip()[-2000:]}\n{self._log_tail()}")
        self._wait_healthy()
        return True

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.settings.es_start_timeout
        while time.monotonic() < deadline:
            if self.ready():
                return
            if self.pid() is None and not self.paths.pidfile.exists():
                time.sleep(1.0)  # the launcher writes the pid file a moment after forking
                if self.pid() is None:
                    raise NodeError(f"Elasticsearch exited during start-up\n{self._log_tail()}")
            time.sleep(0.5)
        raise NodeError(f"Elasticsearch at {self.url} not ready after "
                        f"{self.settings.es_start_timeout:.0f}s\n{self._log_tail()}")

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop the node (SIGTERM, then SIGKILL after ``timeout``); False if not running."""
        pid = self.pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.2)
        if _alive(pid):
            log.warning("Elasticsearch pid %s ignored SIGTERM for %.0fs; killing it", pid, timeout)
            os.kill(pid, signal.SIGKILL)
            while _alive(pid):
                time.sleep(0.1)
        self.paths.pidfile.unlink(missing_ok=True)
        return True

    # -- helpers ---------------------------------------------------------------------------
    def _write_config(self) -> None:
        for folder in (self.paths.conf, self.paths.data, self.paths.logs, self.paths.tmp):
            folder.mkdir(parents=True, exist_ok=True)
        for name in ("jvm.options", "log4j2.properties"):
            shutil.copyfile(self.paths.dist / "config" / name, self.paths.conf / name)
        (self.paths.conf / "jvm.options.d").mkdir(exist_ok=True)
        heap = auto_heap() if self.settings.es_heap == "auto" else self.settings.es_heap
        (self.paths.conf / "jvm.options.d" / "heap.options").write_text(f"-Xms{heap}\n-Xmx{heap}\n")
        clustered = self.settings.es_clustered
        config = NODE_TEMPLATE.read_text().format(
            cluster_name=self.settings.es_cluster_name,
            node_name=self.settings.es_node_name if clustered else SINGLE_NODE_NAME,
            data=self.paths.data, logs=self.paths.logs, host=self.settings.es_host,
            http_port=self.settings.es_port, transport_port=self.settings.es_port + 100,
            discovery=self._discovery())
        (self.paths.conf / "elasticsearch.yml").write_text(config)

    def _discovery(self) -> str:
        """The discovery lines of elasticsearch.yml (templates/discovery-*.yml)."""
        if not self.settings.es_clustered:
            return _fragment("single")
        lines = _fragment("cluster").format(seed_hosts=json.dumps(self.settings.es_seed_hosts))
        if self.settings.es_initial_masters:
            lines += "\n" + _fragment("bootstrap").format(
                initial_masters=json.dumps(self.settings.es_initial_masters))
        return lines

    def _service_user(self) -> str | None:
        """Under root, the unprivileged user that owns and runs the node (created once)."""
        if os.geteuid() != 0:
            return None
        name = self.settings.es_service_user
        try:
            pwd.getpwnam(name)
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                            "--shell", "/usr/sbin/nologin", name], check=True)
        entry = pwd.getpwnam(name)
        for path in [self.paths.node, *self.paths.node.rglob("*")]:
            os.chown(path, entry.pw_uid, entry.pw_gid)
        probe = subprocess.run(["test", "-x", str(self.paths.dist / "bin" / "elasticsearch"),
                                "-a", "-w", str(self.paths.data)], user=name)
        if probe.returncode != 0:
            raise NodeError(
                f"user {name!r} cannot reach {self.paths.dist} or write {self.paths.data}: a "
                f"parent folder is closed to other users; set LABOURWATCH_ES_HOME to a folder "
                f"it can reach (for example /var/lib/labourwatch)")
        return name

    def _log_tail(self, lines: int = 30) -> str:
        logfile = self.paths.logs / "labourwatch.log"
        if not logfile.exists():
            return f"(no log at {logfile})"
        tail = logfile.read_text(errors="replace").splitlines()[-lines:]
        return f"last lines of {logfile}:\n" + "\n".join(tail)


def _fragment(name: str) -> str:
    return (NODE_TEMPLATE.parent / f"discovery-{name}.yml").read_text().rstrip("\n")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and ") Z " in stat.read_text())


def _unzip(archive: Path, target: Path) -> None:
    """Unpack keeping the executable bits that zipfile would otherwise drop."""
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            path = Path(zf.extract(info, target))
            mode = (info.external_attr >> 16) & 0o777
            if mode and not info.is_dir():
                path.chmod(mode | 0o444)
            elif info.is_dir():
                path.chmod(0o755)


def _install_maven() -> str:
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-q", "maven"], check=True, env=env)
    mvn = shutil.which("mvn")
    if not mvn:
        raise NodeError("mvn is needed to fetch Elasticsearch from Maven Central; install maven")
    return mvn
