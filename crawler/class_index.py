"""Elements matching one CSS selector: tag/class/id chains from a one-pass index, the rest by cssselect."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree
from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement

# Profile selectors are mostly chains of tag/class/id compounds ("div.bx-cat-content h3 a").
# libxml2 pays a whole-tree scan for every class test, so those chains are answered from an
# index of classes and ids built in one pass; anything else goes to cssselect.
_COMPOUND = re.compile(r"(?P<tag>[a-zA-Z][\w-]*|\*)?(?P<rest>(?:[.#][\w-]+)*)")
_CLASSED = etree.XPath("//*[@class or @id]")


@lru_cache(maxsize=512)
def css(selector: str) -> CSSSelector:
    return CSSSelector(selector, translator="html")


@dataclass(frozen=True)
class Compound:
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
def chain(selector: str) -> tuple[Compound, ...] | None:
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
        compounds.append(Compound(tag, classes, ids[0] if ids else None))
    return tuple(compounds) or None


class ClassIndex:
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

    def select(self, chain: tuple[Compound, ...]) -> list[HtmlElement]:
        anchor = max((i for i, c in enumerate(chain) if c.classes or c.ident), default=None)
        if anchor is None:  # tags only: lxml's iter(tag) is a C loop
            return [e for e in self.root.iter(chain[-1].tag or "*")
                    if isinstance(e.tag, str) and _has_ancestors(e, chain[:-1])]
        anchors = [e for e in self._indexed(chain[anchor])
                   if chain[anchor].matches(e) and self._attached(e) and _has_ancestors(e, chain[:anchor])]
        if anchor == len(chain) - 1:
            return anchors
        found: list[HtmlElement] = []
        covering: HtmlElement | None = None
        for top in anchors:
            if covering is not None and is_inside(top, covering):
                continue  # its descendants were visited with the enclosing match
            covering = top
            found.extend(e for e in top.iter(chain[-1].tag or "*")
                         if e is not top and isinstance(e.tag, str) and chain[-1].matches(e)
                         and _has_ancestors(e, chain[anchor + 1:-1], stop=top))
        return found

    def _indexed(self, compound: Compound) -> list[HtmlElement]:
        if compound.ident:
            return self.ids.get(compound.ident, [])
        return min((self.classes.get(c, []) for c in compound.classes), key=len)

    def _attached(self, element: HtmlElement) -> bool:
        """Still in the page: furniture removal detaches elements the index holds."""
        ancestors = list(element.iterancestors())
        return (ancestors[-1] if ancestors else element) is self.root


def _has_ancestors(element: HtmlElement, chain: tuple[Compound, ...],
                   stop: HtmlElement | None = None) -> bool:
    """Whether ancestors of `element` (below `stop`) match the chain, nearest last."""
    remaining = len(chain)
    for ancestor in element.iterancestors():
        if remaining == 0 or ancestor is stop:
            break
        if chain[remaining - 1].matches(ancestor):
            remaining -= 1
    return remaining == 0


def is_inside(element: HtmlElement, ancestor: HtmlElement) -> bool:
    return any(parent is ancestor for parent in element.iterancestors())
