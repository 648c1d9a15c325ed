"""Where an extracted field came from: a small, stable vocabulary, stored with each version.

- `selector <css>`: the profile alternative that matched (`selector h1.article-title`);
- `json-ld`: the page's JSON-LD article object;
- `meta <name>`: a `<meta>` tag, by its lower-cased name or property (`meta article:published_time`);
- `generic: <rule>`: one of GENERIC_RULES, newswatch's own reading of the page.
"""

from __future__ import annotations

JSON_LD = "json-ld"

GENERIC_RULES = frozenset({
    "h1",                 # the article's <h1>
    "title element",      # an element named as a title that says what the metadata says
    "document title",     # <title>, without the site's name
    "lead element",       # an element named as a lead/sapo/description
    "heading after title",  # the paragraph-long heading between the title and the body
    "itemprop",           # schema.org microdata on a visible element
    "densest block",      # the element holding the most paragraph text
    "author element",     # an element named as the author
    "author link",        # a link to the author's page
    "byline",             # a name on a line of its own at the start or end of the body
    "date element",       # an element named as a date, or a <time>
    "breadcrumb",         # the last link of the breadcrumb
    "body images",        # the photos of the body
    "related heading",    # the links under a "Tin liên quan"-like heading
    "link box",           # a box of headline links in or after the body
    "headline links",     # a listing's headline links
    "next link",          # a listing's rel=next or "Trang sau" link
})


def selector(css: str) -> str:
    return f"selector {css}"


def meta(name: str) -> str:
    return f"meta {name.lower()}"


def generic(rule: str) -> str:
    if rule not in GENERIC_RULES:
        raise ValueError(f"unknown generic rule {rule!r}")
    return f"generic: {rule}"
