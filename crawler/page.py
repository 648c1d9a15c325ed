"""A fetched page parsed once: its tree, where each element stood, and the notices it holds back."""

from __future__ import annotations

import logging
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

import lxml.html
from lxml import etree
from lxml.etree import ParserError
from lxml.html import HtmlElement

from crawler.class_index import ClassIndex, chain, css
from crawler.profile import Selectors
from crawler.records import DroppedLink, ExtractionError
from crawler.text import normalise
from crawler.urls import joined_url
from crawler.vocabulary import SHORT_TEXT_CHARS

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
# libxml2 otherwise stops, silently, at a text node over 10 MB (a page's inline state script) and
# the body after it is lost; the crawl's max_size bounds what it is given.
_PARSER = lxml.html.HTMLParser(huge_tree=True)
_END_TAG = re.compile(r"</(?:body|html)\b", re.IGNORECASE)
_BODY_TAG = re.compile(r"<body\b", re.IGNORECASE)
_BODY_TEXT = etree.XPath("//body//text()")
_SHORT_TEXT_RAW_CHARS = 5 * SHORT_TEXT_CHARS  # before whitespace is collapsed
# The attributes an element is named by, for the name patterns of crawler.vocabulary.
NAME_ATTRIBUTES = ("class", "id", "type", "itemprop", "data-role", "data-content-name")
_NAME_VALUES = etree.XPath("|".join(f"//@{a}" for a in NAME_ATTRIBUTES))


class ShortTexts:
    """Short text nodes joined into one lower-case string, so that a phrase is found with str.find."""

    def __init__(self, root: HtmlElement) -> None:
        self.owners: list[HtmlElement] = []
        self.starts: list[int] = []
        parts: list[str] = []
        offset = 0
        for node in _BODY_TEXT(root):
            if len(node) > _SHORT_TEXT_RAW_CHARS or node.isspace():
                continue
            text = normalise(node).lower()
            if len(text) >= SHORT_TEXT_CHARS:
                continue
            owner = node.getparent()
            if node.is_tail:
                owner = owner.getparent()
            if owner is None:
                continue
            self.owners.append(owner)
            self.starts.append(offset)
            parts.append(text)
            offset += len(text) + 1
        self.joined = "\x00".join(parts)

    def saying(self, phrases: tuple[str, ...]) -> list[HtmlElement]:
        """The elements whose short text holds one of the lower-case phrases, in document order."""
        hits: set[int] = set()
        for phrase in phrases:
            start = self.joined.find(phrase)
            while start >= 0:
                hits.add(bisect_right(self.starts, start) - 1)
                start = self.joined.find(phrase, start + 1)
        return list(dict.fromkeys(self.owners[i] for i in sorted(hits)))


@dataclass
class Page:
    markup: str
    root: HtmlElement
    url: str
    selectors: Selectors
    now: datetime | None = None
    # Held back until the page has yielded its record: a 404 page needs no "selector stopped
    # matching" warnings, its ExtractionError says it all. (level, message)
    notices: list[tuple[int, str]] = field(default_factory=list)
    # Document order of every element as parsed, before anything was removed.
    position: dict[HtmlElement, int] = field(default_factory=dict)
    # Where the last text of the document stood, and whether </body> or </html> arrived.
    last_text: int = 0
    ended: bool = True
    _named_cache: dict[re.Pattern[str], set[HtmlElement]] = field(default_factory=dict, repr=False)
    # Links that cannot be parsed, left out wherever they were met; the crawl reports them.
    dropped_links: list[DroppedLink] = field(default_factory=list)

    def warn(self, message: str) -> None:
        """Something a profile author must act on: a selector that stopped matching, an unreadable date."""
        self.notices.append((logging.WARNING, message))

    def drop_link(self, link: str, error: ValueError) -> None:
        if all(dropped.link != link for dropped in self.dropped_links):
            self.dropped_links.append(DroppedLink(self.url, link, str(error)))

    def note(self, message: str) -> None:
        """Something worth knowing that needs no action: metadata that disagrees with the page."""
        self.notices.append((logging.INFO, message))

    @cached_property
    def index(self) -> ClassIndex:
        return ClassIndex(self.root)

    def matches(self, selector: str) -> list[HtmlElement]:
        """Elements of the page matching one selector (no group), in document order."""
        compounds = chain(selector)
        return self.index.select(compounds) if compounds else css(selector)(self.root)

    @cached_property
    def names(self) -> dict[str, list[HtmlElement]]:
        """Elements by each word they are named by (class tokens, id, type, itemprop, data-role)."""
        found: dict[str, list[HtmlElement]] = {}
        for value in _NAME_VALUES(self.root):  # attribute values, each knowing its element
            element = value.getparent()
            for token in value.split():
                found.setdefault(token, []).append(element)
        return found

    def named(self, pattern: re.Pattern[str], within: HtmlElement | None = None) -> list[HtmlElement]:
        """Elements still on the page (or inside `within`) named as `pattern` says, in document order."""
        hits = self._named_cache.get(pattern)
        if hits is None:
            hits = {e for token, elements in self.names.items() if pattern.search(token) for e in elements}
            self._named_cache[pattern] = hits
        top = within if within is not None else self.root
        kept = [e for e in hits if e is top or any(parent is top for parent in e.iterancestors())]
        return sorted(kept, key=lambda e: self.position.get(e, 0))

    @cached_property
    def short_texts(self) -> ShortTexts:
        """The short text nodes of the body, normalised and lower-cased, to find phrases in."""
        return ShortTexts(self.root)

    @cached_property
    def base(self) -> str:
        base = self.root.find(".//base[@href]")
        joined = joined_url(self.url, base.get("href").strip()) if base is not None else None
        return joined or self.url

    def last_position(self, element: HtmlElement) -> int:
        """The position of the last element inside `element` (itself when it has none)."""
        last = element
        for last in element.iter():  # noqa: B007 - the loop variable is the answer
            pass
        return self.position.get(last, self.position.get(element, 0))


def parse_page(html: str, url: str, selectors: Selectors, now: datetime | None = None) -> Page:
    if not html or html.isspace():
        raise ExtractionError(url, "empty page")
    # lxml refuses str input that declares an encoding. Text is made NFC as it is read (normalise),
    # not here: normalising a whole 500 kB page costs more than reading it.
    markup = _XML_DECLARATION.sub("", html, count=1)
    try:
        root = lxml.html.document_fromstring(markup, parser=_PARSER)
    except (ParserError, ValueError) as exc:
        raise ExtractionError(url, f"unparseable HTML: {exc}") from exc
    page = Page(markup, root, url, selectors, now)
    elements = list(root.iter())
    page.position = dict(zip(elements, range(len(elements)), strict=True))
    for number in range(len(elements) - 1, -1, -1):
        element = elements[number]
        if (element.text and not element.text.isspace()) or (element.tail and not element.tail.isspace()):
            page.last_text = number
            break
    # </html> is optional in HTML (and so is </body>); a page without either may still be whole.
    page.ended = bool(_END_TAG.search(markup)) or not _BODY_TAG.search(markup)
    return page


def describe(element: HtmlElement) -> str:
    """The element as a CSS compound (`div#main.content`), for messages."""
    ident = f"#{element.get('id')}" if element.get("id") else ""
    classes = "".join(f".{c}" for c in (element.get("class") or "").split())
    return f"{element.tag}{ident}{classes}"


def warn_fallback(page: Page, name: str, source: str, *, matched: bool = False) -> None:
    """Tell the user the profile's selector for `name` did not give the value (none when it has none)."""
    selector = getattr(page.selectors, name)
    if selector:
        found = "no usable value" if matched else "nothing"
        page.warn(f"profile selector {name!r} ({selector!r}) matched {found} on {page.url}; used {source}")


def missing_selector(page: Page, name: str) -> str:
    """Why the profile found nothing for `name`, for an ExtractionError reason."""
    selector = getattr(page.selectors, name)
    return f"selector {selector!r} matched nothing" if selector else f"no {name} selector configured"
