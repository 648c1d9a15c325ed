"""Article and listing pages to records: profile selectors, then page metadata, then generic rules."""

from __future__ import annotations

import logging
from datetime import datetime

from cssselect import SelectorError
from lxml import etree

from crawler import article_dates, fields
from crawler.body import body_element, body_images
from crawler.class_index import css, is_inside
from crawler.furniture import is_furniture_text, remove_furniture
from crawler.links import declared_url, links, next_page
from crawler.metadata import Candidate, read_metadata
from crawler.page import Page, describe, parse_page, warn_fallback
from crawler.profile import Selectors
from crawler.records import Article, ExtractionError, Image, Listing, ListingItem
from crawler.related import related_links
from crawler.selector_groups import alternatives, select
from crawler.text import paragraphs, sanitised_html
from crawler.urls import canonical_url, joined_url

logger = logging.getLogger(__name__)


def extract_article(html: str, url: str, selectors: Selectors, *, now: datetime | None = None) -> Article:
    """The article on a fetched page; ExtractionError when it has no title or no body.

    `now` is when the page was fetched: it anchors relative dates ("2 giờ trước").
    """
    page = parse_page(html, url, selectors, now)
    metadata = read_metadata(page.root, url)
    related = related_links(page)  # before the furniture goes: the drop list may hold its heading
    category = fields.category(page, metadata)  # breadcrumbs often sit in <nav>
    remove_furniture(page)

    body = body_element(page)  # first: a page with no body (an error page) needs no title warning
    title_element, title = fields.title(page, metadata)
    lead_element, lead = fields.lead(page, metadata)
    author_element, author = fields.author(page, metadata)
    container = article_dates.article_container(title_element, body)
    published_element, published = article_dates.published(page, metadata, container)
    modified = article_dates.modified(page, metadata, container)
    for element in (title_element, lead_element, author_element, published_element):
        if element is not None and is_inside(element, body):
            element.drop_tree()  # a field read from inside the body is not body text too

    images, captions = body_images(body, page.base)
    body_paragraphs = [p for p in paragraphs(body, captions) if not is_furniture_text(p.text)]
    author = fields.take_byline(body_paragraphs, author)
    if not body_paragraphs:
        raise ExtractionError(url, f"no body: the body element ({describe(body)}) holds no text")
    _log_warnings(page)
    body_text = "\n\n".join(p.text for p in body_paragraphs)
    del body_paragraphs  # a big page's text, once joined, need not be held twice
    return Article(
        url=declared_url(page) or url,
        title=title,
        lead=lead,
        body=body_text,
        body_html=sanitised_html(body, page.base),
        author=author,
        category=category,
        images=images or _metadata_images(page, metadata.images),
        published_at=published,
        modified_at=modified,
        related=related,
        dropped_links=page.dropped_links,
    )


def extract_listing(html: str, url: str, selectors: Selectors) -> Listing:
    """Article links of a section page in page order, and the next page's URL (None on the last)."""
    page = parse_page(html, url, selectors)
    next_link = next_page(page)
    anchors = select(page, selectors.article_links)
    if not anchors:
        remove_furniture(page)
        anchors = css("h2 a[href], h3 a[href]")(page.root)
        if anchors:
            warn_fallback(page, "article_links", "the links of <h2>/<h3> headlines")
    own = canonical_url(page.url)
    items = [ListingItem(link, title) for link, title in links(page, anchors) if link != own]
    _log_warnings(page)
    return Listing(items=items, next_page=next_link, dropped_links=page.dropped_links)


def check_selectors(selectors: Selectors) -> None:
    """ValueError naming the field whose selector is not valid CSS (for the config loader)."""
    for name, group in vars(selectors).items():
        try:
            alternatives(group)
        except (SelectorError, etree.XPathError) as exc:
            raise ValueError(f"selector {name!r} ({group!r}) is not valid CSS: {exc}") from exc


def _log_warnings(page: Page) -> None:
    # logged here, under crawler.extract, the logger name users and tests filter on
    for message, args in page.warnings:
        logger.warning(message, *args)


def _metadata_images(page: Page, candidates: list[Candidate]) -> list[Image]:
    joined = (joined_url(page.base, c.value) for c in _unique_candidates(candidates))
    return [Image(url) for url in joined if url]


def _unique_candidates(candidates: list[Candidate]) -> list[Candidate]:
    seen: dict[str, Candidate] = {}
    for candidate in candidates:
        seen.setdefault(candidate.value, candidate)
    return list(seen.values())
