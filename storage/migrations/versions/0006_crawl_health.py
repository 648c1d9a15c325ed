"""Crawl health: each run keeps what it measured and the verdict on it; alerts have a kind.

`crawl_runs.verdict` ("ok", "degraded", "broken") and `crawl_runs.health` (JSON: the run's
metrics, problems and the rules that tripped) are NULL for runs before this revision and for runs
not assessed. `alerts.kind` is "news" (a digest of events) or "health" (a site's verdict changed;
the alert's run holds it); existing alerts are news.

Plain ADD COLUMNs, no CHECK constraints: SQLite can add a constraint only by copying the table,
and events and alerts reference these tables.

Revision ID: 0006
Revises: 0005
Create Date: 2027-01-12
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("crawl_runs", sa.Column("verdict", sa.String(20), nullable=True))
    op.add_column("crawl_runs", sa.Column("health", sa.JSON(), nullable=True))
    op.add_column("alerts", sa.Column("kind", sa.String(20), nullable=False, server_default="news"))


def downgrade() -> None:
    op.execute("DELETE FROM alerts WHERE kind = 'health'")
    op.drop_column("alerts", "kind")
    op.drop_column("crawl_runs", "health")
    op.drop_column("crawl_runs", "verdict")
