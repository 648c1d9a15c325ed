"""Stored text: NFC and whitespace normalisation, paragraph text and sanitised HTML of an element."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

from lxml.html import HtmlElement

from crawler.urls import joined_url

# Zero-width characters are not whitespace to `\s`, yet pages sprinkle them between words.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")

# Elements whose content is never reader-visible text.
_NON_TEXT_TAGS = frozenset({"script", "style", "noscript", "template", "iframe", "object", "embed",
                            "svg", "canvas", "video", "audio", "button", "select", "textarea", "img"})
_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "center", "dd", "details", "div", "dl", "dt",
    "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
    "main", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead",
    "ul",
})


def normalise(text: str) -> str:
    """NFC, no invisible characters, one plain space between words, trimmed."""
    # str.split() splits on every Unicode space (NBSP, U+2000–U+200A, U+3000 …), and fast
    if text.isascii():  # ASCII is NFC and holds no invisible character: most short texts
        return " ".join(text.split())
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return " ".join(_INVISIBLE.sub("", text).split())


_ENTITY = re.compile(r"&(?:#\d{2,7}|#x[0-9a-fA-F]{2,6}|[a-zA-Z]{2,8});")


def decoded(text: str) -> str:
    """Text with its character references resolved: once, or twice where a CMS escaped it twice
    (`Chi&amp;#7871;n` in JSON-LD), so that no `&#7871;` is ever stored."""
    for _ in range(2):
        if not _ENTITY.search(text):
            break
        text = html.unescape(text)
    return text


# What is not a letter or digit (str.isalnum); no combining mark is one, so diacritics go too.
_NOT_ALNUM = re.compile(r"[\W_]+")


@lru_cache(maxsize=4096)
def folded(text: str) -> str:
    """Lower-case letters and digits without diacritics, to compare names: "Dân Trí" → "dantri"."""
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFD", text.casefold().replace("đ", "d")))


def _normalise_inline(text: str) -> str:
    """Like `normalise` but keeps a (single) leading/trailing space: it separates inline neighbours."""
    core = normalise(text)
    if not core:
        return " " if text.isspace() else ""
    return (" " if text[0].isspace() else "") + core + (" " if text[-1].isspace() else "")


@dataclass(frozen=True)
class Paragraph:
    text: str
    element: HtmlElement  # the innermost block element the text came from


class _Collector:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.paragraphs: list[Paragraph] = []

    def flush(self, block: HtmlElement) -> None:
        text = normalise("".join(self.parts))
        self.parts.clear()
        if text:
            self.paragraphs.append(Paragraph(text, block))


def paragraphs(root: HtmlElement, skip: Collection[HtmlElement] = ()) -> list[Paragraph]:
    """Reader-visible paragraphs of `root`, in order: block elements and <br> separate them.

    Elements in `skip` (photo captions) are left out; a table row is one paragraph, its cells
    joined by " | ".
    """
    collector = _Collector()
    _walk(root, root, collector, skip)
    collector.flush(root)
    return collector.paragraphs


def inline_text(element: HtmlElement, skip: Collection[HtmlElement] = ()) -> str:
    """All text of `element` on one line (for titles, leads, bylines, dates)."""
    return " ".join(p.text for p in paragraphs(element, skip))


def _walk(element: HtmlElement, block: HtmlElement, out: _Collector, skip: Collection[HtmlElement]) -> None:
    if element.text:
        out.parts.append(element.text)
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or tag in _NON_TEXT_TAGS or child in skip:
            pass  # comments and processing instructions have a callable tag
        elif tag == "br":
            out.flush(block)
        elif tag == "tr":
            out.flush(block)
            cells = [inline_text(cell, skip) for cell in child
                     if isinstance(cell.tag, str) and cell not in skip]
            row = " | ".join(cell for cell in cells if cell)
            if row:
                out.paragraphs.append(Paragraph(row, child))
        elif tag in _BLOCK_TAGS:
            out.flush(block)
            _walk(child, child, out, skip)
            out.flush(child)
        else:
            _walk(child, block, out, skip)
        if child.tail:
            out.parts.append(child.tail)


def image_source(img: HtmlElement, base_url: str) -> str | None:
    """Absolute URL of an <img>, preferring the lazy-loading attributes over a placeholder src."""
    for attribute in ("data-src", "data-original", "data-lazy-src", "src"):
        value = (img.get(attribute) or "").strip()
        if value and not value.startswith("data:"):
            return joined_url(base_url, value)  # None for a src that cannot be parsed: no image
    return None


# --- sanitised HTML ---------------------------------------------------------------------------

_KEPT_TAGS = frozenset({"p", "h2", "h3", "h4", "ul", "ol", "li", "table", "tr", "td", "th", "strong",
                        "em", "b", "i", "a", "img", "figure", "figcaption", "blockquote", "br"})
_RENAMED_TAGS = {"h1": "h2", "h5": "h4", "h6": "h4"}
# Dropped with everything inside; any other tag is unwrapped (its content kept).
_DROPPED_TAGS = _NON_TEXT_TAGS - {"img"} | {"form", "input", "link", "meta", "head", "title", "map"}
# Containers that become a <p> when they hold bare text, so the text keeps its own paragraph.
_TEXT_CONTAINERS = frozenset({"div", "section", "article", "main", "center", "address"})
_SAFE_SCHEMES = ("http://", "https://", "mailto:", "tel:")
_BLOCK_TAG_SPACE = re.compile(
    r"\s*(</?(?:p|h[2-4]|ul|ol|li|table|tr|td|th|figure|figcaption|blockquote)>|<br>)\s*"
)
_EMPTY_ELEMENT = re.compile(r"<(p|h[2-4]|li|strong|em|b|i|blockquote|figcaption|td|th|tr|ul|ol|table)></\1>")


def sanitised_html(root: HtmlElement, base_url: str) -> str:
    """The content of `root` with only the tags and attributes that carry meaning.

    Output is deterministic (attribute order, whitespace, NFC), so two fetches of an unchanged
    article give the same string.
    """
    parts: list[str] = []
    _emit_children(root, base_url, parts)
    markup = "".join(parts)
    del parts  # a big body is then held once, not twice, through the clean-up passes below
    markup = _BLOCK_TAG_SPACE.sub(r"\1", markup)
    markup = re.sub(r" {2,}", " ", markup)
    removed = 1
    while removed:  # emptying one element may empty its parent
        markup, removed = _EMPTY_ELEMENT.subn("", markup)
    return markup.strip()


def _emit_children(element: HtmlElement, base_url: str, parts: list[str]) -> None:
    if element.text:
        parts.append(_escaped(element.text))
    for child in element:
        if isinstance(child.tag, str):
            _emit(child, base_url, parts)
        if child.tail:
            parts.append(_escaped(child.tail))


def _emit(element: HtmlElement, base_url: str, parts: list[str]) -> None:
    tag = _RENAMED_TAGS.get(element.tag, element.tag)
    if tag in _DROPPED_TAGS:
        return
    if tag == "br":
        parts.append("<br>")
        return
    if tag == "img":
        src = image_source(element, base_url)
        if src and src.startswith(_SAFE_SCHEMES):
            alt = normalise(element.get("alt") or "")
            parts.append(f'<img src="{html.escape(src)}" alt="{html.escape(alt)}">')
        return
    if tag == "a":
        href = joined_url(base_url, (element.get("href") or "").strip()) or ""
        if not href.startswith(_SAFE_SCHEMES):
            _emit_children(element, base_url, parts)  # javascript:, bare anchors, bad hrefs: text only
            return
        parts.append(f'<a href="{html.escape(href)}">')
    elif tag in _KEPT_TAGS:
        parts.append(f"<{tag}>")
    elif tag in _TEXT_CONTAINERS and _has_bare_text(element):
        tag = "p"
        parts.append("<p>")
    else:
        _emit_children(element, base_url, parts)
        return
    _emit_children(element, base_url, parts)
    parts.append(f"</{tag}>")


def _has_bare_text(element: HtmlElement) -> bool:
    if element.text and element.text.strip():
        return True
    return any(child.tail and child.tail.strip() for child in element)


def _escaped(text: str) -> str:
    return html.escape(_normalise_inline(text), quote=False)
