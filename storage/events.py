"""Change events read back as rows: the columns of ChangeRow and AlertEventRow."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from storage.models import Event, Page, Site, Version


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
