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


@dataclass(frozen=True)
class DroppedLink:
    """A link on a page that cannot be parsed (a bad port, a broken IPv6 host): never followed."""

    page_url: str
    link: str
    reason: str


@dataclass
class Article:
    """One article as extracted from one fetch of its page (all text NFC, whitespace collapsed)."""

    url: str  # the page's own <link rel="canonical"> if it has one, else the URL it was fetched from
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
    # Where each field that has a value came from (see crawler.sources): "selector h1.title",
    # "json-ld", "meta article:published_time", "generic: h1".
    sources: dict[str, str] = field(default_factory=dict)
    # What a crawl logs about this page: selectors that stopped matching, unreadable dates,
    # metadata that disagrees with the page. Not part of the article: never compared.
    warnings: list[str] = field(default_factory=list, compare=False)
    # Links of the page that could not be parsed: reported by the crawl, never part of a version.
    dropped_links: list[DroppedLink] = field(default_factory=list, compare=False)


@dataclass(frozen=True)
class ListingItem:
    url: str
    title: str


@dataclass
class Listing:
    items: list[ListingItem]
    next_page: str | None = None
    sources: dict[str, str] = field(default_factory=dict)  # "items", "next_page"
    warnings: list[str] = field(default_factory=list, compare=False)
    dropped_links: list[DroppedLink] = field(default_factory=list, compare=False)


class ExtractionError(Exception):
    """A page that cannot yield an article (no title, no body): never stored as a version."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


def one_line(error: BaseException) -> str:
    """An unforeseen error as a failure's reason: "Type: message", on one line."""
    return " ".join(f"{type(error).__name__}: {error}".split())


# What a crawl reports, one record per observation; the monitor decides what each one means.


@dataclass
class FetchedArticle:
    identity: str
    article: Article
    raw_html: bytes
    status: int
    fetched_at: datetime
    etag: str | None = None
    last_modified: str | None = None
    # Sites without ids in URLs: the identities the fetch was redirected from, and the one its
    # <link rel="canonical"> names when that is not its own (a moved article's old URL, maybe).
    redirected_from: tuple[str, ...] = ()
    canonical: str | None = None


@dataclass(frozen=True)
class ListedItem:
    """A headline seen for an article in a listing page or a related-news block."""

    identity: str
    url: str
    title: str
    published_at: datetime | None = None  # the listing's date for it, when it gives one


@dataclass(frozen=True)
class PageGone:
    """The article answered 404/410 or redirected to the section front."""

    identity: str
    url: str
    status: int


@dataclass(frozen=True)
class NotModified:
    identity: str
    url: str
    fetched_at: datetime


@dataclass(frozen=True)
class FetchFailed:
    url: str
    reason: str
    identity: str | None = None


@dataclass(frozen=True)
class Revisit:
    """A known article to check again, with the validators for a conditional request."""

    identity: str
    url: str
    etag: str | None = None
    last_modified: str | None = None


# Everything the spider yields.
CrawlRecord = FetchedArticle | ListedItem | PageGone | NotModified | FetchFailed | DroppedLink
