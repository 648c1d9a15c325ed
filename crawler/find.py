"""Finding things on a page: profile selector groups, elements by what they are named or say, links.

Selector groups (`a, b`) list alternatives newest markup first; the first that matches wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from crawler.class_index import css, is_inside
from crawler.page import NAME_ATTRIBUTES, Page
from crawler.text import inline_text, normalise
from crawler.vocabulary import (
    ARTICLE_ID_QUERY,
    ARTICLE_SLUG,
    HEADLINE_MIN_WORDS,
    HOME_LINKS,
    NON_ARTICLE_PATH,
)

__all__ = ["css", "is_inside"]

_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


# --- profile selector groups -----------------------------------------------------------------


def split_group(group: str) -> list[str]:
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
def alternatives(group: str) -> tuple[str, ...]:
    """The alternatives of a group, each checked to be valid CSS."""
    parts = tuple(split_group(group))
    for part in parts:
        css(part)
    return parts


def select(page: Page, group: str) -> tuple[str, list[HtmlElement]]:
    """The first alternative of a group that matches anything, and all its matches."""
    for alternative in alternatives(group) if group else ():
        hits = page.matches(alternative)
        if hits:
            return alternative, hits
    return "", []


def select_within(element: HtmlElement, group: str) -> list[HtmlElement]:
    """Like `select`, inside one element (small subtrees: plain cssselect is fast there)."""
    for alternative in alternatives(group):
        hits = css(alternative)(element)
        if hits:
            return hits
    return []


def select_text(page: Page, group: str, *, last: bool = False) -> tuple[HtmlElement | None, str, str]:
    """First (or last) non-empty match of the first alternative that has one, with that alternative.

    Alternatives are listed newest markup first, so an old class lingering elsewhere never wins.
    """
    for alternative in alternatives(group) if group else ():
        hits = page.matches(alternative)
        for element in reversed(hits) if last else hits:
            text = inline_text(element)
            if text and not (last and text.casefold() in HOME_LINKS):
                return element, text, alternative
    return None, "", ""


# --- elements by what they are named or what they say ------------------------------------------


def names(element: HtmlElement) -> str:
    """The words an element is named by: class, id, type, itemprop, data-role."""
    return " ".join(filter(None, (element.get(a) for a in NAME_ATTRIBUTES)))


def named(root: HtmlElement, pattern: re.Pattern[str]) -> Iterator[HtmlElement]:
    """Elements under `root` (itself included) whose names match `pattern`, in document order."""
    for element in root.iter():
        if isinstance(element.tag, str) and pattern.search(names(element)):
            yield element


def is_named(element: HtmlElement, pattern: re.Pattern[str]) -> bool:
    return bool(pattern.search(names(element)))


def inside(element: HtmlElement, tags: Iterable[str]) -> bool:
    wanted = frozenset(tags)
    return any(parent.tag in wanted for parent in element.iterancestors())


def inside_named(element: HtmlElement, pattern: re.Pattern[str], stop: HtmlElement | None = None) -> bool:
    for parent in element.iterancestors():
        if parent is stop:
            return False
        if pattern.search(names(parent)):
            return True
    return False


def is_heading(element: HtmlElement) -> bool:
    return element.tag in _HEADINGS


def elements_saying(page: Page, phrases: tuple[str, ...]) -> list[HtmlElement]:
    """Elements (in page order) with a short text node containing one of the lower-case phrases."""
    return page.short_texts.saying(phrases)


def starts_with_phrase(text: str, phrases: Iterable[str]) -> str | None:
    """The phrase `text` opens with (a whole word, any letter case), or None."""
    folded = text.casefold()
    for phrase in phrases:
        if folded.startswith(phrase) and (len(folded) == len(phrase) or not folded[len(phrase)].isalnum()):
            return phrase
    return None


def heading_text(element: HtmlElement) -> str:
    """An element's text as a heading reads: lower case, without trailing colons and arrows."""
    return normalise(element.text_content()).casefold().strip(" :»›>|-–")


# --- links ---------------------------------------------------------------------------------


def link_text_share(element: HtmlElement) -> float:
    """The share of an element's text that sits inside links (0 for an element with no text)."""
    total = len(normalise(element.text_content()))
    if not total:
        return 0.0
    linked = sum(len(normalise(a.text_content())) for a in element.iter("a"))
    return min(linked / total, 1.0)


def site_domain(host: str) -> str:
    """The registrable part of a host: `tuoitre.vn`, `dantri.com.vn`, `moit.gov.vn`."""
    labels = host.lower().removeprefix("www.").split(".")
    second_level = len(labels) > 2 and labels[-2] in ("com", "gov", "org", "edu", "net", "ac", "info")
    return ".".join(labels[-3:] if second_level else labels[-2:])


def same_site(url: str, page_url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return bool(host) and site_domain(host) == site_domain(urlsplit(page_url).hostname or "")


def reads_as_headline(text: str) -> bool:
    return len(text.split()) >= HEADLINE_MIN_WORDS


def is_article_link(url: str, page_url: str) -> bool:
    """A link to an article of the same site: its path names one (a long slug or an id), and it is
    no tag, search or author page."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not same_site(url, page_url):
        return False
    if NON_ARTICLE_PATH.search(parts.path):
        return False
    segment = parts.path.rstrip("/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return bool(ARTICLE_SLUG.search(segment) or ARTICLE_ID_QUERY.search(parts.query))
