"""Fetching and extraction: Scrapy spiders and the pure functions that turn HTML into records."""
