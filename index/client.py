"""Build Elasticsearch clients from settings; never at import time."""

from __future__ import annotations

from elasticsearch import Elasticsearch
from elasticsearch.serializer import OrjsonSerializer

from config import Settings


def make_client(settings: Settings) -> Elasticsearch:
    """A client for the configured cluster (credentials from the environment) or local node."""
    options: dict = {
        "request_timeout": settings.es_request_timeout,
        "retry_on_timeout": True,
        "max_retries": 2,
        # orjson: half the client's CPU per bulk-indexed document (make bench), CPU that
        # Elasticsearch shares on a small machine
        "serializer": OrjsonSerializer(),
    }
    if settings.es_api_key:
        options["api_key"] = settings.es_api_key
    elif settings.es_user:
        options["basic_auth"] = (settings.es_user, settings.es_password or "")
    if settings.es_ca_certs:
        options["ca_certs"] = settings.es_ca_certs
    return Elasticsearch(settings.es_endpoint, **options)
