"""One settings object for every component, with one documented order of precedence.

Precedence, lowest to highest:
1. the defaults below (this module is the single place they live);
2. ``settings.yaml`` in the config dir (``--config-dir``, env ``LABOURWATCH_CONFIG``);
3. environment variables ``LABOURWATCH_<NAME>`` (``LABOURWATCH_ES_PORT=9201``);
4. command-line options (``--data-dir``, ``--es-url``, ...).

Secrets (passwords, API keys) are read from the environment only: a secret found in a
settings file is ignored with a warning, so no secret ends up committed with the config.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config.yamlio import safe_load

log = logging.getLogger(__name__)

ENV_PREFIX = "LABOURWATCH_"
PACKAGE_CONFIG_DIR = Path(__file__).resolve().parent
# Env names that the design card fixes and that do not follow LABOURWATCH_<FIELD>.
ENV_ALIASES = {"config_dir": "LABOURWATCH_CONFIG"}


def _secret(default: Any = None) -> Any:
    return field(default=default, metadata={"secret": True})


@dataclass
class Settings:
    """Every tunable of labourwatch; see README "Configuration" for the same list."""

    data_dir: Path = Path("var")
    config_dir: Path = Path("config")

    # Elasticsearch: an external cluster when es_url is set, else the managed local node.
    es_url: str | None = None
    es_api_key: str | None = _secret()
    es_user: str | None = None
    es_password: str | None = _secret()
    es_ca_certs: str | None = None
    es_request_timeout: float = 30.0
    # Managed local node (Elastic's integ-test-zip distribution from Maven Central).
    es_version: str = "8.19.21"
    es_maven_artifact: str = (
        "org.elasticsearch.distribution.integ-test-zip:elasticsearch:{version}:zip")
    es_host: str = "127.0.0.1"
    es_port: int = 9200
    es_heap: str = "auto"  # "auto" = 1/8 of RAM within [512m, 4g]; or e.g. "2g"
    es_home: Path | None = None  # where the node lives; default <data_dir>/elasticsearch
    es_node_name: str = "node"  # several nodes can share one install: <es_home>/<name>/
    es_service_user: str = "labourwatch-es"  # the unprivileged user the node runs as under root
    es_java_home: Path | None = None
    es_start_timeout: float = 180.0
    # Cluster mode: several managed nodes form one cluster when es_seed_hosts is set (list or
    # comma string of host:transport_port; a node's transport port is es_port + 100). Empty:
    # the node is a single-node cluster of its own.
    es_cluster_name: str = "labourwatch"
    es_seed_hosts: list[str] = field(default_factory=list)
    es_initial_masters: list[str] = field(default_factory=list)  # node names, first start only

    # Index layout: <prefix>articles is the read alias, <prefix>articles-write the write alias.
    index_prefix: str = "labourwatch-"
    index_shards: int = 1
    index_replicas: int = 0
    bulk_chunk_size: int = 500  # documents per bulk request (~5 MB of real articles)
    bulk_max_retries: int = 3
    bulk_in_flight: int = 2  # bulk requests under way at once (index/bulk.py)

    # Store of record: any SQLAlchemy URL; default SQLite (WAL) in the data dir.
    db_url: str | None = _secret()
    api_token: str | None = _secret()  # enables the web API's state-changing actions

    # Pipeline
    min_text_chars: int = 150  # below this an extraction is "too short", recorded, not stored
    max_file_bytes: int = 50_000_000  # larger inputs are refused with a recorded reason
    extract_workers: int = os.cpu_count() or 1  # ingest/reprocess extraction processes; 0: inline
    export_batch: int = 500  # documents per point-in-time page of an export
    web_host: str = "127.0.0.1"  # the web UI and API listen on loopback unless told otherwise
    web_port: int = 8000
    nlp_model: str | None = None  # an installed spaCy model whose entities add candidates

    # Crawling (Scrapy): polite and identifiable by default
    crawl_user_agent: str = "labourwatch/0.1 (+{contact}; research crawler on AI labour news)"
    crawl_contact_url: str = "https://github.com/labourwatch/labourwatch"
    crawl_obey_robots: bool = True
    crawl_polite: bool = True  # AutoThrottle and per-source delays; off only for benchmarks
    crawl_autothrottle_start: float = 2.0  # first delay per source before latency is known
    crawl_concurrency: int = 16  # requests in flight overall
    crawl_timeout: float = 30.0
    crawl_retries: int = 1
    crawl_max_bytes: int = 20_000_000  # larger responses (after decompression) are refused
    crawl_extract_workers: int = max(1, (os.cpu_count() or 2) - 1)  # 0: extract in-process
    crawl_loopback_only: bool = False  # tests and the demo: refuse every non-loopback host
    # Shared frontier (crawlers/frontier.py): `labourwatch crawl` processes with the same
    # sources and store, on one machine or many, draw from one request queue and one duplicate
    # filter in this Redis (redis://host:6379/0; a secret, it may hold a password). Unset: each
    # crawl keeps its own frontier in memory.
    crawl_frontier_url: str | None = _secret()
    crawl_frontier_idle: float = 5.0  # seconds a crawler with nothing left waits for the others

    # Evidence archive
    warc_max_bytes: int = 256 * 1024 * 1024  # rotate WARC files at this size
    warc_gzip_level: int = 2  # 0-3: ISA-L, 2 is 4.7× faster than zlib's 3; 4-9: zlib (warc.py)

    # Scheduler
    maintenance_minutes: float = 10.0  # index catch-up interval under `labourwatch run`
    schedule_jitter: float = 300.0  # most seconds a job is moved, to spread equal schedules
    schedule_misfire_grace: float = 3600.0  # a job late by more than this waits for its next
    crawl_job_timeout: float = 4 * 3600.0  # a scheduled crawl subprocess is stopped after this

    # Digests: SMTP from the environment (LABOURWATCH_SMTP_HOST, ...), like every secret
    smtp_host: str | None = None  # unset: digests are rendered and filed, not emailed
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = _secret()
    smtp_starttls: bool = True
    smtp_ca_file: Path | None = None  # PEM CAs trusted for the server (else the system's)
    smtp_from: str = "labourwatch <labourwatch@localhost>"
    smtp_timeout: float = 30.0
    web_base_url: str | None = None  # public address of the web UI, for links in digests

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{(self.data_dir / 'labourwatch.db').resolve()}"

    @property
    def es_node_home(self) -> Path:
        return self.es_home or self.data_dir / "elasticsearch"

    @property
    def managed_es(self) -> bool:
        """True when labourwatch runs its own node instead of using ``es_url``."""
        return not self.es_url

    @property
    def es_clustered(self) -> bool:
        """True when the managed node joins other nodes instead of running alone."""
        return bool(self.es_seed_hosts)

    @property
    def es_endpoint(self) -> str:
        return self.es_url or f"http://{self.es_host}:{self.es_port}"

    def config_file(self, name: str) -> Path:
        """A data file from the user's config dir, falling back to the shipped one."""
        own = self.config_dir / name
        return own if own.exists() else PACKAGE_CONFIG_DIR / name


def _split(value: str | list) -> list[str]:
    """A list setting from YAML (a list) or the environment (a comma-separated string)."""
    items = value.split(",") if isinstance(value, str) else value
    return [str(item).strip() for item in items if str(item).strip()]


def _coerce(value: str, kind: Any) -> Any:
    text = str(kind)
    if text.startswith("list"):
        return _split(value)
    if "Path" in text:
        return Path(value) if value else None
    if "int" in text and "float" not in text:
        return int(value)
    if "float" in text:
        return float(value)
    if "bool" in text:
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return value or None if "None" in text else value


def _env_name(name: str) -> str:
    return ENV_ALIASES.get(name, ENV_PREFIX + name.upper())


def load_settings(
    overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None
) -> Settings:
    """Build settings from defaults, settings.yaml, the environment, then ``overrides``."""
    environ = dict(os.environ if environ is None else environ)
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    values: dict[str, Any] = {}

    # The config dir itself must be known before its settings.yaml can be read.
    config_dir = overrides.get("config_dir") or environ.get(_env_name("config_dir")) or "config"
    settings_file = Path(config_dir) / "settings.yaml"
    if settings_file.exists():
        loaded = safe_load(settings_file.read_text(encoding="utf-8")) or {}
        if not isinstance(loaded, dict):
            raise ValueError(f"{settings_file}: expected a mapping of setting: value")
        for key, value in loaded.items():
            if key not in fields:
                raise ValueError(f"{settings_file}: unknown setting {key!r}")
            if fields[key].metadata.get("secret"):
                log.warning("%s: ignoring secret %r; set %s instead", settings_file, key,
                            _env_name(key))
                continue
            values[key] = value
    for name, f in fields.items():
        if _env_name(name) in environ:
            values[name] = _coerce(environ[_env_name(name)], f.type)
    values.update(overrides)
    for name in ("data_dir", "config_dir", "es_home", "es_java_home"):
        if values.get(name) is not None:
            values[name] = Path(values[name])
    for name, f in fields.items():
        if str(f.type).startswith("list") and name in values:
            values[name] = _split(values[name])
    return Settings(**values)


def to_environ(settings: Settings) -> dict[str, str]:
    """The settings as ``LABOURWATCH_*`` variables, so that a child process (a scheduled
    crawl runs in its own) works with exactly the settings of its parent."""
    env = {}
    for f in dataclasses.fields(Settings):
        value = getattr(settings, f.name)
        if value is None:
            continue
        if isinstance(value, Path):
            value = value.resolve()
        elif isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, list):
            value = ",".join(value)
        env[_env_name(f.name)] = str(value)
    return env
