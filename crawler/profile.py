"""Typed description of a site (selectors, limits) and of crawl politeness, built by the config loader."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    selectors: Selectors = field(default_factory=Selectors)
    max_pages: int = 3
    related_depth: int = 1
    # regex with one group that captures a stable article id from the URL path
    article_id_pattern: str = ""
    revisit_days: int = 7
    # at most this many recent articles re-fetched per run, plus `revisit_rotation` older ones
    revisit_limit: int = 500
    revisit_rotation: int = 20
    removal_after: int = 2


@dataclass(frozen=True)
class CrawlSettings:
    user_agent: str = "newswatch/0.1 (+https://example.org/contact)"
    download_delay: float = 1.0
    concurrency: int = 4
    obey_robots: bool = True
    autothrottle: bool = True
    timeout: float = 30.0
    retries: int = 2
    # bytes; a page over max_size (compressed or not) is a failure, over warn_size a warning
    max_size: int = 16 * 1024 * 1024
    warn_size: int = 4 * 1024 * 1024
