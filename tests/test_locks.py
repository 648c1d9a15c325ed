"""The per-site crawl lock: a file lock beside a SQLite database, a PostgreSQL advisory lock shared
by every machine using one database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from monitor.locks import CrawlLocked, holder_name, site_lock

# Takes the lock, says so, and holds it until its standard input closes.
HOLDER = """
import sys
from monitor.locks import site_lock
with site_lock(sys.argv[1], sys.argv[2]):
    print("locked", flush=True)
    sys.stdin.read()
"""


def test_sqlite_crawls_of_one_site_exclude_each_other_not_other_sites(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'newswatch.db'}"
    with site_lock(url, "congthuong"):
        with pytest.raises(CrawlLocked, match=r"'congthuong' is already being crawled .*\(pid \d+\)"):
            with site_lock(url, "congthuong"):
                pass
        with site_lock(url, "moit"):
            pass
    with site_lock(url, "congthuong"):
        pass


def test_on_postgresql_a_second_connection_cannot_take_the_site(postgres_url: str) -> None:
    with site_lock(postgres_url, "moit"):
        with pytest.raises(CrawlLocked, match=rf"'moit' is already being crawled .*\({holder_name()}"):
            with site_lock(postgres_url, "moit"):
                pass
        with site_lock(postgres_url, "congthuong"):
            pass
    with site_lock(postgres_url, "moit"):
        pass


def test_on_postgresql_another_process_holding_the_site_stops_this_one(postgres_url: str) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, postgres_url, "moit"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(CrawlLocked, match=rf"pid {holder.pid}"):
            with site_lock(postgres_url, "moit"):
                pass
    finally:
        holder.communicate("", timeout=30)  # closing its input ends it, and its session
    assert holder.returncode == 0
    with site_lock(postgres_url, "moit"):
        pass

