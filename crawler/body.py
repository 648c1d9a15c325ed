"""The article body: the element that holds it, and its photos with their captions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from lxml.html import HtmlElement

from crawler.page import Page, missing_selector, warn_fallback
from crawler.records import ExtractionError, Image
from crawler.selector_groups import alternatives, select_within
from crawler.text import image_source, inline_text, normalise

_MIN_GENERIC_BODY = 100  # characters of <p> text before a block counts as an article body
# CMS editors lay a photo and its caption out as a two-row table: table.image, table.picture …
_IMAGE_TABLE = re.compile(r"image|picture|photo|caption", re.IGNORECASE)


def body_element(page: Page) -> HtmlElement:
    for alternative in alternatives(page.selectors.body) if page.selectors.body else ():
        for element in page.matches(alternative):
            if _has_text(element):
                return element
    for source, element in _generic_bodies(page):
        warn_fallback(page, "body", source)
        return element
    raise ExtractionError(
        page.url,
        f"no body: {missing_selector(page, 'body')} and no [itemprop=articleBody], <article> "
        "or block of paragraphs",
    )


def _generic_bodies(page: Page) -> Iterator[tuple[str, HtmlElement]]:
    root = page.root
    for element in page.matches("[itemprop=articleBody]"):
        if _has_text(element):
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


def _has_text(element: HtmlElement) -> bool:
    # not text_content(): that copies all of a (maybe 20 MB) body to find one letter
    return any(not text.isspace() for text in element.itertext() if text)


def _paragraph_chars(ps: Iterable[HtmlElement]) -> int:
    return sum(len(p.text_content().strip()) for p in ps)


def body_images(body: HtmlElement, base: str) -> tuple[list[Image], set[HtmlElement]]:
    """Photos of the body with their captions, and the caption elements (not body paragraphs)."""
    found: dict[str, Image] = {}
    captions: set[HtmlElement] = set()
    for img in body.iter("img"):
        src = image_source(img, base)
        if not src or img.get("width") == "1":
            continue
        caption_elements = _caption_elements(img, body)
        captions.update(caption_elements)
        caption = " ".join(filter(None, (inline_text(c) for c in caption_elements)))
        caption = caption or normalise(img.get("alt") or "")
        if src not in found or not found[src].caption:
            found[src] = Image(src, caption)
    return list(found.values()), captions


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
    return select_within(element, ".image-caption, .caption")
