"""Recording what a crawl saw: the state the change policy reads, and its decisions written in bulk.

`page_states` and `latest_fields` load what the policy needs for a batch of pages in a few
queries; `apply` persists a batch of decisions in the caller's transaction with a handful of
bulk statements, whatever the batch size. Neither decides anything: that is the policy's job.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from storage import aliases, search
from storage.db import chunks
from storage.fields import column_values, from_columns
from storage.models import Blob, CrawlRun, Event, Page, Sighting, Site, Version
from storage.records import (
    ArticleFields,
    EventWrite,
    LatestVersion,
    PageState,
    RunEvent,
    StoreArticle,
    StoreHeadline,
    StoreMissing,
    StoreMove,
    StoreNotModified,
    Write,
)

# the writes that name one page; a StoreMove renames a page before them
PageWrite = StoreArticle | StoreHeadline | StoreMissing | StoreNotModified


# ---- reading the state of a batch's pages ---------------------------------------------------


def page_states(session: Session, run_id: int, identities: Collection[str]) -> dict[str, PageState]:
    """The state of every known page among `identities` (unknown ones are left out)."""
    pages: dict[int, Any] = {}
    for part in chunks(sorted(set(identities))):
        query = select(Page.id, Page.identity, Page.listed_title, Page.missing_count,
                       Page.removed_at).where(Page.identity.in_(part))
        pages.update((row.id, row) for row in session.execute(query))
    versions: dict[int, list[Any]] = {page_id: [] for page_id in pages}
    reported: set[int] = set()
    run_events: dict[int, RunEvent] = {}
    ids = sorted(pages)
    for page_ids in chunks(ids):
        rows = session.execute(
            select(Version.page_id, Version.number, Version.content_hash, Version.title,
                   Version.published_at, Version.sources, Version.body_hash)
            .where(Version.page_id.in_(page_ids))
            .order_by(Version.page_id, Version.number)
        )
        for row in rows:
            versions[row.page_id].append(row)
        reported |= set(session.scalars(
            select(Event.page_id).where(Event.page_id.in_(page_ids), Event.run_id != run_id).distinct()
        ))
        run_events.update(_run_events(session, run_id, page_ids))
    states = {}
    for page_id, page in pages.items():
        stored = versions[page_id]
        last = stored[-1] if stored else None
        latest = None if last is None else LatestVersion(
            last.number, last.content_hash, last.title, last.published_at, last.sources, None,
            last.body_hash)
        states[page.identity] = PageState(
            identity=page.identity,
            known=True,
            listed_title=page.listed_title,
            titles=tuple(v.title for v in stored),
            latest=latest,
            reported_before=page_id in reported,
            run_event=run_events.get(page_id),
            missing_count=page.missing_count,
            removed=page.removed_at is not None,
        )
    return states


def _run_events(session: Session, run_id: int, page_ids: Sequence[int]) -> Iterable[tuple[int, RunEvent]]:
    version = aliased(Version)
    rows = session.execute(
        select(Event.page_id, Event.kind, Event.fields, Event.title, Event.published_at,
               version.number, Event.baseline, Event.detected_at)
        .outerjoin(version, version.id == Event.version_id)
        .where(Event.run_id == run_id, Event.page_id.in_(page_ids))
    )
    for row in rows:
        yield row.page_id, RunEvent(row.kind, tuple(row.fields), row.title, row.published_at,
                                    row.number, row.baseline, row.detected_at)


def latest_fields(session: Session, identities: Collection[str]) -> dict[str, ArticleFields]:
    """identity → the fields of its page's latest version, for pages that have one."""
    newest = select(Version.page_id, func.max(Version.number).label("number")).group_by(Version.page_id)
    found: dict[str, ArticleFields] = {}
    for part in chunks(sorted(set(identities))):
        latest = newest.join(Page, Page.id == Version.page_id).where(Page.identity.in_(part)).subquery()
        rows = session.execute(
            select(Page.identity, Version)
            .join(latest, (latest.c.page_id == Version.page_id) & (latest.c.number == Version.number))
            .join(Page, Page.id == Version.page_id)
        )
        found.update((identity, from_columns(version)) for identity, version in rows)
    return found


# ---- writing a batch of decisions -----------------------------------------------------------

# the page columns a write may change, besides its id
_PAGE_COLUMNS = ("url", "last_seen", "last_checked", "http_status", "etag", "last_modified",
                 "listed_title", "missing_count", "removed_at")


@dataclass
class _Batch:
    """What one `apply` accumulates before its bulk statements."""

    pages: dict[str, dict[str, Any]]  # identity → the page row's columns, as they end up
    renamed: dict[str, str] = field(default_factory=dict)  # moved in this batch: old → new identity
    versions: list[dict[str, Any]] = field(default_factory=list)
    blobs: dict[str, bytes] = field(default_factory=dict)  # sha256 → raw HTML
    # (page id, version number) → [last_seen, times seen in this batch, version is new]
    sightings: dict[tuple[int, int], list[Any]] = field(default_factory=dict)
    events: dict[int, EventWrite] = field(default_factory=dict)  # page id → its final event
    inserted_events: set[int] = field(default_factory=set)
    requeued: set[int] = field(default_factory=set)
    sources: dict[tuple[int, int], Any] = field(default_factory=dict)  # seen again, sources now
    body_hashes: dict[tuple[int, int], str] = field(default_factory=dict)  # seen again, hash filled


def apply(session: Session, run_id: int, writes: Sequence[Write]) -> None:
    """Persist `writes` (in the order they were decided) in the caller's transaction."""
    if not writes:
        return
    renamed = aliases.move(session, [w for w in writes if isinstance(w, StoreMove)])
    page_writes = [w for w in writes if not isinstance(w, StoreMove)]
    batch = _Batch(pages=_pages(session, page_writes, renamed), renamed=renamed)
    for write in page_writes:
        _take(batch, write)
    version_ids = _insert_versions(session, batch)
    version_ids.update(_existing_version_ids(session, batch, version_ids))
    _write_sightings(session, batch, version_ids)
    _write_sources(session, batch, version_ids)
    _write_events(session, run_id, batch, version_ids)
    dirty = [{"id": row["id"], **{c: row[c] for c in _PAGE_COLUMNS}}
             for row in batch.pages.values() if row["dirty"]]
    if dirty:
        session.execute(update(Page), dirty)
    if batch.versions:
        session.execute(update(CrawlRun).where(CrawlRun.id == run_id)
                        .values(new_versions=CrawlRun.new_versions + len(batch.versions)))


def _pages(session: Session, writes: Sequence[PageWrite],
           renamed: dict[str, str]) -> dict[str, dict[str, Any]]:
    """identity → the page's columns, for every page the writes name (by its identity after the
    batch's moves); pages the writes create (an article or a headline never seen) are inserted
    first."""
    wanted = {renamed.get(w.identity, w.identity): w for w in reversed(writes)}  # each page's first
    rows = _page_rows(session, list(wanted))
    created = {identity: w for identity, w in wanted.items() if identity not in rows
               and isinstance(w, StoreArticle | StoreHeadline)}
    if created:
        site_ids = {name: site_id(session, name) for name in {_site_of(w) for w in created.values()}}
        _insert_ignoring_conflict(session, Page, ["identity"], [
            {"site_id": site_ids[_site_of(w)], "identity": identity, "url": _url_of(w),
             "first_seen": _seen_of(w), "last_seen": _seen_of(w), "missing_count": 0}
            for identity, w in created.items()
        ])
        rows.update(_page_rows(session, list(created)))
    return rows


def _page_rows(session: Session, identities: Sequence[str]) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for part in chunks(identities):
        # FOR UPDATE serialises concurrent writers of one page on PostgreSQL; SQLite's
        # BEGIN IMMEDIATE already serialises all writers.
        query = select(Page.id, Page.identity, *(getattr(Page, c) for c in _PAGE_COLUMNS)).where(
            Page.identity.in_(part)).with_for_update()
        for row in session.execute(query):
            rows[row.identity] = {**row._asdict(), "dirty": False}
    return rows


def _site_of(write: StoreArticle | StoreHeadline) -> str:
    return write.snapshot.site if isinstance(write, StoreArticle) else write.site


def _url_of(write: StoreArticle | StoreHeadline) -> str:
    return write.snapshot.url if isinstance(write, StoreArticle) else write.url


def _seen_of(write: StoreArticle | StoreHeadline) -> datetime:
    return write.snapshot.fetched_at if isinstance(write, StoreArticle) else write.seen_at


def _take(batch: _Batch, write: PageWrite) -> None:
    page = batch.pages.get(batch.renamed.get(write.identity, write.identity))
    if page is None:
        return  # a miss or a 304 of a page never stored: nothing to record
    match write:
        case StoreArticle():
            _take_article(batch, page, write)
        case StoreHeadline():
            if write.listed_title is not None:
                page.update(listed_title=write.listed_title, dirty=True)
        case StoreMissing():
            page.update(missing_count=page["missing_count"] + 1, http_status=write.http_status,
                        last_checked=write.checked_at, dirty=True)
            if write.removed:
                page["removed_at"] = write.checked_at
        case StoreNotModified():
            page.update(last_seen=max(page["last_seen"], write.fetched_at), last_checked=write.fetched_at,
                        missing_count=0, removed_at=None, dirty=True)
            if write.version is not None:
                _sighted(batch, (page["id"], write.version), write.fetched_at, new=False)
    if write.event is not None:
        _take_event(batch, page["id"], write.event)


def _take_article(batch: _Batch, page: dict[str, Any], write: StoreArticle) -> None:
    snap = write.snapshot
    page.update(url=snap.url, last_seen=max(page["last_seen"], snap.fetched_at),
                last_checked=snap.fetched_at, http_status=snap.http_status, etag=snap.etag,
                last_modified=snap.last_modified, missing_count=0, removed_at=None, dirty=True)
    key = (page["id"], write.version)
    if not write.new_version:
        _sighted(batch, key, snap.fetched_at, new=False)
        if write.sources_moved:
            batch.sources[key] = dict(snap.sources)
        if write.fill_body_hash:
            batch.body_hashes[key] = snap.body_hash
        return
    digest = hashlib.sha256(snap.raw_html).hexdigest()
    batch.blobs.setdefault(digest, snap.raw_html)
    batch.versions.append({
        "page_id": page["id"], "number": write.version, "content_hash": snap.content_hash,
        "first_seen": snap.fetched_at, "sources": dict(snap.sources), "blob_sha": digest,
        "body_hash": snap.body_hash,
        **column_values(snap.fields),
    })
    _sighted(batch, key, snap.fetched_at, new=True)


def _sighted(batch: _Batch, key: tuple[int, int], at: datetime, *, new: bool) -> None:
    seen = batch.sightings.get(key)
    if seen is None:
        batch.sightings[key] = [at, 1, new]
    else:
        seen[0], seen[1] = max(seen[0], at), seen[1] + 1


def _take_event(batch: _Batch, page_id: int, write: EventWrite) -> None:
    if not write.merge:
        batch.inserted_events.add(page_id)
    if write.requeue:
        batch.requeued.add(page_id)
    batch.events[page_id] = write


def _insert_versions(session: Session, batch: _Batch) -> dict[tuple[int, int], int]:
    """Blobs and versions of the batch inserted; (page id, number) → version id."""
    if not batch.versions:
        return {}
    blob_ids = _blob_ids(session, batch.blobs)
    rows = [{k: v for k, v in row.items() if k != "blob_sha"} | {"blob_id": blob_ids[row["blob_sha"]]}
            for row in batch.versions]
    inserted = session.execute(
        insert(Version).returning(Version.id, Version.page_id, Version.number), rows
    )
    ids = {(row.page_id, row.number): row.id for row in inserted}
    # versions only ever grow at the end: each page's last new version is its latest
    latest: dict[int, dict[str, Any]] = {}
    for row in batch.versions:
        latest[row["page_id"]] = row
    search.index_versions(session, [
        {"page_id": page_id, "version_id": ids[(page_id, row["number"])], "title": row["title"],
         "lead": row["lead"], "body": row["body"]}
        for page_id, row in latest.items()
    ])
    return ids


def _blob_ids(session: Session, blobs: dict[str, bytes]) -> dict[str, int]:
    """sha256 → blob id for every raw page of the batch, each stored (compressed) once."""
    found = _blob_rows(session, list(blobs))
    missing = [digest for digest in blobs if digest not in found]
    if missing:
        _insert_ignoring_conflict(session, Blob, ["sha256"], [
            {"sha256": digest, "data": zlib.compress(blobs[digest])} for digest in missing
        ])
        found.update(_blob_rows(session, missing))
    return found


def _blob_rows(session: Session, digests: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for part in chunks(digests):
        rows = session.execute(select(Blob.sha256, Blob.id).where(Blob.sha256.in_(part)))
        found.update((digest, blob_id) for digest, blob_id in rows)
    return found


def _existing_version_ids(session: Session, batch: _Batch,
                          known: dict[tuple[int, int], int]) -> dict[tuple[int, int], int]:
    """(page id, number) → id of the versions stored before this batch that it refers to."""
    wanted = {key for key in [*batch.sightings, *batch.sources] if key not in known}
    wanted |= {(page_id, w.event.version) for page_id, w in batch.events.items()
               if w.event.version is not None and (page_id, w.event.version) not in known}
    found: dict[tuple[int, int], int] = {}
    page_ids = sorted({page_id for page_id, _ in wanted})
    for part in chunks(page_ids):
        rows = session.execute(select(Version.page_id, Version.number, Version.id)
                               .where(Version.page_id.in_(part)))
        found.update(((r.page_id, r.number), r.id) for r in rows if (r.page_id, r.number) in wanted)
    return found


def _write_sightings(session: Session, batch: _Batch, version_ids: dict[tuple[int, int], int]) -> None:
    new = [{"version_id": version_ids[key], "last_seen": at, "times_seen": times}
           for key, (at, times, is_new) in batch.sightings.items() if is_new]
    if new:
        session.execute(insert(Sighting), new)
    again = {version_ids[key]: (at, times) for key, (at, times, is_new) in batch.sightings.items()
             if not is_new and key in version_ids}
    if not again:
        return
    stored: dict[int, tuple[datetime, int]] = {}
    for part in chunks(sorted(again)):
        rows = session.execute(select(Sighting.version_id, Sighting.last_seen, Sighting.times_seen)
                               .where(Sighting.version_id.in_(part)))
        stored.update((r.version_id, (r.last_seen, r.times_seen)) for r in rows)
    session.execute(update(Sighting), [
        {"version_id": vid, "last_seen": max(at, stored[vid][0]), "times_seen": stored[vid][1] + times}
        for vid, (at, times) in again.items() if vid in stored
    ])


def _write_sources(session: Session, batch: _Batch, version_ids: dict[tuple[int, int], int]) -> None:
    """The latest versions fetched again unchanged whose fields now come from elsewhere, and
    those given the body hash they were stored without."""
    rows = [{"id": version_ids[key], "sources": sources} for key, sources in batch.sources.items()
            if key in version_ids]
    if rows:
        session.execute(update(Version), rows)
    filled = [{"id": version_ids[key], "body_hash": digest}
              for key, digest in batch.body_hashes.items() if key in version_ids]
    if filled:
        session.execute(update(Version), filled)


def _write_events(session: Session, run_id: int, batch: _Batch,
                  version_ids: dict[tuple[int, int], int]) -> None:
    if not batch.events:
        return
    urls = {row["id"]: row["url"] for row in batch.pages.values()}

    def values(page_id: int, event: RunEvent) -> dict[str, Any]:
        version = None if event.version is None else version_ids.get((page_id, event.version))
        return {"kind": event.kind, "fields": list(event.fields), "title": event.title,
                "published_at": event.published_at, "version_id": version, "url": urls[page_id]}

    inserts = [
        {"run_id": run_id, "page_id": page_id, "baseline": w.event.baseline,
         "detected_at": w.event.detected_at, "alert_queued": False, **values(page_id, w.event)}
        for page_id, w in batch.events.items() if page_id in batch.inserted_events
    ]
    if inserts:
        session.execute(insert(Event), inserts)
    merged = [page_id for page_id in batch.events if page_id not in batch.inserted_events]
    if not merged:
        return
    event_ids: dict[int, int] = {}
    for part in chunks(merged):
        rows = session.execute(
            select(Event.page_id, Event.id).where(Event.run_id == run_id, Event.page_id.in_(part))
            .with_for_update()
        )
        event_ids.update((page_id, event_id) for page_id, event_id in rows)
    updates = []
    for page_id in merged:
        row = {"id": event_ids[page_id], **values(page_id, batch.events[page_id].event)}
        if page_id in batch.requeued:
            # already taken by queue_alerts: hand it over again so the addition is not lost
            row["alert_queued"] = False
        updates.append(row)
    for keys in {tuple(sorted(row)) for row in updates}:  # one executemany per column set
        session.execute(update(Event), [row for row in updates if tuple(sorted(row)) == keys])


# ---- small shared helpers -------------------------------------------------------------------


def _insert_ignoring_conflict(session: Session, model: type, index: list[str],
                              rows: list[dict[str, Any]]) -> None:
    """INSERT of many rows that silently skips those a concurrent writer created first."""
    dialect = session.get_bind().dialect.name
    module = {"postgresql": postgresql, "sqlite": sqlite}.get(dialect)
    if module is None:
        session.execute(insert(model), rows)
        return
    session.execute(module.insert(model).on_conflict_do_nothing(index_elements=index), rows)


def site_id(session: Session, name: str) -> int:
    """The id of the site called `name`, inserted if missing."""
    query = select(Site.id).where(Site.name == name)
    found = session.scalar(query)
    if found is None:
        _insert_ignoring_conflict(session, Site, ["name"], [{"name": name}])
        found = session.scalar(query)
    assert found is not None
    return found
