"""Plain records that go into and come out of the store; callers never see ORM objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from storage.fields import ARTICLE_FIELDS, fields_of

RecordKind = Literal["new", "changed", "unchanged"]
EventKind = Literal["new", "edited", "removed"]


@dataclass(frozen=True)
class Snapshot:
    """One successful fetch of an article, as the crawler hands it to the store.

    `fields` holds JSON-able values under the ARTICLE_FIELDS keys: text as str, published_at and
    modified_at as aware ISO-8601 strings or None, images as [{"url", "caption"}], related as
    [{"url", "title"}]. Missing keys mean empty / None.
    """

    site: str
    identity: str
    url: str
    content_hash: str
    fields: dict[str, Any]
    raw_html: bytes
    http_status: int
    fetched_at: datetime
    etag: str | None = None
    last_modified: str | None = None
    listed_title: str | None = None

    def __post_init__(self) -> None:
        if self.fetched_at.tzinfo is None:
            raise ValueError(f"{self.url}: fetched_at must be timezone-aware")
        unknown = set(self.fields) - set(ARTICLE_FIELDS)
        if unknown:
            raise ValueError(f"{self.url}: unknown article fields {sorted(unknown)}")


@dataclass(frozen=True)
class RecordOutcome:
    """What record_article did: kind of version outcome, the page's latest version number after
    the call, the event kind recorded or merged for this run (None when none), its changed fields."""

    kind: RecordKind
    version: int
    event_kind: EventKind | None
    fields: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RunSummary:
    id: int
    site: str
    status: str
    baseline: bool
    started_at: datetime
    finished_at: datetime | None
    requests: int
    pages: int
    new_versions: int
    failures: int
    new_events: int
    edited_events: int
    removed_events: int


@dataclass(frozen=True)
class PageRef:
    """What the crawler needs to re-request a known page conditionally."""

    identity: str
    url: str
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class VersionSummary:
    version: int
    first_seen: datetime
    last_seen: datetime
    times_seen: int
    title: str
    published_at: datetime | None
    content_hash: str


@dataclass(frozen=True)
class VersionDetail:
    """Everything stored about one version of one page."""

    id: int
    identity: str
    url: str
    number: int
    content_hash: str
    title: str
    lead: str
    body: str
    body_html: str
    author: str | None
    category: str | None
    published_at: datetime | None
    modified_at: datetime | None
    images: list[dict[str, Any]]
    related: list[dict[str, Any]]
    first_seen: datetime
    last_seen: datetime
    times_seen: int
    raw_html: bytes

    def fields(self) -> dict[str, Any]:
        """The article fields in Snapshot.fields form (dates as UTC ISO strings), for diffing."""
        return fields_of(self)


@dataclass(frozen=True)
class ChangeRow:
    """One event as listed by `changes`: newest first, what the user reads in a change log.

    Field order is the column order of storage.events.event_rows (rows are built positionally).
    """

    event_id: int
    kind: EventKind
    identity: str
    url: str
    title: str | None
    site: str
    detected_at: datetime
    published_at: datetime | None
    fields: list[str]
    baseline: bool


@dataclass(frozen=True)
class AlertEventRow(ChangeRow):
    """An event inside an alert, with the versions needed to show what changed.

    `version_id`/`version` is the version the event is about (the new one for new/edited, the
    last known one for removed; None for a headline-only event); `previous_*` is the version
    before it, if any.
    """

    version_id: int | None
    version: int | None
    previous_version_id: int | None
    previous_version: int | None


@dataclass(frozen=True)
class AlertRow:
    id: int
    recipient: str
    message_id: str
    state: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime
    event_count: int


@dataclass(frozen=True)
class SearchHit:
    """One article found by a search: its latest version's text, best matches first.

    Field order is the column order of storage.search (rows are built positionally). `score`
    orders hits of one search; its scale differs between SQLite and PostgreSQL.
    """

    identity: str
    url: str
    site: str
    version: int
    title: str
    lead: str
    body: str
    published_at: datetime | None
    changed_at: datetime
    removed: bool
    score: float
