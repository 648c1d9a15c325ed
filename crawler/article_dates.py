"""Published and modified dates of an article: profile selector, page metadata, then date elements near it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from lxml.html import HtmlElement

from crawler.dates import parse_date
from crawler.furniture import COUNTERS
from crawler.metadata import Candidate, PageMetadata
from crawler.page import Page, describe, warn_fallback
from crawler.selector_groups import alternatives, select_within
from crawler.text import inline_text, normalise

_DATE_NAME = re.compile(r"date|time|ngay|publish", re.IGNORECASE)
_DATE_LIKE = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}")


def article_container(title: HtmlElement | None, body: HtmlElement) -> HtmlElement:
    """Where the article's own date line can be: never the page header's clock."""
    for element in (body, *body.iterancestors()):
        if element.tag == "article":
            return element
    if title is not None:
        title_ancestors = set(title.iterancestors())  # lxml elements compare by identity
        for element in body.iterancestors():
            if element in title_ancestors:
                return element
    parent = body.getparent()
    return parent if parent is not None else body


def published(page: Page, metadata: PageMetadata,
              container: HtmlElement) -> tuple[HtmlElement | None, datetime | None]:
    return _date_field(page, "published", metadata.published, container, _generic_published)


def modified(page: Page, metadata: PageMetadata, container: HtmlElement) -> datetime | None:
    def generic(root: HtmlElement) -> Iterator[HtmlElement]:
        yield from select_within(root, "[itemprop=dateModified]")

    return _date_field(page, "modified", metadata.modified, container, generic)[1]


def _date_from(page: Page, element: HtmlElement) -> datetime | None:
    raw = element.get("datetime") or element.get("content") or inline_text(element)
    raw = normalise(COUNTERS.sub(" ", raw))
    return parse_date(raw, page.now) if raw else None


def _date_field(
    page: Page,
    name: str,
    candidates: list[Candidate],
    container: HtmlElement,
    generic: Callable[[HtmlElement], Iterable[HtmlElement]],
) -> tuple[HtmlElement | None, datetime | None]:
    selector = getattr(page.selectors, name)
    matched = False
    for alternative in alternatives(selector) if selector else ():
        for element in page.matches(alternative):
            parsed = _date_from(page, element)
            if parsed is not None:
                return element, parsed
            matched = True
            page.warn("profile selector %r (%r) on %s matched %r, which is not a date", name,
                      selector, page.url, inline_text(element))
    for candidate in candidates:
        parsed = parse_date(candidate.value, page.now)
        if parsed is not None:
            warn_fallback(page, name, candidate.source, matched=matched)
            return None, parsed
    for element in generic(container):
        parsed = _date_from(page, element)
        if parsed is not None:
            warn_fallback(page, name, f"the date element {describe(element)}", matched=matched)
            return element, parsed
    return None, None


def _generic_published(container: HtmlElement) -> Iterator[HtmlElement]:
    """Elements inside the article that say they hold a date, first the explicit ones."""
    yield from select_within(container, "[itemprop=datePublished], time[datetime]")
    for element in container.iter():
        if not isinstance(element.tag, str) or len(element) > 3:
            continue
        names = " ".join(filter(None, (element.get("class"), element.get("id"), element.get("itemprop"))))
        if _DATE_NAME.search(names) and _DATE_LIKE.search(element.text_content()):
            yield element
