"""A JSON listing API: the request for page N, and the entries of its answer."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from crawler.dates import parse_date
from crawler.listings import ListingEntry, ListingError
from crawler.profile import ListingSource
from crawler.urls import joined_url

PAGE = "{page}"


@dataclass(frozen=True)
class PageRequest:
    url: str
    method: str
    form: dict[str, str] | None  # POST form fields; None for GET


def page_request(source: ListingSource, page: int) -> PageRequest:
    """Page `page` (from 1): `{page}` filled in the URL, and in the form values for a POST."""
    number = str(page)
    url = source.url.replace(PAGE, number)
    if source.method == "POST":
        return PageRequest(url, "POST", {k: v.replace(PAGE, number) for k, v in source.form})
    return PageRequest(url, "GET", None)


def parse_json_listing(body: bytes, source: ListingSource, url: str) -> list[ListingEntry]:
    """The entries of one answer, in its order; items without a link are left out.

    Raises ListingError when the answer is not JSON or holds no list or object at `items`: an
    endpoint that changed shape must be reported, not read as the end of the listing.
    """
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise ListingError(f"not JSON ({exc})") from exc
    items = _at(document, source.items)
    if isinstance(items, dict):
        items = list(items.values())
    if not isinstance(items, list):
        found = "nothing" if items is None else type(items).__name__
        raise ListingError(f"no list of items at {source.items!r} (found {found})")
    base = source.base_url or url
    entries = []
    for item in items:
        if not isinstance(item, dict):
            continue
        link = _text(_at(item, source.link))
        if not link:
            continue
        entries.append(ListingEntry(
            url=joined_url(base, link) or link,  # one that cannot be parsed: the crawl reports it
            title=_text(_at(item, source.title)) if source.title else "",
            published=item_time(_at(item, source.published)) if source.published else None,
        ))
    return entries


def _at(document: Any, path: str) -> Any:
    """The value at a dotted path ("data.items", "result.0.list"); None where it leads nowhere."""
    value = document
    for part in path.split(".") if path else ():
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


# Epoch values above this are milliseconds (it is 5138 in seconds).
_MILLISECONDS = 10**11


def item_time(value: Any) -> datetime | None:
    """Epoch seconds (or milliseconds), ISO 8601, or any date line parse_date reads."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int | float):
        seconds = value / 1000 if value > _MILLISECONDS else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return parse_date(value) if isinstance(value, str) else None
