"""Plain records that the crawler hands to the rest of newswatch."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Image:
    url: str
    caption: str = ""


@dataclass(frozen=True)
class RelatedLink:
    url: str
    title: str


@dataclass
class Article:
    """One article as extracted from one fetch of its page (all text NFC, whitespace collapsed)."""

    url: str
    title: str
    lead: str
    body: str  # paragraphs separated by "\n\n"
    body_html: str = ""  # sanitised
    author: str | None = None
    category: str | None = None
    images: list[Image] = field(default_factory=list)
    published_at: datetime | None = None
    modified_at: datetime | None = None
    related: list[RelatedLink] = field(default_factory=list)


@dataclass(frozen=True)
class ListingItem:
    url: str
    title: str


@dataclass
class Listing:
    items: list[ListingItem]
    next_page: str | None = None


class ExtractionError(Exception):
    """A page that cannot yield an article (no title, no body): never stored as a version."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
