"""A fetched page parsed once: its tree, where each element stood, and the notices it holds back."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from urllib.parse import urljoin

import lxml.html
from lxml.etree import ParserError
from lxml.html import HtmlElement

from crawler.class_index import ClassIndex, chain, css
from crawler.profile import Selectors
from crawler.records import ExtractionError

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")


@dataclass
class Page:
    markup: str  # NFC
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

    def warn(self, message: str) -> None:
        """Something a profile author must act on: a selector that stopped matching, an unreadable date."""
        self.notices.append((logging.WARNING, message))

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
    def markup_lowered(self) -> str:
        return self.markup.lower()

    @cached_property
    def base(self) -> str:
        base = self.root.find(".//base[@href]")
        return urljoin(self.url, base.get("href").strip()) if base is not None else self.url

    def last_position(self, element: HtmlElement) -> int:
        """The position of the last element inside `element` (itself when it has none)."""
        last = element
        for last in element.iter():  # noqa: B007 - the loop variable is the answer
            pass
        return self.position.get(last, self.position.get(element, 0))


def parse_page(html: str, url: str, selectors: Selectors, now: datetime | None = None) -> Page:
    if not html or not html.strip():
        raise ExtractionError(url, "empty page")
    # NFC up front, so text tests see one spelling; lxml refuses str input that declares an encoding.
    markup = _XML_DECLARATION.sub("", unicodedata.normalize("NFC", html), count=1)
    try:
        root = lxml.html.document_fromstring(markup)
    except (ParserError, ValueError) as exc:
        raise ExtractionError(url, f"unparseable HTML: {exc}") from exc
    page = Page(markup, root, url, selectors, now)
    for number, element in enumerate(root.iter()):
        page.position[element] = number
        if (element.text and not element.text.isspace()) or (element.tail and not element.tail.isspace()):
            page.last_text = number
    lowered = page.markup_lowered
    # </html> is optional in HTML (and so is </body>); a page without either may still be whole.
    page.ended = "</body" in lowered or "</html" in lowered or "<body" not in lowered
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
