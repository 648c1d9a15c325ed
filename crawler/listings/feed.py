"""RSS 2.0 and Atom feeds, read with feedparser."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from typing import Any

import feedparser

from crawler.listings import ListingEntry, ListingError
from crawler.urls import joined_url


def parse_feed(body: bytes, url: str, content_type: str = "") -> list[ListingEntry]:
    """The feed's items in feed order; relative links resolved against the feed's URL.

    Raises ListingError when the body is no feed at all (an error page, a redesign)."""
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers)
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception") or "no RSS or Atom root element"
        raise ListingError(f"not an RSS or Atom feed ({reason})")
    entries = []
    for entry in parsed.entries:
        link = entry.get("link") or ""
        if not link:
            continue
        entries.append(ListingEntry(
            url=joined_url(url, link) or link,  # one that cannot be parsed: the crawl reports it
            title=" ".join((entry.get("title") or "").split()),
            published=_time(entry.get("published_parsed")),
            # dict.get: feedparser's own get() would answer the publication time for a missing one
            modified=_time(dict.get(entry, "updated_parsed")),
        ))
    return entries


def _time(value: Any) -> datetime | None:
    """feedparser's UTC struct_time as an aware datetime."""
    return datetime.fromtimestamp(calendar.timegm(value), UTC) if value else None
