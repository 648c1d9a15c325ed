"""The author of an article: a person (or a desk), never the site's name or domain.

From the profile selector, else the visible byline (an author element or link near the title, or
a name on a line of its own at the start or end of the body), else the page's metadata.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml.html import HtmlElement

from crawler import sources
from crawler.fields import Found
from crawler.find import is_inside, select_text
from crawler.metadata import PageMetadata
from crawler.page import Page, warn_fallback
from crawler.text import Paragraph, folded, inline_text, normalise
from crawler.vocabulary import (
    AUTHOR_LINK,
    AUTHOR_NAME,
    AUTHOR_NOTE,
    AUTHOR_PREFIX,
    BYLINE_DATE,
    BYLINE_JOINERS,
    COUNTERS,
    MAX_BYLINE_CHARS,
    MAX_DESK_WORDS,
    MAX_NAME_WORDS,
    MAX_NAMES,
    SOURCE_LINE,
)

_EMAIL = re.compile(r"\S+@\S+")


def author(page: Page, metadata: PageMetadata, container: HtmlElement) -> Found[str | None]:
    element, text, alternative = select_text(page, page.selectors.author)
    name = clean(text)
    if name and not metadata.is_site(name):
        return Found(name, sources.selector(alternative), element)
    people = [c for c in metadata.author if not metadata.is_site(c.value)]
    visible = _best(list(_visible_bylines(page, container, metadata)), [c.value for c in people])
    if visible is not None:
        warn_fallback(page, "author", visible.source)
        for candidate in people:
            if not all(folded(n) in folded(visible.value or "") for n in _names(candidate.value)):
                page.note(f"author: the page shows {visible.value!r}, {candidate.source} says "
                          f"{candidate.value!r}; used the page on {page.url}")
        return visible
    if people:
        warn_fallback(page, "author", people[0].source)
        return Found(clean(people[0].value) or people[0].value, people[0].source)
    return Found(None)


def clean(text: str) -> str:
    """A byline without its label, note, counters, e-mail and punctuation: "Tác giả: Hà Thu (tổng hợp)"
    → "Hà Thu"."""
    text = normalise(_EMAIL.sub(" ", COUNTERS.sub(" ", text)))
    text = BYLINE_DATE.sub("", AUTHOR_PREFIX.sub("", text))
    previous = None
    while previous != text:
        previous, text = text, AUTHOR_NOTE.sub("", text).strip(" |-–:,")
    return normalise(text)


def looks_like_names(text: str, *, strict: bool = True) -> bool:
    """A list of people's names ("Hà Thu", "NHẬT XUÂN - NGHI VŨ"); loosely, also a desk
    ("Phòng Truyền thông") when an element or a tag says it is the author."""
    if not text or len(text) > MAX_BYLINE_CHARS or any(c.isdigit() for c in text) or text[-1] in "!?:;,":
        return False
    parts = [p for p in BYLINE_JOINERS.split(text.rstrip(".")) if p.strip()]
    if not 1 <= len(parts) <= MAX_NAMES:
        return False
    for part in parts:
        words = part.split()
        if not 1 <= len(words) <= (MAX_NAME_WORDS if strict else MAX_DESK_WORDS):
            return False
        if not all(w.replace(".", "").isalpha() for w in words):
            return False
        capitalised = sum(w[0].isupper() for w in words)
        if capitalised < (len(words) if strict else 1):
            return False
    return True


def _names(text: str) -> list[str]:
    return [p for p in BYLINE_JOINERS.split(text) if p.strip()]


def without_site(name: str, metadata: PageMetadata) -> str:
    """A byline less the site it names ("Hà Anh/VOV.VN" → "Hà Anh"); "" when it names only the site."""
    parts = _names(name)
    people = [p.strip() for p in parts if not metadata.is_site(p.strip())]
    if len(people) == len(parts):
        return name
    return ", ".join(people)


def _visible_bylines(page: Page, container: HtmlElement,
                     metadata: PageMetadata) -> Iterator[Found[str | None]]:
    for element in _author_elements(page, container):
        name = without_site(clean(inline_text(element)), metadata)
        if looks_like_names(name, strict=False) and not metadata.is_site(name):
            rule = "author link" if element.tag == "a" and AUTHOR_LINK.search(element.get("href") or "") \
                else "author element"
            yield Found(name, sources.generic(rule), element)


def _author_elements(page: Page, container: HtmlElement) -> Iterator[HtmlElement]:
    yield from page.named(AUTHOR_NAME, within=container)
    for anchor in container.iter("a"):
        if AUTHOR_LINK.search(anchor.get("href") or "") or anchor.get("rel") == "author":
            yield anchor


def _best(found: list[Found[str | None]], told: list[str]) -> Found[str | None] | None:
    """The byline naming the most of the people the metadata names, then the most people, first first."""
    if not found:
        return None
    wanted = [folded(n) for t in told for n in _names(t)]

    def score(candidate: Found[str | None]) -> tuple[int, int]:
        key = folded(candidate.value or "")
        return sum(n in key for n in wanted), len(_names(candidate.value or ""))

    best = max(score(c) for c in found)
    return next(c for c in found if score(c) == best)


def take_byline(body: list[Paragraph], found: Found[str | None], metadata: PageMetadata) -> Found[str | None]:
    """A name on a line of its own at the end (or, in bold, at the start) of the body is the byline:
    it leaves the body and, when nothing else named the author, becomes the author. A source line
    ("Theo TTXVN") leaves the body too, naming no author."""
    while len(body) > 1 and SOURCE_LINE.match(body[-1].text):
        _drop(body, -1)
    for index in (-1, 0):
        if len(body) < 2:
            break
        paragraph = body[index]
        name = without_site(clean(paragraph.text), metadata)
        if found.value is not None and folded(name) == folded(found.value):
            _drop(body, index)
            continue
        if found.value is not None or not looks_like_names(name) or metadata.is_site(name):
            continue
        if index == 0 and not _emphasised(paragraph.element):
            continue
        _drop(body, index)
        found = Found(name, sources.generic("byline"), paragraph.element)
    return found


def _emphasised(element: HtmlElement) -> bool:
    children = [c for c in element if isinstance(c.tag, str)]
    bold = bool(children) and all(c.tag in ("strong", "b") for c in children)
    return bold and not (element.text or "").strip()


def _drop(body: list[Paragraph], index: int) -> None:
    paragraph = body.pop(index)
    # Only drop the element when it holds nothing else (not the body itself, not a <br>-split block)
    element = paragraph.element
    if element.getparent() is not None and normalise(element.text_content()) == paragraph.text:
        element.drop_tree()


def drop_inside(found: Found[str | None], body: HtmlElement) -> None:
    if found.element is not None and is_inside(found.element, body):
        found.element.drop_tree()
