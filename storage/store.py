"""The narrow storage API: every method is one transaction, inputs and outputs are plain records.

A facade: recording (`recording`), moved articles (`aliases`), history queries (`history`,
`search`), crawl runs (`runs`) and the alert queue (`alert_queue`) each live in a module of
their own and work inside the transaction this class opens.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from storage import alert_queue, aliases, history, recording, runs
from storage import search as article_search
from storage.db import StorageError, for_writing, is_unusable, make_engine
from storage.migrate import check_schema, upgrade
from storage.models import Blob, CrawlRun, Event, Page, Site, Version
from storage.records import (
    AlertEventRow,
    AlertRow,
    ArticleFields,
    Assessment,
    ChangeRow,
    EventKind,
    FinishedStatus,
    PageRef,
    PageState,
    RunHealth,
    RunMetrics,
    RunSummary,
    SearchHit,
    VersionDetail,
    VersionSummary,
    Write,
)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Store:
    """History of every article of every site, the crawl runs, change events and alert queue.

    The schema is migrated to the newest revision on first use unless `migrate=False`.
    A `read_only` store never writes, not even a migration: on first use it checks that the schema
    is current and raises StorageError ("run `newswatch db upgrade`") when it is not.
    `clock` supplies "now": run start and end, alert creation, and (through `now`) the detection
    time of the events a recorder decides.
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

    def now(self) -> datetime:
        """The store's clock: what a recorder dates the events it decides by, unless told otherwise."""
        return self._clock()

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
        """A new run of `site`; a run of it left running (a killed process) is closed as failed."""
        with self._transaction(write=True) as session:
            return runs.start(session, site, baseline=baseline, now=self._clock())

    def finish_run(
        self, run_id: int, status: FinishedStatus, *, requests: int, pages: int, failures: int
    ) -> RunSummary:
        with self._transaction(write=True) as session:
            return runs.finish(session, run_id, status, requests=requests, pages=pages,
                               failures=failures, now=self._clock())

    def is_baseline(self, site: str) -> bool:
        """True while the site has no completed run: its first findings are not news."""
        with self._transaction() as session:
            return runs.is_baseline(session, site)

    def recent_runs(self, per_site: int = 10) -> list[RunSummary]:
        """Each site's last `per_site` runs, sites by name, newest run first."""
        with self._transaction() as session:
            return runs.recent(session, per_site)

    # ---- crawl health -------------------------------------------------------------------------

    def assess_run(
        self,
        run_id: int,
        metrics: RunMetrics,
        assessment: Assessment,
        *,
        alert: Sequence[str] = (),
        message_domain: str = "newswatch.local",
    ) -> list[int]:
        """Keep a run's health metrics and verdict and, in the same transaction, queue a `health`
        alert about it for each of `alert` (mail recipients and channels); the ids created."""
        with self._transaction(write=True) as session:
            runs.record_health(session, run_id, metrics, assessment)
            return alert_queue.queue_health(session, run_id, alert, message_domain=message_domain,
                                            now=self._clock())

    def recent_health(self, site: str, *, before: int, limit: int) -> list[RunHealth]:
        """The site's last `limit` assessed runs before run `before`, newest first."""
        with self._transaction() as session:
            return runs.recent_health(session, site, before=before, limit=limit)

    def site_health(self) -> list[RunHealth]:
        """Each site's last assessed run, sites by name."""
        with self._transaction() as session:
            return runs.latest_health(session)

    def run_health(self, run_id: int) -> RunHealth | None:
        """The health of one run; None when it was not assessed."""
        with self._transaction() as session:
            return runs.run_health(session, run_id)

    # ---- recording what the crawler saw -----------------------------------------------------

    def page_states(self, run_id: int, identities: Collection[str]) -> dict[str, PageState]:
        """What the change policy needs of each known page among `identities`, as of now."""
        with self._transaction() as session:
            return recording.page_states(session, run_id, identities)

    def latest_fields(self, identities: Collection[str]) -> dict[str, ArticleFields]:
        """identity → its latest version's fields, to compare a changed fetch with."""
        with self._transaction() as session:
            return recording.latest_fields(session, identities)

    def resolve_aliases(self, identities: Collection[str]) -> dict[str, str]:
        """alias → the identity its article goes by now, for those of `identities` that are the
        identities of moved articles before they moved."""
        if not identities:
            return {}
        with self._transaction() as session:
            return aliases.resolve(session, identities)

    def pages_with_body(self, site: str, body_hashes: Collection[str]) -> dict[str, list[str]]:
        """body hash → identities of the site's pages whose latest version has that body."""
        if not body_hashes:
            return {}
        with self._transaction() as session:
            return aliases.pages_with_body(session, site, body_hashes)

    def record(self, run_id: int, writes: Sequence[Write]) -> None:
        """Persist what the change policy decided for a batch of records: all or nothing."""
        with self._transaction(write=True) as session:
            runs.get(session, run_id)
            recording.apply(session, run_id, writes)

    # ---- what the crawler needs to plan a run -----------------------------------------------

    def known_items(self, site: str) -> dict[str, str | None]:
        """identity → last listed headline, for every page of the site (removed ones included) and
        every identity a moved one went by before."""
        with self._transaction() as session:
            return aliases.site_aliases(session, site) | history.known_items(session, site)

    def site_names(self) -> list[str]:
        """Every site anything was stored for, by name."""
        with self._transaction() as session:
            return history.site_names(session)

    def last_checked(self, site: str) -> dict[str, datetime | None]:
        """identity → when the page was last fetched, for every page of the site."""
        with self._transaction() as session:
            return history.last_checked(session, site)

    def revisit_candidates(
        self, site: str, *, since: datetime, limit: int, rotation: int
    ) -> list[PageRef]:
        """Up to `limit` recent pages (published or changed since `since`) plus `rotation` older
        ones, least recently checked first; removed pages are never revisited."""
        with self._transaction() as session:
            return history.revisit_candidates(session, site, since=since, limit=limit, rotation=rotation)

    def find_page(self, identities: list[str]) -> str | None:
        """The first of `identities` (candidates computed from one URL) that is a known page, as the
        identity the page goes by now (an identity a moved article had before finds it too)."""
        if not identities:
            return None
        with self._transaction() as session:
            found = aliases.resolve(session, identities)
            current = [found.get(identity, identity) for identity in identities]
            return history.find_page(session, current)

    # ---- history ----------------------------------------------------------------------------

    def history(self, identity: str) -> list[VersionSummary]:
        """Every version of the page, oldest first; empty for an unknown identity."""
        with self._transaction() as session:
            return history.history(session, identity)

    def get_version(self, identity: str, number: int | None = None) -> VersionDetail | None:
        """Version `number` of the page (1-based), or its latest when `number` is None."""
        condition = Version.number == number if number is not None else None
        with self._transaction() as session:
            return history.version_detail(session, identity, condition)

    def version_at(self, identity: str, when: datetime) -> VersionDetail | None:
        """The version that was current at `when` (None if the page had no version yet)."""
        with self._transaction() as session:
            return history.version_detail(session, identity, Version.first_seen <= when)

    def changes(
        self,
        *,
        since: datetime | None = None,
        kind: EventKind | None = None,
        site: str | None = None,
        limit: int = 1000,
        offset: int = 0,
    ) -> list[ChangeRow]:
        """Events newest first, optionally only those detected since `since`, of one kind or site."""
        with self._transaction() as session:
            return history.changes(session, since=since, kind=kind, site=site, limit=limit, offset=offset)

    def changes_with_versions(
        self,
        *,
        since: datetime | None = None,
        kind: EventKind | None = None,
        site: str | None = None,
        baseline: bool | None = None,
        limit: int = 1000,
        offset: int = 0,
    ) -> list[AlertEventRow]:
        """As `changes`, each event with its version and the one before (to link or show a diff);
        `baseline` False leaves out baseline events, True keeps only them."""
        with self._transaction() as session:
            return history.changes_with_versions(session, since=since, kind=kind, site=site,
                                                 baseline=baseline, limit=limit, offset=offset)

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
                "aliases": aliases.count(session),
                "alerts": alert_queue.count(session),
            }


def _count(session: Session, column: Any) -> int:
    return session.scalar(select(func.count(column))) or 0
