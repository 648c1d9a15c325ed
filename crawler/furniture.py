"""Page furniture: what is dropped before an article is read (ads, share bars, counters, clocks, menus)."""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from crawler.page import Page
from crawler.phrases import elements_saying
from crawler.selector_groups import alternatives
from crawler.text import normalise

# Never part of an article, and volatile (a clock, a counter) or irrelevant.
_FURNITURE_TAGS = frozenset({"script", "style", "noscript", "template", "nav", "aside", "iframe",
                             "button"})
_FURNITURE_NAME = re.compile(
    r"(?:^|[-_])(?:ads?|adv|advert\w*|quang-?cao|banner|share|sharing|social|print|views|luot-?xem"
    r"|view-?count|clock)(?:[-_]|$)",
    re.IGNORECASE,
)
_FURNITURE_PHRASES = ("lượt xem", "lượt đọc", "lượt truy cập", "in bài", "bản in", "chia sẻ", "quảng cáo")
_FURNITURE_TEXT = re.compile(
    r"(?:số )?lượt (?:xem|đọc|truy cập)\s*:?\s*[\d.,]+|in bài(?: viết)?|bản in|quảng cáo"
    r"|chia sẻ(?:\s*(?::|facebook|zalo|twitter|email|bài viết))*"
)
# Counters and print links also share a line with a byline or a date; there they are cut out.
COUNTERS = re.compile(r"(?:số )?lượt (?:xem|đọc|truy cập)\s*:?\s*[\d.,]+|in bài(?: viết)?", re.IGNORECASE)
_FURNITURE_MAX_TEXT = 200  # a block with more text than this is content, whatever its class says


def remove_furniture(page: Page) -> None:
    root = page.root
    doomed = [e for part in alternatives(page.selectors.drop) for e in page.matches(part)]
    doomed.extend(root.iter(*_FURNITURE_TAGS))
    doomed.extend(e for e in root.iter("header", "footer") if not inside(e, ("article", "main")))
    # some CMSs wrap the whole page in one <form>
    doomed.extend(e for e in root.iter("form") if e.find(".//h1") is None and e.find(".//p") is None)
    doomed.extend(e for e in _elements_named(page) if len(e.text_content()) < _FURNITURE_MAX_TEXT)
    doomed.extend(e for e in elements_saying(page, _FURNITURE_PHRASES)
                  if len(e) <= 2 and is_furniture_text(normalise(e.text_content())))
    for element in doomed:
        if element.getparent() is not None:  # the drop list and the rules may name it twice
            element.drop_tree()


def is_furniture_text(text: str) -> bool:
    return len(text) < 40 and _FURNITURE_TEXT.fullmatch(text.casefold()) is not None


def inside(element: HtmlElement, tags: tuple[str, ...]) -> bool:
    return any(parent.tag in tags for parent in element.iterancestors())


def _elements_named(page: Page) -> list[HtmlElement]:
    """Elements whose class or id says share, ad, print, view counter, clock."""
    index = page.index
    return [element for names in (index.classes, index.ids) for name, elements in names.items()
            if _FURNITURE_NAME.search(name) for element in elements if element.tag not in ("html", "body")]
