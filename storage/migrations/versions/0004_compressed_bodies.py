"""Versions keep body and body HTML zlib-compressed, not as two uncompressed copies of the article.

Existing rows are compressed in place, a chunk at a time, so a large database migrates in bounded
memory. The search index (0003) was kept by database triggers that read `versions.body` as text;
no trigger can read it compressed, so they go and the store indexes each new version itself, in
the same transaction (storage.search.index_version).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("body", "body_html")
_CHUNK = 200


def _compress(value: str | None) -> bytes:
    return zlib.compress((value or "").encode("utf-8"))


def _decompress(value: bytes | None) -> str:
    return zlib.decompress(value).decode("utf-8") if value else ""


def upgrade() -> None:
    _drop_search_triggers()
    _replace_columns(sa.LargeBinary(), sa.Text(), _compress)


def downgrade() -> None:
    _replace_columns(sa.Text(), sa.LargeBinary(), _decompress)
    _create_search_triggers()


# Frozen copies of the triggers of 0003, so that a downgrade puts back exactly what it had.
_SQLITE_TRIGGER = (
    "CREATE TRIGGER versions_article_search AFTER INSERT ON versions "
    "WHEN NEW.number = (SELECT max(number) FROM versions WHERE page_id = NEW.page_id) "
    "BEGIN "
    "DELETE FROM article_search WHERE rowid = NEW.page_id; "
    "INSERT INTO article_search (rowid, title, lead, body, version_id) VALUES (NEW.page_id, "
    + ", ".join(f"replace(replace(NEW.{name}, 'đ', 'd'), 'Đ', 'D')" for name in ("title", "lead", "body"))
    + ", NEW.id); END"
)
_POSTGRES_FUNCTION = (
    "CREATE FUNCTION newswatch_index_version() RETURNS trigger LANGUAGE plpgsql "
    "SET search_path FROM CURRENT AS $$ BEGIN "
    "INSERT INTO article_search AS s (page_id, version_id, document) VALUES "
    "(NEW.page_id, NEW.id, newswatch_search_document(NEW.title, NEW.lead, NEW.body)) "
    "ON CONFLICT (page_id) DO UPDATE SET version_id = EXCLUDED.version_id, "
    "document = EXCLUDED.document "
    "WHERE (SELECT number FROM versions WHERE id = s.version_id) < NEW.number; "
    "RETURN NULL; END $$"
)
_POSTGRES_TRIGGER = (
    "CREATE TRIGGER versions_article_search AFTER INSERT ON versions "
    "FOR EACH ROW EXECUTE FUNCTION newswatch_index_version()"
)


def _drop_search_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS versions_article_search ON versions")
        op.execute("DROP FUNCTION IF EXISTS newswatch_index_version()")
    else:
        op.execute("DROP TRIGGER IF EXISTS versions_article_search")


def _create_search_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_FUNCTION)
        op.execute(_POSTGRES_TRIGGER)
    else:
        op.execute(_SQLITE_TRIGGER)


def _replace_columns(new_type: sa.types.TypeEngine, old_type: sa.types.TypeEngine,
                     convert: Callable[[Any], Any]) -> None:
    """Each of COLUMNS becomes `new_type`, its values passed through `convert`.

    Plain ALTERs on both backends (SQLite 3.35+ drops and renames columns in place): a copy of the
    table, as a batch migration makes, would have to drop `versions`, which events reference.
    """
    for name in COLUMNS:
        # NOT NULL needs a default while the rows are filled; '' is an empty text and bytea alike
        op.add_column("versions", sa.Column(f"{name}_new", new_type, nullable=False, server_default=""))
    _copy_converted(old_type, new_type, convert)
    for name in COLUMNS:
        op.drop_column("versions", name)
        op.alter_column("versions", f"{name}_new", new_column_name=name, existing_type=new_type)


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
