"""Article and listing pages to records: profile selectors, then the visible page, then its metadata.

`read_article` and `read_listing` are pure: they return the record with its sources and warnings.
`extract_article` and `extract_listing` are what a crawl calls: the same, with the warnings logged.
"""

from __future__ import annotations

import logging
from datetime import datetime

from cssselect import SelectorError
from lxml import etree

from crawler import article_dates, bylines, fields, sources
from crawler.body import body_element, body_images, drop_date_lines, drop_repeated_lead, remove_non_text
from crawler.find import alternatives, is_inside, select
from crawler.furniture import is_furniture_text, remove_furniture
from crawler.links import declared_url, headline_anchors, links, next_page
from crawler.metadata import Candidate, read_metadata
from crawler.page import describe, parse_page, warn_fallback
from crawler.profile import Selectors
from crawler.records import Article, ExtractionError, Image, Listing, ListingItem
from crawler.related import (
    RelatedBlock,
    boxes_after,
    boxes_in,
    headed_blocks,
    profile_related,
    related_links,
    related_source,
    warn_related_fallback,
)
from crawler.text import paragraphs, sanitised_html
from crawler.urls import canonical_url, joined_url

logger = logging.getLogger(__name__)


def extract_article(html: str, url: str, selectors: Selectors, *, now: datetime | None = None) -> Article:
    """The article on a fetched page, its warnings logged; ExtractionError when it has no title or body.

    `now` is when the page was fetched: it anchors relative dates ("2 giờ trước").
    """
    article, notices = read_article_notices(html, url, selectors, now=now)
    log_notices(notices)
    return article


def read_article(html: str, url: str, selectors: Selectors, *, now: datetime | None = None) -> Article:
    """Like `extract_article`, logging nothing: the warnings are in `Article.warnings`."""
    return read_article_notices(html, url, selectors, now=now)[0]


def extract_listing(html: str, url: str, selectors: Selectors) -> Listing:
    """Article links of a section page in page order, and the next page's URL (None on the last)."""
    listing, notices = _read_listing(html, url, selectors)
    log_notices(notices)
    return listing


def read_listing(html: str, url: str, selectors: Selectors) -> Listing:
    return _read_listing(html, url, selectors)[0]


def read_article_notices(html: str, url: str, selectors: Selectors, *,
                         now: datetime | None = None) -> tuple[Article, list[tuple[int, str]]]:
    """The article and what to log about it, as (level, message) pairs, for `log_notices`."""
    page = parse_page(html, url, selectors, now)
    metadata = read_metadata(page.root, url)
    # Related blocks and breadcrumbs go first: the drop list and <nav> may hold their headings.
    profile_anchors, profile_source = profile_related(page)
    blocks: list[RelatedBlock] = [] if profile_anchors else headed_blocks(page)
    category = fields.category(page, metadata)
    remove_furniture(page)

    body, body_source = body_element(page)  # first: an error page with no body needs no title warning
    if not page.ended and page.last_text <= page.last_position(body):
        # lxml repairs a cut-off page silently; stored, it would look like an edit
        raise ExtractionError(url, "truncated page: it ends inside the article body, before </body>")
    title = fields.title(page, metadata)
    container = article_dates.article_container(title.element, body)
    lead = fields.lead(page, metadata, container, title.element, body)
    author = bylines.author(page, metadata, container)
    published, modified = article_dates.dates(page, metadata, container, title.element, body)
    for found in (title, lead, author, published, modified):
        if found.element is not None and is_inside(found.element, body):
            found.element.drop_tree()  # a field read from inside the body is not body text too
    if not profile_anchors:
        blocks += boxes_in(body, page) + boxes_after(body, page)
        warn_related_fallback(page, blocks)
    related = related_links(page, blocks, profile_anchors)

    remove_non_text(body)
    images, captions = body_images(body, page.base)
    text = [p for p in paragraphs(body, captions) if not is_furniture_text(p.text)]
    body_paragraphs = drop_date_lines(text)
    author = bylines.take_byline(body_paragraphs, author, metadata)
    body_paragraphs = drop_repeated_lead(body_paragraphs, lead.value)
    if not body_paragraphs:
        raise ExtractionError(url, f"no body: the body element ({describe(body)}) holds no text")
    image_source = sources.generic("body images")
    if not images:
        joined = (joined_url(page.base, c.value) for c in _unique(metadata.images))
        images = [Image(url) for url in joined if url]
        image_source = metadata.images[0].source if images else ""
    found_sources = {
        "title": title.source, "lead": lead.source if lead.value else "", "body": body_source,
        "author": author.source if author.value else "",
        "category": category.source if category.value else "",
        "published_at": published.source, "modified_at": modified.source, "images": image_source,
        "related": (profile_source or related_source(blocks)) if related else "",
    }
    body_text = "\n\n".join(p.text for p in body_paragraphs)
    del body_paragraphs, text  # a big page's text, once joined, need not be held twice
    article = Article(
        url=declared_url(page) or url,
        title=title.value,
        lead=lead.value,
        body=body_text,
        body_html=sanitised_html(body, page.base),
        author=author.value,
        category=category.value,
        images=images,
        published_at=published.value,
        modified_at=modified.value,
        related=related,
        sources={name: source for name, source in found_sources.items() if source},
        warnings=_messages(page.notices),
        dropped_links=page.dropped_links,
    )
    return article, page.notices


def _read_listing(html: str, url: str, selectors: Selectors) -> tuple[Listing, list[tuple[int, str]]]:
    page = parse_page(html, url, selectors)
    if not page.ended:
        raise ExtractionError(url, "truncated page: the HTML ends before </body>")
    next_link, next_source = next_page(page)
    alternative, anchors = select(page, selectors.article_links)
    source = sources.selector(alternative) if anchors else ""
    if not anchors:
        remove_furniture(page)
        anchors = headline_anchors(page)
        if anchors:
            source = sources.generic("headline links")
            warn_fallback(page, "article_links", source)
    own = canonical_url(page.url)
    items = [ListingItem(link, title) for link, title in links(page, anchors) if link != own]
    found_sources = {"items": source if items else "", "next_page": next_source if next_link else ""}
    listing = Listing(items=items, next_page=next_link,
                      sources={k: v for k, v in found_sources.items() if v}, warnings=_messages(page.notices),
                      dropped_links=page.dropped_links)
    return listing, page.notices


def check_selectors(selectors: Selectors) -> None:
    """ValueError naming the field whose selector is not valid CSS (for the config loader)."""
    for name, group in vars(selectors).items():
        try:
            alternatives(group)
        except (SelectorError, etree.XPathError) as exc:
            raise ValueError(f"selector {name!r} ({group!r}) is not valid CSS: {exc}") from exc


def _messages(notices: list[tuple[int, str]]) -> list[str]:
    return list(dict.fromkeys(message for _, message in notices))


def log_notices(notices: list[tuple[int, str]]) -> None:
    # logged here, under crawler.extract, the logger name users and tests filter on
    for level, message in dict.fromkeys(notices):
        logger.log(level, "%s", message)


def _unique(candidates: list[Candidate]) -> list[Candidate]:
    seen: dict[str, Candidate] = {}
    for candidate in candidates:
        seen.setdefault(candidate.value, candidate)
    return list(seen.values())
