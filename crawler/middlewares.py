"""Scrapy middlewares for what cuts across every request: the allowed domains, and pages that break
the code reading them."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

from crawler.reader import ReadFailed
from crawler.records import ExtractionError, FetchFailed, one_line
from crawler.urls import in_domains

logger = logging.getLogger(__name__)


class OutsideAllowedDomains(IgnoreRequest):
    """A request, most often a redirect, for a host the site's allowed_domains do not cover."""

    def __init__(self, host: str, *, redirected: bool) -> None:
        what = "redirect to a host" if redirected else "a host"
        super().__init__(f"{what} outside allowed_domains: {host}")


class AllowedDomainsMiddleware:
    """Downloader middleware: no request ever leaves the allowed domains.

    Scrapy's own off-site check lets through every request with `dont_filter` (article requests
    need it) and the redirects that follow them. This one runs before anything is sent, robots.txt
    included, for every request: links, related blocks, each hop of a redirect chain, whatever
    the scheme.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AllowedDomainsMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        allowed = getattr(self.crawler.spider, "allowed_domains", None)
        if not allowed or in_domains(request.url, allowed):
            return
        if self.crawler.stats:
            self.crawler.stats.inc_value("newswatch/offsite_refused")
        host = urlparse_cached(request).hostname or request.url
        raise OutsideAllowedDomains(host, redirected=bool(request.meta.get("redirect_urls")))


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
    if isinstance(exception, ExtractionError | ReadFailed):
        return exception.reason
    return one_line(exception)
