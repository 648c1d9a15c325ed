"""The related-news block of an article: profile selector, else the links under a "Tin liên quan" heading."""

from __future__ import annotations

from lxml.html import HtmlElement

from crawler.furniture import inside
from crawler.links import links
from crawler.page import Page, warn_fallback
from crawler.phrases import elements_saying
from crawler.records import RelatedLink
from crawler.selector_groups import select
from crawler.text import inline_text, normalise
from crawler.urls import canonical_url

RELATED_HEADINGS = ("tin cùng chuyên mục", "tin liên quan", "tin khác", "cùng chuyên mục")


def related_links(page: Page) -> list[RelatedLink]:
    own = canonical_url(page.url)
    anchors = select(page, page.selectors.related)
    if not anchors:
        heading, blocks = _related_block(page)
        anchors = [a for block in blocks for a in block.iter("a")]
        if anchors:
            warn_fallback(page, "related", f"the links under the heading {inline_text(heading)!r}")
            for element in (heading, *blocks):
                element.drop_tree()  # so a generic body fallback cannot take the headlines for text
    return [RelatedLink(link, title) for link, title in links(page, anchors, exclude=own)]


def _related_block(page: Page) -> tuple[HtmlElement | None, list[HtmlElement]]:
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


def _related_heading(page: Page) -> HtmlElement | None:
    for element in elements_saying(page, RELATED_HEADINGS):
        if _is_related_heading(element) and not inside(element, ("nav", "header", "footer")):
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
