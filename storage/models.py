"""The database schema as typed SQLAlchemy models; Alembic migrations create it, never create_all."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.expression import false
from sqlalchemy.types import TypeDecorator

from storage.records import ALERT_STATES, EVENT_KINDS, RUN_STATUSES

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}



class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend (SQLite keeps naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: storage needs timezone-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class ZlibText(TypeDecorator[str]):
    """Text stored zlib-compressed: article bodies are the bulk of the database and compress 4-8x."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        return None if value is None else zlib.compress(value.encode("utf-8"))

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> str | None:
        return None if value is None else zlib.decompress(value).decode("utf-8")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class Page(Base):
    """One article identity; `url` follows the latest canonical URL it was fetched under."""

    __tablename__ = "pages"
    __table_args__ = (
        Index("ix_pages_site_id_last_checked", "site_id", "last_checked"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    identity: Mapped[str] = mapped_column(String(500), unique=True)
    url: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    http_status: Mapped[int | None]
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    listed_title: Mapped[str | None] = mapped_column(Text)
    # consecutive 404/410/redirect-to-front answers; reset by any successful fetch
    missing_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    removed_at: Mapped[datetime | None]
    last_checked: Mapped[datetime | None]


class PageAlias(Base):
    """An identity the article went by before it moved (its URL before a slug change)."""

    __tablename__ = "page_aliases"

    identity: Mapped[str] = mapped_column(String(500), primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"), index=True)
    created_at: Mapped[datetime]


class Blob(Base):
    """Raw HTML, zlib-compressed, stored once per distinct content (sha256 of the raw bytes)."""

    __tablename__ = "blobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Version(Base):
    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("page_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"))
    number: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(Text)
    lead: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(ZlibText)
    body_html: Mapped[str] = mapped_column(ZlibText)
    author: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    modified_at: Mapped[datetime | None]
    images: Mapped[list[Any]]
    related: Mapped[list[Any]]
    # field → where it was read from, as of the latest fetch of this content; NULL before 0005
    sources: Mapped[dict[str, Any] | None]
    first_seen: Mapped[datetime]
    blob_id: Mapped[int] = mapped_column(ForeignKey("blobs.id"), index=True)
    # sha256 of the normalised body: a moved article is found by it; NULL before 0007
    body_hash: Mapped[str | None] = mapped_column(String(64), index=True)


class Sighting(Base):
    """When a version's content was last seen, and how often. An unchanged re-crawl writes only
    this (and the page row): kept out of the wide versions row, it rewrites a few bytes per page."""

    __tablename__ = "version_sightings"

    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), primary_key=True)
    last_seen: Mapped[datetime]
    times_seen: Mapped[int]


class CrawlRun(Base):
    __tablename__ = "crawl_runs"
    __table_args__ = (
        CheckConstraint(_in("status", RUN_STATUSES), name="status"),
        Index("ix_crawl_runs_site_id_status", "site_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20))
    requests: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pages: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    new_versions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    baseline: Mapped[bool] = mapped_column(Boolean)
    # crawl health, once the run is assessed: the verdict (records.VERDICTS; no CHECK: SQLite
    # cannot add one in place), and {"metrics", "problems", "tripped"}
    verdict: Mapped[str | None] = mapped_column(String(20))
    health: Mapped[dict[str, Any] | None]


class Event(Base):
    """Something the user may be told about: at most one per page per run."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("run_id", "page_id"),
        CheckConstraint(_in("kind", EVENT_KINDS), name="kind"),
        Index("ix_events_detected_at", "detected_at"),
        Index("ix_events_kind_detected_at", "kind", "detected_at"),
        Index("ix_events_page_id", "page_id"),
        Index("ix_events_alert_queued", "alert_queued"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"))
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"))
    # the version the event is about: the new one for new/edited, the last one for removed
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    kind: Mapped[str] = mapped_column(String(20))
    fields: Mapped[list[Any]]
    title: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    baseline: Mapped[bool] = mapped_column(Boolean)
    detected_at: Mapped[datetime]
    alert_queued: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Alert(Base):
    """One message to one recipient: news (covering several events) or a site's crawl health
    (about run_id's verdict); message_id is fixed at creation."""

    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint(_in("state", ALERT_STATES), name="state"),
        Index("ix_alerts_state_next_attempt_at", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320))
    # records.ALERT_KINDS (no CHECK: SQLite cannot add one in place)
    kind: Mapped[str] = mapped_column(String(20), default="news", server_default="news")
    # set in the creating transaction, right after the id is known
    message_id: Mapped[str | None] = mapped_column(String(400), unique=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    state: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class AlertEvent(Base):
    __tablename__ = "alert_events"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True, index=True)
