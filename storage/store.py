"""The narrow storage API: every method is one transaction, inputs and outputs are plain records."""

from __future__ import annotations

import hashlib
import unicodedata
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self, cast

from sqlalchemy import exists, func, not_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from storage import alert_queue, runs
from storage import search as article_search
from storage.db import StorageError, for_writing, is_unusable, make_engine
from storage.events import event_of_run, event_rows, note_event, with_versions
from storage.fields import ARTICLE_FIELDS, column_values, fields_of, normalise_fields
from storage.migrate import check_schema, upgrade
from storage.models import Blob, CrawlRun, Event, Page, Site, Version
from storage.records import (
    AlertEventRow,
    AlertRow,
    ChangeRow,
    EventKind,
    PageRef,
    RecordKind,
    RecordOutcome,
    RunSummary,
    SearchHit,
    Snapshot,
    VersionDetail,
    VersionSummary,
)

ChangedFields = Callable[[dict[str, Any], dict[str, Any]], list[str]]
FINISHED_STATUSES = ("completed", "failed")


def utc_now() -> datetime:
    return datetime.now(UTC)


class Store:
    """History of every article of every site, the crawl runs, change events and alert queue.

    The schema is migrated to the newest revision on first use unless `migrate=False`.
    A `read_only` store never writes, not even a migration: on first use it checks that the schema
    is current and raises StorageError ("run `newswatch db upgrade`") when it is not.
    `clock` supplies "now": run start and end, event detection, alert creation, removal and
    listing times. Fetch times come from the caller (Snapshot.fetched_at).
    """

    def __init__(
        self,
        url: str,
        *,
        migrate: bool = True,
        read_only: bool = False,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._url = url
        self._engine = make_engine(url, read_only=read_only)
        self._writer = for_writing(self._engine)
        self._clock = clock
        self._read_only = read_only
        self._needs_migration = migrate and not read_only
        self._needs_check = read_only

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def prepare(self) -> None:
        """Migrate (or, read-only, check) the schema now rather than at the first query."""
        if self._needs_migration:
            upgrade(self._engine)
            self._needs_migration = False
        if self._needs_check:
            check_schema(self._engine, require_current=True, url=self._url)
            self._needs_check = False

    @contextmanager
    def _transaction(self, *, write: bool = False) -> Iterator[Session]:
        """One session, one transaction: committed on success, rolled back on any exception."""
        if write and self._read_only:
            raise RuntimeError("a read-only Store cannot write")
        self.prepare()
        try:
            with Session(self._writer if write else self._engine) as session, session.begin():
                yield session
        except DBAPIError as exc:
            if is_unusable(exc):
                raise StorageError(self._url, str(exc.orig)) from exc
            raise

    # ---- crawl runs -------------------------------------------------------------------------

    def start_run(self, site: str, *, baseline: bool) -> int:
        """A new run of `site`. The caller holds the site's crawl lock, so a run of it still marked
        running was cut short (a killed process): it is closed as failed."""
        with self._transaction(write=True) as session:
            site_id = _site_id(session, site)
            session.execute(
                update(CrawlRun)
                .where(CrawlRun.site_id == site_id, CrawlRun.status == "running")
                .values(status="failed", finished_at=self._clock())
            )
            run = CrawlRun(
                site_id=site_id,
                started_at=self._clock(),
                status="running",
                baseline=baseline,
            )
            session.add(run)
            session.flush()
            return run.id

    def finish_run(
        self, run_id: int, status: str, *, requests: int, pages: int, failures: int
    ) -> RunSummary:
        if status not in FINISHED_STATUSES:
            raise ValueError(f"run status must be one of {FINISHED_STATUSES}, not {status!r}")
        with self._transaction(write=True) as session:
            run = _run(session, run_id)
            run.status = status
            run.finished_at = self._clock()
            run.requests, run.pages, run.failures = requests, pages, failures
            session.flush()
            return _run_summary(session, run)

    def is_baseline(self, site: str) -> bool:
        """True while the site has no completed run: its first findings are not news."""
        with self._transaction() as session:
            completed = exists().where(
                CrawlRun.site_id == Site.id, Site.name == site, CrawlRun.status == "completed"
            )
            return not session.scalar(select(completed))

    # ---- recording what the crawler saw -----------------------------------------------------

    def record_article(
        self, run_id: int, snap: Snapshot, *, changed_fields: ChangedFields, baseline: bool
    ) -> RecordOutcome:
        """Store one fetched article: a new version only when its content hash changed."""
        fields = normalise_fields(snap.fields)
        with self._transaction(write=True) as session:
            _run(session, run_id)
            page = _lock_page(session, snap.site, snap.identity, snap.url, snap.fetched_at)
            _mark_fetched(page, snap)
            latest = _latest_version(session, page.id)
            if latest is not None and latest.content_hash == snap.content_hash:
                _mark_seen_again(latest, snap.fetched_at)
                return RecordOutcome("unchanged", latest.number, None, [])
            version = _add_version(session, page, latest, snap, fields)
            session.execute(
                update(CrawlRun)
                .where(CrawlRun.id == run_id)
                .values(new_versions=CrawlRun.new_versions + 1)
            )
            now = self._clock()
            if latest is None:
                changed: list[str] = []
                event = _first_version_event(
                    session, run_id, page, version, baseline=baseline, detected_at=now
                )
            else:
                changed = list(changed_fields(fields_of(latest), fields))
                event = _edit_event(session, run_id, page, version, changed, baseline, now)
            kind: RecordKind = "new" if latest is None else "changed"
            event_kind = cast(EventKind, event.kind) if event else None
            return RecordOutcome(kind, version.number, event_kind, changed)

    def record_listed(
        self, run_id: int, site: str, identity: str, url: str, title: str, *, baseline: bool,
        published_at: datetime | None = None,
    ) -> str | None:
        """A headline seen in a listing or related block: "new", "edited" (headline) or None.

        `published_at` is the listing's own date for the article, if it gives one: a `new`
        event shows it until the article itself is fetched."""
        title = _plain(title)
        with self._transaction(write=True) as session:
            _run(session, run_id)
            now = self._clock()
            page = _find_page_for_update(session, identity)
            if page is None:
                page = _lock_page(session, site, identity, url, now)
                page.listed_title = title
                event = note_event(
                    session, run_id, page, "new", [], baseline=baseline, detected_at=now, title=title
                )
                if event.published_at is None:
                    event.published_at = published_at
                return "new"
            previous = page.listed_title
            if previous is None or _same_text(previous, title):
                page.listed_title = title
                return None
            titles = list(session.scalars(
                select(Version.title).where(Version.page_id == page.id).order_by(Version.number)
            ))
            if titles and _same_text(titles[-1], title):
                page.listed_title = title  # the fetched article already carries it (and its edit)
                return None
            # A headline the article carried before is a stale copy (a cached related block), not
            # an edit: only a headline never seen for this article is news.
            if any(_same_text(old, title) for old in titles):
                return None
            page.listed_title = title
            note_event(
                session,
                run_id,
                page,
                "edited",
                ["title"],
                baseline=baseline,
                detected_at=now,
                title=title,
            )
            return "edited"

    def record_missing(
        self, run_id: int, identity: str, http_status: int, *, removal_after: int
    ) -> bool:
        """One more 404/410/redirect-to-front; True when this one marks the page removed."""
        if removal_after < 1:
            raise ValueError(f"removal_after must be at least 1, not {removal_after}")
        with self._transaction(write=True) as session:
            run = _run(session, run_id)
            page = _find_page_for_update(session, identity)
            if page is None:
                return False
            now = self._clock()
            page.missing_count += 1
            page.http_status = http_status
            page.last_checked = now
            if page.missing_count < removal_after or page.removed_at is not None:
                return False
            page.removed_at = now
            latest = _latest_version(session, page.id)
            title = latest.title if latest is not None else page.listed_title
            note_event(
                session,
                run_id,
                page,
                "removed",
                [],
                baseline=run.baseline,
                detected_at=now,
                version=latest,
                title=title,
            )
            return True

    def record_not_modified(self, run_id: int, identity: str, fetched_at: datetime) -> bool:
        """A 304 answer: the page and its latest version were seen again. False if unknown."""
        with self._transaction(write=True) as session:
            _run(session, run_id)
            page = _find_page_for_update(session, identity)
            if page is None:
                return False
            page.last_seen = max(page.last_seen, fetched_at)
            page.last_checked = fetched_at
            page.missing_count = 0
            page.removed_at = None
            latest = _latest_version(session, page.id)
            if latest is not None:
                _mark_seen_again(latest, fetched_at)
            return True

    # ---- what the crawler needs to plan a run -----------------------------------------------

    def known_items(self, site: str) -> dict[str, str | None]:
        """identity → last listed headline, for every page of the site (removed ones included)."""
        with self._transaction() as session:
            rows = session.execute(
                select(Page.identity, Page.listed_title).join(Site).where(Site.name == site)
            )
            return {identity: title for identity, title in rows}

    def site_names(self) -> list[str]:
        """Every site anything was stored for, by name."""
        with self._transaction() as session:
            return list(session.scalars(select(Site.name).order_by(Site.name)))

    def last_checked(self, site: str) -> dict[str, datetime | None]:
        """identity → when the page was last fetched, for every page of the site."""
        with self._transaction() as session:
            rows = session.execute(
                select(Page.identity, Page.last_checked).join(Site).where(Site.name == site)
            )
            return {identity: checked for identity, checked in rows}

    def revisit_candidates(
        self, site: str, *, since: datetime, limit: int, rotation: int
    ) -> list[PageRef]:
        """Up to `limit` recent pages (published or changed since `since`) plus `rotation` older
        ones, least recently checked first; removed pages are never revisited."""
        # correlated "latest version" lookups: one index probe per page, no scan of all versions
        first_seen = func.coalesce(_of_latest_version(Version.first_seen), Page.first_seen)
        published = func.coalesce(_of_latest_version(Version.published_at), first_seen)
        recent = or_(published >= since, first_seen >= since)
        query = (
            select(Page.identity, Page.url, Page.etag, Page.last_modified)
            .join(Site, Site.id == Page.site_id)
            .where(Site.name == site, Page.removed_at.is_(None))
            .order_by(Page.last_checked.asc().nulls_first(), Page.id)
        )
        with self._transaction() as session:
            rows = [*session.execute(query.where(recent).limit(limit))]
            rows += session.execute(query.where(not_(recent)).limit(rotation))
            return [PageRef(*row) for row in rows]

    def find_page(self, identities: list[str]) -> str | None:
        """The first of `identities` (candidates computed from one URL) that is a known page."""
        if not identities:
            return None
        with self._transaction() as session:
            known = set(session.scalars(select(Page.identity).where(Page.identity.in_(identities))))
        return next((identity for identity in identities if identity in known), None)

    # ---- history ----------------------------------------------------------------------------

    def history(self, identity: str) -> list[VersionSummary]:
        """Every version of the page, oldest first; empty for an unknown identity."""
        query = (
            select(Version)
            .join(Page, Page.id == Version.page_id)
            .where(Page.identity == identity)
            .order_by(Version.number)
        )
        with self._transaction() as session:
            return [
                VersionSummary(
                    version=v.number,
                    first_seen=v.first_seen,
                    last_seen=v.last_seen,
                    times_seen=v.times_seen,
                    title=v.title,
                    published_at=v.published_at,
                    content_hash=v.content_hash,
                )
                for v in session.scalars(query)
            ]

    def get_version(self, identity: str, number: int | None = None) -> VersionDetail | None:
        """Version `number` of the page (1-based), or its latest when `number` is None."""
        condition = Version.number == number if number is not None else None
        return self._version_detail(identity, condition)

    def version_at(self, identity: str, when: datetime) -> VersionDetail | None:
        """The version that was current at `when` (None if the page had no version yet)."""
        return self._version_detail(identity, Version.first_seen <= when)

    def _version_detail(self, identity: str, condition: Any) -> VersionDetail | None:
        query = (
            select(Version, Page.identity, Page.url, Blob.data)
            .join(Page, Page.id == Version.page_id)
            .join(Blob, Blob.id == Version.blob_id)
            .where(Page.identity == identity)
            .order_by(Version.number.desc())
            .limit(1)
        )
        if condition is not None:
            query = query.where(condition)
        with self._transaction() as session:
            row = session.execute(query).one_or_none()
            if row is None:
                return None
            version, identity, url, data = row
            return _version_detail(version, identity, url, zlib.decompress(data))

    def changes(
        self,
        *,
        since: datetime | None = None,
        kind: str | None = None,
        site: str | None = None,
        limit: int = 1000,
        offset: int = 0,
    ) -> list[ChangeRow]:
        """Events newest first, optionally only those detected since `since`, of one kind or site."""
        query = _filtered_events(event_rows(), since, kind, site).limit(limit).offset(offset)
        with self._transaction() as session:
            return [ChangeRow(*row) for row in session.execute(query)]

    def changes_with_versions(
        self,
        *,
        since: datetime | None = None,
        kind: str | None = None,
        site: str | None = None,
        baseline: bool | None = None,
        limit: int = 1000,
        offset: int = 0,
    ) -> list[AlertEventRow]:
        """As `changes`, each event with its version and the one before (to link or show a diff);
        `baseline` False leaves out baseline events, True keeps only them."""
        query = _filtered_events(with_versions(event_rows()), since, kind, site)
        if baseline is not None:
            query = query.where(Event.baseline.is_(baseline))
        with self._transaction() as session:
            return [AlertEventRow(*row) for row in session.execute(query.limit(limit).offset(offset))]

    def recent_runs(self, per_site: int = 10) -> list[RunSummary]:
        """Each site's last `per_site` runs, sites by name, newest run first."""
        with self._transaction() as session:
            return runs.recent(session, per_site)

    def search(
        self,
        query: str,
        *,
        site: str | None = None,
        since: datetime | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[SearchHit]:
        """Articles whose latest version matches every word of `query` (accents and case ignored,
        "quoted words" as a phrase), best first; `since` keeps those published since then."""
        terms = article_search.query_terms(query)
        with self._transaction() as session:
            return article_search.search(
                session, terms, site=site, since=since, limit=limit, offset=offset
            )

    # ---- alerts -----------------------------------------------------------------------------

    def queue_alerts(
        self, audiences: Mapping[str, Sequence[str]], *, message_domain: str
    ) -> list[int]:
        """Turn every not-yet-queued event into pending alerts (one per recipient); ids created.

        `audiences` maps each recipient (mail address or channel name) to the event kinds it is
        told of. Every such event is marked queued, from any run, including runs that crashed;
        baseline events and kinds no recipient wants are consumed without an alert.
        """
        with self._transaction(write=True) as session:
            return alert_queue.queue(
                session, audiences, message_domain=message_domain, now=self._clock()
            )

    def due_alerts(self, now: datetime) -> list[AlertRow]:
        """Pending alerts whose next attempt is due, oldest first."""
        with self._transaction() as session:
            return alert_queue.due(session, now)

    def alert_events(self, alert_id: int) -> list[AlertEventRow]:
        """The events one alert covers, in the order they were detected."""
        with self._transaction() as session:
            return alert_queue.events_of(session, alert_id)

    def mark_sent(self, alert_id: int, at: datetime) -> None:
        with self._transaction(write=True) as session:
            alert_queue.mark_sent(session, alert_id, at)

    def mark_failed(self, alert_id: int, error: str, next_attempt_at: datetime) -> None:
        """Record a failed delivery; the alert stays pending until `next_attempt_at`."""
        with self._transaction(write=True) as session:
            alert_queue.mark_failed(session, alert_id, error, next_attempt_at)

    def list_alerts(self, limit: int = 50) -> list[AlertRow]:
        """Most recent alerts first."""
        with self._transaction() as session:
            return alert_queue.recent(session, limit)

    def stats(self) -> dict[str, int]:
        """Row counts, for tests, benchmarks and a status line."""
        with self._transaction() as session:
            return {
                "sites": _count(session, Site.id),
                "pages": _count(session, Page.id),
                "versions": _count(session, Version.id),
                "blobs": _count(session, Blob.id),
                "runs": _count(session, CrawlRun.id),
                "events": _count(session, Event.id),
                "alerts": alert_queue.count(session),
            }


# ---- helpers: each works inside the caller's transaction ------------------------------------


def _filtered_events(query: Any, since: datetime | None, kind: str | None, site: str | None) -> Any:
    """`query` over events, newest first, narrowed by detection time, kind and site."""
    query = query.order_by(Event.detected_at.desc(), Event.id.desc())
    if since is not None:
        query = query.where(Event.detected_at >= since)
    if kind is not None:
        query = query.where(Event.kind == kind)
    if site is not None:
        query = query.where(Site.name == site)
    return query


def _count(session: Session, column: Any) -> int:
    return session.scalar(select(func.count(column))) or 0


def _insert_ignoring_conflict(session: Session, model: type, index: list[str], **values: Any) -> None:
    """INSERT that silently does nothing when a concurrent writer created the same row first."""
    dialect = session.get_bind().dialect.name
    module = {"postgresql": postgresql, "sqlite": sqlite}.get(dialect)
    if module is None:
        session.add(model(**values))
        session.flush()
        return
    session.execute(module.insert(model).values(**values).on_conflict_do_nothing(index_elements=index))


def _id_or_insert(
    session: Session,
    model: Any,
    key: str,
    value: str,
    more: Callable[[], dict[str, Any]] = dict,
) -> int:
    """The id of the row whose unique `key` is `value`, inserted (with `more()`) if missing."""
    query = select(model.id).where(getattr(model, key) == value)
    row_id = session.scalar(query)
    if row_id is None:
        _insert_ignoring_conflict(session, model, [key], **{key: value}, **more())
        row_id = session.scalar(query)
    assert row_id is not None
    return row_id


def _site_id(session: Session, name: str) -> int:
    return _id_or_insert(session, Site, "name", name)


def _run(session: Session, run_id: int) -> CrawlRun:
    run = session.get(CrawlRun, run_id)
    if run is None:
        raise KeyError(f"unknown crawl run {run_id}")
    return run


def _find_page_for_update(session: Session, identity: str) -> Page | None:
    # FOR UPDATE serialises concurrent writers of one page on PostgreSQL; SQLite's
    # BEGIN IMMEDIATE already serialises all writers.
    query = select(Page).where(Page.identity == identity).with_for_update()
    return session.scalars(query).one_or_none()


def _lock_page(session: Session, site: str, identity: str, url: str, seen_at: datetime) -> Page:
    """The page row for `identity`, created (first seen `seen_at`) if unknown, locked."""
    page = _find_page_for_update(session, identity)
    if page is None:
        _insert_ignoring_conflict(
            session,
            Page,
            ["identity"],
            site_id=_site_id(session, site),
            identity=identity,
            url=url,
            first_seen=seen_at,
            last_seen=seen_at,
        )
        page = _find_page_for_update(session, identity)
    assert page is not None
    return page


def _mark_fetched(page: Page, snap: Snapshot) -> None:
    page.url = snap.url
    page.last_seen = max(page.last_seen, snap.fetched_at)
    page.last_checked = snap.fetched_at
    page.http_status = snap.http_status
    page.etag = snap.etag
    page.last_modified = snap.last_modified
    page.missing_count = 0
    page.removed_at = None
    if snap.listed_title is not None:
        page.listed_title = unicodedata.normalize("NFC", snap.listed_title)


def _mark_seen_again(version: Version, seen_at: datetime) -> None:
    version.last_seen = max(version.last_seen, seen_at)
    version.times_seen += 1


def _of_latest_version(column: Any) -> Any:
    """`column` of the page's latest version, as a scalar subquery correlated to pages."""
    return (
        select(column)
        .where(Version.page_id == Page.id)
        .order_by(Version.number.desc())
        .limit(1)
        .correlate(Page)
        .scalar_subquery()
    )


def _latest_version(session: Session, page_id: int) -> Version | None:
    query = (
        select(Version).where(Version.page_id == page_id).order_by(Version.number.desc()).limit(1)
    )
    return session.scalars(query).one_or_none()


def _blob_id(session: Session, raw_html: bytes) -> int:
    """The id of the blob holding `raw_html`, stored (compressed) only if not already there."""
    digest = hashlib.sha256(raw_html).hexdigest()
    return _id_or_insert(session, Blob, "sha256", digest, lambda: {"data": zlib.compress(raw_html)})


def _add_version(
    session: Session, page: Page, latest: Version | None, snap: Snapshot, fields: dict[str, Any]
) -> Version:
    version = Version(
        page_id=page.id,
        number=1 if latest is None else latest.number + 1,
        content_hash=snap.content_hash,
        first_seen=snap.fetched_at,
        last_seen=snap.fetched_at,
        times_seen=1,
        blob_id=_blob_id(session, snap.raw_html),
        **column_values(fields),
    )
    session.add(version)
    session.flush()
    # versions only ever grow at the end: the new one is the page's latest
    article_search.index_version(session, version)
    return version


def _first_version_event(
    session: Session,
    run_id: int,
    page: Page,
    version: Version,
    *,
    baseline: bool,
    detected_at: datetime,
) -> Event | None:
    """`new` for a page never reported before; a page announced by an earlier run's listing
    only gets its content attached to an event of this run, if there is one."""
    reported_before = session.scalar(
        select(exists().where(Event.page_id == page.id, Event.run_id != run_id))
    )
    if reported_before and event_of_run(session, run_id, page.id) is None:
        return None
    return note_event(
        session,
        run_id,
        page,
        "new",
        [],
        baseline=baseline,
        detected_at=detected_at,
        version=version,
    )


def _edit_event(
    session: Session,
    run_id: int,
    page: Page,
    version: Version,
    changed: list[str],
    baseline: bool,
    detected_at: datetime,
) -> Event | None:
    """`edited` with the changed fields; none when the new content changed nothing that matters."""
    if not changed:
        return None
    return note_event(
        session,
        run_id,
        page,
        "edited",
        changed,
        baseline=baseline,
        detected_at=detected_at,
        version=version,
    )


def _run_summary(session: Session, run: CrawlRun) -> RunSummary:
    counts = dict(
        session.execute(
            select(Event.kind, func.count()).where(Event.run_id == run.id).group_by(Event.kind)
        ).all()
    )
    return RunSummary(
        id=run.id,
        site=session.scalar(select(Site.name).where(Site.id == run.site_id)) or "",
        status=run.status,
        baseline=run.baseline,
        started_at=run.started_at,
        finished_at=run.finished_at,
        requests=run.requests,
        pages=run.pages,
        new_versions=run.new_versions,
        failures=run.failures,
        new_events=counts.get("new", 0),
        edited_events=counts.get("edited", 0),
        removed_events=counts.get("removed", 0),
    )


def _version_detail(version: Version, identity: str, url: str, raw_html: bytes) -> VersionDetail:
    return VersionDetail(
        id=version.id,
        identity=identity,
        url=url,
        number=version.number,
        content_hash=version.content_hash,
        first_seen=version.first_seen,
        last_seen=version.last_seen,
        times_seen=version.times_seen,
        raw_html=raw_html,
        **{name: getattr(version, name) for name in ARTICLE_FIELDS},
    )


def _same_text(a: str, b: str) -> bool:
    """Equal once Unicode form and whitespace are normalised (pages mix NFC/NFD and odd spaces)."""
    return _plain(a) == _plain(b)


def _plain(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())
