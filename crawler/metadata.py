"""What a page says about itself (JSON-LD NewsArticle, Open Graph, Dublin Core), as ordered candidates."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from crawler import sources
from crawler.text import decoded, folded, normalise
from crawler.vocabulary import DOMAIN_LIKE

logger = logging.getLogger(__name__)

_ARTICLE_TYPES = frozenset({"NewsArticle", "Article", "ReportageNews", "AnalysisNewsArticle",
                            "OpinionNewsArticle", "BackgroundNewsArticle", "BlogPosting", "Report"})
_ORGANISATION_TYPES = frozenset({"Organization", "NewsMediaOrganization", "Corporation",
                                 "GovernmentOrganization"})


@dataclass(frozen=True)
class Candidate:
    value: str
    source: str  # crawler.sources vocabulary: "json-ld", "meta og:title"


@dataclass
class PageMetadata:
    """Candidates per field, best first; values are decoded, normalised text (dates still raw strings)."""

    title: list[Candidate] = field(default_factory=list)
    description: list[Candidate] = field(default_factory=list)
    author: list[Candidate] = field(default_factory=list)
    published: list[Candidate] = field(default_factory=list)
    modified: list[Candidate] = field(default_factory=list)
    section: list[Candidate] = field(default_factory=list)
    images: list[Candidate] = field(default_factory=list)
    # The site's own names (og:site_name, the publisher, the host), folded: never an author.
    site_names: tuple[str, ...] = ()
    document_title: str = ""

    def is_site(self, name: str) -> bool:
        """The site's own name, domain or brand standing in a field ("VnExpress", "baochinhphu.vn")."""
        if DOMAIN_LIKE.search(name):
            return True
        key = folded(name)
        # "Báo Công Thương" is the site; a headline that mentions it is not
        return not key or any(key == site or (len(key) >= 5 and key in site)
                              or (len(site) >= 4 and site in key and len(key) <= len(site) + 10)
                              for site in self.site_names)


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
    ("author", "article:author"),
    ("published", "article:published_time"),
    ("published", "datepublished"),
    ("published", "pubdate"),
    ("published", "dc.date.issued"),
    ("published", "dc.date"),
    ("modified", "article:modified_time"),
    ("modified", "datemodified"),
    ("modified", "lastmod"),
    ("section", "article:section"),
    ("images", "og:image"),
)
_SITE_NAME_KEYS = ("og:site_name", "application-name", "publisher", "copyright", "dc.publisher")


def read_metadata(root: HtmlElement, url: str) -> PageMetadata:
    metadata = PageMetadata()
    objects = list(_json_ld_objects(root, url))
    article = next((o for o in objects if _types(o) & _ARTICLE_TYPES), {})
    for name, key in _JSON_LD_FIELDS:
        for value in _json_ld_values(article.get(key), key):
            _add(metadata, name, value, sources.JSON_LD)
    meta = _meta_tags(root)
    for name, key in _META_FIELDS:
        if key in meta:
            _add(metadata, name, meta[key], sources.meta(key))
    title = root.find(".//head/title")
    metadata.document_title = normalise(decoded(title.text_content())) if title is not None else ""
    metadata.site_names = _site_names(objects, article, meta, url)
    return metadata


def _add(metadata: PageMetadata, name: str, value: str, source: str) -> None:
    value = normalise(decoded(value))
    if value:
        getattr(metadata, name).append(Candidate(value, source))


def _site_names(objects: list[dict[str, Any]], article: dict[str, Any], meta: dict[str, str],
                url: str) -> tuple[str, ...]:
    names = [meta[key] for key in _SITE_NAME_KEYS if key in meta]
    publisher = article.get("publisher")
    names += [n for n in _json_ld_names(publisher, people_only=False)]
    names += [o["name"] for o in objects
              if _types(o) & _ORGANISATION_TYPES and isinstance(o.get("name"), str)]
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    names += [host, host.split(".")[0]]
    return tuple(dict.fromkeys(f for f in (folded(decoded(n)) for n in names) if len(f) >= 3))


def _meta_tags(root: HtmlElement) -> dict[str, str]:
    """First content per lower-cased property/name/itemprop."""
    found: dict[str, str] = {}
    for meta in root.iter("meta"):
        content = meta.get("content")
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        if content and key:
            found.setdefault(key.strip().lower(), content)
    return found


def _json_ld_objects(root: HtmlElement, url: str) -> Iterator[dict[str, Any]]:
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text, strict=False)
        except ValueError as exc:
            logger.warning("Unreadable JSON-LD on %s: %s", url, exc)
            continue
        yield from _json_ld_items(data)


def _types(item: dict[str, Any]) -> set[str]:
    types = item.get("@type")
    return {t for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)}


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
        names = [name for name in _json_ld_names(value, people_only=True) if name]
        if names:
            yield ", ".join(names)
        return
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict):
            item = item.get("url") or item.get("name")
        if isinstance(item, str | int | float) and not isinstance(item, bool):
            yield str(item)


def _json_ld_names(value: Any, *, people_only: bool) -> Iterator[str]:
    """Names of people (or of anyone); an Organization as author is the newspaper itself, not a byline."""
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            yield normalise(decoded(item))
        elif isinstance(item, dict) and not (people_only and _types(item) & _ORGANISATION_TYPES):
            name = item.get("name")
            if isinstance(name, str):
                yield normalise(decoded(name))
