"""Benchmark the storage read paths on 100,000 versions (SQLite, and PostgreSQL when configured).

    python bench/bench_queries.py [--pages 20000] [--versions 5] [--repeat 30]

Fills a fresh database through the models with bulk inserts (20,000 pages x 5 versions, one
event per version, two sites), then prints the median time of each Store query in ms.
PostgreSQL runs in a throw-away schema when NEWSWATCH_TEST_PG_URL is set.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storage import Store  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Blob, CrawlRun, Event, Page, Sighting, Site, Version  # noqa: E402

SITES = ("moit", "congthuong")
START = datetime(2025, 1, 1, tzinfo=UTC)
CHUNK = 5_000


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def _bulk(session: Session, model: type, rows: list[dict[str, Any]]) -> None:
    for chunk in _chunks(rows):
        session.execute(insert(model), chunk)


def fill(url: str, pages: int, versions: int) -> None:
    """pages x versions versions; run n holds version n of every page and its event."""
    upgrade(url)
    engine = make_engine(url)
    html = zlib.compress(b"<html>" + b"x" * 2000 + b"</html>")
    with Session(engine) as session, session.begin():
        _bulk(session, Site, [{"id": n + 1, "name": name} for n, name in enumerate(SITES)])
        _bulk(session, CrawlRun, [_run_row(n) for n in range(versions * len(SITES))])
        _bulk(session, Page, [_page_row(p, versions) for p in range(pages)])
        for number in range(1, versions + 1):
            first = (number - 1) * pages
            blobs = [{"id": first + p + 1, "sha256": f"{first + p:064x}", "data": html} for p in range(pages)]
            _bulk(session, Blob, blobs)
            _bulk(session, Version, [_version_row(p, number, pages) for p in range(pages)])
            _bulk(session, Sighting, [_sighting_row(p, number, pages) for p in range(pages)])
            _bulk(session, Event, [_event_row(p, number, pages) for p in range(pages)])
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            # explicit ids above: move the sequences past them for later inserts
            for table in ("sites", "crawl_runs", "pages", "blobs", "versions", "events"):
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
                )
            connection.commit()
    else:
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
    engine.dispose()


def _identity(page: int) -> str:
    # The form newswatch gives an id-less site's article: its canonical URL.
    return f"https://{SITES[page % len(SITES)]}.example/tin-tuc/{page}.html"


def _moment(page: int, number: int, pages: int) -> datetime:
    """Version `number` of page `page`: pages spread over 100 days, a day between versions."""
    return START + timedelta(minutes=page * 144_000 // pages) + timedelta(days=number - 1)


def _run_id(page: int, number: int) -> int:
    """One run per site per version number."""
    return (number - 1) * len(SITES) + page % len(SITES) + 1


def _run_row(n: int) -> dict[str, Any]:
    at = START + timedelta(days=n // len(SITES))
    return {
        "id": n + 1, "site_id": n % len(SITES) + 1, "started_at": at, "finished_at": at,
        "status": "completed", "requests": 0, "pages": 0, "new_versions": 0, "failures": 0,
        "baseline": n < len(SITES),
    }


def _page_row(page: int, versions: int) -> dict[str, Any]:
    return {
        "id": page + 1, "site_id": page % len(SITES) + 1, "identity": _identity(page),
        "url": f"https://moit.gov.vn/tin-tuc/{page}.html", "first_seen": _moment(page, 1, 1),
        "last_seen": _moment(page, versions, 1), "listed_title": f"Tin số {page}",
        "missing_count": 0, "http_status": 200,
    }


def _version_row(page: int, number: int, pages: int) -> dict[str, Any]:
    at = _moment(page, number, pages)
    return {
        "id": (number - 1) * pages + page + 1, "page_id": page + 1, "number": number,
        "content_hash": f"{page}-{number}", "title": f"Tin số {page} (bản {number})",
        "lead": "Tóm tắt.", "body": "Nội dung bài viết. " * 40, "body_html": "<p>…</p>",
        "author": "PV", "category": "Khuyến công", "published_at": _moment(page, 1, pages),
        "modified_at": None, "images": [], "related": [], "sources": None, "first_seen": at,
        "blob_id": (number - 1) * pages + page + 1,
    }


def _sighting_row(page: int, number: int, pages: int) -> dict[str, Any]:
    at = _moment(page, number, pages)
    return {"version_id": (number - 1) * pages + page + 1, "last_seen": at, "times_seen": 1}


def _event_row(page: int, number: int, pages: int) -> dict[str, Any]:
    return {
        "run_id": _run_id(page, number), "page_id": page + 1, "version_id": (number - 1) * pages + page + 1,
        "kind": "new" if number == 1 else "edited", "fields": [] if number == 1 else ["body"],
        "title": f"Tin số {page} (bản {number})", "url": f"https://moit.gov.vn/tin-tuc/{page}.html",
        "published_at": _moment(page, 1, pages), "baseline": number == 1,
        "detected_at": _moment(page, number, pages), "alert_queued": True,
    }


def median_ms(query: Callable[[], Any], repeat: int) -> float:
    query()  # warm caches and compiled statements
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        query()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def bench(url: str, label: str, pages: int, versions: int, repeat: int) -> None:
    started = time.perf_counter()
    fill(url, pages, versions)
    print(f"\n{label}: filled {pages * versions:,} versions in {time.perf_counter() - started:.1f} s")
    pick = random.Random(7)

    def identity() -> str:
        return _identity(pick.randrange(pages))

    recent = START + timedelta(days=90)
    with Store(url) as store:
        stats = store.stats()
        print(f"  rows: {stats}")
        queries: dict[str, Callable[[], Any]] = {
            "history(identity)": lambda: store.history(identity()),
            "get_version(identity)  [latest]": lambda: store.get_version(identity()),
            "get_version(identity, 3)": lambda: store.get_version(identity(), 3),
            "version_at(identity, when)": lambda: store.version_at(identity(), START + timedelta(days=50)),
            "find_page([3 candidates])": lambda: store.find_page(["x:1", identity(), "x:2"]),
            "changes(limit=50)": lambda: store.changes(limit=50),
            "changes(since, kind, site, limit=1000)": lambda: store.changes(
                since=recent, kind="edited", site="moit", limit=1000
            ),
            "changes(kind='new', site, limit=100)": lambda: store.changes(
                kind="new", site="congthuong", limit=100
            ),
            "revisit_candidates(limit=200, rotation=50)": lambda: store.revisit_candidates(
                "moit", since=recent, limit=200, rotation=50
            ),
            "known_items(site)": lambda: store.known_items("moit"),
        }
        for name, query in queries.items():
            print(f"  {name:<45} {median_ms(query, repeat):8.2f} ms")
    command_line(url, identity(), recent)


def command_line(url: str, article: str, since: datetime, repeat: int = 5) -> None:
    """The same questions through the real `newswatch` command: what a user waits for."""
    env = {**os.environ, "NEWSWATCH_DATABASE_URL": url, "NEWSWATCH_CONFIG": os.devnull}
    base = [sys.executable, "-m", "monitor.cli"]
    commands = {
        "python startup (baseline)": [sys.executable, "-c", "pass"],
        "newswatch history URL --json": [*base, "history", article, "--json"],
        "newswatch show URL --json": [*base, "show", article, "--json"],
        "newswatch changes --since --kind --json": [
            *base, "changes", "--since", since.isoformat(), "--kind", "edited", "--json"],
    }
    print("  command line, whole process (median of 5):")
    for name, command in commands.items():
        def run(command: list[str] = command) -> None:
            subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)

        print(f"    {name:<43} {median_ms(run, repeat):8.0f} ms")


@contextmanager
def postgres_schema(base_url: str) -> Iterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def on_each_database(description: str, bench: Callable[[str, str, int, int, int], None]) -> None:
    """Parse --pages/--versions/--repeat, then run `bench` on SQLite and, when
    NEWSWATCH_TEST_PG_URL is set, on PostgreSQL."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--pages", type=int, default=20_000)
    parser.add_argument("--versions", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'bench.db'}"
        bench(url, "SQLite", args.pages, args.versions, args.repeat)
    pg_url = os.environ.get("NEWSWATCH_TEST_PG_URL")
    if not pg_url:
        print("\nPostgreSQL: skipped (NEWSWATCH_TEST_PG_URL not set)")
        return
    with postgres_schema(pg_url) as url:
        bench(url, "PostgreSQL", args.pages, args.versions, args.repeat)


if __name__ == "__main__":
    on_each_database(__doc__.splitlines()[0], bench)
