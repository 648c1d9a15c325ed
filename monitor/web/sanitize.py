"""Stored article HTML made safe to show: no script, no event handlers, no styles, nothing loaded
from elsewhere unless the reader asked for the article's images."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import nh3

# Structure and emphasis only; no style, class or id, whose values could restyle or spoof the page.
_TAGS = {
    "p", "br", "hr", "b", "strong", "i", "em", "u", "s", "sub", "sup", "small", "mark", "q", "cite",
    "blockquote", "pre", "code", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "figure", "figcaption", "a",
    "span", "div", "abbr", "time",
}
_ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt"}, "td": {"colspan", "rowspan"},
               "th": {"colspan", "rowspan"}, "time": {"datetime"}}
# Removed with everything inside them, not just unwrapped.
_DROPPED_WITH_CONTENT = {
    "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math", "form",
    "button", "select", "textarea", "head", "title",
}
_SCHEMES = {"http", "https"}


@dataclass(frozen=True)
class SafeHtml:
    """Sanitised HTML and the origins its images load from (empty unless images were allowed)."""

    html: str
    image_origins: frozenset[str]


def origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in _SCHEMES or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def sanitise(html: str, base_url: str, *, images: bool) -> SafeHtml:
    """`html` with only harmless markup left; relative links resolved against `base_url`; <img>
    kept (with http(s) sources only) when `images` is True, removed otherwise."""
    origins: set[str] = set()

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if attribute not in ("href", "src"):
            return value
        absolute = urljoin(base_url, value.strip())
        source = origin(absolute)
        if source is None:
            return None
        if tag == "img" and images:
            origins.add(source)
        return absolute

    tags = _TAGS | {"img"} if images else _TAGS
    cleaned = nh3.clean(
        html,
        tags=tags,
        clean_content_tags=_DROPPED_WITH_CONTENT,
        attributes={tag: names for tag, names in _ATTRIBUTES.items() if tag in tags},
        attribute_filter=keep,
        url_schemes=_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return SafeHtml(cleaned, frozenset(origins))
