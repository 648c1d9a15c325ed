"""What a page says about itself (JSON-LD NewsArticle, Open Graph, Dublin Core), as ordered candidates."""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml.html import HtmlElement

from crawler.text import normalise

logger = logging.getLogger(__name__)

_ARTICLE_TYPES = frozenset({"NewsArticle", "Article", "ReportageNews", "AnalysisNewsArticle",
                            "OpinionNewsArticle", "BackgroundNewsArticle", "BlogPosting", "Report"})


@dataclass(frozen=True)
class Candidate:
    value: str
    source: str  # how the user should read where it came from: "og:title", "JSON-LD headline"


@dataclass
class PageMetadata:
    """Candidates per field, best first; values are normalised text (dates still raw strings)."""

    title: list[Candidate] = field(default_factory=list)
    description: list[Candidate] = field(default_factory=list)
    author: list[Candidate] = field(default_factory=list)
    published: list[Candidate] = field(default_factory=list)
    modified: list[Candidate] = field(default_factory=list)
    section: list[Candidate] = field(default_factory=list)
    images: list[Candidate] = field(default_factory=list)


# (field, JSON-LD key) and (field, meta name/property), each list in order of preference.
_JSON_LD_FIELDS = (
    ("title", "headline"),
    ("description", "description"),
    ("author", "author"),
    ("published", "datePublished"),
    ("modified", "dateModified"),
    ("section", "articleSection"),
    ("images", "image"),
)
_META_FIELDS = (
    ("title", "og:title"),
    ("description", "og:description"),
    ("description", "description"),
    ("author", "dc.creator"),
    ("author", "author"),
    ("published", "article:published_time"),
    ("published", "datepublished"),
    ("modified", "article:modified_time"),
    ("modified", "datemodified"),
    ("section", "article:section"),
    ("images", "og:image"),
)


def read_metadata(root: HtmlElement, url: str) -> PageMetadata:
    metadata = PageMetadata()
    article = _json_ld_article(root, url)
    for name, key in _JSON_LD_FIELDS:
        for value in _json_ld_values(article.get(key), key):
            _add(metadata, name, value, f"JSON-LD {key}")
    meta = _meta_tags(root)
    for name, key in _META_FIELDS:
        if key in meta:
            _add(metadata, name, meta[key], _meta_label(key))
    return metadata


def _add(metadata: PageMetadata, name: str, value: str, source: str) -> None:
    value = normalise(value)
    if value:
        getattr(metadata, name).append(Candidate(value, source))


def _meta_label(key: str) -> str:
    return {"dc.creator": "DC.Creator", "datepublished": "itemprop=datePublished",
            "datemodified": "itemprop=dateModified", "description": "meta description",
            "author": "meta author"}.get(key, key)


def _meta_tags(root: HtmlElement) -> dict[str, str]:
    """First content per lower-cased property/name/itemprop."""
    found: dict[str, str] = {}
    for meta in root.iter("meta"):
        content = meta.get("content")
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        if content and key:
            found.setdefault(key.strip().lower(), content)
    return found


def _json_ld_article(root: HtmlElement, url: str) -> dict[str, Any]:
    """The first JSON-LD object typed as an article, or {}."""
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text, strict=False)
        except ValueError as exc:
            logger.warning("Unreadable JSON-LD on %s: %s", url, exc)
            continue
        for item in _json_ld_items(data):
            types = item.get("@type")
            types = types if isinstance(types, list) else [types]
            if _ARTICLE_TYPES.intersection(t for t in types if isinstance(t, str)):
                return item
    return {}


def _json_ld_items(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for entry in data:
            yield from _json_ld_items(entry)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _json_ld_items(data["@graph"])


def _json_ld_values(value: Any, key: str) -> Iterator[str]:
    """Strings from a JSON-LD value that may be a string, an object or a list of either."""
    if key == "author":
        names = [name for name in _json_ld_names(value) if name]
        if names:
            yield ", ".join(names)
        return
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict):
            item = item.get("url") or item.get("name")
        if isinstance(item, str | int | float) and not isinstance(item, bool):
            # some CMSs escape entities twice inside JSON-LD
            yield html.unescape(str(item))


def _json_ld_names(value: Any) -> Iterator[str]:
    """Person names; an Organization as author is the newspaper itself, not a byline."""
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            yield normalise(html.unescape(item))
        elif isinstance(item, dict) and item.get("@type") != "Organization":
            name = item.get("name")
            if isinstance(name, str):
                yield normalise(html.unescape(name))
