"""Reading the history back: versions of one article, events, what the crawler needs to plan a run."""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import Any

from sqlalchemy import func, not_, or_, select
from sqlalchemy.orm import Session

from storage.events import event_rows, with_versions
from storage.fields import from_columns
from storage.models import Blob, Event, Page, Sighting, Site, Version
from storage.records import AlertEventRow, ChangeRow, EventKind, PageRef, VersionDetail, VersionSummary


def history(session: Session, identity: str) -> list[VersionSummary]:
    """Every version of the page, oldest first; empty for an unknown identity."""
    query = (
        select(Version.number, Version.first_seen, Sighting.last_seen, Sighting.times_seen,
               Version.title, Version.published_at, Version.content_hash)
        .join(Page, Page.id == Version.page_id)
        .join(Sighting, Sighting.version_id == Version.id)
        .where(Page.identity == identity)
        .order_by(Version.number)
    )
    return [VersionSummary(*row) for row in session.execute(query)]


def version_detail(session: Session, identity: str, condition: Any) -> VersionDetail | None:
    """The newest version of the page that meets `condition` (None: the latest)."""
    query = (
        select(Version, Sighting.last_seen, Sighting.times_seen, Page.url, Blob.data)
        .join(Page, Page.id == Version.page_id)
        .join(Sighting, Sighting.version_id == Version.id)
        .join(Blob, Blob.id == Version.blob_id)
        .where(Page.identity == identity)
        .order_by(Version.number.desc())
        .limit(1)
    )
    if condition is not None:
        query = query.where(condition)
    row = session.execute(query).one_or_none()
    if row is None:
        return None
    version, last_seen, times_seen, url, data = row
    return VersionDetail(
        id=version.id,
        identity=identity,
        url=url,
        number=version.number,
        content_hash=version.content_hash,
        fields=from_columns(version),
        sources=version.sources,
        first_seen=version.first_seen,
        last_seen=last_seen,
        times_seen=times_seen,
        raw_html=zlib.decompress(data),
    )


def filtered_events(query: Any, since: datetime | None, kind: EventKind | None, site: str | None) -> Any:
    """`query` over events, newest first, narrowed by detection time, kind and site."""
    query = query.order_by(Event.detected_at.desc(), Event.id.desc())
    if since is not None:
        query = query.where(Event.detected_at >= since)
    if kind is not None:
        query = query.where(Event.kind == kind)
    if site is not None:
        query = query.where(Site.name == site)
    return query


def changes(session: Session, *, since: datetime | None, kind: EventKind | None, site: str | None,
            limit: int, offset: int) -> list[ChangeRow]:
    query = filtered_events(event_rows(), since, kind, site).limit(limit).offset(offset)
    return [ChangeRow(*row) for row in session.execute(query)]


def changes_with_versions(session: Session, *, since: datetime | None, kind: EventKind | None,
                          site: str | None, baseline: bool | None, limit: int,
                          offset: int) -> list[AlertEventRow]:
    query = filtered_events(with_versions(event_rows()), since, kind, site)
    if baseline is not None:
        query = query.where(Event.baseline.is_(baseline))
    return [AlertEventRow(*row) for row in session.execute(query.limit(limit).offset(offset))]


# ---- what the crawler needs to plan a run -----------------------------------------------------


def known_items(session: Session, site: str) -> dict[str, str | None]:
    rows = session.execute(select(Page.identity, Page.listed_title).join(Site).where(Site.name == site))
    return {identity: title for identity, title in rows}


def last_checked(session: Session, site: str) -> dict[str, datetime | None]:
    rows = session.execute(select(Page.identity, Page.last_checked).join(Site).where(Site.name == site))
    return {identity: checked for identity, checked in rows}


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


def revisit_candidates(session: Session, site: str, *, since: datetime, limit: int,
                       rotation: int) -> list[PageRef]:
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
    rows = [*session.execute(query.where(recent).limit(limit))]
    rows += session.execute(query.where(not_(recent)).limit(rotation))
    return [PageRef(*row) for row in rows]


def find_page(session: Session, identities: list[str]) -> str | None:
    known = set(session.scalars(select(Page.identity).where(Page.identity.in_(identities))))
    return next((identity for identity in identities if identity in known), None)


def site_names(session: Session) -> list[str]:
    return list(session.scalars(select(Site.name).order_by(Site.name)))
