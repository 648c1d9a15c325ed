"""Listing sources other than HTML pages: a JSON API, RSS/Atom feeds, sitemaps.

Each module turns one response body into `ListingEntry` records, as pure functions; the spider
decides what to request from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ListingEntry:
    """One article (or, in a sitemap index, one child sitemap) as a listing names it."""

    url: str
    title: str = ""
    published: datetime | None = None
    # when the listing says the article last changed (sitemap <lastmod>, Atom <updated>)
    modified: datetime | None = None


class ListingError(Exception):
    """A listing response that cannot be read at all (not JSON, not a feed, no items where the
    profile says they are): a failure of the run, never an empty page."""
