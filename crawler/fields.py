"""Title, lead, author and category of an article: profile selector, page metadata, then generic markup."""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from crawler.furniture import COUNTERS
from crawler.metadata import Candidate, PageMetadata
from crawler.page import Page, first_fallback, missing_selector
from crawler.records import ExtractionError
from crawler.selector_groups import select_text
from crawler.text import Paragraph, normalise

_AUTHOR_PREFIX = re.compile(r"^(?:tác giả|bài viết)\s*:\s*", re.IGNORECASE)
_BYLINE_JOINERS = frozenset({"-", "–", "và", "&"})


def title(page: Page, metadata: PageMetadata) -> tuple[HtmlElement | None, str]:
    element, text = select_text(page, page.selectors.title)
    if text:
        return element, text
    h1, h1_text = select_text(page, "h1")
    candidates = [*metadata.title, *([Candidate(h1_text, "the first <h1>")] if h1_text else [])]
    chosen = first_fallback(page, "title", candidates)
    if chosen is None:
        raise ExtractionError(
            page.url, f"no title: {missing_selector(page, 'title')} and no og:title/JSON-LD headline or <h1>"
        )
    return (h1 if chosen.value == h1_text else None), chosen.value


def lead(page: Page, metadata: PageMetadata) -> tuple[HtmlElement | None, str]:
    element, text = select_text(page, page.selectors.lead)
    if text:
        return element, text
    generic_element, generic = select_text(page, "[itemprop=description]")
    candidates = [*metadata.description, *([Candidate(generic, "[itemprop=description]")] if generic else [])]
    chosen = first_fallback(page, "lead", candidates)
    if chosen is None:
        return None, ""
    return (generic_element if chosen.value == generic else None), chosen.value


def author(page: Page, metadata: PageMetadata) -> tuple[HtmlElement | None, str | None]:
    element, text = select_text(page, page.selectors.author)
    if not text:
        element, text = None, ""
        generic_element, generic = select_text(page, "[itemprop=author], a[rel=author]")
        candidates = [*metadata.author, *([Candidate(generic, "[itemprop=author]")] if generic else [])]
        chosen = first_fallback(page, "author", candidates)
        if chosen is not None:
            element = generic_element if chosen.value == generic else None
            text = chosen.value
    text = normalise(_AUTHOR_PREFIX.sub("", COUNTERS.sub(" ", text)).strip(" |-–"))
    return element, text or None


def category(page: Page, metadata: PageMetadata) -> str | None:
    _, text = select_text(page, page.selectors.category, last=True)
    if text:
        return text
    _, generic = select_text(page, "[class*=breadcrumb] a", last=True)
    candidates = [*metadata.section, *([Candidate(generic, "the breadcrumb")] if generic else [])]
    chosen = first_fallback(page, "category", candidates)
    return chosen.value if chosen else None


def take_byline(body: list[Paragraph], author: str | None) -> str | None:
    """A short last paragraph that names the author is the byline, not body text."""
    if not body:
        return author
    last = body[-1]
    if author is not None:
        if last.text.casefold() == author.casefold():
            _drop_paragraph(body)
        return author
    if len(body) > 1 and _looks_like_byline(last.text):
        _drop_paragraph(body)
        return last.text
    return None


def _drop_paragraph(body: list[Paragraph]) -> None:
    paragraph = body.pop()
    # Only drop the element when it holds nothing else (not the body itself, not a <br>-split block)
    element = paragraph.element
    if element.getparent() is not None and normalise(element.text_content()) == paragraph.text:
        element.drop_tree()


def _looks_like_byline(text: str) -> bool:
    if len(text) > 60 or text[-1] in ".!?:;" or any(char.isdigit() for char in text):
        return False
    words = [w for w in re.split(r"[\s,]+", text) if w and w not in _BYLINE_JOINERS]
    return 1 <= len(words) <= 5 and all(w[0].isupper() and w.replace(".", "").isalpha() for w in words)
