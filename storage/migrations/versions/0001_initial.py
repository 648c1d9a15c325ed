"""Initial schema: sites, pages, blobs, versions, crawl runs, events, alerts.

Revision ID: 0001
Revises:
Create Date: 2025-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the types, so this revision never changes when storage.models does.
Timestamp = sa.DateTime(timezone=True)


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), nullable=False)


def _count(name: str, default: str = "0") -> sa.Column:
    return sa.Column(name, sa.Integer(), server_default=default, nullable=False)


def upgrade() -> None:
    op.create_table(
        "sites",
        _id(),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
        sa.UniqueConstraint("name", name=op.f("uq_sites_name")),
    )
    op.create_table(
        "blobs",
        _id(),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blobs")),
        sa.UniqueConstraint("sha256", name=op.f("uq_blobs_sha256")),
    )
    op.create_table(
        "crawl_runs",
        _id(),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("started_at", Timestamp, nullable=False),
        sa.Column("finished_at", Timestamp, nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        _count("requests"),
        _count("pages"),
        _count("new_versions"),
        _count("failures"),
        sa.Column("baseline", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "status IN ('running', 'completed', 'failed')", name=op.f("ck_crawl_runs_status")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_crawl_runs_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_runs")),
    )
    op.create_index("ix_crawl_runs_site_id_status", "crawl_runs", ["site_id", "status"])
    op.create_table(
        "pages",
        _id(),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("identity", sa.String(length=500), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("first_seen", Timestamp, nullable=False),
        sa.Column("last_seen", Timestamp, nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("etag", sa.String(length=500), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("listed_title", sa.Text(), nullable=True),
        _count("missing_count"),
        sa.Column("removed_at", Timestamp, nullable=True),
        sa.Column("last_checked", Timestamp, nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_pages_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pages")),
        sa.UniqueConstraint("identity", name=op.f("uq_pages_identity")),
    )
    op.create_index("ix_pages_site_id_last_checked", "pages", ["site_id", "last_checked"])
    op.create_table(
        "versions",
        _id(),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=128), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("lead", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("author", sa.Text(), nullable=True),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column("published_at", Timestamp, nullable=True),
        sa.Column("modified_at", Timestamp, nullable=True),
        sa.Column("images", sa.JSON(), nullable=False),
        sa.Column("related", sa.JSON(), nullable=False),
        sa.Column("first_seen", Timestamp, nullable=False),
        sa.Column("last_seen", Timestamp, nullable=False),
        _count("times_seen", default="1"),
        sa.Column("blob_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["blob_id"], ["blobs.id"], name=op.f("fk_versions_blob_id_blobs")),
        sa.ForeignKeyConstraint(["page_id"], ["pages.id"], name=op.f("fk_versions_page_id_pages")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_versions")),
        sa.UniqueConstraint("page_id", "number", name=op.f("uq_versions_page_id_number")),
    )
    op.create_index(op.f("ix_versions_blob_id"), "versions", ["blob_id"])
    op.create_table(
        "events",
        _id(),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("published_at", Timestamp, nullable=True),
        sa.Column("baseline", sa.Boolean(), nullable=False),
        sa.Column("detected_at", Timestamp, nullable=False),
        sa.Column("alert_queued", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.CheckConstraint("kind IN ('new', 'edited', 'removed')", name=op.f("ck_events_kind")),
        sa.ForeignKeyConstraint(["page_id"], ["pages.id"], name=op.f("fk_events_page_id_pages")),
        sa.ForeignKeyConstraint(
            ["run_id"], ["crawl_runs.id"], name=op.f("fk_events_run_id_crawl_runs")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["versions.id"], name=op.f("fk_events_version_id_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("run_id", "page_id", name=op.f("uq_events_run_id_page_id")),
    )
    op.create_index("ix_events_detected_at", "events", ["detected_at"])
    op.create_index("ix_events_kind_detected_at", "events", ["kind", "detected_at"])
    op.create_index("ix_events_page_id", "events", ["page_id"])
    op.create_index("ix_events_alert_queued", "events", ["alert_queued"])
    op.create_table(
        "alerts",
        _id(),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("message_id", sa.String(length=400), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        _count("attempts"),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", Timestamp, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("sent_at", Timestamp, nullable=True),
        sa.CheckConstraint("state IN ('pending', 'sent')", name=op.f("ck_alerts_state")),
        sa.ForeignKeyConstraint(
            ["run_id"], ["crawl_runs.id"], name=op.f("fk_alerts_run_id_crawl_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("message_id", name=op.f("uq_alerts_message_id")),
    )
    op.create_index("ix_alerts_state_next_attempt_at", "alerts", ["state", "next_attempt_at"])
    op.create_table(
        "alert_events",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_events_alert_id_alerts")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_alert_events_event_id_events")
        ),
        sa.PrimaryKeyConstraint("alert_id", "event_id", name=op.f("pk_alert_events")),
    )
    op.create_index(op.f("ix_alert_events_event_id"), "alert_events", ["event_id"])


def downgrade() -> None:
    tables = ("alert_events", "alerts", "events", "versions", "pages", "crawl_runs", "blobs", "sites")
    for table in tables:
        op.drop_table(table)
