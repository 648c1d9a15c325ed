"""Related news of an article: the profile's selector, else every block a careful reader calls related.

That is: the links under a "Tin liên quan"-like heading anywhere on the page, boxes of headlines
inside the body ("Tham khảo thêm", a teaser with no heading), and the boxes of teasers that
follow the body before the page moves on to tags, comments or its own sections.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml.html import HtmlElement

from crawler import sources
from crawler.find import (
    elements_saying,
    heading_text,
    inside,
    is_article_link,
    is_heading,
    is_named,
    link_text_share,
    reads_as_headline,
    select,
    starts_with_phrase,
)
from crawler.links import canonical_link, links
from crawler.page import Page, warn_fallback
from crawler.records import RelatedLink
from crawler.text import normalise
from crawler.urls import canonical_url
from crawler.vocabulary import (
    COMMENTS_NAME,
    MORE_BUTTONS,
    PROSE_AFTER_BODY,
    RELATED_HEADINGS,
    RELATED_LABELS,
    RELATED_NAME,
    SIDE_HEADINGS,
    TAG_LABELS,
    TAGS_NAME,
    TEASER_LINK_DENSITY,
)

# Elements that can be a box of links, and those a box can hide in; never inside a paragraph.
_BOX_TAGS = frozenset({"div", "section", "article", "aside", "ul", "ol", "li", "table", "tbody", "tr", "td",
                       "p", "figure", "blockquote", "h2", "h3", "h4", "h5", "h6"})
_BOX_HOLDERS = frozenset({"div", "section", "article", "ul", "ol", "table", "tbody", "tr", "td", "blockquote",
                          "figure"})


@dataclass
class RelatedBlock:
    position: int  # where the block stood on the page, to keep page order across blocks
    anchors: list[HtmlElement]
    rule: str  # a crawler.sources generic rule


def profile_related(page: Page) -> tuple[list[HtmlElement], str]:
    alternative, anchors = select(page, page.selectors.related)
    return anchors, sources.selector(alternative) if anchors else ""


def headed_blocks(page: Page) -> list[RelatedBlock]:
    """Every block under a related-news heading, removed from the page so that no body takes it."""
    found = []
    for heading in _related_headings(page):
        if heading.getparent() is None:
            continue  # inside a block taken with an earlier heading
        blocks = _blocks_under(heading)
        anchors = [a for block in blocks for a in block.iter("a")]
        if anchors:
            found.append(RelatedBlock(page.position.get(heading, 0), anchors, "related heading"))
            for element in (heading, *blocks):
                element.drop_tree()
    return found


def boxes_in(body: HtmlElement, page: Page) -> list[RelatedBlock]:
    """Boxes of headline links inside the body (outermost first), removed from it."""
    found: list[RelatedBlock] = []
    for child in list(body):
        if not isinstance(child.tag, str) or child.tag not in _BOX_TAGS:
            continue
        if is_link_box(child, page):
            found.append(RelatedBlock(page.position.get(child, 0), list(child.iter("a")), "link box"))
            child.drop_tree()
        elif child.tag in _BOX_HOLDERS and len(child):
            found.extend(boxes_in(child, page))
    return found


def boxes_after(body: HtmlElement, page: Page) -> list[RelatedBlock]:
    """Boxes of teasers that follow the body, up to the tags, the comments or a section of the site."""
    found: list[RelatedBlock] = []
    node = body
    for _ in range(4):
        for sibling in list(node.itersiblings()):
            if not isinstance(sibling.tag, str):
                continue
            verdict = _after_body(sibling, page)
            if verdict == "stop":
                return found
            if verdict == "box":
                found.append(RelatedBlock(page.position.get(sibling, 0), list(sibling.iter("a")), "link box"))
                sibling.drop_tree()
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html", "main"):
            break
        node = parent
    return found


def related_links(page: Page, blocks: list[RelatedBlock], anchors: list[HtmlElement]) -> list[RelatedLink]:
    """The related links in page order; profile `anchors` when given, else the generic blocks.

    A link shown alone in a teaser box and again in a later list keeps its place in the list.
    """
    own = canonical_url(page.url)
    if anchors:
        return [RelatedLink(url, title) for url, title in links(page, anchors, exclude=own)]
    per_block = [[(url, title) for url, title in links(page, block.anchors, exclude=own)
                  if is_article_link(url, page.url) or reads_as_headline(title)]
                 for block in sorted(blocks, key=lambda b: b.position)]
    listed = [{url for url, _ in items} for items in per_block]
    found: dict[str, str] = {}
    for number, items in enumerate(per_block):
        for url, title in items:
            later = any(url in urls for urls in listed[number + 1:])
            if len(items) == 1 and later:
                continue
            if not found.get(url):
                found[url] = title
    return [RelatedLink(url, title) for url, title in found.items()]


def related_source(blocks: list[RelatedBlock]) -> str:
    rules = sorted({block.rule for block in blocks})
    return "generic: " + " + ".join(rules) if rules else ""


def warn_related_fallback(page: Page, blocks: list[RelatedBlock]) -> None:
    if blocks:
        warn_fallback(page, "related", related_source(blocks))


def is_link_box(element: HtmlElement, page: Page) -> bool:
    """A box of headline links to other articles: mostly link text, or named or labelled as related."""
    teasers = [a for a in element.iter("a") if _is_teaser(a, page)]
    if not teasers:
        return False
    share = link_text_share(element)
    if share >= 0.6:
        return True
    text = normalise(element.text_content())
    if is_named(element, RELATED_NAME) and share >= 0.25:
        return True
    return starts_with_phrase(text, RELATED_LABELS) is not None and share >= 0.4


def _is_teaser(anchor: HtmlElement, page: Page) -> bool:
    href = (anchor.get("href") or "").strip()
    if not href or href.startswith(("#", "javascript:", "mailto:")):
        return False
    url = canonical_link(href, page.base)
    return is_article_link(url, page.url) and reads_as_headline(normalise(anchor.text_content()))


def _after_body(element: HtmlElement, page: Page) -> str:
    text = normalise(element.text_content())
    if not text:
        return "skip"
    if is_named(element, TAGS_NAME) or is_named(element, COMMENTS_NAME) \
            or starts_with_phrase(text, TAG_LABELS):
        return "stop"
    title = _box_title(element)
    if title is not None and title not in RELATED_HEADINGS:
        return "stop"
    teasers = [a for a in element.iter("a") if _is_teaser(a, page)]
    if teasers and (is_link_box(element, page) or link_text_share(element) >= TEASER_LINK_DENSITY):
        return "box"
    linked = sum(len(normalise(a.text_content())) for a in element.iter("a"))
    return "stop" if len(text) - linked > PROSE_AFTER_BODY else "skip"


def _box_title(element: HtmlElement) -> str | None:
    """The title of a box: its first heading that is not itself a headline link."""
    for heading in element.iter("h1", "h2", "h3", "h4", "h5", "h6"):
        if heading.find(".//a") is None or heading_text(heading) in SIDE_HEADINGS:
            return heading_text(heading)
        return None
    return None


def _related_headings(page: Page) -> list[HtmlElement]:
    found: list[HtmlElement] = []
    for element in elements_saying(page, RELATED_HEADINGS):
        if not _is_related_heading(element) or inside(element, ("nav", "header", "footer")):
            continue
        while _is_related_heading(element.getparent()):
            element = element.getparent()  # the whole <h2>, not the <a> or <span> inside it
        if _is_button(element):
            continue
        if all(element is not f and element not in f.iterancestors() for f in found):
            found.append(element)
    return found


def _is_related_heading(element: HtmlElement | None) -> bool:
    if element is None or len(element) > 3:
        return False
    return heading_text(element) in RELATED_HEADINGS


def _is_button(heading: HtmlElement) -> bool:
    if heading_text(heading) not in MORE_BUTTONS:
        return False
    anchor = heading if heading.tag == "a" else heading.find(".//a")
    return anchor is not None and (anchor.get("href") or "").startswith(("http", "/"))


def _blocks_under(heading: HtmlElement) -> list[HtmlElement]:
    """The sibling blocks after the heading (or after its wrapper) that hold its links."""
    node = heading
    for _ in range(4):
        if node is None or node.tag in ("body", "html"):
            break
        blocks = _following_blocks(node)
        if any(block.find(".//a") is not None or block.tag == "a" for block in blocks):
            return blocks
        node = node.getparent()
    return []


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
        if is_heading(sibling) and (sibling.find(".//a") is None or heading_text(sibling) in SIDE_HEADINGS
                                    or heading_text(sibling) in RELATED_HEADINGS):
            break  # the heading of the next box
        if sibling.tag == "footer":
            break
        blocks.append(sibling)
    return blocks
