"""The spider's side of the listing sources that are not HTML pages: what to request, what to follow.

The parsing is in crawler/listings/ (pure); this mixin only turns entries into requests and records.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from scrapy.http import FormRequest, Request, Response
from twisted.python.failure import Failure

from crawler.listings import ListingEntry, ListingError
from crawler.listings.feed import parse_feed
from crawler.listings.jsonapi import page_request, parse_json_listing
from crawler.listings.sitemap import needs_fetch, parse_sitemap, sitemaps_to_follow
from crawler.profile import SiteProfile
from crawler.records import DroppedLink, FetchFailed, ListedItem
from crawler.urls import in_domains

logger = logging.getLogger(__name__)

# A sitemap index may name sitemaps, never indexes (sitemaps.org); one level more is tolerated.
MAX_SITEMAP_DEPTH = 2


def only_known(seen: Iterable[tuple[str, str]], known: Mapping[str, str | None]) -> bool:
    """True when a listing page named articles and every one is known under the same headline:
    older pages then hold nothing new, and paging stops."""
    seen = list(seen)
    return bool(seen) and all(
        identity in known and (not title or known[identity] == title) for identity, title in seen
    )


class ListingSources:
    """Requests and callbacks of the json, rss and sitemap listing kinds (mixed into NewsSpider)."""

    profile: SiteProfile
    _known: dict[str, str | None]
    _checked: Mapping[str, datetime | None]
    identity: Callable[[str], str]
    _follow: Callable[[str, str, int], Iterator[Request]]
    on_error: Callable[[Failure], Iterator[Any]]
    _dropped: Callable[[list[DroppedLink]], Iterator[DroppedLink]]
    _listed: Callable[[int], None]
    _headline: Callable[[ListedItem], Iterator[ListedItem | Request]]

    def source_requests(self) -> Iterator[Request]:
        """The first requests of a json, rss or sitemap listing."""
        source = self.profile.listing
        if source.kind == "json":
            yield self._json_request(1)
        elif source.kind == "rss":
            yield Request(source.url, callback=self.parse_feed, errback=self.on_error, dont_filter=True)
        elif source.kind == "sitemap":
            yield Request(source.url, callback=self.parse_sitemap, errback=self.on_error,
                          cb_kwargs={"depth": 0}, dont_filter=True)

    def _json_request(self, page: int) -> Request:
        wanted = page_request(self.profile.listing, page)
        kwargs: dict[str, Any] = {"callback": self.parse_json_page, "errback": self.on_error,
                                  "cb_kwargs": {"page": page}, "dont_filter": True}
        if wanted.form is not None:
            return FormRequest(wanted.url, formdata=wanted.form, **kwargs)
        return Request(wanted.url, method=wanted.method, **kwargs)

    def _entries(self, response: Response, entries: Iterable[ListingEntry],
                 wanted: Callable[[ListingEntry, str], bool]) -> tuple[list[Any], list[tuple[str, str]]]:
        """Records and requests for the listed articles, and the (identity, title) pairs seen."""
        out: list[Any] = []
        seen: list[tuple[str, str]] = []
        for entry in entries:
            try:
                if not in_domains(entry.url, self.profile.allowed_domains):
                    continue
                identity = self.identity(entry.url)
            except ValueError as error:  # a link no parser takes costs only itself
                out.extend(self._dropped([DroppedLink(response.url, entry.url, str(error))]))
                continue
            seen.append((identity, entry.title))
            if wanted(entry, identity):
                out.extend(self._follow(entry.url, identity, 0))
            if entry.title:
                out.extend(self._headline(ListedItem(identity, entry.url, entry.title, entry.published)))
        self._listed(len(seen))
        return out, seen

    def _unreadable(self, response: Response, error: ListingError) -> FetchFailed:
        logger.warning("listing %s: %s", response.url, error)
        return FetchFailed(response.url, f"listing unreadable: {error}")

    def parse_json_page(self, response: Response, page: int) -> Iterator[Any]:
        try:
            entries = parse_json_listing(response.body, self.profile.listing, response.url)
        except ListingError as exc:
            yield self._unreadable(response, exc)
            return
        if not entries:
            logger.info("listing %s: page %d is empty: end of the listing", response.url, page)
            return
        out, seen = self._entries(response, entries, lambda entry, identity: True)
        yield from out
        if only_known(seen, self._known):
            logger.info("listing %s: page %d holds only known items; not paging further",
                        response.url, page)
        elif page < self.profile.max_pages:
            yield self._json_request(page + 1)

    def parse_feed(self, response: Response) -> Iterator[Any]:
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        try:
            entries = parse_feed(response.body, response.url, content_type)
        except ListingError as exc:
            yield self._unreadable(response, exc)
            return
        if not entries:
            logger.warning("listing %s: the feed lists no articles", response.url)
        out, _ = self._entries(response, entries, lambda entry, identity: True)
        yield from out

    def parse_sitemap(self, response: Response, depth: int) -> Iterator[Any]:
        try:
            sitemap = parse_sitemap(response.body)
        except ListingError as exc:
            yield self._unreadable(response, exc)
            return
        if sitemap.kind == "index":
            self._listed(len(sitemap.entries))  # sitemaps it names, read only when they changed
            if depth >= MAX_SITEMAP_DEPTH:
                logger.warning("listing %s: sitemap indexes nested too deep; not followed", response.url)
                return
            checks = [when for when in self._checked.values() if when is not None]
            since = max(checks) if checks else None
            for child in sitemaps_to_follow(sitemap.entries, since, self.profile.max_pages):
                yield Request(child.url, callback=self.parse_sitemap, errback=self.on_error,
                              cb_kwargs={"depth": depth + 1}, dont_filter=True)
            return

        def wanted(entry: ListingEntry, identity: str) -> bool:
            return needs_fetch(entry, identity in self._known, self._checked.get(identity))

        out, _ = self._entries(response, sitemap.entries, wanted)
        yield from out
