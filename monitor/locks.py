"""One crawl of a site at a time, across processes: an advisory file lock the kernel drops if we die."""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url


class CrawlLocked(Exception):
    """Another newswatch process is crawling this site right now."""


def lock_path(database_url: str, site: str) -> Path:
    """Next to a SQLite file; for a server database, in the temp dir, keyed by the database URL."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).with_name(f"{Path(url.database).name}.{site}.lock")
    key = hashlib.sha1(url.render_as_string(hide_password=True).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"newswatch-{key}-{site}.lock"


@contextmanager
def site_lock(database_url: str, site: str) -> Iterator[Path]:
    path = lock_path(database_url, site)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise CrawlLocked(
                f"site {site!r} is already being crawled by another newswatch process (pid {holder}); "
                "this run stops"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield path
    finally:
        os.close(fd)  # closing releases the lock
