"""Change events: at most one per page per run, later findings merged into it; read as rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from storage.models import Event, Page, Site, Version


def event_of_run(session: Session, run_id: int, page_id: int) -> Event | None:
    query = select(Event).where(Event.run_id == run_id, Event.page_id == page_id).with_for_update()
    return session.scalars(query).one_or_none()


def merged_kind(old: str, new: str) -> str:
    """Removal wins; a page that is new in this run stays new; anything else is an edit."""
    if new == "removed":
        return "removed"
    return "new" if old == "new" else "edited"


def note_event(
    session: Session,
    run_id: int,
    page: Page,
    kind: str,
    fields: list[str],
    *,
    baseline: bool,
    detected_at: datetime,
    version: Version | None = None,
    title: str | None = None,
) -> Event:
    """Insert this run's event for the page, or merge `kind` and `fields` into the one it has.

    `version` is what the event is about (its title and published date are copied);
    `title` overrides the version's title (a listing headline).
    """
    if title is None and version is not None:
        title = version.title
    event = event_of_run(session, run_id, page.id)
    if event is None:
        event = Event(
            run_id=run_id,
            page_id=page.id,
            kind=kind,
            fields=list(fields),
            baseline=baseline,
            detected_at=detected_at,
            url=page.url,
            title=title,
            published_at=version.published_at if version is not None else None,
            version_id=version.id if version is not None else None,
            alert_queued=False,
        )
        session.add(event)
    else:
        _merge(event, page, kind, fields, version, title)
    session.flush()
    return event


def _merge(
    event: Event,
    page: Page,
    kind: str,
    fields: list[str],
    version: Version | None,
    title: str | None,
) -> None:
    new_kind = merged_kind(event.kind, kind)
    new_fields = event.fields + [name for name in fields if name not in event.fields]
    if event.alert_queued and (new_kind, new_fields) != (event.kind, event.fields):
        # already taken by queue_alerts: hand it over again so the addition is not lost
        event.alert_queued = False
    event.kind, event.fields, event.url = new_kind, new_fields, page.url
    if title is not None:
        event.title = title
    if version is not None:
        event.version_id, event.published_at = version.id, version.published_at


def event_rows() -> Select[Any]:
    """SELECT of events as ChangeRow tuples (columns in field order); add filters and ordering."""
    return (
        select(
            Event.id,
            Event.kind,
            Page.identity,
            Page.url,  # the article's URL now, not when the event was noted: slugs follow headlines
            Event.title,
            Site.name,
            Event.detected_at,
            Event.published_at,
            Event.fields,
            Event.baseline,
        )
        .join(Page, Page.id == Event.page_id)
        .join(Site, Site.id == Page.site_id)
    )


def with_versions(query: Select[Any]) -> Select[Any]:
    """`event_rows()` plus the version each event is about and the one before it, as the extra
    columns of AlertEventRow (None where there is no such version)."""
    current = aliased(Version)
    previous = aliased(Version)
    return (
        query.add_columns(Event.version_id, current.number, previous.id, previous.number)
        .outerjoin(current, current.id == Event.version_id)
        .outerjoin(
            previous,
            (previous.page_id == Event.page_id) & (previous.number == current.number - 1),
        )
    )
