"""Scrapy middlewares for what cuts across every request: pages that break the code reading them."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.records import ExtractionError, FetchFailed

logger = logging.getLogger(__name__)


class FailedResponseMiddleware:
    """Spider middleware: an exception while reading one response is a failure of that URL.

    Whatever a page holds, the spider's callback may meet something nobody foresaw; the page is
    then reported (counted, listed by `newswatch crawl`), and the crawl goes on with the rest.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FailedResponseMiddleware:
        return cls(crawler)

    def process_spider_exception(
        self, response: Response, exception: Exception, spider: Spider | None = None
    ) -> Iterator[Any]:
        reason = _reason(exception)
        logger.warning("could not handle %s: %s", response.url, reason)
        if self.crawler.stats:
            self.crawler.stats.inc_value("newswatch/callback_errors")
        identity = response.meta.get("identity")
        url = (response.meta.get("redirect_urls") or [response.url])[0]
        yield FetchFailed(url, reason, identity)


def _reason(exception: Exception) -> str:
    if isinstance(exception, ExtractionError):
        return exception.reason
    return " ".join(f"{type(exception).__name__}: {exception}".split())
