"""Typed description of a site (selectors, limits) and of crawl politeness, built by the config loader.

The defaults and the meaning of each field are defined once, in monitor/config_keys.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ListingKind = Literal["html", "json", "rss", "sitemap"]


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
class ListingSource:
    """Where a site lists its articles. `html`: the start URLs' pages and their next-page links;
    `json`: an API answering pages of items; `rss`: an RSS 2.0 or Atom feed; `sitemap`: a sitemap
    or sitemap index. The `form`, `items`, `link`, `title` and `published` fields serve `json`."""

    kind: ListingKind
    url: str  # `{page}` stands for the page number, counted from 1
    method: Literal["GET", "POST"]
    form: tuple[tuple[str, str], ...]
    items: str  # dotted path to a list, or to an object whose values are the items
    link: str
    title: str
    published: str
    base_url: str


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
    listing: ListingSource


@dataclass(frozen=True)
class CrawlSettings:
    user_agent: str
    download_delay: float
    concurrency: int
    obey_robots: bool
    autothrottle: bool
    timeout: float
    retries: int
    # a Retry-After longer than this leaves the host alone for the rest of the run
    max_retry_wait: float
    # bytes; a page over max_size (as received or decompressed) is a failure, over warn_size a warning
    max_size: int
    warn_size: int
    readers: int  # processes that read article pages (crawler.reader); 0: the crawl's own
