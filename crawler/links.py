"""Links a page points to: distinct canonical article links with their titles, and a listing's next page."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urljoin

from lxml.html import HtmlElement

from crawler.page import Page, describe, warn_fallback
from crawler.selector_groups import select
from crawler.text import inline_text, normalise
from crawler.urls import canonical_url, joined_url

NEXT_PAGE_TEXTS = frozenset({"trang sau", "trang tiếp", "tiếp", "sau", "next", "»", "›", ">", ">>"})


def links(page: Page, anchors: Iterable[HtmlElement], exclude: str = "") -> list[tuple[str, str]]:
    """(canonical URL, title) per distinct http(s) link, in page order; a later anchor may supply
    the title an earlier one lacked (a thumbnail link before the headline link). A link that
    cannot be parsed is left out and noted on the page (Page.dropped_links)."""
    found: dict[str, str] = {}
    for anchor in anchors:
        for a in anchor.iter("a"):
            href = (a.get("href") or "").strip()
            if not href or href.startswith("#"):
                continue
            link = _canonical(page, href)
            if link is None or not link.startswith(("http://", "https://")) or link == exclude:
                continue
            title = inline_text(a) or normalise(a.get("title") or "")
            if not found.get(link):
                found[link] = title
    return list(found.items())


def next_page(page: Page) -> str | None:
    own = canonical_url(page.url)
    anchors = select(page, page.selectors.next_page)
    if not anchors:
        anchors = select(page, "link[rel=next], a[rel=next]") or [
            a for a in page.root.iter("a") if normalise(a.text_content()).casefold() in NEXT_PAGE_TEXTS
        ]
        if anchors:
            warn_fallback(page, "next_page", f"the {describe(anchors[0])} link")
    for anchor in anchors:
        href = (anchor.get("href") or "").strip()
        if href and not href.startswith(("#", "javascript:")):
            link = _canonical(page, href)
            return link if link != own else None
    return None


def declared_url(page: Page) -> str | None:
    """The URL the page gives for itself (`<link rel="canonical">`), absolute; None if it has none."""
    link = page.root.find('.//link[@rel="canonical"]')
    href = (link.get("href") or "").strip() if link is not None else ""
    absolute = joined_url(page.base, href) if href else None
    return absolute if absolute and absolute.startswith(("http://", "https://")) else None


def _canonical(page: Page, href: str) -> str | None:
    """The canonical absolute form of a link of the page; None (and noted) when it cannot be parsed."""
    try:
        return _canonical_absolute(urljoin(page.base, href))
    except ValueError as error:  # urljoin and canonical_url both refuse what they cannot parse
        page.drop_link(href, error)
        return None


@lru_cache(maxsize=8192)
def _canonical_absolute(url: str) -> str:
    # a crawl sees the same related and listing links on page after page
    return canonical_url(url)
