"""Scrapy spiders; one generic spider reads every source from config."""
