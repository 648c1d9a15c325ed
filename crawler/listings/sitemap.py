"""Sitemaps and sitemap indexes (sitemaps.org, with Google News titles), read with lxml."""

from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from lxml import etree

from crawler.dates import parse_date
from crawler.listings import ListingEntry, ListingError

# A sitemap is at most 50 MB uncompressed (sitemaps.org); more is not a sitemap.
MAX_BYTES = 50 * 1024 * 1024
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False,
                          remove_comments=True, remove_pis=True)


@dataclass(frozen=True)
class Sitemap:
    kind: Literal["index", "urlset"]
    # for an index, its child sitemaps (modified: their <lastmod>); else the articles
    entries: list[ListingEntry]


def parse_sitemap(body: bytes) -> Sitemap:
    """A sitemap index or URL set; gzip-compressed bodies (.xml.gz) are unpacked first."""
    root = _root(_unpacked(body))
    kind = _local(root.tag)
    if kind not in ("sitemapindex", "urlset"):
        raise ListingError(f"not a sitemap (root element <{kind}>)")
    child = "sitemap" if kind == "sitemapindex" else "url"
    entries = []
    for element in root:
        if _local(element.tag) != child:
            continue
        fields = _fields(element)
        if fields.get("loc"):
            entries.append(ListingEntry(
                url=fields["loc"],
                title=fields.get("title", ""),
                published=_time(fields.get("publication_date")),
                modified=_time(fields.get("lastmod")),
            ))
    return Sitemap("index" if kind == "sitemapindex" else "urlset", entries)


def sitemaps_to_follow(
    children: list[ListingEntry], since: datetime | None, limit: int
) -> list[ListingEntry]:
    """The child sitemaps worth fetching: newest first, at most `limit`, and once anything has
    been checked (`since`: the latest check), only those changed since (or not dated)."""
    fresh = [c for c in children if since is None or c.modified is None or c.modified > since]
    fresh.sort(key=lambda c: c.modified.timestamp() if c.modified else float("inf"), reverse=True)
    return fresh[:limit]


def needs_fetch(entry: ListingEntry, known: bool, last_checked: datetime | None) -> bool:
    """A listed article is fetched when it is unknown, was never checked, or the listing says it
    changed after its last check: edits to old articles are caught without waiting for rotation."""
    if not known or last_checked is None:
        return True
    return entry.modified is not None and entry.modified > last_checked


def _unpacked(body: bytes) -> bytes:
    if body[:2] != b"\x1f\x8b":
        return body
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as packed:
            data = packed.read(MAX_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise ListingError(f"broken gzip sitemap ({exc})") from exc
    if len(data) > MAX_BYTES:
        raise ListingError(f"sitemap larger than {MAX_BYTES // 2**20} MB unpacked")
    return data


def _root(body: bytes) -> etree._Element:
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ListingError(f"not XML ({exc})") from exc
    if root is None:
        raise ListingError("not XML (empty document)")
    return root


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


def _fields(element: etree._Element) -> dict[str, str]:
    """<loc> and <lastmod> of the entry itself, and the Google News <news:title> and
    <news:publication_date> (never an image's <image:title>, which is a caption)."""
    fields: dict[str, str] = {}
    for child in element:
        if _local(child.tag) in ("loc", "lastmod") and child.text and child.text.strip():
            fields.setdefault(_local(child.tag), child.text.strip())
    for child in element.iter(f"{{{NEWS_NS}}}title", f"{{{NEWS_NS}}}publication_date"):
        if child.text and child.text.strip():
            fields.setdefault(_local(child.tag), " ".join(child.text.split()))
    return fields


def _time(text: str | None) -> datetime | None:
    return parse_date(text) if text else None
