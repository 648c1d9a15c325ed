"""One crawl of a site at a time, across processes and machines.

On PostgreSQL the lock is a session advisory lock in the database itself, so two machines sharing
one database never crawl the same site at once; the server drops it when the holder's connection
ends (a killed process included). Elsewhere (SQLite) it is an advisory file lock next to the
database file, which the kernel drops if the holder dies.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from storage.db import StorageError


class CrawlLocked(Exception):
    """Another newswatch process is crawling this site right now."""


def _locked(site: str, holder: str) -> CrawlLocked:
    return CrawlLocked(
        f"site {site!r} is already being crawled by another newswatch process ({holder}); this run stops"
    )


def lock_path(database_url: str, site: str) -> Path:
    """Next to a SQLite file; for another server database, in the temp dir, keyed by its URL."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).with_name(f"{Path(url.database).name}.{site}.lock")
    key = hashlib.sha1(url.render_as_string(hide_password=True).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"newswatch-{key}-{site}.lock"


@contextmanager
def site_lock(database_url: str, site: str) -> Iterator[None]:
    """Hold the site's crawl lock for the block; CrawlLocked at once if another process has it."""
    if make_url(database_url).get_backend_name() == "postgresql":
        with _advisory_lock(database_url, site):
            yield
    else:
        with _file_lock(lock_path(database_url, site), site):
            yield


@contextmanager
def _file_lock(path: Path, site: str) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise _locked(site, f"pid {holder}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


# The key is computed by the server, so every machine derives the same one; the schema is part of
# it, so databases of several newswatch installations in one PostgreSQL cluster never collide.
_KEY = "hashtextextended(current_schema() || :prefix || :site, 0)"
_HOLDER = text(
    "SELECT a.application_name, a.client_addr FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
    "AND l.classid = CAST(:high AS oid) AND l.objid = CAST(:low AS oid)"
)


def holder_name() -> str:
    """What this process calls itself on the database, for whoever finds the lock taken."""
    return f"newswatch crawl on {socket.gethostname()}, pid {os.getpid()}"


@contextmanager
def _advisory_lock(database_url: str, site: str) -> Iterator[None]:
    engine = create_engine(database_url, poolclass=NullPool,
                           connect_args={"application_name": holder_name()[:63]})
    try:
        connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    except DBAPIError as exc:
        engine.dispose()
        raise StorageError(database_url, f"cannot take the crawl lock: {exc.orig}") from exc
    try:
        key = int(connection.execute(text(f"SELECT {_KEY}"),
                                     {"prefix": ":newswatch-crawl:", "site": site}).scalar_one())
        if not connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar_one():
            raise _locked(site, _holder(connection, key))
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
    finally:
        connection.close()  # the server releases whatever the session still held
        engine.dispose()


def _holder(connection: Connection, key: int) -> str:
    unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
    row = connection.execute(_HOLDER, {"high": unsigned >> 32, "low": unsigned & 0xFFFF_FFFF}).first()
    if row is None:
        return "holder unknown"
    name, address = row
    return f"{name or 'a client'}{f' from {address}' if address else ''}"
