"""Bring a database to the newest schema with Alembic, configured in code from the package files."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from storage.db import StorageError, for_writing, is_unusable, make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# any constant: concurrent first starts on one PostgreSQL database take turns migrating
_PG_MIGRATION_LOCK = 0x6E657773


def alembic_config(url: str | URL) -> Config:
    """An Alembic Config that finds the shipped migrations regardless of the working directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # configparser treats % as interpolation; URLs may contain %-escapes (e.g. search_path options)
    rendered = url if isinstance(url, str) else url.render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config


@lru_cache(maxsize=1)
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def head_revision() -> str:
    head = _scripts().get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _known(revision: str) -> bool:
    try:
        return _scripts().get_revision(revision) is not None
    except CommandError:  # alembic's "Can't locate revision identified by ..."
        return False


def check_schema(engine: Engine, *, require_current: bool, url: str | URL | None = None) -> None:
    """StorageError unless this newswatch can use the database as it is, without changing it.

    A revision it does not know was written by a newer newswatch: nothing here may touch it.
    With `require_current`, a schema that is missing or behind is an error too (read commands
    never migrate). Messages name `url` (default: the engine's).
    """
    url = engine.url if url is None else url
    try:
        current = current_revision(engine)
    except DBAPIError as exc:
        if is_unusable(exc):
            raise StorageError(url, _unusable_reason(exc)) from exc
        raise
    head = head_revision()
    if current is not None and not _known(current):
        raise StorageError(
            url,
            f"schema revision {current!r} is newer than this newswatch knows (its newest is {head!r}): "
            "upgrade newswatch to use this database",
        )
    if not require_current or current == head:
        return
    if current is None:
        raise StorageError(url, "holds no newswatch schema yet: run `newswatch db upgrade`")
    raise StorageError(
        url, f"schema revision {current!r} is behind this newswatch ({head!r}): run `newswatch db upgrade`"
    )


def _unusable_reason(exc: DBAPIError) -> str:
    reason = str(exc.orig)
    if reason == "file is not a database":  # SQLite's words for any file that is not SQLite
        return "not a database (the file is not SQLite)"
    return reason


def upgrade(url: str | URL | Engine, revision: str = "head") -> None:
    """Migrate the database at `url` (or behind `engine`) up to `revision`, in one transaction.

    A database at a revision this newswatch does not know is left untouched (StorageError).
    """
    engine = url if isinstance(url, Engine) else make_engine(url)
    try:
        check_schema(engine, require_current=False)
        with for_writing(engine).begin() as connection:
            _upgrade_on(connection, engine.url, revision)
    except DBAPIError as exc:
        if is_unusable(exc):
            raise StorageError(engine.url, f"cannot migrate: {_unusable_reason(exc)}") from exc
        raise
    finally:
        if not isinstance(url, Engine):
            engine.dispose()


def _upgrade_on(connection: Connection, url: URL, revision: str) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
