"""Title, lead and category of an article: profile selector, then the visible page, then its metadata."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from lxml.html import HtmlElement

from crawler import sources
from crawler.find import inside_named, is_inside, is_named, select_text
from crawler.metadata import Candidate, PageMetadata
from crawler.page import Page, missing_selector, warn_fallback
from crawler.records import ExtractionError
from crawler.text import folded, inline_text
from crawler.vocabulary import (
    AUTHOR_NAME,
    BREADCRUMB_NAME,
    CAPTION_NAME,
    DATE_NAME,
    LEAD_NAME,
    MAX_LEAD_CHARS,
    MIN_HEADING_LEAD_CHARS,
    MIN_LEAD_CHARS,
    TITLE_NAME,
)

T = TypeVar("T")

_TITLE_SEPARATORS = re.compile(r"\s+[-|–—:]\s+")


@dataclass(frozen=True)
class Found(Generic[T]):
    """A field's value, the element it was read from (None for metadata) and its crawler.sources name."""

    value: T
    source: str = ""
    element: HtmlElement | None = None


def agrees(shown: str, told: str) -> bool:
    """Whether two texts say the same: equal once folded, or one holds the other (a title with the
    site's name appended, a description cut short with "...")."""
    a, b = folded(shown), folded(told.rstrip(".… "))
    if not a or not b:
        return False
    return a == b or (min(len(a), len(b)) >= 12 and (a in b or b in a))


def note_disagreement(page: Page, name: str, shown: str, source: str, told: list[Candidate]) -> None:
    for candidate in told:
        if not agrees(shown, candidate.value):
            page.note(f"{name}: the page shows {shown[:80]!r} ({source}), {candidate.source} says "
                      f"{candidate.value[:80]!r}; used the page on {page.url}")
            return


def title(page: Page, metadata: PageMetadata) -> Found[str]:
    element, text, alternative = select_text(page, page.selectors.title)
    if text:
        found = Found(text, sources.selector(alternative), element)
    else:
        fallback = _visible_title(page, metadata) or _metadata_title(metadata)
        if fallback is None:
            raise ExtractionError(page.url, f"no title: {missing_selector(page, 'title')} and no "
                                            "og:title/JSON-LD headline, <h1> or <title>")
        found = fallback
        warn_fallback(page, "title", found.source)
    if found.element is not None:
        note_disagreement(page, "title", found.value, found.source, metadata.title)
    return found


def _visible_title(page: Page, metadata: PageMetadata) -> Found[str] | None:
    told = [c.value for c in metadata.title] or ([metadata.document_title] if metadata.document_title else [])
    h1s = [(h1, inline_text(h1)) for h1 in page.root.iter("h1")]
    h1s = [(h1, text) for h1, text in h1s if text and not metadata.is_site(text)]
    for h1, text in h1s:
        if any(agrees(text, t) for t in told):
            return Found(text, sources.generic("h1"), h1)
    for element in page.named(TITLE_NAME):
        text = inline_text(element)
        if element.tag not in ("a", "title", "meta") and text and any(agrees(text, t) for t in told) \
                and len(text) >= 0.6 * max(len(t) for t in told):
            return Found(text, sources.generic("title element"), element)
    if h1s and (not told or len(h1s[0][1].split()) >= 3):
        return Found(h1s[0][1], sources.generic("h1"), h1s[0][0])
    return None


def _metadata_title(metadata: PageMetadata) -> Found[str] | None:
    if metadata.title:
        return Found(metadata.title[0].value, metadata.title[0].source)
    # "Headline - Site name": the longest part is the headline; the site's name alone is none
    headline = max(_TITLE_SEPARATORS.split(metadata.document_title), key=len)
    if headline and not metadata.is_site(headline):
        return Found(headline, sources.generic("document title"))
    return None


def lead(page: Page, metadata: PageMetadata, container: HtmlElement, title_element: HtmlElement | None,
         body: HtmlElement) -> Found[str]:
    element, text, alternative = select_text(page, page.selectors.lead)
    if text:
        found = Found(text, sources.selector(alternative), element)
    else:
        visible = _visible_lead(page, container, title_element, body)
        found = visible or (Found(metadata.description[0].value, metadata.description[0].source)
                            if metadata.description else Found(""))
        if found.value:
            warn_fallback(page, "lead", found.source)
    if found.element is not None:
        note_disagreement(page, "lead", found.value, found.source, metadata.description)
    return found


def _visible_lead(page: Page, container: HtmlElement, title_element: HtmlElement | None,
                  body: HtmlElement) -> Found[str] | None:
    start = page.position.get(title_element, -1) if title_element is not None else -1
    body_start = page.position.get(body, 0)
    for element in _lead_elements(page, container, body):
        text = inline_text(element)
        if MIN_LEAD_CHARS <= len(text) <= MAX_LEAD_CHARS and page.position.get(element, 0) > start:
            return Found(text, sources.generic("lead element"), element)
    if title_element is None:
        return None
    for element in container.iter("h2", "h3", "p", "div"):
        position = page.position.get(element, 0)
        if position <= start or position >= body_start:
            continue
        if len(element) and element.find(".//p") is not None or _is_field(element):
            continue
        text = inline_text(element)
        if len(text) >= MIN_HEADING_LEAD_CHARS and not any(c.isdigit() for c in text[:3]):
            return Found(text, sources.generic("heading after title"), element)
    return None


def _lead_elements(page: Page, container: HtmlElement, body: HtmlElement) -> Iterator[HtmlElement]:
    """Elements named as a lead, before the body or opening it (a sapo some CMSs put inside it)."""
    opening = _first_paragraph(page, body)
    for element in page.named(LEAD_NAME, within=container):
        if element.tag in ("meta", "a", "img", "figcaption", "figure") or element is body:
            continue
        if is_inside(body, element) or is_named(element, CAPTION_NAME):
            continue
        if is_inside(element, body) and page.position.get(element, 0) > opening:
            continue
        if element.find(".//figcaption") is None and not inside_named(element, CAPTION_NAME, stop=container):
            yield element


def _first_paragraph(page: Page, body: HtmlElement) -> int:
    """Where the body's first paragraph that is not named as a lead stands."""
    for p in body.iter("p"):
        named_lead = is_named(p, LEAD_NAME) or inside_named(p, LEAD_NAME, stop=body)
        if p.text_content().strip() and not named_lead:
            return page.position.get(p, 0)
    return page.last_position(body)


def _is_field(element: HtmlElement) -> bool:
    return any(is_named(e, pattern) for pattern in (AUTHOR_NAME, DATE_NAME, BREADCRUMB_NAME, TITLE_NAME)
               for e in element.iter())


def category(page: Page, metadata: PageMetadata) -> Found[str | None]:
    _, text, alternative = select_text(page, page.selectors.category, last=True)
    if text:
        return Found(text, sources.selector(alternative))
    crumbs = [a for crumb in page.named(BREADCRUMB_NAME) for a in crumb.iter("a")]
    crumbs = [t for t in (inline_text(a) for a in crumbs) if t and t.casefold() not in ("trang chủ", "home")]
    found = (Found[str | None](crumbs[-1], sources.generic("breadcrumb")) if crumbs else
             Found[str | None](metadata.section[0].value, metadata.section[0].source) if metadata.section
             else None)
    if found is None:
        return Found(None)
    warn_fallback(page, "category", found.source)
    return found
