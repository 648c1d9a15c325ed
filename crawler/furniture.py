"""Page furniture: what is dropped before an article is read (ads, share bars, counters, clocks, menus)."""

from __future__ import annotations

from lxml.html import HtmlElement

from crawler.find import alternatives, elements_saying, inside, named
from crawler.page import Page
from crawler.text import normalise
from crawler.vocabulary import (
    AUTHOR_NAME,
    DATE_NAME,
    FURNITURE_MAX_TEXT,
    FURNITURE_NAME,
    FURNITURE_PHRASES,
    FURNITURE_TAGS,
    FURNITURE_TEXT,
)


def remove_furniture(page: Page) -> None:
    root = page.root
    doomed = [e for part in alternatives(page.selectors.drop) for e in page.matches(part)]
    doomed.extend(root.iter(*FURNITURE_TAGS))
    doomed.extend(e for e in root.iter("header", "footer") if not inside(e, ("article", "main")))
    # some CMSs wrap the whole page in one <form>
    doomed.extend(e for e in root.iter("form") if e.find(".//h1") is None and e.find(".//p") is None)
    doomed.extend(e for e in _elements_named(page) if len(e.text_content()) < FURNITURE_MAX_TEXT
                  and not _holds_fields(e))
    doomed.extend(e for e in elements_saying(page, FURNITURE_PHRASES)
                  if len(e) <= 2 and is_furniture_text(normalise(e.text_content())))
    for element in doomed:
        if element.getparent() is not None:  # the drop list and the rules may name it twice
            element.drop_tree()


def is_furniture_text(text: str) -> bool:
    return len(text) < 40 and FURNITURE_TEXT.fullmatch(text.casefold()) is not None


def _elements_named(page: Page) -> list[HtmlElement]:
    """Elements whose class, id (or other name) says share, ad, print, view counter, clock."""
    return [element for name, elements in page.names.items()
            if FURNITURE_NAME.search(name) for element in elements if element.tag not in ("html", "body")]


def _holds_fields(element: HtmlElement) -> bool:
    """A share bar that also holds the byline or the date line ("author-share-top") is not furniture."""
    return element.find(".//h1") is not None or any(
        e is not element and not FURNITURE_NAME.search(e.get("class") or "")
        for pattern in (AUTHOR_NAME, DATE_NAME) for e in named(element, pattern))
