"""The one profile-driven spider: decides what to request and yields records, never stores anything."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.extract import extract_listing
from crawler.health_stats import LISTED_STAT
from crawler.listing_spider import ListingSources, only_known
from crawler.middlewares import OutsideAllowedDomains
from crawler.profile import SiteProfile
from crawler.reader import ArticleReader
from crawler.records import (
    Article,
    DroppedLink,
    ExtractionError,
    FetchedArticle,
    FetchFailed,
    ListedItem,
    NotModified,
    PageGone,
    Revisit,
    one_line,
)
from crawler.urls import article_identity, canonical_url, in_domains

logger = logging.getLogger(__name__)

GONE_STATUSES = (404, 410)
# Statuses an article callback must see itself instead of Scrapy dropping the response.
ARTICLE_STATUSES = [304, *GONE_STATUSES]


class NewsSpider(ListingSources, scrapy.Spider):
    name = "newswatch"

    def __init__(
        self,
        profile: SiteProfile,
        revisits: Iterable[Revisit] = (),
        known: Mapping[str, str | None] | None = None,
        checked: Mapping[str, datetime | None] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        reader: ArticleReader | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=f"newswatch-{profile.name}", **kwargs)
        self.profile = profile
        self._reader = reader or ArticleReader(0)
        self.allowed_domains = list(profile.allowed_domains)
        self._revisits = list(revisits)
        self._known = dict(known or {})
        self._checked = dict(checked or {})  # identity → last fetched, for sitemap revisits
        self._clock = clock
        self._scheduled: set[str] = set()
        # Sites without ids in URLs: the headline of an article never stored waits for the
        # article's fetch, so that a known article under a new URL is recognised first.
        self._held: dict[str, ListedItem] = {}
        self._reported: set[str] = set()  # identities whose fetch was reported
        # ... and the fetch of such an article waits until the revisits have been answered: a
        # known URL's redirect to it is then seen before the new URL's page could look new.
        self._revisits_left = 0 if profile.article_id_pattern else len(self._revisits)
        self._deferred: list[Request] = []
        self._headlines: dict[str, str] = {}  # identity → the headline last yielded for it
        self._fronts = {canonical_url(u) for u in profile.start_urls}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        return spider

    def _on_idle(self) -> None:
        """Deferred fetches left when the crawl would end (a revisit that reported nothing)."""
        if self._deferred and self.crawler.engine is not None:
            for request in self._release_deferred():
                self.crawler.engine.crawl(request)
            raise DontCloseSpider

    async def start(self) -> AsyncIterator[Request]:
        if self.profile.listing.kind == "html":
            for url in self.profile.start_urls:
                yield self._listing_request(url, page=1)
        else:
            for request in self.source_requests():
                yield request
        for revisit in self._revisits:
            self._scheduled.add(revisit.identity)
            request = self._article_request(revisit.url, revisit.identity, self.profile.related_depth,
                                            revisit)
            request.meta["revisit"] = True
            yield request

    def _listing_request(self, url: str, page: int) -> Request:
        return Request(url, callback=self.parse_listing, errback=self.on_error,
                       cb_kwargs={"page": page}, dont_filter=page == 1)

    def _article_request(
        self, url: str, identity: str, depth: int, revisit: Revisit | None = None
    ) -> Request:
        headers = {}
        if revisit and revisit.etag:
            headers["If-None-Match"] = revisit.etag
        if revisit and revisit.last_modified:
            headers["If-Modified-Since"] = revisit.last_modified
        return Request(
            url,
            headers=headers,
            callback=self.parse_article,
            errback=self.on_error,
            cb_kwargs={"identity": identity, "depth": depth},
            meta={"handle_httpstatus_list": ARTICLE_STATUSES, "identity": identity},
            dont_filter=True,
        )

    def identity(self, url: str) -> str:
        return article_identity(url, self.profile.article_id_pattern)

    def _follow(self, url: str, identity: str, depth: int) -> Iterator[Request]:
        if identity not in self._scheduled:
            self._scheduled.add(identity)
            request = self._article_request(url, identity, depth)
            if self._revisits_left > 0 and identity not in self._known:
                self._deferred.append(request)
            else:
                yield request

    def _revisit_answered(self, meta: Mapping[str, Any]) -> Iterator[Request]:
        if meta.get("revisit") and self._revisits_left > 0:
            self._revisits_left -= 1
            if self._revisits_left == 0:
                yield from self._release_deferred()

    def _release_deferred(self) -> list[Request]:
        self._revisits_left = 0
        deferred, self._deferred = self._deferred, []
        return [r for r in deferred if r.meta["identity"] not in self._reported]

    def parse_listing(self, response: Response, page: int) -> Iterator[Any]:
        listing = extract_listing(response.text, response.url, self.profile.selectors)
        yield from self._dropped(listing.dropped_links)
        if not listing.items:
            logger.warning("listing %s: no article links matched selector %r",
                           response.url, self.profile.selectors.article_links)
        seen = []
        for item in listing.items:
            if not in_domains(item.url, self.profile.allowed_domains):
                continue
            identity = self.identity(item.url)
            seen.append((identity, item.title))
            yield from self._follow(item.url, identity, depth=0)
            if item.title:
                yield from self._headline(ListedItem(identity, item.url, item.title))
        self._listed(len(seen))
        if only_known(seen, self._known):
            # A page of only known, unchanged headlines: older pages hold nothing new.
            logger.info("listing %s: page %d holds only known items; not paging further", response.url, page)
            return
        if listing.next_page and page < self.profile.max_pages:
            if in_domains(listing.next_page, self.profile.allowed_domains):
                yield self._listing_request(listing.next_page, page + 1)
            else:
                logger.warning("listing %s: next page %s is outside allowed_domains; not followed",
                               response.url, listing.next_page)

    def _headline(self, item: ListedItem) -> Iterator[ListedItem | Request]:
        """The headline now, or, on a site without ids in URLs, the headline of an article never
        stored held until its page was fetched (and that fetch requested, however deep the link
        was): a moved article's new URL would otherwise look new. A headline that repeats the last
        one of its identity goes no further: every related block repeats the newest headlines, and
        the sink would drop the repeats anyway, after Scrapy's item machinery had carried each."""
        if self._headlines.get(item.identity) == item.title:
            return
        self._headlines[item.identity] = item.title
        if (self.profile.article_id_pattern or item.identity in self._known
                or item.identity in self._reported):
            yield item
            return
        self._held[item.identity] = item
        yield from self._follow(item.url, item.identity, self.profile.related_depth)

    def _release(self, *identities: str | None) -> Iterator[ListedItem]:
        """After a fetch was reported: the headlines held for it."""
        for identity in identities:
            if identity is not None:
                self._reported.add(identity)
                held = self._held.pop(identity, None)
                if held is not None:
                    yield held

    async def parse_article(self, response: Response, identity: str, depth: int) -> list[Any]:
        """A coroutine, not a generator: the page is read while the crawl goes on fetching (see
        crawler.reader), and what it yields is decided once it is read."""
        now = self._clock()
        article: Article | None = None
        failed: FetchFailed | None = None
        if self._to_read(response):
            try:
                article = await self._reader.read(response.text, response.url, self.profile.selectors, now)
            except ExtractionError as exc:
                logger.warning("extraction failed: %s: %s", exc.url, exc.reason)
                failed = FetchFailed(response.url, exc.reason, identity)
        out: list[Any] = []
        final = identity
        for record in self._article_records(response, identity, depth, now, article, failed):
            if isinstance(record, FetchedArticle):
                final = record.identity
            out.append(record)
        out.extend(self._release(identity, final))
        out.extend(self._revisit_answered(response.meta))
        return out

    def _to_read(self, response: Response) -> bool:
        return not (response.status == 304 or response.status in GONE_STATUSES
                    or self._redirected_to_front(response))

    def _article_records(
        self, response: Response, identity: str, depth: int, now: datetime,
        article: Article | None, failed: FetchFailed | None,
    ) -> Iterator[Any]:
        if response.status == 304:
            yield NotModified(identity, response.url, now)
            return
        if failed is not None:
            yield failed
            return
        if article is None:
            yield PageGone(identity, response.url, response.status)
            return
        declared = article.url
        redirected_from: tuple[str, ...] = ()
        final = self.identity(response.url)
        if not self.profile.article_id_pattern and not (final in self._known and identity in self._known):
            # the URL is the identity: the article is what the final URL names (a known article
            # redirected to another known one stays itself, as on sites with ids)
            asked = [identity, *map(self.identity, response.meta.get("redirect_urls") or [])]
            identity = final
            redirected_from = tuple(dict.fromkeys(i for i in asked if i != identity))
        article.url = self._article_url(declared, response.url, identity)
        yield FetchedArticle(
            identity=identity,
            article=article,
            raw_html=response.body,
            status=response.status,
            fetched_at=now,
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
            redirected_from=redirected_from,
            canonical=self._other_canonical(declared, identity),
        )
        yield from self._dropped(article.dropped_links)
        for link in article.related:
            if not in_domains(link.url, self.profile.allowed_domains):
                continue
            related_identity = self.identity(link.url)
            if related_identity == identity:
                continue
            if depth < self.profile.related_depth:
                yield from self._follow(link.url, related_identity, depth + 1)
            if link.title:
                yield from self._headline(ListedItem(related_identity, link.url, link.title))

    def _article_url(self, declared: str, fetched: str, identity: str) -> str:
        """The article's current URL: the one its page declares, when that names the same article
        on an allowed host (after a headline edit, the new slug even when the old one was
        fetched); else the URL fetched. Either minus tracking parameters."""
        try:
            candidate = canonical_url(declared)
        except ValueError:
            return canonical_url(fetched)
        if in_domains(candidate, self.profile.allowed_domains) and self.identity(candidate) == identity:
            return candidate
        return canonical_url(fetched)

    def _other_canonical(self, declared: str, identity: str) -> str | None:
        """On a site without ids in URLs, the identity the page's canonical link names when it
        is not the page's own (on an allowed host)."""
        if self.profile.article_id_pattern:
            return None
        try:
            candidate = self.identity(declared)
        except ValueError:
            return None
        if candidate == identity or not in_domains(candidate, self.profile.allowed_domains):
            return None
        return candidate

    def _listed(self, count: int) -> None:
        # articles (or sitemaps) the listings named; none at all, and nothing fetched, is no crawl
        if self.crawler.stats:
            self.crawler.stats.inc_value(LISTED_STAT, count)

    def _dropped(self, dropped: list[DroppedLink]) -> Iterator[DroppedLink]:
        for link in dropped:
            logger.warning("dropped a link that cannot be parsed on %s: %r (%s)",
                           link.page_url, link.link, link.reason)
            if self.crawler.stats:
                self.crawler.stats.inc_value("newswatch/dropped_links")
            yield link

    def _redirected_to_front(self, response: Response) -> bool:
        if not response.meta.get("redirect_urls"):
            return False
        final = canonical_url(response.url)
        return final in self._fronts or final.rstrip("/").count("/") <= 2

    def on_error(self, failure: Failure) -> Iterator[Any]:
        request = failed_request(failure)
        reason = describe_failure(failure, self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        url = (request.meta.get("redirect_urls") or [request.url])[0]  # the URL that was asked for
        logger.info("fetch failed: %s: %s", url, reason)
        yield FetchFailed(url, reason, request.meta.get("identity"))
        yield from self._release(request.meta.get("identity"))
        yield from self._revisit_answered(request.meta)


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


_TOO_BIG = "page larger than the {limit:,}-byte limit ([crawl] max_size)"

# Exception class names (Scrapy's own and the Twisted ones beneath them, and the cause they wrap)
# → a short reason.
_FAILURE_REASONS = {
    "DNSLookupError": "cannot resolve host {host} (no network, or unknown host)",
    "CannotResolveHostError": "cannot resolve host {host} (no network, or unknown host)",
    "ConnectionRefusedError": "connection refused",
    "DownloadConnectionRefusedError": "connection refused",
    "TimeoutError": "timed out",
    "TCPTimedOutError": "timed out",
    "DownloadTimeoutError": "timed out",
    "ResponseDataLossError": "truncated response",
    "ResponseFailed": "truncated or broken response",
    "ConnectionLost": "connection lost",
    "HostClosed": "{host} asked for a longer pause than max_retry_wait (Retry-After); left for this run",
    # Scrapy cancels a download only when it outgrows DOWNLOAD_MAXSIZE (announced or received)
    "DownloadCancelledError": _TOO_BIG,
    "CancelledError": _TOO_BIG,
    # HttpCompressionMiddleware's IgnoreRequest wraps this when the inflated body outgrows it
    "_DecompressionMaxSizeExceeded": _TOO_BIG + " once decompressed",
}


def failed_request(failure: Failure) -> Request:
    """The request a failure is about: Scrapy attaches it to the failure it hands an errback."""
    request = vars(failure).get("request")
    if not isinstance(request, Request):
        raise TypeError(f"no request attached to {failure!r}")
    return request


def describe_failure(failure: Failure, max_size: int = 0) -> str:
    """One short human reason for a failed request (no traceback); `max_size` is DOWNLOAD_MAXSIZE."""
    value = failure.value
    if isinstance(value, HttpError):
        retry_after = _header(value.response, b"Retry-After")
        return f"HTTP {value.response.status}" + (f" (Retry-After {retry_after})" if retry_after else "")
    if isinstance(value, OutsideAllowedDomains):
        return str(value)
    host = urlsplit(failed_request(failure).url).hostname
    for error in (value, value.__cause__):
        for cls in type(error).__mro__ if error is not None else ():
            if cls.__name__ in _FAILURE_REASONS:
                return _FAILURE_REASONS[cls.__name__].format(host=host, limit=max_size)
    return one_line(value)
