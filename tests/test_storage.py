"""Storage: migrations, versions and events, the alert queue and history queries, on SQLite and
PostgreSQL (when NEWSWATCH_TEST_PG_URL names a server; each test gets its own schema)."""

from __future__ import annotations

import hashlib
import threading
import unicodedata
import zlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from crawler.records import ListedItem, NotModified, PageGone
from monitor.recorder import Outcome
from storage import Snapshot, StorageError, Store
from storage.db import make_engine
from storage.migrate import alembic_config, current_revision, head_revision, upgrade
from storage.models import Base
from storage.records import ImageRecord
from storage.search import include_name
from tests import records

SITE = "moit"
T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
ALL_KINDS = ["new", "edited", "removed"]


# ---- fixtures -------------------------------------------------------------------------------


class Clock:
    """A hand-moved clock, so times in assertions are exact."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def store(database_url: str, clock: Clock) -> Iterator[Store]:
    with Store(database_url, clock=clock) as store:
        yield store


def article(
    identity: str = "moit:1",
    *,
    at: datetime = T0,
    title: str = "Bộ Công Thương họp báo",
    body: str = "Nội dung bài viết.",
    html: bytes | None = None,
    published_at: str | None = "2025-03-01T09:00:00+07:00",
    **more: Any,
) -> Snapshot:
    values = {"title": title, "body": body, "published_at": published_at, **more}
    # a hash of every value, not just the edit fields: any change makes a version here
    hashed = hashlib.sha256(repr(sorted(values.items())).encode()).hexdigest()
    return records.snapshot(
        SITE, identity, f"https://moit.gov.vn/tin-tuc/{identity.split(':')[-1]}.html",
        records.fields(**values), at=at,
        raw_html=html if html is not None else f"<html>{title}|{body}</html>".encode(),
        etag='"v1"', last_modified="Sat, 01 Mar 2025 01:00:00 GMT", hashed=hashed,
    )


def record(store: Store, run_id: int, *items: Any, baseline: bool = False,
           removal_after: int = 2) -> Outcome:
    """The items recorded as one batch; the outcome of the last."""
    return records.record(store, run_id, SITE, *items, baseline=baseline, removal_after=removal_after)[-1]


def listed(store: Store, run_id: int, identity: str, title: str) -> str | None:
    """A headline seen in a listing: the event it raised or merged into."""
    return record(store, run_id, ListedItem(identity, f"https://x/{identity}", title)).event


def missing(store: Store, run_id: int, identity: str, status: int = 404, *, removal_after: int = 2) -> bool:
    """One more 404/410: True when it removed the page."""
    return record(store, run_id, PageGone(identity, identity, status), removal_after=removal_after).event == (
        "removed")


def latest(store: Store, identity: str = "moit:1") -> int:
    return store.history(identity)[-1].version


# ---- schema and engine ----------------------------------------------------------------------


def test_migrations_build_the_schema_from_an_empty_database(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)  # already at head: nothing to do

    engine = make_engine(database_url)
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as connection:
            names = set(inspect(connection).get_table_names())
            opts = {"compare_type": True, "include_name": include_name}
            context = MigrationContext.configure(connection, opts=opts)
            drift = compare_metadata(context, Base.metadata)
        assert {"alembic_version", "pages", "versions", "blobs", "events", "alerts"} <= names
        assert drift == []  # the hand-written migration matches the models
    finally:
        engine.dispose()


def _insert_0001_version(engine: Any, number: int, body: str, body_html: str) -> None:
    """A version row as revision 0001 stored it: body and body HTML as plain text."""
    with engine.begin() as connection:
        if number == 1:
            connection.execute(text("INSERT INTO sites (name) VALUES ('moit')"))
            connection.execute(text(
                "INSERT INTO pages (site_id, identity, url, first_seen, last_seen, missing_count)"
                " VALUES ((SELECT id FROM sites WHERE name = 'moit'), 'moit:1',"
                " 'https://moit.gov.vn/1.html', :t, :t, 0)"), {"t": T0})
            connection.execute(text("INSERT INTO blobs (sha256, data) VALUES ('x', :d)"),
                               {"d": zlib.compress(b"<html></html>")})
        connection.execute(text(
            "INSERT INTO versions (page_id, number, content_hash, title, lead, body, body_html, images,"
            " related, first_seen, last_seen, times_seen, blob_id)"
            " VALUES ((SELECT id FROM pages WHERE identity = 'moit:1'), :n, :h, 'Tiêu đề', '', :body,"
            " :html, '[]', '[]', :t, :t, 1, (SELECT id FROM blobs WHERE sha256 = 'x'))"),
            {"n": number, "h": f"h{number}", "body": body, "html": body_html, "t": T0})


def test_migration_0004_compresses_the_bodies_already_stored_and_search_still_finds_them(
    database_url: str,
) -> None:
    upgrade(database_url, "0003")
    engine = make_engine(database_url)
    bodies = [("Đoạn một.\n\nĐoạn hai " * 400 + f"chữ{n}", f"<p>Đoạn {n}</p>" * 300) for n in range(1, 4)]
    for number, (body, body_html) in enumerate(bodies, start=1):
        _insert_0001_version(engine, number, body, body_html)
    with engine.begin() as connection:  # an event refers to a version: the migration keeps it valid
        connection.execute(text(
            "INSERT INTO crawl_runs (site_id, started_at, status, baseline)"
            " VALUES ((SELECT id FROM sites WHERE name = 'moit'), :t, 'completed', false)"
        ), {"t": T0})
        connection.execute(text(
            "INSERT INTO events (run_id, page_id, version_id, kind, fields, url, baseline, detected_at)"
            " SELECT r.id, v.page_id, v.id, 'new', '[]', 'u', false, :t FROM crawl_runs r, versions v"
            " WHERE v.number = 1"), {"t": T0})

    upgrade(database_url)

    with engine.connect() as connection:
        stored = connection.execute(text("SELECT body, body_html FROM versions ORDER BY number")).all()
    assert [(zlib.decompress(b).decode(), zlib.decompress(h).decode()) for b, h in stored] == bodies
    assert all(len(b) < len(body.encode()) / 20 for (b, _), (body, _) in zip(stored, bodies, strict=True))
    with Store(database_url, clock=lambda: T0) as store:
        assert store.get_version("moit:1", 2).fields.body == bodies[1][0]
        assert store.get_version("moit:1", 3).fields.body_html == bodies[2][1]
        assert [hit.version for hit in store.search("chu3")] == [3]  # indexed before 0004
        run = store.start_run("moit", baseline=False)
        record(store, run, article("moit:1", body="Bài đã sửa: chữ mới", at=T0 + timedelta(hours=1)))
        assert [hit.version for hit in store.search("chu moi")] == [4]  # indexed by the store
        assert store.search("chu3") == []

    command.downgrade(alembic_config(database_url), "0003")  # and back: the same text again
    with engine.connect() as connection:
        assert connection.execute(text("SELECT body FROM versions WHERE number = 1")).scalar() == bodies[0][0]
    engine.dispose()


def test_store_migrates_on_first_use_from_any_directory(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with Store(database_url) as store:
        assert store.stats()["versions"] == 0


def test_postgres_keeps_alembic_version_in_the_test_schema(postgres_url: str) -> None:
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    with engine.connect() as connection:
        schemas = connection.execute(
            text(
                "SELECT table_schema = current_schema() FROM information_schema.tables"
                " WHERE table_name = 'alembic_version' AND table_schema IN (current_schema(), 'public')"
            )
        ).scalars().all()
    engine.dispose()
    assert schemas == [True]


def test_sqlite_file_gets_its_directory_wal_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "news.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
    engine.dispose()
    assert path.exists()


def test_unusable_database_raises_storage_error_naming_it(tmp_path: Path) -> None:
    directory = tmp_path / "a-directory.db"
    directory.mkdir()
    with pytest.raises(StorageError, match="a-directory.db"):
        Store(f"sqlite:///{directory}").stats()

    with pytest.raises(StorageError) as caught:
        Store("postgresql+psycopg://watcher:s3cret@127.0.0.1:1/news").stats()
    assert "s3cret" not in str(caught.value)
    assert "watcher:***@127.0.0.1:1/news" in str(caught.value)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        article(at=datetime(2025, 3, 1, 8, 0))
    with pytest.raises(ValueError, match="timezone"):
        article(published_at="2025-03-01T09:00:00")


# ---- recording articles (the change policy deciding, the store persisting) -------------------


def test_first_fetch_stores_version_blob_and_new_event(store: Store) -> None:
    run = store.start_run(SITE, baseline=False)

    outcome = record(store, run, article())

    assert (outcome.version, latest(store), outcome.event) == ("new", 1, "new")
    assert store.stats() | {"sites": 0, "runs": 0, "alerts": 0} == {
        "sites": 0, "runs": 0, "alerts": 0, "pages": 1, "versions": 1, "blobs": 1, "events": 1,
        "aliases": 0,
    }
    [change] = store.changes()
    assert (change.kind, change.title, change.site, change.baseline) == (
        "new", "Bộ Công Thương họp báo", SITE, False
    )
    assert change.published_at == datetime(2025, 3, 1, 2, 0, tzinfo=UTC)
    assert change.detected_at == T0


def test_unchanged_content_only_bumps_times_seen(store: Store, clock: Clock) -> None:
    run = store.start_run(SITE, baseline=False)
    record(store, run, article())
    later = T0 + timedelta(hours=3)

    outcome = record(store, run, article(at=later))

    assert (outcome.version, latest(store), outcome.event) == ("unchanged", 1, None)
    assert (store.stats()["versions"], store.stats()["blobs"]) == (1, 1)
    [version] = store.history("moit:1")
    assert (version.times_seen, version.first_seen, version.last_seen) == (2, T0, later)


def test_a_batch_holding_the_same_page_twice_is_decided_in_order(store: Store) -> None:
    run = store.start_run(SITE, baseline=False)
    later = T0 + timedelta(hours=1)

    outcomes = records.record(store, run, SITE, ListedItem("moit:1", "https://x/1", "Tin"), article(),
                              article(at=later), article(at=later, body="Sửa."))

    assert [(o.version, o.event) for o in outcomes] == [
        (None, "new"), ("new", "new"), ("unchanged", None), ("changed", "new")]
    assert [(v.version, v.times_seen) for v in store.history("moit:1")] == [(1, 2), (2, 1)]
    [new] = store.changes()
    assert (new.kind, new.fields, new.title) == ("new", ["body"], "Bộ Công Thương họp báo")
    assert store.known_items(SITE) == {"moit:1": "Tin"}


def test_changed_content_adds_a_version_and_an_edited_event(store: Store, clock: Clock) -> None:
    first_run = store.start_run(SITE, baseline=False)
    record(store, first_run, article(html=b"<html>A</html>"))
    store.finish_run(first_run, "completed", requests=1, pages=1, failures=0)
    clock.advance(hours=1)
    run = store.start_run(SITE, baseline=False)

    outcome = record(store, run, article(at=clock.now, body="Đã sửa.", html=b"<html>B</html>"))
    assert (outcome.version, latest(store), outcome.edited) == ("changed", 2, ("body",))
    again = record(store, run, article(at=clock.now, body="Lần ba.", html=b"<html>A</html>"))

    assert (again.version, latest(store), again.event) == ("changed", 3, "edited")
    assert store.stats()["blobs"] == 2  # one per distinct raw HTML
    [edited, new] = store.changes()
    assert (edited.kind, edited.fields, new.kind) == ("edited", ["body"], "new")
    assert store.get_version("moit:1", 3).raw_html == b"<html>A</html>"


def test_only_meaningful_field_changes_make_an_event(store: Store) -> None:
    run = store.start_run(SITE, baseline=False)
    record(store, run, article(published_at="2025-03-01T09:00:00+07:00"))
    store.finish_run(run, "completed", requests=1, pages=1, failures=0)
    run = store.start_run(SITE, baseline=False)

    # same instant in another offset, new markup only: a version, but nothing to tell
    snap = article(published_at="2025-03-01T02:00:00+00:00", html=b"<html>tracking</html>")
    outcome = record(store, run, snap)

    assert (outcome.version, outcome.edited, outcome.event) == ("changed", (), None)
    assert [c.kind for c in store.changes()] == ["new"]


def test_baseline_run_marks_its_events_and_ends_with_the_first_completed_run(
    store: Store,
) -> None:
    assert store.is_baseline(SITE)
    crashed = store.start_run(SITE, baseline=True)
    store.finish_run(crashed, "failed", requests=1, pages=0, failures=1)
    assert store.is_baseline(SITE)

    run = store.start_run(SITE, baseline=True)
    record(store, run, article(), baseline=True)
    summary = store.finish_run(run, "completed", requests=2, pages=1, failures=0)

    assert not store.is_baseline(SITE)
    assert [c.baseline for c in store.changes()] == [True]
    assert (summary.status, summary.baseline, summary.new_versions, summary.new_events) == (
        "completed", True, 1, 1
    )
    assert (summary.requests, summary.pages, summary.failures) == (2, 1, 0)


def test_a_failure_mid_write_leaves_nothing_of_the_batch_behind(store: Store) -> None:
    run = store.start_run(SITE, baseline=False)
    record(store, run, article())
    before = store.stats()
    later = article(at=T0 + timedelta(hours=1), body="Mới.", html=b"<html>new</html>")
    edit = records.decided(store, run, later)
    fresh = records.decided(store, run, article("moit:2"))

    with pytest.raises(IntegrityError):
        store.record(run, [fresh, edit, edit])  # version 2 twice: the whole batch is refused

    assert store.stats() == before
    assert [v.version for v in store.history("moit:1")] == [1]
    assert store.revisit_candidates(SITE, since=T0, limit=5, rotation=0)[0].etag == '"v1"'
    summary = store.finish_run(run, "completed", requests=2, pages=2, failures=0)
    assert summary.new_versions == 1


def test_concurrent_writers_of_other_pages_lose_nothing(database_url: str) -> None:
    """Two processes' worth of stores recording at once (each its own site's pages, as the crawl
    locks guarantee): every version stored, numbers contiguous."""
    writers = [Store(database_url), Store(database_url)]
    run = writers[0].start_run(SITE, baseline=False)
    start = threading.Barrier(len(writers))
    failures: list[BaseException] = []

    def write(store: Store, worker: int) -> None:
        start.wait()
        try:
            for step in range(8):
                at = T0 + timedelta(minutes=step)
                record(store, run, article(f"moit:w{worker}", at=at, body=f"{worker}-{step}"),
                       article(f"moit:{worker}-{step}", at=at))
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(s, n)) for n, s in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in writers:
        store.close()

    assert failures == []
    with Store(database_url) as store:
        for worker in range(len(writers)):
            assert [v.version for v in store.history(f"moit:w{worker}")] == list(range(1, 9))
        assert store.stats()["pages"] == 18


# ---- listings -------------------------------------------------------------------------------


def test_listed_headlines_new_edited_and_unchanged(store: Store) -> None:
    run = store.start_run(SITE, baseline=False)
    composed = "Tiếng Việt trong tiêu đề"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed

    assert listed(store, run, "moit:7", composed) == "new"
    assert listed(store, run, "moit:7", decomposed) is None
    assert store.known_items(SITE) == {"moit:7": composed}
    assert (store.stats()["versions"], store.history("moit:7"), store.get_version("moit:7")) == (
        0, [], None
    )

    store.finish_run(run, "completed", requests=1, pages=0, failures=0)
    run = store.start_run(SITE, baseline=False)
    assert listed(store, run, "moit:7", "Tiêu đề mới") == "edited"
    [edited, new] = store.changes()
    assert (edited.kind, edited.fields, edited.title) == ("edited", ["title"], "Tiêu đề mới")
    assert (new.kind, new.title) == ("new", composed)


def test_listed_title_is_set_once_when_unknown(store: Store) -> None:
    run = store.start_run(SITE, baseline=False)
    record(store, run, article())
    assert store.known_items(SITE) == {"moit:1": None}

    assert listed(store, run, "moit:1", "Tin") is None
    assert store.known_items(SITE) == {"moit:1": "Tin"}


def test_one_event_per_item_per_run(store: Store, clock: Clock) -> None:
    run = store.start_run(SITE, baseline=False)
    listed(store, run, "moit:1", "Tin")
    outcome = record(store, run, article())
    assert outcome.event == "new"
    [new] = store.changes()
    assert (new.kind, new.title) == ("new", "Bộ Công Thương họp báo")

    store.finish_run(run, "completed", requests=1, pages=1, failures=0)
    run = store.start_run(SITE, baseline=False)
    listed(store, run, "moit:1", "Tin đã sửa")
    record(store, run, article(title="Tin đã sửa", body="Khác."))

    edited = store.changes(kind="edited")
    assert [(e.kind, e.fields) for e in edited] == [("edited", ["title", "body"])]
    assert store.finish_run(run, "completed", requests=1, pages=1, failures=0).edited_events == 1


def test_listed_only_page_gets_no_second_new_event_when_fetched_later(store: Store) -> None:
    run = store.start_run(SITE, baseline=False)
    listed(store, run, "moit:1", "Tin")
    store.finish_run(run, "completed", requests=1, pages=0, failures=1)
    run = store.start_run(SITE, baseline=False)

    outcome = record(store, run, article())

    assert (outcome.version, outcome.event) == ("new", None)
    assert [c.kind for c in store.changes()] == ["new"]


# ---- removal and conditional requests ---------------------------------------------------------


def test_page_is_removed_once_after_consecutive_misses(store: Store, clock: Clock) -> None:
    run = store.start_run(SITE, baseline=False)
    record(store, run, article())
    store.finish_run(run, "completed", requests=1, pages=1, failures=0)
    run = store.start_run(SITE, baseline=False)
    assert missing(store, run, "moit:unknown") is False

    assert missing(store, run, "moit:1") is False
    clock.advance(hours=1)
    assert missing(store, run, "moit:1", 410) is True
    assert missing(store, run, "moit:1", 410) is False  # removed once

    [removed] = store.changes(kind="removed")
    assert (removed.title, removed.detected_at) == ("Bộ Công Thương họp báo", clock.now)
    assert store.revisit_candidates(SITE, since=T0, limit=10, rotation=10) == []
    run = store.start_run(SITE, baseline=False)
    assert missing(store, run, "moit:1", 410) is False
    assert len(store.changes(kind="removed")) == 1


def test_removal_wins_over_other_findings_of_the_same_run(store: Store) -> None:
    run = store.start_run(SITE, baseline=False)
    record(store, run, article())
    assert missing(store, run, "moit:1", removal_after=1) is True
    assert [c.kind for c in store.changes()] == ["removed"]


def test_a_successful_fetch_resets_the_miss_count(store: Store) -> None:
    run = store.start_run(SITE, baseline=False)
    record(store, run, article())
    missing(store, run, "moit:1")
    record(store, run, article(at=T0 + timedelta(hours=1)))
    assert missing(store, run, "moit:1") is False


def test_not_modified_counts_as_seen(store: Store) -> None:
    run = store.start_run(SITE, baseline=False)
    record(store, run, article())
    later = T0 + timedelta(days=1)

    record(store, run, NotModified("moit:1", "https://x/1", later), NotModified("moit:nope", "x", later))

    [version] = store.history("moit:1")
    assert (version.times_seen, version.last_seen) == (2, later)
    assert store.find_page(["moit:nope"]) is None


def test_revisit_candidates_are_recent_pages_plus_a_rotation_of_old_ones(store: Store) -> None:
    run = store.start_run(SITE, baseline=False)
    old = T0 - timedelta(days=60)
    for number in range(1, 4):
        snap = article(f"moit:old{number}", at=old + timedelta(hours=number), published_at=None)
        record(store, run, snap)
    record(store, run, article("moit:fresh", published_at="2025-03-01T09:00:00+07:00"))
    record(store, run, article("moit:republished", at=old, published_at="2025-02-28T00:00:00Z"))

    refs = store.revisit_candidates(SITE, since=T0 - timedelta(days=7), limit=10, rotation=2)

    assert [r.identity for r in refs] == ["moit:republished", "moit:fresh", "moit:old1", "moit:old2"]
    assert refs[1].url == "https://moit.gov.vn/tin-tuc/fresh.html"
    assert refs[1].last_modified == "Sat, 01 Mar 2025 01:00:00 GMT"


def test_find_page_returns_the_first_known_candidate(store: Store) -> None:
    run = store.start_run(SITE, baseline=False)
    record(store, run, article("moit:42"))
    assert store.find_page(["moit:x", "moit:42"]) == "moit:42"
    assert store.find_page(["moit:x"]) is None
    assert store.find_page([]) is None


# ---- history ---------------------------------------------------------------------------------


def test_history_get_version_and_version_at(store: Store) -> None:
    run = store.start_run(SITE, baseline=False)
    times = [T0 + timedelta(days=day) for day in range(3)]
    for number, at in enumerate(times, start=1):
        record(store, run, article(at=at, title=f"Tiêu đề {number}", images=[{"url": "i", "caption": "c"}]))

    assert [(v.version, v.title, v.first_seen) for v in store.history("moit:1")] == [
        (1, "Tiêu đề 1", times[0]), (2, "Tiêu đề 2", times[1]), (3, "Tiêu đề 3", times[2])
    ]
    newest = store.get_version("moit:1")
    assert (newest.number, newest.fields.title, newest.fields.images) == (
        3, "Tiêu đề 3", (ImageRecord("i", "c"),))
    assert newest.fields.published_at == datetime(2025, 3, 1, 2, 0, tzinfo=UTC)
    assert store.get_version("moit:1", 2).fields.title == "Tiêu đề 2"
    assert store.get_version("moit:1", 9) is None
    assert store.get_version("moit:nope") is None
    assert store.history("moit:nope") == []
    assert store.version_at("moit:1", times[1] + timedelta(hours=5)).number == 2
    assert store.version_at("moit:1", times[0] - timedelta(seconds=1)) is None


def test_changes_filter_by_time_kind_and_site(store: Store, clock: Clock) -> None:
    run = store.start_run(SITE, baseline=False)
    record(store, run, article("moit:1"))
    other = store.start_run("other", baseline=False)
    records.record(store, other, "other", replace(article("other:1"), site="other"))
    store.finish_run(run, "completed", requests=1, pages=1, failures=0)
    clock.advance(hours=2)
    run = store.start_run(SITE, baseline=False)
    record(store, run, article("moit:1", at=clock.now, body="Sửa."))

    assert [c.identity for c in store.changes()] == ["moit:1", "other:1", "moit:1"]
    assert [c.kind for c in store.changes(since=clock.now)] == ["edited"]
    assert [c.identity for c in store.changes(kind="new")] == ["other:1", "moit:1"]
    assert [c.identity for c in store.changes(site="other")] == ["other:1"]
    assert [c.kind for c in store.changes(site=SITE, kind="new", since=T0)] == ["new"]
    assert len(store.changes(limit=1)) == 1


# ---- alerts ----------------------------------------------------------------------------------


def test_queue_alerts_links_events_once_per_recipient(store: Store, clock: Clock) -> None:
    run = store.start_run(SITE, baseline=False)
    record(store, run, article("moit:1"))
    record(store, run, article("moit:2"))

    ids = store.queue_alerts({"a@example.org": ALL_KINDS, "b@example.org": ALL_KINDS},
                             message_domain="nw.test")

    assert len(ids) == 2
    assert store.queue_alerts({"a@example.org": ALL_KINDS}, message_domain="nw.test") == []
    alerts = store.due_alerts(clock.now)
    assert [(a.recipient, a.event_count, a.state, a.attempts) for a in alerts] == [
        ("a@example.org", 2, "pending", 0), ("b@example.org", 2, "pending", 0)
    ]
    assert alerts[0].message_id.startswith(f"<newswatch.alert.{ids[0]}.")
    assert alerts[0].message_id.endswith("@nw.test>")
    assert [e.identity for e in store.alert_events(ids[0])] == ["moit:1", "moit:2"]


def test_baseline_events_and_unwanted_kinds_are_never_alerted(store: Store) -> None:
    run = store.start_run(SITE, baseline=True)
    record(store, run, article("moit:1"), baseline=True)
    store.finish_run(run, "completed", requests=1, pages=1, failures=0)
    assert store.queue_alerts({"a@x.org": ALL_KINDS}, message_domain="d") == []

    run = store.start_run(SITE, baseline=False)
    missing(store, run, "moit:1", removal_after=1)
    assert store.queue_alerts({"a@x.org": ["new", "edited"]}, message_domain="d") == []
    # consumed, not postponed: asking again for removals finds nothing
    assert store.queue_alerts({"a@x.org": ALL_KINDS}, message_domain="d") == []
    assert store.list_alerts() == []


def test_events_of_a_crashed_run_are_picked_up_later(store: Store) -> None:
    crashed = store.start_run(SITE, baseline=False)
    record(store, crashed, article("moit:1"))  # the process died before finish/queue

    run = store.start_run(SITE, baseline=False)
    record(store, run, article("moit:2"))
    [alert_id] = store.queue_alerts({"a@x.org": ALL_KINDS}, message_domain="d")

    assert [e.identity for e in store.alert_events(alert_id)] == ["moit:1", "moit:2"]


def test_failed_delivery_backs_off_until_next_attempt(store: Store, clock: Clock) -> None:
    run = store.start_run(SITE, baseline=False)
    record(store, run, article())
    [alert_id] = store.queue_alerts({"a@x.org": ALL_KINDS}, message_domain="d")
    retry_at = clock.now + timedelta(minutes=10)

    store.mark_failed(alert_id, "421 try later", retry_at)

    assert store.due_alerts(clock.now) == []
    [due] = store.due_alerts(retry_at)
    assert (due.attempts, due.last_error, due.next_attempt_at) == (1, "421 try later", retry_at)
    store.mark_sent(alert_id, retry_at)
    assert store.due_alerts(retry_at + timedelta(days=1)) == []
    [listed] = store.list_alerts(limit=10)
    assert (listed.state, listed.sent_at, listed.attempts) == ("sent", retry_at, 2)
    with pytest.raises(KeyError):
        store.mark_sent(alert_id + 100, retry_at)


def test_alert_events_carry_the_versions_to_compare(store: Store, clock: Clock) -> None:
    run = store.start_run(SITE, baseline=False)
    record(store, run, article())
    store.finish_run(run, "completed", requests=1, pages=1, failures=0)
    store.queue_alerts({"a@x.org": ALL_KINDS}, message_domain="d")
    run = store.start_run(SITE, baseline=False)
    record(store, run, article(at=T0 + timedelta(hours=1), body="Sửa."))
    [alert_id] = store.queue_alerts({"a@x.org": ALL_KINDS}, message_domain="d")

    [event] = store.alert_events(alert_id)

    first, second = store.get_version("moit:1", 1), store.get_version("moit:1", 2)
    assert (event.kind, event.fields) == ("edited", ["body"])
    assert (event.version_id, event.version) == (second.id, 2)
    assert (event.previous_version_id, event.previous_version) == (first.id, 1)


def test_a_run_left_running_by_a_killed_process_is_closed_as_failed(store: Store, database_url: str) -> None:
    killed = store.start_run(SITE, baseline=True)
    store.start_run(SITE, baseline=True)
    engine = make_engine(database_url)
    with engine.connect() as connection:
        status = connection.execute(text("SELECT status FROM crawl_runs WHERE id = :id"), {"id": killed})
        assert status.scalar_one() == "failed"
    engine.dispose()
    assert store.is_baseline(SITE)


def test_a_stale_headline_in_a_cached_related_block_is_not_an_edit(store: Store) -> None:
    run = store.start_run(SITE, baseline=False)
    record(store, run, article("moit:9", title="Tiêu đề cũ"))
    listed(store, run, "moit:9", "Tiêu đề cũ")
    store.finish_run(run, "completed", requests=1, pages=1, failures=0)
    run = store.start_run(SITE, baseline=False)
    assert listed(store, run, "moit:9", "Tiêu đề mới") == "edited"
    record(store, run, article("moit:9", title="Tiêu đề mới"))
    store.finish_run(run, "completed", requests=1, pages=1, failures=0)
    run = store.start_run(SITE, baseline=False)
    assert listed(store, run, "moit:9", " Tiêu  đề cũ") is None
    assert listed(store, run, "moit:9", "Tiêu đề mới") is None
    assert [(c.kind, c.fields) for c in store.changes()] == [("edited", ["title"]), ("new", [])]
    assert store.known_items(SITE) == {"moit:9": "Tiêu đề mới"}


def test_a_headline_seen_after_its_article_was_refetched_updates_the_listing_title(store: Store) -> None:
    run = store.start_run(SITE, baseline=False)
    record(store, run, article("moit:9", title="Tiêu đề cũ"))
    listed(store, run, "moit:9", "Tiêu đề cũ")
    record(store, run, article("moit:9", title="Tiêu đề mới"))
    assert listed(store, run, "moit:9", "Tiêu đề mới") is None
    assert store.known_items(SITE) == {"moit:9": "Tiêu đề mới"}
