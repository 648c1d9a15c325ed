"""Persistence for newswatch: every version of every article, crawl runs, change events and the
alert queue, behind one narrow API (`Store`) that takes and returns plain records.

The schema belongs to the Alembic migrations in `storage/migrations`; `Store` brings a database
up to date on first use (or call `storage.migrate.upgrade(url)`). Works on SQLite and PostgreSQL.
This package imports neither `crawler` nor `monitor`.
"""

from storage.db import StorageError
from storage.records import (
    AlertEventRow,
    AlertRow,
    ArticleFields,
    ChangeRow,
    PageRef,
    RunSummary,
    Snapshot,
    VersionDetail,
    VersionSummary,
)
from storage.store import Store

__all__ = [
    "ArticleFields",
    "AlertEventRow",
    "AlertRow",
    "ChangeRow",
    "PageRef",
    "RunSummary",
    "Snapshot",
    "StorageError",
    "Store",
    "VersionDetail",
    "VersionSummary",
]
