"""Full-text search index over each article's latest version, kept current by triggers.

SQLite: an FTS5 table (rowid = page id) with the `unicode61 remove_diacritics 2` tokenizer.
PostgreSQL: a table of weighted tsvectors (title A, lead B, body C) built with `unaccent`, under
a GIN index; the `unaccent` extension is created when missing (it ships in postgresql-contrib).
Either way đ/Đ are folded to d/D explicitly: neither tokenizer does it. The triggers fire on
every insert into versions, so the index changes in the same transaction as the version.

Revision ID: 0003
Revises: 0001
Create Date: 2025-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.db import StorageError

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here on purpose: later changes to storage.search must not change what this revision does.
_SQLITE_FOLD = "replace(replace({}, 'đ', 'd'), 'Đ', 'D')"
_SQLITE_LATEST = "NEW.number = (SELECT max(number) FROM versions WHERE page_id = NEW.page_id)"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgres()
    else:
        _upgrade_sqlite()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS versions_article_search ON versions")
        op.execute("DROP TABLE IF EXISTS article_search")
        op.execute("DROP FUNCTION IF EXISTS newswatch_index_version()")
        op.execute("DROP FUNCTION IF EXISTS newswatch_search_document(text, text, text)")
        op.execute("DROP FUNCTION IF EXISTS newswatch_fold(text)")
    else:
        op.execute("DROP TRIGGER IF EXISTS versions_article_search")
        op.execute("DROP TABLE IF EXISTS article_search")


# ---- SQLite ----------------------------------------------------------------------------------


def _sqlite_values(prefix: str) -> str:
    texts = ", ".join(_SQLITE_FOLD.format(f"{prefix}.{name}") for name in ("title", "lead", "body"))
    return f"{prefix}.page_id, {texts}, {prefix}.id"


def _upgrade_sqlite() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE article_search USING fts5("
        "title, lead, body, version_id UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')"
    )
    columns = "rowid, title, lead, body, version_id"
    # Versions are only ever appended; the WHEN guards against an out-of-order insert all the same.
    op.execute(
        f"CREATE TRIGGER versions_article_search AFTER INSERT ON versions WHEN {_SQLITE_LATEST} "
        "BEGIN "
        "DELETE FROM article_search WHERE rowid = NEW.page_id; "
        f"INSERT INTO article_search ({columns}) VALUES ({_sqlite_values('NEW')}); "
        "END"
    )
    op.execute(
        f"INSERT INTO article_search ({columns}) SELECT {_sqlite_values('v')} FROM versions v "
        "WHERE v.number = (SELECT max(number) FROM versions WHERE page_id = v.page_id)"
    )


# ---- PostgreSQL ------------------------------------------------------------------------------


def _unaccent_schema() -> str:
    """The schema holding `unaccent`, installing the extension first when it is missing."""
    bind = op.get_bind()
    query = sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
        " WHERE e.extname = 'unaccent'"
    )
    schema = bind.scalar(query)
    if schema is not None:
        return str(schema)
    # public when there is one: an extension exists once per database, and every schema sees
    # public, so another newswatch schema on the same server can share it.
    target = bind.scalar(sa.text(
        "SELECT coalesce((SELECT nspname FROM pg_namespace WHERE nspname = 'public'), current_schema())"
    ))
    try:
        with bind.begin_nested():
            bind.execute(sa.text(f'CREATE EXTENSION unaccent SCHEMA "{target}"'))
    except sa.exc.DBAPIError as exc:
        raise StorageError(
            bind.engine.url,
            "search needs PostgreSQL's unaccent extension (in the postgresql-contrib package); "
            f'a superuser can run: CREATE EXTENSION unaccent SCHEMA "{target}" ({exc.orig})',
        ) from exc
    return str(target)


def _upgrade_postgres() -> None:
    schema = _unaccent_schema()
    unaccent = f"\"{schema}\".unaccent('\"{schema}\".unaccent'::regdictionary, $1)"
    op.execute(
        "CREATE FUNCTION newswatch_fold(text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE "
        f"AS $$ SELECT lower({unaccent}) $$"
    )
    op.execute(
        "CREATE FUNCTION newswatch_search_document(title text, lead text, body text) RETURNS tsvector "
        "LANGUAGE sql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$ SELECT "
        "setweight(to_tsvector('simple', newswatch_fold(coalesce(title, ''))), 'A') || "
        "setweight(to_tsvector('simple', newswatch_fold(coalesce(lead, ''))), 'B') || "
        "setweight(to_tsvector('simple', newswatch_fold(coalesce(body, ''))), 'C') $$"
    )
    op.create_table(
        "article_search",
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("document", sa.dialects.postgresql.TSVECTOR(), nullable=False),
        sa.ForeignKeyConstraint(["page_id"], ["pages.id"], name="fk_article_search_page_id_pages"),
        sa.ForeignKeyConstraint(
            ["version_id"], ["versions.id"], name="fk_article_search_version_id_versions"
        ),
        sa.PrimaryKeyConstraint("page_id", name="pk_article_search"),
    )
    op.create_index(
        "ix_article_search_document", "article_search", ["document"], postgresql_using="gin"
    )
    op.execute(
        "CREATE FUNCTION newswatch_index_version() RETURNS trigger LANGUAGE plpgsql "
        "SET search_path FROM CURRENT AS $$ BEGIN "
        "INSERT INTO article_search AS s (page_id, version_id, document) VALUES "
        "(NEW.page_id, NEW.id, newswatch_search_document(NEW.title, NEW.lead, NEW.body)) "
        "ON CONFLICT (page_id) DO UPDATE SET version_id = EXCLUDED.version_id, "
        "document = EXCLUDED.document "
        "WHERE (SELECT number FROM versions WHERE id = s.version_id) < NEW.number; "
        "RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER versions_article_search AFTER INSERT ON versions "
        "FOR EACH ROW EXECUTE FUNCTION newswatch_index_version()"
    )
    op.execute(
        "INSERT INTO article_search (page_id, version_id, document) "
        "SELECT DISTINCT ON (page_id) page_id, id, newswatch_search_document(title, lead, body) "
        "FROM versions ORDER BY page_id, number DESC"
    )
