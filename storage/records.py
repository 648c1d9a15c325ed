"""Plain records that go into and come out of the store; callers never see ORM objects.

Three families: what is stored of an article (`ArticleFields`, one `Snapshot` per fetch), what the
change policy reads of a page before deciding (`PageState`) and the writes it decides (`Write`),
and the rows the read queries answer with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Literal, get_args

# The vocabularies of the schema: models, the command line, config checks and digests use these.
EventKind = Literal["new", "edited", "removed"]
RunStatus = Literal["running", "completed", "failed"]
FinishedStatus = Literal["completed", "failed"]
AlertState = Literal["pending", "sent"]
AlertKind = Literal["news", "health"]
Verdict = Literal["ok", "degraded", "broken"]
EVENT_KINDS: tuple[EventKind, ...] = get_args(EventKind)
RUN_STATUSES: tuple[RunStatus, ...] = get_args(RunStatus)
FINISHED_STATUSES: tuple[FinishedStatus, ...] = get_args(FinishedStatus)
ALERT_STATES: tuple[AlertState, ...] = get_args(AlertState)
ALERT_KINDS: tuple[AlertKind, ...] = get_args(AlertKind)
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)

# field name → where it was read from ("selector h1.title", "json-ld", "meta og:title", "generic: h1")
Sources = Mapping[str, str]


@dataclass(frozen=True)
class ImageRecord:
    url: str
    caption: str


@dataclass(frozen=True)
class LinkRecord:
    url: str
    title: str


@dataclass(frozen=True)
class ArticleFields:
    """One version's article, as stored and read back: NFC text, aware datetimes, page-order tuples."""

    title: str
    lead: str
    body: str  # paragraphs separated by "\n\n"
    body_html: str
    author: str | None
    category: str | None
    published_at: datetime | None
    modified_at: datetime | None
    images: tuple[ImageRecord, ...]
    related: tuple[LinkRecord, ...]

    def __post_init__(self) -> None:
        for name in ("published_at", "modified_at"):
            moment = getattr(self, name)
            if moment is not None and moment.utcoffset() is None:
                raise ValueError(f"{name} must be timezone-aware, not {moment!r}")


ARTICLE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ArticleFields))


@dataclass(frozen=True)
class Snapshot:
    """One successful fetch of an article, as the crawler saw it; `sources` says where each field
    was read from (kept with the version it makes, or with the latest one when unchanged)."""

    site: str
    identity: str
    url: str
    content_hash: str
    fields: ArticleFields
    sources: Sources
    raw_html: bytes
    http_status: int
    fetched_at: datetime
    etag: str | None
    last_modified: str | None
    body_hash: str  # of the normalised body: how a moved article is recognised by its text
    # What the fetch says of other identities of the same article (sites without ids): those it
    # was redirected from, and the one its <link rel="canonical"> names when not its own.
    redirected_from: tuple[str, ...] = ()
    canonical: str | None = None

    def __post_init__(self) -> None:
        if self.fetched_at.utcoffset() is None:
            raise ValueError(f"{self.url}: fetched_at must be timezone-aware")


# ---- what the change policy reads, and the writes it decides ---------------------------------


@dataclass(frozen=True)
class RunEvent:
    """A page's event in one run, as it stands (at most one per page per run)."""

    kind: EventKind
    fields: tuple[str, ...]
    title: str | None
    published_at: datetime | None
    version: int | None  # the version it is about: the new one, or the last known for a removal
    baseline: bool
    detected_at: datetime


@dataclass(frozen=True)
class LatestVersion:
    """What the policy compares a fetch with. `sources` is None for versions stored before
    versions recorded them; `fields` is None until loaded (Store.latest_fields), which is only
    needed when the content hash differs."""

    number: int
    content_hash: str
    title: str
    published_at: datetime | None
    sources: Sources | None
    fields: ArticleFields | None
    body_hash: str | None = None  # None for versions stored before 0007


@dataclass(frozen=True)
class PageState:
    """Everything the change policy needs to know of one page before a record about it."""

    identity: str
    known: bool
    listed_title: str | None
    titles: tuple[str, ...]  # every stored version's title, oldest first
    latest: LatestVersion | None
    reported_before: bool  # an event of an earlier run exists for the page
    run_event: RunEvent | None  # this run's event so far
    missing_count: int
    removed: bool

    @classmethod
    def unknown(cls, identity: str) -> PageState:
        return cls(identity, False, None, (), None, False, None, 0, False)


@dataclass(frozen=True)
class EventWrite:
    """Insert the run's event for the page (`merge` False) or update the one it has; `requeue`
    hands an already queued event to the alert queue again, its kind or fields having grown."""

    event: RunEvent
    merge: bool
    requeue: bool


@dataclass(frozen=True)
class StoreArticle:
    """A fetched article: a new version (`new_version`) or the latest one seen again, whose
    sources are replaced by the snapshot's when `sources_moved`."""

    snapshot: Snapshot
    version: int
    new_version: bool
    sources_moved: bool
    event: EventWrite | None
    # the latest version, seen again, gets the body hash it was stored without (before 0007)
    fill_body_hash: bool = False

    @property
    def identity(self) -> str:
        return self.snapshot.identity


@dataclass(frozen=True)
class StoreHeadline:
    """A headline from a listing or related block: the page created if unknown (first seen
    `seen_at`), its listed title set when `listed_title` is not None."""

    site: str
    identity: str
    url: str
    listed_title: str | None
    seen_at: datetime
    event: EventWrite | None


@dataclass(frozen=True)
class StoreMissing:
    """One more 404/410/redirect-to-front of a known page; `removed` marks it removed now."""

    identity: str
    http_status: int
    checked_at: datetime
    removed: bool
    event: EventWrite | None


@dataclass(frozen=True)
class StoreNotModified:
    """A 304 answer: the page and its latest version (if any) were seen again."""

    identity: str
    fetched_at: datetime
    version: int | None

    @property
    def event(self) -> EventWrite | None:
        return None  # a page seen again unchanged is no news


@dataclass(frozen=True)
class StoreMove:
    """A known article found under a new identity: the page takes `new_identity`, and keeps
    `old_identity` as an alias that every lookup still accepts. Applied before a batch's other
    writes, which name the page by its new identity or its old one."""

    old_identity: str
    new_identity: str
    moved_at: datetime


Write = StoreArticle | StoreHeadline | StoreMissing | StoreNotModified | StoreMove


# ---- what the read queries answer ----------------------------------------------------------


@dataclass(frozen=True)
class RunSummary:
    id: int
    site: str
    status: RunStatus
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
class RunMetrics:
    """What one run of a site measured, for crawl health.

    `listed`: article links the listing pages named; `articles`: article pages read;
    `field_sources`: field → source kind ("selector", "json-ld", "meta", "generic") → articles;
    `profiled`: the fields the profile has a selector for; `failure_reasons`: reason → failures;
    `source_changed`: field → articles whose value changed with its source (no edit), and
    `sources_before`: field → the source it was read from before → articles."""

    listed: int = 0
    pages: int = 0
    requests: int = 0
    articles: int = 0
    failures: int = 0
    field_sources: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    profiled: tuple[str, ...] = ()
    failure_reasons: Mapping[str, int] = field(default_factory=dict)
    source_changed: Mapping[str, int] = field(default_factory=dict)
    sources_before: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Assessment:
    """A run's health verdict: the problems found (for people) and the rules that tripped
    (`tripped`: stable keys such as "links", "failures", "selector:title")."""

    verdict: Verdict
    problems: tuple[str, ...] = ()
    tripped: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunHealth:
    """One assessed run of a site: what it measured and the verdict on it."""

    run_id: int
    site: str
    started_at: datetime
    finished_at: datetime | None
    metrics: RunMetrics
    assessment: Assessment


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
    fields: ArticleFields
    sources: Sources | None  # None for versions stored before sources were recorded
    first_seen: datetime
    last_seen: datetime
    times_seen: int
    raw_html: bytes


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
    state: AlertState
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime
    event_count: int
    kind: AlertKind = "news"
    run_id: int | None = None


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
