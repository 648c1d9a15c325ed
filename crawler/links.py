"""Links a page points to: distinct article links with their titles, a listing's items and next page."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urljoin

from lxml.html import HtmlElement

from crawler import sources
from crawler.find import (
    heading_text,
    inside,
    inside_named,
    is_article_link,
    is_heading,
    reads_as_headline,
    select,
)
from crawler.page import Page, warn_fallback
from crawler.text import inline_text, normalise
from crawler.urls import canonical_url, joined_url
from crawler.vocabulary import BREADCRUMB_NAME, NEXT_PAGE_TEXTS, SIDE_HEADINGS

_HEADLINE_ANCHORS = ("h1", "h2", "h3", "h4")


def links(page: Page, anchors: Iterable[HtmlElement], exclude: str = "") -> list[tuple[str, str]]:
    """(canonical URL, title) per distinct http(s) link, in page order; a later anchor may supply
    the title an earlier one lacked (a thumbnail link before the headline link). A link that
    cannot be parsed is left out, and noted on the page (Page.dropped_links)."""
    found: dict[str, str] = {}
    for anchor in anchors:
        for a in anchor.iter("a"):
            href = (a.get("href") or "").strip()
            if not href or href.startswith("#"):
                continue
            link = _page_link(page, href)
            if not link.startswith(("http://", "https://")) or link == exclude:
                continue
            title = inline_text(a) or normalise(a.get("title") or "") or _image_alt(a)
            if not found.get(link):
                found[link] = title
    return list(found.items())


def _image_alt(anchor: HtmlElement) -> str:
    img = anchor.find(".//img")
    return normalise(img.get("alt") or "") if img is not None else ""


def next_page(page: Page) -> tuple[str | None, str]:
    """The listing's next page and where it was found ("" when there is none)."""
    own = canonical_url(page.url)
    alternative, anchors = select(page, page.selectors.next_page)
    source = sources.selector(alternative) if anchors else ""
    if not anchors:
        _, anchors = select(page, "link[rel=next], a[rel=next]")
        anchors = anchors or [a for a in page.root.iter("a")
                              if normalise(a.text_content()).casefold() in NEXT_PAGE_TEXTS]
        if anchors:
            source = sources.generic("next link")
            warn_fallback(page, "next_page", source)
    for anchor in anchors:
        href = (anchor.get("href") or "").strip()
        if href and not href.startswith(("#", "javascript:")):
            link = _page_link(page, href)
            return (link, source) if link and link != own else (None, "")
    return None, ""


def declared_url(page: Page) -> str | None:
    """The URL the page gives for itself (`<link rel="canonical">`), absolute; None if it has none."""
    link = page.root.find('.//link[@rel="canonical"]')
    href = (link.get("href") or "").strip() if link is not None else ""
    absolute = joined_url(page.base, href) if href else None
    return absolute if absolute and absolute.startswith(("http://", "https://")) else None


def headline_anchors(page: Page) -> list[HtmlElement]:
    """A listing's article links when no profile names them: the links of its headlines, less
    the breadcrumb and the boxes that belong to other sections or to the whole site."""
    own = canonical_url(page.url)
    foreign = _foreign_boxes(page, own)
    anchors: list[HtmlElement] = []
    for heading in page.root.iter(*_HEADLINE_ANCHORS):
        if heading in foreign or any(parent in foreign for parent in heading.iterancestors()):
            continue
        if inside_named(heading, BREADCRUMB_NAME) or inside(heading, ("nav", "header", "footer")):
            continue
        anchors.extend(a for a in heading.iter("a") if a.get("href"))
    return anchors or _headline_links(page, own, foreign)


def _headline_links(page: Page, own: str, foreign: set[HtmlElement]) -> list[HtmlElement]:
    """Links that read as headlines and lead to articles, where the listing uses no headings."""
    found: list[HtmlElement] = []
    for anchor in page.root.iter("a"):
        link = canonical_link(anchor.get("href") or "", page.base)
        if link == own or not is_article_link(link, page.url):
            continue
        if not reads_as_headline(normalise(anchor.text_content())):
            continue
        if inside_named(anchor, BREADCRUMB_NAME) or any(p in foreign for p in anchor.iterancestors()):
            continue
        found.append(anchor)
    return found


def _foreign_boxes(page: Page, own: str) -> set[HtmlElement]:
    """Headings that title a box of links of another section ("Tham vấn chính sách" linking
    elsewhere) or of the whole site ("Đọc nhiều"), with the blocks they head."""
    boxes: set[HtmlElement] = set()
    for heading in page.root.iter(*_HEADLINE_ANCHORS):
        text = heading_text(heading)
        anchors = heading.findall(".//a")
        titled_elsewhere = (len(anchors) == 1 and normalise(anchors[0].text_content()).casefold() == text
                            and canonical_link(anchors[0].get("href") or "", page.base) != own)
        if not (titled_elsewhere or text in SIDE_HEADINGS):
            continue
        following = [s for s in heading.itersiblings() if isinstance(s.tag, str)]
        headlines = sum(reads_as_headline(normalise(a.text_content()))
                        for s in following for a in s.iter("a"))
        if headlines >= 2 and not any(is_heading(s) for s in following):
            boxes.add(heading)
            boxes.update(following)
    return boxes


def canonical_link(href: str, base: str) -> str:
    """The canonical absolute form of a link; "" for one that cannot be parsed (a port out of
    range, a broken IPv6 host), which links() reports."""
    link = _parsed(href, base)
    return "" if isinstance(link, ValueError) else link


def _page_link(page: Page, href: str) -> str:
    link = _parsed(href, page.base)
    if isinstance(link, ValueError):
        page.drop_link(href, link)
        return ""
    return link


def _parsed(href: str, base: str) -> str | ValueError:
    try:
        return _canonical_absolute(urljoin(base, href.strip()))
    except ValueError as error:  # urljoin and canonical_url both refuse what they cannot parse
        return error


@lru_cache(maxsize=8192)
def _canonical_absolute(url: str) -> str:
    # a crawl sees the same related and listing links on page after page
    return canonical_url(url)
