"""Versions record where each field was read from; when a version was last seen moves to a table
of its own.

`versions.sources` maps each field to its source ("selector h1.title", "json-ld", "meta og:title",
"generic: h1"); versions stored before are NULL: their sources are not known. `last_seen` and
`times_seen` change at every unchanged re-crawl: in the versions row, next to the compressed body,
each such update rewrote the whole wide row; in `version_sightings` it rewrites a few bytes.

Revision ID: 0005
Revises: 0004
Create Date: 2027-01-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("versions", sa.Column("sources", sa.JSON(), nullable=True))
    op.create_table(
        "version_sightings",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("times_seen", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["version_id"], ["versions.id"],
                                name="fk_version_sightings_version_id_versions"),
        sa.PrimaryKeyConstraint("version_id", name="pk_version_sightings"),
    )
    op.execute("INSERT INTO version_sightings (version_id, last_seen, times_seen) "
               "SELECT id, last_seen, times_seen FROM versions")
    # plain ALTERs (SQLite 3.35+ drops columns in place): a batch copy would drop `versions`,
    # which events reference
    op.drop_column("versions", "times_seen")
    op.drop_column("versions", "last_seen")


def downgrade() -> None:
    # NOT NULL needs a default while the rows are filled (SQLite cannot drop it afterwards)
    op.add_column("versions", sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False,
                                        server_default="1970-01-01 00:00:00"))
    op.add_column("versions", sa.Column("times_seen", sa.Integer(), nullable=False, server_default="1"))
    op.execute("UPDATE versions SET last_seen = coalesce((SELECT s.last_seen FROM version_sightings s "
               "WHERE s.version_id = versions.id), first_seen), times_seen = coalesce((SELECT "
               "s.times_seen FROM version_sightings s WHERE s.version_id = versions.id), 1)")
    op.drop_table("version_sightings")
    op.drop_column("versions", "sources")
