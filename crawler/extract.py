"""Article and listing pages to records: profile selectors, then page metadata, then generic rules."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache
from urllib.parse import urljoin

import lxml.html
from cssselect import SelectorError
from lxml import etree
from lxml.cssselect import CSSSelector
from lxml.etree import ParserError
from lxml.html import HtmlElement

from crawler.dates import parse_date
from crawler.metadata import Candidate, PageMetadata, read_metadata
from crawler.profile import Selectors
from crawler.records import Article, ExtractionError, Image, Listing, ListingItem, RelatedLink
from crawler.text import Paragraph, image_source, inline_text, normalise, paragraphs, sanitised_html
from crawler.urls import canonical_url

logger = logging.getLogger(__name__)

RELATED_HEADINGS = ("tin cùng chuyên mục", "tin liên quan", "tin khác", "cùng chuyên mục")
NEXT_PAGE_TEXTS = frozenset({"trang sau", "trang tiếp", "tiếp", "sau", "next", "»", "›", ">", ">>"})

# Page furniture: never part of an article, and volatile (a clock, a counter) or irrelevant.
_FURNITURE_TAGS = frozenset({"script", "style", "noscript", "template", "nav", "aside", "iframe",
                             "button"})
_FURNITURE_NAME = re.compile(
    r"(?:^|[-_])(?:ads?|adv|advert\w*|quang-?cao|banner|share|sharing|social|print|views|luot-?xem"
    r"|view-?count|clock)(?:[-_]|$)",
    re.IGNORECASE,
)
# Text is found in the raw markup first (C-speed str.find); only spellings found there become XPath.
_FURNITURE_PHRASES = ("lượt xem", "lượt đọc", "lượt truy cập", "in bài", "bản in", "chia sẻ", "quảng cáo")
_FURNITURE_TEXT = re.compile(
    r"(?:số )?lượt (?:xem|đọc|truy cập)\s*:?\s*[\d.,]+|in bài(?: viết)?|bản in|quảng cáo"
    r"|chia sẻ(?:\s*(?::|facebook|zalo|twitter|email|bài viết))*"
)
_COUNTERS = re.compile(r"(?:số )?lượt (?:xem|đọc|truy cập)\s*:?\s*[\d.,]+|in bài(?: viết)?", re.IGNORECASE)
_FURNITURE_MAX_TEXT = 200  # a block with more text than this is content, whatever its class says
_DATE_NAME = re.compile(r"date|time|ngay|publish", re.IGNORECASE)
_DATE_LIKE = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}")
_MIN_GENERIC_BODY = 100  # characters of <p> text before a block counts as an article body
_HOME_LINKS = frozenset({"trang chủ", "home", ""})
_AUTHOR_PREFIX = re.compile(r"^(?:tác giả|bài viết)\s*:\s*", re.IGNORECASE)
_BYLINE_JOINERS = frozenset({"-", "–", "và", "&"})
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
# CMS editors lay a photo and its caption out as a two-row table: table.image, table.picture …
_IMAGE_TABLE = re.compile(r"image|picture|photo|caption", re.IGNORECASE)


# --- public API -------------------------------------------------------------------------------


def extract_article(html: str, url: str, selectors: Selectors, *, now: datetime | None = None) -> Article:
    """The article on a fetched page; ExtractionError when it has no title or no body.

    `now` is when the page was fetched: it anchors relative dates ("2 giờ trước").
    """
    page = _parse(html, url, selectors, now)
    metadata = read_metadata(page.root, url)
    related = _related(page)  # before the furniture goes: the drop list may hold its heading
    category = _category(page, metadata)  # breadcrumbs often sit in <nav>
    _remove_furniture(page)

    body = _body_element(page)  # first: a page with no body (an error page) needs no title warning
    title_element, title = _title(page, metadata)
    lead_element, lead = _lead(page, metadata)
    author_element, author = _author(page, metadata)
    container = _article_container(title_element, body)
    published_element, published = _published(page, metadata, container)
    modified = _modified(page, metadata, container)
    for element in (title_element, lead_element, author_element, published_element):
        if element is not None and _is_inside(element, body):
            element.drop_tree()  # a field read from inside the body is not body text too

    images, captions = _images(body, page.base)
    body_paragraphs = [p for p in paragraphs(body, captions) if not _is_furniture_text(p.text)]
    author = _take_byline(body_paragraphs, author)
    if not body_paragraphs:
        raise ExtractionError(url, f"no body: the body element ({_describe(body)}) holds no text")
    page.log_warnings()
    return Article(
        url=url,
        title=title,
        lead=lead,
        body="\n\n".join(p.text for p in body_paragraphs),
        body_html=sanitised_html(body, page.base),
        author=author,
        category=category,
        images=images or [Image(urljoin(page.base, c.value)) for c in _unique_candidates(metadata.images)],
        published_at=published,
        modified_at=modified,
        related=related,
    )


def extract_listing(html: str, url: str, selectors: Selectors) -> Listing:
    """Article links of a section page in page order, and the next page's URL (None on the last)."""
    page = _parse(html, url, selectors)
    next_page = _next_page(page)
    anchors = _select(page, selectors.article_links)
    if not anchors:
        _remove_furniture(page)
        anchors = _css("h2 a[href], h3 a[href]")(page.root)
        if anchors:
            _warn_fallback(page, "article_links", "the links of <h2>/<h3> headlines")
    own = canonical_url(page.url)
    items = [ListingItem(link, title) for link, title in _links(anchors, page.base) if link != own]
    page.log_warnings()
    return Listing(items=items, next_page=next_page)


def check_selectors(selectors: Selectors) -> None:
    """ValueError naming the field whose selector is not valid CSS (for the config loader)."""
    for name, group in vars(selectors).items():
        try:
            _alternatives(group)
        except (SelectorError, etree.XPathError) as exc:
            raise ValueError(f"selector {name!r} ({group!r}) is not valid CSS: {exc}") from exc


# --- parsing and selectors --------------------------------------------------------------------


@dataclass
class _Page:
    markup: str  # NFC
    root: HtmlElement
    url: str
    selectors: Selectors
    now: datetime | None = None
    # Held back until the page has yielded its record: a 404 page needs no "selector stopped
    # matching" warnings, its ExtractionError says it all.
    warnings: list[tuple[str, tuple[object, ...]]] = field(default_factory=list)

    def warn(self, message: str, *args: object) -> None:
        self.warnings.append((message, args))

    def log_warnings(self) -> None:
        for message, args in self.warnings:
            logger.warning(message, *args)

    @cached_property
    def index(self) -> _ClassIndex:
        return _ClassIndex(self.root)

    def matches(self, selector: str) -> list[HtmlElement]:
        """Elements of the page matching one selector (no group), in document order."""
        chain = _chain(selector)
        return self.index.select(chain) if chain else _css(selector)(self.root)

    @cached_property
    def markup_lowered(self) -> str:
        return self.markup.lower()

    @cached_property
    def base(self) -> str:
        base = self.root.find(".//base[@href]")
        return urljoin(self.url, base.get("href").strip()) if base is not None else self.url


def _parse(html: str, url: str, selectors: Selectors, now: datetime | None = None) -> _Page:
    if not html or not html.strip():
        raise ExtractionError(url, "empty page")
    # NFC up front, so text tests see one spelling; lxml refuses str input that declares an encoding.
    markup = _XML_DECLARATION.sub("", unicodedata.normalize("NFC", html), count=1)
    try:
        root = lxml.html.document_fromstring(markup)
    except (ParserError, ValueError) as exc:
        raise ExtractionError(url, f"unparseable HTML: {exc}") from exc
    page = _Page(markup, root, url, selectors, now)
    if "<html" in page.markup_lowered and "</html" not in page.markup_lowered:
        # lxml repairs a cut-off page silently; stored, it would look like an edit
        raise ExtractionError(url, "truncated page: the HTML ends before </html>")
    return page


def _split_group(group: str) -> list[str]:
    """`a, b:not(c, d), e` → its alternatives; commas inside brackets and quotes do not split."""
    parts, depth, quote, start = [], 0, "", 0
    for i, char in enumerate(group):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(group[start:i])
            start = i + 1
    parts.append(group[start:])
    return [part.strip() for part in parts if part.strip()]


@lru_cache(maxsize=512)
def _alternatives(group: str) -> tuple[str, ...]:
    """The alternatives of a group, each checked to be valid CSS."""
    parts = tuple(_split_group(group))
    for part in parts:
        _css(part)
    return parts


@lru_cache(maxsize=512)
def _css(selector: str) -> CSSSelector:
    return CSSSelector(selector, translator="html")


def _select(page: _Page, group: str) -> list[HtmlElement]:
    """Every match of the first alternative of a group that matches anything (newest markup first)."""
    for alternative in _alternatives(group) if group else ():
        hits = page.matches(alternative)
        if hits:
            return hits
    return []


def _select_within(element: HtmlElement, group: str) -> list[HtmlElement]:
    """Like `_select`, inside one element (small subtrees: plain cssselect is fast there)."""
    for alternative in _alternatives(group):
        hits = _css(alternative)(element)
        if hits:
            return hits
    return []


def _select_text(page: _Page, group: str, *, last: bool = False) -> tuple[HtmlElement | None, str]:
    """First (or last) non-empty match of the first alternative that has one: alternatives are
    listed newest markup first, so an old class lingering elsewhere on the page never wins."""
    for alternative in _alternatives(group) if group else ():
        hits = page.matches(alternative)
        for element in reversed(hits) if last else hits:
            text = inline_text(element)
            if text and not (last and text.casefold() in _HOME_LINKS):
                return element, text
    return None, ""


# Profile selectors are mostly chains of tag/class/id compounds ("div.bx-cat-content h3 a").
# libxml2 pays a whole-tree scan for every class test, so those chains are answered from an
# index of classes and ids built in one pass; anything else goes to cssselect.
_COMPOUND = re.compile(r"(?P<tag>[a-zA-Z][\w-]*|\*)?(?P<rest>(?:[.#][\w-]+)*)")


@dataclass(frozen=True)
class _Compound:
    tag: str | None
    classes: frozenset[str]
    ident: str | None

    def matches(self, element: HtmlElement) -> bool:
        if self.tag and element.tag != self.tag:
            return False
        if self.ident and element.get("id") != self.ident:
            return False
        return not self.classes or self.classes <= set((element.get("class") or "").split())


@lru_cache(maxsize=512)
def _chain(selector: str) -> tuple[_Compound, ...] | None:
    """The compounds of a descendant-only chain, or None for any other selector."""
    compounds = []
    for part in selector.split():
        match = _COMPOUND.fullmatch(part)
        if match is None or not part:
            return None
        ids = re.findall(r"#([\w-]+)", match["rest"])
        if len(ids) > 1:
            return None
        tag = match["tag"].lower() if match["tag"] and match["tag"] != "*" else None
        classes = frozenset(re.findall(r"\.([\w-]+)", match["rest"]))
        compounds.append(_Compound(tag, classes, ids[0] if ids else None))
    return tuple(compounds) or None


_CLASSED = etree.XPath("//*[@class or @id]")


class _ClassIndex:
    """Elements by class token and by id, in document order."""

    def __init__(self, root: HtmlElement) -> None:
        self.root = root
        self.classes: dict[str, list[HtmlElement]] = {}
        self.ids: dict[str, list[HtmlElement]] = {}
        for element in _CLASSED(root):
            for token in (element.get("class") or "").split():
                self.classes.setdefault(token, []).append(element)
            ident = element.get("id")
            if ident:
                self.ids.setdefault(ident, []).append(element)

    def select(self, chain: tuple[_Compound, ...]) -> list[HtmlElement]:
        anchor = max((i for i, c in enumerate(chain) if c.classes or c.ident), default=None)
        if anchor is None:  # tags only: lxml's iter(tag) is a C loop
            return [e for e in self.root.iter(chain[-1].tag or "*")
                    if isinstance(e.tag, str) and _has_ancestors(e, chain[:-1])]
        anchors = [e for e in self._indexed(chain[anchor])
                   if chain[anchor].matches(e) and self._attached(e) and _has_ancestors(e, chain[:anchor])]
        if anchor == len(chain) - 1:
            return anchors
        found, covering = [], None
        for top in anchors:
            if covering is not None and _is_inside(top, covering):
                continue  # its descendants were visited with the enclosing match
            covering = top
            found.extend(e for e in top.iter(chain[-1].tag or "*")
                         if e is not top and isinstance(e.tag, str) and chain[-1].matches(e)
                         and _has_ancestors(e, chain[anchor + 1:-1], stop=top))
        return found

    def _indexed(self, compound: _Compound) -> list[HtmlElement]:
        if compound.ident:
            return self.ids.get(compound.ident, [])
        return min((self.classes.get(c, []) for c in compound.classes), key=len)

    def _attached(self, element: HtmlElement) -> bool:
        """Still in the page: furniture removal detaches elements the index holds."""
        ancestors = list(element.iterancestors())
        return (ancestors[-1] if ancestors else element) is self.root


def _has_ancestors(element: HtmlElement, chain: tuple[_Compound, ...],
                   stop: HtmlElement | None = None) -> bool:
    """Whether ancestors of `element` (below `stop`) match the chain, nearest last."""
    remaining = len(chain)
    for ancestor in element.iterancestors():
        if remaining == 0 or ancestor is stop:
            break
        if chain[remaining - 1].matches(ancestor):
            remaining -= 1
    return remaining == 0


def _describe(element: HtmlElement) -> str:
    ident = f"#{element.get('id')}" if element.get("id") else ""
    classes = "".join(f".{c}" for c in (element.get("class") or "").split())
    return f"{element.tag}{ident}{classes}"


def _is_inside(element: HtmlElement, ancestor: HtmlElement) -> bool:
    return any(parent is ancestor for parent in element.iterancestors())


def _warn_fallback(page: _Page, name: str, source: str, *, matched: bool = False) -> None:
    selector = getattr(page.selectors, name)
    if selector:
        page.warn("profile selector %r (%r) matched %s on %s; used %s", name, selector,
                  "no usable value" if matched else "nothing", page.url, source)


def _fallback(page: _Page, name: str, candidates: Iterable[Candidate]) -> Candidate | None:
    """The first candidate, with the warning that tells the user the profile stopped matching."""
    for candidate in candidates:
        _warn_fallback(page, name, candidate.source)
        return candidate
    return None


def _missing(page: _Page, name: str) -> str:
    selector = getattr(page.selectors, name)
    return f"selector {selector!r} matched nothing" if selector else f"no {name} selector configured"


# --- furniture --------------------------------------------------------------------------------


def _remove_furniture(page: _Page) -> None:
    root = page.root
    doomed = [e for part in _alternatives(page.selectors.drop) for e in page.matches(part)]
    doomed.extend(root.iter(*_FURNITURE_TAGS))
    doomed.extend(e for e in root.iter("header", "footer") if not _inside(e, ("article", "main")))
    # some CMSs wrap the whole page in one <form>
    doomed.extend(e for e in root.iter("form") if e.find(".//h1") is None and e.find(".//p") is None)
    doomed.extend(e for e in _elements_named(page) if len(e.text_content()) < _FURNITURE_MAX_TEXT)
    doomed.extend(e for e in _elements_saying(page, _FURNITURE_PHRASES)
                  if len(e) <= 2 and _is_furniture_text(normalise(e.text_content())))
    for element in doomed:
        if element.getparent() is not None:  # the drop list and the rules may name it twice
            element.drop_tree()


def _is_furniture_text(text: str) -> bool:
    return len(text) < 40 and _FURNITURE_TEXT.fullmatch(text.casefold()) is not None


def _inside(element: HtmlElement, tags: tuple[str, ...]) -> bool:
    return any(parent.tag in tags for parent in element.iterancestors())


def _elements_named(page: _Page) -> list[HtmlElement]:
    """Elements whose class or id says share, ad, print, view counter, clock."""
    index = page.index
    return [element for names in (index.classes, index.ids) for name, elements in names.items()
            if _FURNITURE_NAME.search(name) for element in elements if element.tag not in ("html", "body")]


def _elements_saying(page: _Page, phrases: tuple[str, ...]) -> list[HtmlElement]:
    """Elements (in page order) with a short text node containing one of the lower-case phrases."""
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


def _spellings(page: _Page, phrases: tuple[str, ...]) -> set[str]:
    """How the page writes the phrases ("Lượt xem", "LƯỢT XEM"): XPath 1.0 cannot ignore case."""
    lowered = page.markup_lowered
    if len(lowered) != len(page.markup):  # lower() changed a length: offsets would not line up
        return {s for p in phrases for s in (p, p.capitalize(), p.title(), p.upper()) if p in lowered}
    found = set()
    for phrase in phrases:
        start = lowered.find(phrase)
        while start >= 0:
            found.add(page.markup[start:start + len(phrase)])
            start = lowered.find(phrase, start + 1)
    return found


@lru_cache(maxsize=256)
def _saying_xpath(spellings: tuple[str, ...]) -> etree.XPath:
    tests = " or ".join(f"contains(., '{spelling}')" for spelling in spellings)
    return etree.XPath(f"//body//text()[string-length(.) < 80][{tests}]")


# --- fields -----------------------------------------------------------------------------------


def _title(page: _Page, metadata: PageMetadata) -> tuple[HtmlElement | None, str]:
    element, text = _select_text(page, page.selectors.title)
    if text:
        return element, text
    h1, h1_text = _select_text(page, "h1")
    candidates = [*metadata.title, *([Candidate(h1_text, "the first <h1>")] if h1_text else [])]
    chosen = _fallback(page, "title", candidates)
    if chosen is None:
        raise ExtractionError(
            page.url, f"no title: {_missing(page, 'title')} and no og:title/JSON-LD headline or <h1>"
        )
    return (h1 if chosen.value == h1_text else None), chosen.value


def _body_element(page: _Page) -> HtmlElement:
    for alternative in _alternatives(page.selectors.body) if page.selectors.body else ():
        for element in page.matches(alternative):
            if element.text_content().strip():
                return element
    for source, element in _generic_bodies(page):
        _warn_fallback(page, "body", source)
        return element
    raise ExtractionError(
        page.url,
        f"no body: {_missing(page, 'body')} and no [itemprop=articleBody], <article> or block of paragraphs",
    )


def _generic_bodies(page: _Page) -> Iterator[tuple[str, HtmlElement]]:
    root = page.root
    for element in page.matches("[itemprop=articleBody]"):
        if element.text_content().strip():
            yield "[itemprop=articleBody]", element
    articles = [(_paragraph_chars(a.iter("p")), a) for a in root.iter("article")]
    if articles:
        score, best = max(articles, key=lambda pair: pair[0])
        if score >= _MIN_GENERIC_BODY:
            yield "<article>", best
    scores: dict[HtmlElement, int] = {}
    for p in root.iter("p"):
        parent = p.getparent()
        scores[parent] = scores.get(parent, 0) + _paragraph_chars([p])
    if scores:
        best, score = max(scores.items(), key=lambda pair: pair[1])
        if score >= _MIN_GENERIC_BODY:
            yield "the element with most paragraph text", best


def _paragraph_chars(ps: Iterable[HtmlElement]) -> int:
    return sum(len(p.text_content().strip()) for p in ps)


def _lead(page: _Page, metadata: PageMetadata) -> tuple[HtmlElement | None, str]:
    element, text = _select_text(page, page.selectors.lead)
    if text:
        return element, text
    generic_element, generic = _select_text(page, "[itemprop=description]")
    candidates = [*metadata.description, *([Candidate(generic, "[itemprop=description]")] if generic else [])]
    chosen = _fallback(page, "lead", candidates)
    if chosen is None:
        return None, ""
    return (generic_element if chosen.value == generic else None), chosen.value


def _author(page: _Page, metadata: PageMetadata) -> tuple[HtmlElement | None, str | None]:
    element, text = _select_text(page, page.selectors.author)
    if not text:
        element, text = None, ""
        generic_element, generic = _select_text(page, "[itemprop=author], a[rel=author]")
        candidates = [*metadata.author, *([Candidate(generic, "[itemprop=author]")] if generic else [])]
        chosen = _fallback(page, "author", candidates)
        if chosen is not None:
            element = generic_element if chosen.value == generic else None
            text = chosen.value
    text = normalise(_AUTHOR_PREFIX.sub("", _COUNTERS.sub(" ", text)).strip(" |-–"))
    return element, text or None


def _category(page: _Page, metadata: PageMetadata) -> str | None:
    _, text = _select_text(page, page.selectors.category, last=True)
    if text:
        return text
    _, generic = _select_text(page, "[class*=breadcrumb] a", last=True)
    candidates = [*metadata.section, *([Candidate(generic, "the breadcrumb")] if generic else [])]
    chosen = _fallback(page, "category", candidates)
    return chosen.value if chosen else None


def _take_byline(body: list[Paragraph], author: str | None) -> str | None:
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


# --- dates ------------------------------------------------------------------------------------


def _article_container(title: HtmlElement | None, body: HtmlElement) -> HtmlElement:
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


def _date_from(page: _Page, element: HtmlElement) -> datetime | None:
    raw = element.get("datetime") or element.get("content") or inline_text(element)
    raw = normalise(_COUNTERS.sub(" ", raw))
    return parse_date(raw, page.now) if raw else None


def _published(page: _Page, metadata: PageMetadata,
               container: HtmlElement) -> tuple[HtmlElement | None, datetime | None]:
    return _date_field(page, "published", metadata.published, container, _generic_published)


def _modified(page: _Page, metadata: PageMetadata, container: HtmlElement) -> datetime | None:
    def generic(root: HtmlElement) -> Iterator[HtmlElement]:
        yield from _select_within(root, "[itemprop=dateModified]")

    return _date_field(page, "modified", metadata.modified, container, generic)[1]


def _date_field(
    page: _Page,
    name: str,
    candidates: list[Candidate],
    container: HtmlElement,
    generic: Callable[[HtmlElement], Iterable[HtmlElement]],
) -> tuple[HtmlElement | None, datetime | None]:
    selector = getattr(page.selectors, name)
    matched = False
    for alternative in _alternatives(selector) if selector else ():
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
            _warn_fallback(page, name, candidate.source, matched=matched)
            return None, parsed
    for element in generic(container):
        parsed = _date_from(page, element)
        if parsed is not None:
            _warn_fallback(page, name, f"the date element {_describe(element)}", matched=matched)
            return element, parsed
    return None, None


def _generic_published(container: HtmlElement) -> Iterator[HtmlElement]:
    """Elements inside the article that say they hold a date, first the explicit ones."""
    yield from _select_within(container, "[itemprop=datePublished], time[datetime]")
    for element in container.iter():
        if not isinstance(element.tag, str) or len(element) > 3:
            continue
        names = " ".join(filter(None, (element.get("class"), element.get("id"), element.get("itemprop"))))
        if _DATE_NAME.search(names) and _DATE_LIKE.search(element.text_content()):
            yield element


# --- images -----------------------------------------------------------------------------------


def _images(body: HtmlElement, base: str) -> tuple[list[Image], set[HtmlElement]]:
    """Photos of the body with their captions, and the caption elements (not body paragraphs)."""
    images: dict[str, Image] = {}
    captions: set[HtmlElement] = set()
    for img in body.iter("img"):
        src = image_source(img, base)
        if not src or img.get("width") == "1":
            continue
        caption_elements = _caption_elements(img, body)
        captions.update(caption_elements)
        caption = " ".join(filter(None, (inline_text(c) for c in caption_elements)))
        caption = caption or normalise(img.get("alt") or "")
        if src not in images or not images[src].caption:
            images[src] = Image(src, caption)
    return list(images.values()), captions


def _caption_elements(img: HtmlElement, body: HtmlElement) -> list[HtmlElement]:
    for ancestor in img.iterancestors():
        if ancestor is body:
            break
        if ancestor.tag == "figure":
            return ancestor.findall(".//figcaption") or _class_captions(ancestor)
        if ancestor.tag == "table" and _IMAGE_TABLE.search(ancestor.get("class") or ""):
            return [cell for cell in ancestor.iter("td", "th") if cell.find(".//img") is None]
    for ancestor in (img.getparent(), img.getparent().getparent()):
        if ancestor is not None and ancestor is not body.getparent() and len(ancestor.findall(".//img")) == 1:
            found = _class_captions(ancestor)
            if found:
                return found
    return []


def _class_captions(element: HtmlElement) -> list[HtmlElement]:
    return _select_within(element, ".image-caption, .caption")


# --- links ------------------------------------------------------------------------------------


def _links(anchors: Iterable[HtmlElement], base: str, exclude: str = "") -> list[tuple[str, str]]:
    """(canonical URL, title) per distinct http(s) link, in page order; a later anchor may supply
    the title an earlier one lacked (a thumbnail link before the headline link)."""
    found: dict[str, str] = {}
    for anchor in anchors:
        for a in anchor.iter("a"):
            href = (a.get("href") or "").strip()
            if not href or href.startswith("#"):
                continue
            link = _canonical(href, base)
            if not link.startswith(("http://", "https://")) or link == exclude:
                continue
            title = inline_text(a) or normalise(a.get("title") or "")
            if not found.get(link):
                found[link] = title
    return list(found.items())


def _related(page: _Page) -> list[RelatedLink]:
    own = canonical_url(page.url)
    anchors = _select(page, page.selectors.related)
    if not anchors:
        heading, blocks = _related_block(page)
        anchors = [a for block in blocks for a in block.iter("a")]
        if anchors:
            _warn_fallback(page, "related", f"the links under the heading {inline_text(heading)!r}")
            for element in (heading, *blocks):
                element.drop_tree()  # so a generic body fallback cannot take the headlines for text
    return [RelatedLink(link, title) for link, title in _links(anchors, page.base, exclude=own)]


def _related_block(page: _Page) -> tuple[HtmlElement | None, list[HtmlElement]]:
    """The related-news heading and the sibling blocks that hold its links."""
    heading = _related_heading(page)
    node = heading
    for _ in range(4):
        if node is None or node.tag in ("body", "html"):
            break
        blocks = _following_blocks(node)
        if any(block.find(".//a") is not None or block.tag == "a" for block in blocks):
            return heading, blocks
        node = node.getparent()
    return None, []


def _related_heading(page: _Page) -> HtmlElement | None:
    for element in _elements_saying(page, RELATED_HEADINGS):
        if _is_related_heading(element) and not _inside(element, ("nav", "header", "footer")):
            while _is_related_heading(element.getparent()):
                element = element.getparent()  # the whole <h2>, not the <a> or <span> inside it
            return element
    return None


def _is_related_heading(element: HtmlElement | None) -> bool:
    if element is None or len(element) > 3:
        return False
    return normalise(element.text_content()).casefold().strip(" :»›>") in RELATED_HEADINGS


def _following_blocks(node: HtmlElement) -> list[HtmlElement]:
    """Siblings after `node` up to the next peer heading (same tag and class, or a linkless one)."""
    blocks = []
    for sibling in node.itersiblings():
        if not isinstance(sibling.tag, str):
            continue
        if sibling.tag == node.tag and (
            (node.get("class") and sibling.get("class") == node.get("class"))
            or sibling.find(".//a") is None and sibling.tag != "a"
        ):
            break
        if sibling.tag == "footer":
            break
        blocks.append(sibling)
    return blocks


def _next_page(page: _Page) -> str | None:
    own = canonical_url(page.url)
    anchors = _select(page, page.selectors.next_page)
    if not anchors:
        anchors = _select(page, "link[rel=next], a[rel=next]") or [
            a for a in page.root.iter("a") if normalise(a.text_content()).casefold() in NEXT_PAGE_TEXTS
        ]
        if anchors:
            _warn_fallback(page, "next_page", f"the {_describe(anchors[0])} link")
    for anchor in anchors:
        href = (anchor.get("href") or "").strip()
        if href and not href.startswith(("#", "javascript:")):
            link = _canonical(href, page.base)
            return link if link != own else None
    return None


def _canonical(href: str, base: str) -> str:
    return _canonical_absolute(urljoin(base, href))


@lru_cache(maxsize=8192)
def _canonical_absolute(url: str) -> str:
    # a crawl sees the same related and listing links on page after page
    return canonical_url(url)


def _unique_candidates(candidates: list[Candidate]) -> list[Candidate]:
    seen: dict[str, Candidate] = {}
    for candidate in candidates:
        seen.setdefault(candidate.value, candidate)
    return list(seen.values())
