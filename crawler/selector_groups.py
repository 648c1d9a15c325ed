"""Profile selector groups (`a, b`): alternatives tried in order, newest markup first, first match wins."""

from __future__ import annotations

from functools import lru_cache

from lxml.html import HtmlElement

from crawler.class_index import css
from crawler.page import Page
from crawler.text import inline_text

_HOME_LINKS = frozenset({"trang chủ", "home", ""})


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


def select(page: Page, group: str) -> list[HtmlElement]:
    """Every match of the first alternative of a group that matches anything (newest markup first)."""
    for alternative in alternatives(group) if group else ():
        hits = page.matches(alternative)
        if hits:
            return hits
    return []


def select_within(element: HtmlElement, group: str) -> list[HtmlElement]:
    """Like `select`, inside one element (small subtrees: plain cssselect is fast there)."""
    for alternative in alternatives(group):
        hits = css(alternative)(element)
        if hits:
            return hits
    return []


def select_text(page: Page, group: str, *, last: bool = False) -> tuple[HtmlElement | None, str]:
    """First (or last) non-empty match of the first alternative that has one: alternatives are
    listed newest markup first, so an old class lingering elsewhere on the page never wins."""
    for alternative in alternatives(group) if group else ():
        hits = page.matches(alternative)
        for element in reversed(hits) if last else hits:
            text = inline_text(element)
            if text and not (last and text.casefold() in _HOME_LINKS):
                return element, text
    return None, ""
