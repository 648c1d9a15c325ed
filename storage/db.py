"""Engine construction and the storage-level error: SQLite pragmas, parent directories, clear failures."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DatabaseError, OperationalError

# Execution option read by the SQLite "begin" hook: write transactions take the write lock up
# front, so two processes never both read and then fail to upgrade to a write (SQLITE_BUSY).
_BEGIN_OPTION = "newswatch_sqlite_begin"
SQLITE_BUSY_TIMEOUT_MS = 10_000
# values bound in one IN (...) list: well below SQLite's bound-parameter limit
CHUNK = 500

T = TypeVar("T")


def chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """`values` in slices of at most CHUNK, one statement each."""
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


class StorageError(Exception):
    """The database cannot be opened, migrated or written; the message names it (without password)."""

    def __init__(self, url: str | URL, reason: str) -> None:
        self.url = safe_url(url)
        # drivers spread one problem over several lines (libpq adds a hint); users get one
        self.reason = " ".join(str(reason).split())
        super().__init__(f"database {self.url}: {self.reason}")


def safe_url(url: str | URL) -> str:
    """The URL as text with any password masked, fit for logs and error messages."""
    return make_url(url).render_as_string(hide_password=True)


def is_unusable(exc: BaseException) -> bool:
    """True for errors that mean "this database cannot be used", as opposed to a bug in a query."""
    if isinstance(exc, OperationalError):
        return True
    # sqlite3 reports "file is not a database" as a bare DatabaseError
    return type(exc) is DatabaseError


def make_engine(url: str | URL, *, read_only: bool = False, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys, a busy timeout and real transactions.

    `read_only` engines cannot write, whoever runs them (root included): SQLite opens the file in
    read-only mode, PostgreSQL runs every transaction READ ONLY. Nothing is created for them.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(parsed, **kwargs)
        return engine.execution_options(postgresql_readonly=True) if read_only else engine
    if read_only:
        engine = create_engine(_sqlite_read_only_url(parsed), **kwargs)
        event.listen(engine, "connect", _on_sqlite_connect_read_only)
    else:
        _create_parent_dir(parsed)
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    return engine


def _sqlite_read_only_url(url: URL) -> URL:
    """The same SQLite database as a `mode=ro` URI filename; a missing file is an error, not created."""
    database = url.database or ""
    if database in ("", ":memory:"):
        return url  # a private in-memory database: nobody else's data to protect
    if database.startswith("file:") and url.query.get("uri") == "true":
        return url.update_query_dict({"mode": "ro"})
    path = Path(database).expanduser()
    if not path.exists():
        raise StorageError(url, "no database file yet (a crawl or `newswatch db upgrade` creates it)")
    # SQLite URI filenames give meaning to ? # and %; quote() escapes them (and keeps the slashes)
    return url.set(database=f"file:{quote(str(path.resolve()))}").update_query_dict(
        {"mode": "ro", "uri": "true"}
    )


def for_writing(engine: Engine) -> Engine:
    """The same engine (same pool) whose transactions take the SQLite write lock at BEGIN."""
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(**{_BEGIN_OPTION: "BEGIN IMMEDIATE"})


def _create_parent_dir(url: URL) -> None:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return
    try:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(url, f"cannot create directory for the database file: {exc}") from exc


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (see _on_sqlite_begin); pysqlite's legacy mode
    # would run SELECTs outside the transaction.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        # With WAL, NORMAL still never corrupts the file and a killed process loses no committed
        # page; only an OS crash or power cut may drop the last commits. It spares an fsync per page.
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _on_sqlite_connect_read_only(dbapi_connection: Any, _record: Any) -> None:
    # no journal_mode or synchronous here: changing either is a write
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA query_only = ON")
    finally:
        cursor.close()


def _on_sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql(connection.get_execution_options().get(_BEGIN_OPTION, "BEGIN"))
