"""Moved articles: the URLs an article was known by before it moved, and a hash of each version's
normalised body to recognise an article that reappears under a new URL.

`page_aliases` maps an identity the article no longer goes by (its URL before a slug change) to
its page. `versions.body_hash` is the sha256 of the normalised body; versions stored before are
NULL until the version is fetched again (an article stored before is recognised by its body from
its next fetch on, and by a redirect or canonical link at once).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "page_aliases",
        sa.Column("identity", sa.String(500), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["page_id"], ["pages.id"], name="fk_page_aliases_page_id_pages"),
        sa.PrimaryKeyConstraint("identity", name="pk_page_aliases"),
    )
    op.create_index("ix_page_aliases_page_id", "page_aliases", ["page_id"])
    op.add_column("versions", sa.Column("body_hash", sa.String(64), nullable=True))
    op.create_index("ix_versions_body_hash", "versions", ["body_hash"])


def downgrade() -> None:
    op.drop_index("ix_versions_body_hash", table_name="versions")
    op.drop_column("versions", "body_hash")
    op.drop_index("ix_page_aliases_page_id", table_name="page_aliases")
    op.drop_table("page_aliases")
