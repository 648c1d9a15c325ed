"""Crawl-health counts in Scrapy's stats: what each article's fields were read from, pages, failures.

An item pipeline (before the sink) that only counts, in `crawler.stats`, under the keys below;
`monitor.health` reads them back after the run. How many article links the listings named is
counted by the spider itself, under LISTED_STAT. Scrapy is imported only to type the pipeline:
reading the counts back needs no crawler.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from crawler.records import FetchedArticle, FetchFailed, NotModified, PageGone

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

# articles (or sitemaps) the listings named; none at all is a broken site
LISTED_STAT = "newswatch/listing_entries"
PREFIX = "newswatch/health/"
ARTICLES_STAT = PREFIX + "articles"
PAGES_STAT = PREFIX + "pages"
FAILURES_STAT = PREFIX + "failures"
FAILURE_PREFIX = PREFIX + "failure/"  # + the reason
FIELD_PREFIX = PREFIX + "field/"  # + "<field>/<source kind>"

# The kinds of source (crawler.sources): the profile's own selector, or one of the fallbacks.
SELECTOR = "selector"
FALLBACKS = ("json-ld", "meta", "generic")


def source_kind(source: str) -> str:
    """"selector", "json-ld", "meta" or "generic" for a source of crawler.sources' vocabulary."""
    head = source.split(" ", 1)[0].rstrip(":")
    return head if head in (SELECTOR, *FALLBACKS) else "generic"


class HealthStatsPipeline:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HealthStatsPipeline:
        assert crawler.stats is not None, "a crawler has its stats once it is configured"
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        match item:
            case FetchedArticle():
                self.stats.inc_value(ARTICLES_STAT)
                self.stats.inc_value(PAGES_STAT)
                for name, source in item.article.sources.items():
                    self.stats.inc_value(f"{FIELD_PREFIX}{name}/{source_kind(source)}")
            case PageGone() | NotModified():
                self.stats.inc_value(PAGES_STAT)
            case FetchFailed():
                self.stats.inc_value(FAILURES_STAT)
                self.stats.inc_value(FAILURE_PREFIX + item.reason)
        return item


def field_sources(stats: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """field → source kind → articles, as counted in `stats`."""
    found: dict[str, dict[str, int]] = {}
    for key, value in stats.items():
        if key.startswith(FIELD_PREFIX):
            name, _, kind = key[len(FIELD_PREFIX):].rpartition("/")
            found.setdefault(name, {})[kind] = int(value)
    return found


def failure_reasons(stats: Mapping[str, Any]) -> dict[str, int]:
    """reason → failed requests, as counted in `stats`."""
    return {key[len(FAILURE_PREFIX):]: int(value) for key, value in stats.items()
            if key.startswith(FAILURE_PREFIX)}
