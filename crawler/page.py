"""A fetched page parsed once, and the profile warnings it holds back until it yields a record."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

import lxml.html
from lxml.etree import ParserError
from lxml.html import HtmlElement

from crawler.class_index import ClassIndex, chain, css
from crawler.metadata import Candidate
from crawler.profile import Selectors
from crawler.records import DroppedLink, ExtractionError
from crawler.urls import joined_url

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
# libxml2 otherwise stops, silently, at a text node over 10 MB (a page's inline state script) and
# the body after it is lost; the crawl's max_size bounds what it is given.
_PARSER = lxml.html.HTMLParser(huge_tree=True)
_HTML_START, _HTML_END = re.compile(r"<html", re.IGNORECASE), re.compile(r"</html", re.IGNORECASE)


@dataclass
class Page:
    markup: str  # NFC
    root: HtmlElement
    url: str
    selectors: Selectors
    now: datetime | None = None
    # Held back until the page has yielded its record: a 404 page needs no "selector stopped
    # matching" warnings, its ExtractionError says it all.
    warnings: list[tuple[str, tuple[object, ...]]] = field(default_factory=list)
    dropped_links: list[DroppedLink] = field(default_factory=list)

    def warn(self, message: str, *args: object) -> None:
        self.warnings.append((message, args))

    def drop_link(self, link: str, error: ValueError) -> None:
        """A link that cannot be parsed: left out, and handed to the crawl to report."""
        self.dropped_links.append(DroppedLink(self.url, link, str(error)))

    @cached_property
    def index(self) -> ClassIndex:
        return ClassIndex(self.root)

    def matches(self, selector: str) -> list[HtmlElement]:
        """Elements of the page matching one selector (no group), in document order."""
        compounds = chain(selector)
        return self.index.select(compounds) if compounds else css(selector)(self.root)

    @cached_property
    def base(self) -> str:
        base = self.root.find(".//base[@href]")
        joined = joined_url(self.url, base.get("href").strip()) if base is not None else None
        return joined or self.url


def parse_page(html: str, url: str, selectors: Selectors, now: datetime | None = None) -> Page:
    if not html or html.isspace():
        raise ExtractionError(url, "empty page")
    # NFC up front, so text tests see one spelling; lxml refuses str input that declares an encoding.
    markup = _XML_DECLARATION.sub("", _nfc(html), count=1)
    try:
        root = lxml.html.document_fromstring(markup, parser=_PARSER)
    except (ParserError, ValueError) as exc:
        raise ExtractionError(url, f"unparseable HTML: {exc}") from exc
    page = Page(markup, root, url, selectors, now)
    if _HTML_START.search(markup) and not _HTML_END.search(markup):
        # lxml repairs a cut-off page silently; stored, it would look like an edit
        raise ExtractionError(url, "truncated page: the HTML ends before </html>")
    return page


# normalize() of a whole page needs ~8 bytes a character at once; a big page goes a slice at a time
_NFC_SLICE = 1 << 20


def _nfc(html: str) -> str:
    """`html` in NFC. Slices end before a "<", which no character composes with, so the slices
    normalise exactly as the whole would."""
    pieces = []
    start = 0
    while start < len(html):
        end = html.find("<", start + _NFC_SLICE)
        end = len(html) if end < 0 else end
        pieces.append(unicodedata.normalize("NFC", html[start:end]))
        start = end
    return pieces[0] if len(pieces) == 1 else "".join(pieces)


def describe(element: HtmlElement) -> str:
    """The element as a CSS compound (`div#main.content`), for messages."""
    ident = f"#{element.get('id')}" if element.get("id") else ""
    classes = "".join(f".{c}" for c in (element.get("class") or "").split())
    return f"{element.tag}{ident}{classes}"


def warn_fallback(page: Page, name: str, source: str, *, matched: bool = False) -> None:
    selector = getattr(page.selectors, name)
    if selector:
        page.warn("profile selector %r (%r) matched %s on %s; used %s", name, selector,
                  "no usable value" if matched else "nothing", page.url, source)


def first_fallback(page: Page, name: str, candidates: Iterable[Candidate]) -> Candidate | None:
    """The first candidate, with the warning that tells the user the profile stopped matching."""
    for candidate in candidates:
        warn_fallback(page, name, candidate.source)
        return candidate
    return None


def missing_selector(page: Page, name: str) -> str:
    """Why the profile found nothing for `name`, for an ExtractionError reason."""
    selector = getattr(page.selectors, name)
    return f"selector {selector!r} matched nothing" if selector else f"no {name} selector configured"
