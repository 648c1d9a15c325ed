"""Bring a database to the newest schema with Alembic, configured in code from the package files."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
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


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(url: str | URL | Engine, revision: str = "head") -> None:
    """Migrate the database at `url` (or behind `engine`) up to `revision`, in one transaction."""
    engine = url if isinstance(url, Engine) else make_engine(url)
    try:
        with for_writing(engine).begin() as connection:
            _upgrade_on(connection, engine.url, revision)
    except DBAPIError as exc:
        if is_unusable(exc):
            raise StorageError(engine.url, f"cannot migrate: {exc.orig}") from exc
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
