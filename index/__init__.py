"""Elasticsearch: managed local node, client factory, index templates, bulk indexing, search."""
