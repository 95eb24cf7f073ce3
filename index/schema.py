"""Index templates as data, versioned indices behind read and write aliases.

Two kinds of index: ``articles`` (one document per story) and ``claims`` (one per sentence
carrying a figure, for claim tracing). For each kind, ``<prefix><kind>`` (read) and
``<prefix><kind>-write`` (write) point at one concrete index
``<prefix><kind>-v<schema>-<timestamp>``. ``setup()`` is idempotent; ``new_version()`` plus
``swap_aliases()`` give a rebuild with no moment where searches find nothing.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from elasticsearch import ApiError, Elasticsearch

from config import Settings

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class IndexNames:
    """All the names derived from one index prefix."""

    prefix: str
    kind: str = "articles"

    @property
    def template(self) -> str:
        return f"{self.prefix}{self.kind}"

    @property
    def read_alias(self) -> str:
        return f"{self.prefix}{self.kind}"

    @property
    def write_alias(self) -> str:
        return f"{self.prefix}{self.kind}-write"

    @property
    def pattern(self) -> str:
        return f"{self.prefix}{self.kind}-v*"

    def concrete(self, schema_version: int) -> str:
        stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
        return (f"{self.prefix}{self.kind}-v{schema_version}-{stamp}-"
                f"{time.time_ns() % 1000:03d}")


@lru_cache(maxsize=8)
def _raw_template(name: str) -> str:
    return (TEMPLATES / f"{name}.json").read_text(encoding="utf-8")


def load_template(name: str, settings: Settings) -> dict:
    """A template from ``index/templates/`` with prefix, shards and replicas filled in."""
    body = json.loads(_raw_template(name).replace("{prefix}", settings.index_prefix))
    body.pop("_comment", None)
    index_settings = body["template"]["settings"]
    index_settings["number_of_shards"] = settings.index_shards
    index_settings["number_of_replicas"] = settings.index_replicas
    return body


KINDS = ("articles", "claims")


def schema_version(settings: Settings, kind: str = "articles") -> int:
    mappings = load_template(kind, settings)["template"]["mappings"]
    return int(mappings["_meta"]["schema_version"])


def setup(es: Elasticsearch, settings: Settings, kind: str = "articles") -> str:
    """Install the template and make sure both aliases exist; returns the write index."""
    names = IndexNames(settings.index_prefix, kind)
    es.indices.put_index_template(name=names.template, **load_template(kind, settings))
    if es.indices.exists_alias(name=names.write_alias):
        return next(iter(es.indices.get_alias(name=names.write_alias)))
    index = names.concrete(schema_version(settings, kind))
    try:
        es.indices.create(index=index, aliases={names.read_alias: {},
                                                names.write_alias: {"is_write_index": True}})
    except ApiError:
        # several processes (crawlers ending one pass together) set up a new deployment at
        # once: Elasticsearch lets one index become the write index and refuses the others
        if not es.indices.exists_alias(name=names.write_alias):
            raise
        return next(iter(es.indices.get_alias(name=names.write_alias)))
    es.cluster.health(index=index, wait_for_status="yellow", timeout="30s")
    return index


def outdated(es: Elasticsearch, settings: Settings, index: str, kind: str = "articles") -> bool:
    """True when ``index`` was made from an older template (a mapping change since)."""
    mapping = es.indices.get_mapping(index=index)[index]["mappings"]
    return (int(mapping.get("_meta", {}).get("schema_version", 0))
            < schema_version(settings, kind))


def new_version(es: Elasticsearch, settings: Settings, kind: str = "articles") -> str:
    """Create a fresh concrete index (from the current template) not yet behind any alias."""
    names = IndexNames(settings.index_prefix, kind)
    es.indices.put_index_template(name=names.template, **load_template(kind, settings))
    index = names.concrete(schema_version(settings, kind))
    es.indices.create(index=index)
    es.cluster.health(index=index, wait_for_status="yellow", timeout="30s")
    return index


def bulk_loading(es: Elasticsearch, index: str) -> None:
    """Tune an index that no alias points at yet for one big load (templates/bulk_load.json)."""
    es.indices.put_settings(index=index, settings=_bulk_load_settings())


def bulk_loaded(es: Elasticsearch, settings: Settings, index: str,
                kind: str = "articles") -> None:
    """Put back what ``bulk_loading`` changed: the template's values, else the defaults."""
    template = load_template(kind, settings)["template"]["settings"]
    es.indices.put_settings(index=index, settings={key: template.get(key)
                                                   for key in _bulk_load_settings()})
    es.cluster.health(index=index, wait_for_status="yellow", timeout="30s")


def _bulk_load_settings() -> dict:
    return json.loads(_raw_template("bulk_load"))["settings"]


def swap_aliases(es: Elasticsearch, settings: Settings, index: str,
                 kind: str = "articles") -> list[str]:
    """Point both aliases at ``index`` in one atomic call; returns the indices left behind."""
    names = IndexNames(settings.index_prefix, kind)
    old = [i for i in es.indices.get(index=names.pattern) if i != index]
    actions: list[dict] = [{"add": {"index": index, "alias": names.read_alias}},
                           {"add": {"index": index, "alias": names.write_alias,
                                    "is_write_index": True}}]
    for name in old:
        actions.append({"remove": {"index": name, "alias": names.read_alias,
                                   "must_exist": False}})
        actions.append({"remove": {"index": name, "alias": names.write_alias,
                                   "must_exist": False}})
    es.indices.update_aliases(actions=actions)
    return old


def drop_all(es: Elasticsearch, settings: Settings) -> None:
    """Delete every index and template under this prefix (tests clean up with it)."""
    for kind in KINDS:
        names = IndexNames(settings.index_prefix, kind)
        for index in es.indices.get(index=names.pattern, ignore_unavailable=True):
            es.indices.delete(index=index)
        es.options(ignore_status=404).indices.delete_index_template(name=names.template)
