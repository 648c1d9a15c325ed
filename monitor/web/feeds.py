"""Atom feeds of change events, with ETag and Last-Modified so that feed readers poll cheaply."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from storage.records import AlertEventRow

FEED_ENTRIES = 50
# Changes when the feed's XML changes shape, so that readers holding an old ETag get the new form.
FEED_FORMAT = "1"
_ENTRY_NAMESPACE = uuid.UUID("3f1f2c1e-6d0a-4f43-9b7e-6e6577737761")
NO_ENTRIES_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeedEntry:
    """One event as a feed entry; `summary` is the lead (new), the diff excerpt (edited) or a note."""

    id: str
    kind: str
    title: str
    updated: datetime
    article_url: str
    view_url: str
    fields: list[str]
    summary: str
    site: str


def entry_id(row: AlertEventRow) -> str:
    """Stable for the life of the database: an event's id never changes nor is reused."""
    return f"urn:uuid:{uuid.uuid5(_ENTRY_NAMESPACE, f'{row.identity}#{row.event_id}')}"


def etag(rows: Sequence[AlertEventRow], feed_url: str) -> str:
    """A strong validator computed from exactly what the feed shows, before rendering it."""
    digest = hashlib.sha256(f"{FEED_FORMAT}|{feed_url}".encode())
    for row in rows:
        digest.update(repr((row.event_id, row.kind, row.title, row.url, row.fields, row.version_id,
                            row.previous_version, row.detected_at.isoformat())).encode())
    return f'"{digest.hexdigest()[:32]}"'


def last_modified(rows: Sequence[AlertEventRow]) -> datetime:
    return max((row.detected_at for row in rows), default=NO_ENTRIES_UPDATED)


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def not_modified(headers: Mapping[str, str], current_etag: str, modified: datetime) -> bool:
    """RFC 9110: If-None-Match decides when present; otherwise If-Modified-Since, to the second."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or current_etag in tags
    if_modified_since = headers.get("if-modified-since")
    if if_modified_since is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return int(modified.timestamp()) <= int(since.timestamp())
