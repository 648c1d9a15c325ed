"""Typed description of a site (selectors, limits) and of crawl politeness, built by the config loader.

The defaults and the meaning of each field are defined once, in monitor/config_keys.py.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Selectors:
    """CSS selectors (selector groups `a, b` allowed); an empty string means "not known for this site"."""

    article_links: str = ""
    next_page: str = ""
    title: str = ""
    published: str = ""
    lead: str = ""
    body: str = ""
    author: str = ""
    related: str = ""
    category: str = ""
    modified: str = ""
    # page furniture removed before anything is read (share widgets, counters, ads, clocks)
    drop: str = ""


@dataclass(frozen=True)
class SiteProfile:
    name: str
    start_urls: tuple[str, ...]
    allowed_domains: tuple[str, ...]
    selectors: Selectors
    max_pages: int
    related_depth: int
    # regex with one group that captures a stable article id from the URL path
    article_id_pattern: str
    revisit_days: int
    # at most this many recent articles re-fetched per run, plus `revisit_rotation` older ones
    revisit_limit: int
    revisit_rotation: int
    removal_after: int


@dataclass(frozen=True)
class CrawlSettings:
    user_agent: str
    download_delay: float
    concurrency: int
    obey_robots: bool
    autothrottle: bool
    timeout: float
    retries: int
