"""The article body: the element that holds it, what inside it is not body text, and its photos."""

from __future__ import annotations

from collections.abc import Iterator

from lxml.html import HtmlElement

from crawler import sources
from crawler.find import alternatives, is_named, named, select_within, starts_with_phrase
from crawler.page import Page, missing_selector, warn_fallback
from crawler.records import ExtractionError, Image
from crawler.text import Paragraph, folded, image_source, inline_text, normalise
from crawler.vocabulary import (
    CAPTION_NAME,
    DATE_LINE_WORDS,
    FURNITURE_MAX_TEXT,
    IMAGE_TABLE_NAME,
    MAX_CAPTION_CHARS,
    MAX_DATE_LINE_IN_BODY,
    MIN_BODY_CHARS,
    TAG_LABELS,
    TAGS_NAME,
)

_LINE_TAGS = ("p", "div", "li", "span", "section")
_TEXT_BLOCKS = frozenset({"div", "td", "section", "article"})
_INLINE = frozenset({"span", "font", "strong", "b", "em", "i"})
_PHOTO_HOLDERS = frozenset({"p", "div", "figure", "center"})


def body_element(page: Page) -> tuple[HtmlElement, str]:
    for alternative in alternatives(page.selectors.body) if page.selectors.body else ():
        for element in page.matches(alternative):
            if _has_text(element):
                return element, sources.selector(alternative)
    for source, element in _generic_bodies(page):
        warn_fallback(page, "body", source)
        return element, source
    raise ExtractionError(
        page.url,
        f"no body: {missing_selector(page, 'body')} and no [itemprop=articleBody] or block of paragraphs",
    )


def _generic_bodies(page: Page) -> Iterator[tuple[str, HtmlElement]]:
    for element in page.matches("[itemprop=articleBody]"):
        if element.tag != "meta" and len(normalise(element.text_content())) >= MIN_BODY_CHARS:
            yield sources.generic("itemprop"), element
    scores: dict[HtmlElement, int] = {}
    for element in page.root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "p":  # a paragraph's text counts for the block that holds it
            parent = element.getparent()
            if parent is not None:
                scores[parent] = scores.get(parent, 0) + len(element.text_content().strip())
        elif element.tag in _TEXT_BLOCKS:  # text written straight into a block, between <br>s
            own = len((element.text or "").strip()) + sum(len((c.tail or "").strip()) for c in element)
            if own:
                scores[element] = scores.get(element, 0) + own
        elif element.tag in _INLINE:  # … or in inline elements straight inside it (<span>, <font>)
            parent = element.getparent()
            if parent is not None and parent.tag in _TEXT_BLOCKS:
                scores[parent] = scores.get(parent, 0) + len(element.text_content().strip())
    if scores:
        best, score = max(scores.items(), key=lambda pair: pair[1])
        if score >= MIN_BODY_CHARS and best.tag != "html":
            yield sources.generic("densest block"), best


def _has_text(element: HtmlElement) -> bool:
    # not text_content(): that copies all of a (maybe 20 MB) body to find one letter
    return any(not text.isspace() for text in element.itertext() if text)


def remove_non_text(body: HtmlElement) -> None:
    """Tags lines and short boxes of links ("Đọc tiếp", "Về trang Chủ đề") are not body text."""
    doomed = [e for e in named(body, TAGS_NAME) if e is not body
              and len(e.text_content()) < FURNITURE_MAX_TEXT]
    for element in body.iter(*_LINE_TAGS):
        if element is body or element in doomed:
            continue
        text = normalise(element.text_content())
        if starts_with_phrase(text, TAG_LABELS) and len(text) < FURNITURE_MAX_TEXT and ":" in text[:12]:
            doomed.append(element)
        elif text and len(text) < 80 and _only_links(element):
            doomed.append(element)
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()


def _only_links(element: HtmlElement) -> bool:
    """All of the element's text sits in links (and there is at least one)."""
    if element.find(".//a") is None:
        return False
    unlinked = (element.text or "").strip() + "".join((c.tail or "").strip() for c in element)
    return not unlinked and all(c.tag == "a" or _only_links(c) for c in element if isinstance(c.tag, str)
                                and normalise(c.text_content()))


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
    captions.update(e for e in named(body, CAPTION_NAME) if e is not body and len(e) <= 3
                    and len(e.text_content()) < MAX_CAPTION_CHARS)
    captions.update(body.iter("figcaption"))
    return list(found.values()), captions


def _caption_elements(img: HtmlElement, body: HtmlElement) -> list[HtmlElement]:
    for ancestor in img.iterancestors():
        if ancestor is body:
            break
        if ancestor.tag == "figure":
            return ancestor.findall(".//figcaption") or _class_captions(ancestor)
        if ancestor.tag == "table" and _is_photo_table(ancestor):
            return [cell for cell in ancestor.iter("td", "th") if cell.find(".//img") is None
                    and normalise(cell.text_content())]
    for ancestor in (img.getparent(), img.getparent().getparent()):
        if ancestor is not None and ancestor is not body.getparent() and len(ancestor.findall(".//img")) == 1:
            found = _class_captions(ancestor)
            if found:
                return found
    return _italic_caption(img, body)


def _italic_caption(img: HtmlElement, body: HtmlElement) -> list[HtmlElement]:
    """A short line in italics right after a photo on a line of its own is the photo's caption."""
    holder = img.getparent()
    while holder is not None and holder is not body and holder.tag not in _PHOTO_HOLDERS:
        holder = holder.getparent()
    if holder is None or holder is body or normalise(holder.text_content()):
        return []
    following = holder.getnext()
    if following is None or following.tag not in ("p", "div"):
        return []
    text = normalise(following.text_content())
    return [following] if text and len(text) < MAX_CAPTION_CHARS and _all_italic(following) else []


def _all_italic(element: HtmlElement) -> bool:
    """All the element's text is inside <em> or <i> (a photo credit or caption line)."""
    if (element.text or "").strip() or any((c.tail or "").strip() for c in element):
        return False
    children = [c for c in element if isinstance(c.tag, str)]
    return bool(children) and all(c.tag in ("em", "i") or _all_italic(c) for c in children)


def _is_photo_table(table: HtmlElement) -> bool:
    """A table laid out to hold photos and their captions, not data: named so, or photo cells and
    short text cells only."""
    if is_named(table, IMAGE_TABLE_NAME):
        return True
    cells = list(table.iter("td", "th"))
    text_cells = [c for c in cells if c.find(".//img") is None and normalise(c.text_content())]
    return (len(cells) - len(text_cells) >= 1 and len(text_cells) <= 2
            and all(len(normalise(c.text_content())) < MAX_CAPTION_CHARS for c in text_cells))


def _class_captions(element: HtmlElement) -> list[HtmlElement]:
    return select_within(element, ".image-caption, .caption") or [
        e for e in named(element, CAPTION_NAME) if e is not element]


def drop_date_lines(body: list[Paragraph]) -> list[Paragraph]:
    """A date line opening or closing the body ("Thứ hai, 25/11/2024 05:05") is not body text."""
    while body and is_date_line(body[0].text):
        body = body[1:]
    while body and is_date_line(body[-1].text):
        body = body[:-1]
    return body


def is_date_line(text: str) -> bool:
    """Only a date and its words ("Thứ hai, 25/11/2024 05:05 (GMT+7)"): never prose."""
    return (len(text) <= MAX_DATE_LINE_IN_BODY and any(c.isdigit() for c in text)
            and not DATE_LINE_WORDS.sub("", text).strip())


def drop_repeated_lead(body: list[Paragraph], lead: str) -> list[Paragraph]:
    """The lead shown again as the body's first paragraph is not body text."""
    if body and lead and folded(body[0].text) == folded(lead):
        return body[1:]
    return body
