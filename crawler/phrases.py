"""Elements found by a short phrase they say ("Lượt xem", "Tin liên quan"), in any letter case."""

from __future__ import annotations

from functools import lru_cache

from lxml import etree
from lxml.html import HtmlElement

from crawler.page import Page


def elements_saying(page: Page, phrases: tuple[str, ...]) -> list[HtmlElement]:
    """Elements (in page order) with a short text node containing one of the lower-case phrases."""
    # Text is found in the raw markup first (C-speed str.find); only spellings found there become XPath.
    spellings = _spellings(page, phrases)
    if not spellings:
        return []
    found: dict[HtmlElement, None] = {}
    for text in _saying_xpath(tuple(sorted(spellings))[:32])(page.root):
        element = text.getparent()
        if text.is_tail:
            element = element.getparent()
        if element is not None:
            found[element] = None
    return list(found)


# Markup is lowered a slice at a time: lower() of a whole 20 MB page needs ~12 bytes a character.
_SLICE = 1 << 20


def _spellings(page: Page, phrases: tuple[str, ...]) -> set[str]:
    """How the page writes the phrases ("Lượt xem", "LƯỢT XEM"): XPath 1.0 cannot ignore case."""
    markup = page.markup
    overlap = max(map(len, phrases), default=0)
    found: set[str] = set()
    for offset in range(0, len(markup), _SLICE):
        piece = markup[offset:offset + _SLICE + overlap]  # a phrase across the cut is found whole
        found |= _spellings_in(piece, piece.lower(), phrases)
    return found


def _spellings_in(markup: str, lowered: str, phrases: tuple[str, ...]) -> set[str]:
    if len(lowered) != len(markup):  # lower() changed a length: offsets would not line up
        return {s for p in phrases for s in (p, p.capitalize(), p.title(), p.upper()) if p in lowered}
    found = set()
    for phrase in phrases:
        start = lowered.find(phrase)
        while start >= 0:
            found.add(markup[start:start + len(phrase)])
            start = lowered.find(phrase, start + 1)
    return found


@lru_cache(maxsize=256)
def _saying_xpath(spellings: tuple[str, ...]) -> etree.XPath:
    tests = " or ".join(f"contains(., '{spelling}')" for spelling in spellings)
    return etree.XPath(f"//body//text()[string-length(.) < 80][{tests}]")
