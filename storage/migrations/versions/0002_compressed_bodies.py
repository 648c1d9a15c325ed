"""Versions keep body and body HTML zlib-compressed, not as two uncompressed copies of the article.

Existing rows are compressed in place, a chunk at a time, so a large database migrates in bounded
memory.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("body", "body_html")
_CHUNK = 200


def _compress(value: str | None) -> bytes:
    return zlib.compress((value or "").encode("utf-8"))


def _decompress(value: bytes | None) -> str:
    return zlib.decompress(value).decode("utf-8") if value else ""


def upgrade() -> None:
    _replace_columns(sa.LargeBinary(), sa.Text(), _compress)


def downgrade() -> None:
    _replace_columns(sa.Text(), sa.LargeBinary(), _decompress)


def _replace_columns(new_type: sa.types.TypeEngine, old_type: sa.types.TypeEngine,
                     convert: Callable[[Any], Any]) -> None:
    """Each of COLUMNS becomes `new_type`, its values passed through `convert`."""
    if op.get_bind().dialect.name == "sqlite":
        # The batch copy drops and renames `versions`, which events reference; checked at commit.
        op.execute("PRAGMA defer_foreign_keys = ON")
    with op.batch_alter_table("versions") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(f"{name}_new", new_type, nullable=True))
    _copy_converted(old_type, new_type, convert)
    with op.batch_alter_table("versions") as batch:
        for name in COLUMNS:
            batch.drop_column(name)
            batch.alter_column(f"{name}_new", new_column_name=name, existing_type=new_type,
                               nullable=False)


def _copy_converted(old_type: sa.types.TypeEngine, new_type: sa.types.TypeEngine,
                    convert: Callable[[Any], Any]) -> None:
    versions = sa.table(
        "versions",
        sa.column("id", sa.Integer()),
        *(sa.column(name, old_type) for name in COLUMNS),
        *(sa.column(f"{name}_new", new_type) for name in COLUMNS),
    )
    connection = op.get_bind()
    update = (
        sa.update(versions)
        .where(versions.c.id == sa.bindparam("row_id"))
        .values({f"{name}_new": sa.bindparam(f"v_{name}") for name in COLUMNS})
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(versions.c.id, *(versions.c[name] for name in COLUMNS))
            .where(versions.c.id > last)
            .order_by(versions.c.id)
            .limit(_CHUNK)
        ).all()
        if not rows:
            return
        connection.execute(update, [
            {"row_id": row.id, **{f"v_{name}": convert(getattr(row, name)) for name in COLUMNS}}
            for row in rows
        ])
        last = rows[-1].id
