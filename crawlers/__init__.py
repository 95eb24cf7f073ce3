"""Fetching and keeping evidence: the WARC archive (Scrapy spiders join it with the crawler)."""
