"""Search: accent- and case-blind full text over each article's latest version, on SQLite (FTS5)
and PostgreSQL (unaccent + tsvector), kept current by the store in the version's transaction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text as sql
from sqlalchemy.exc import IntegrityError

from storage import Snapshot, Store
from storage.db import make_engine
from storage.migrate import upgrade
from storage.search import fold, query_terms
from tests import records

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    with Store(database_url) as store:
        yield store


def snapshot(
    number: int,
    title: str,
    *,
    lead: str = "",
    body: str = "Nội dung.",
    site: str = "moit",
    at: datetime = T0,
    published_at: str | None = "2025-03-01T09:00:00+07:00",
) -> Snapshot:
    return records.snapshot(site, f"{site}:{number}", f"https://{site}.example/tin/{number}.html",
                            records.fields(title, lead, body, published_at=published_at), at=at)


def put(store: Store, *snaps: Snapshot) -> None:
    records.crawl(store, snaps[0].site, snaps, baseline=False)


def urls(store: Store, query: str, **filters: Any) -> list[str]:
    return [hit.url for hit in store.search(query, **filters)]


# ---- the pure parts --------------------------------------------------------------------------


def test_fold_removes_every_vietnamese_accent_and_the_stroke_of_d() -> None:
    assert fold("Bộ Công Thương ĐẨY MẠNH điện lực ưu tiên") == "bo cong thuong day manh dien luc uu tien"
    # NFD input (as some pages send it) folds the same as NFC
    assert fold("Thu\u031bo\u031bng") == "thuong"


def test_query_terms_are_folded_words_and_quoted_phrases() -> None:
    assert query_terms('Bộ  "công thương" đẩy-mạnh') == [("bo",), ("cong", "thuong"), ("day",), ("manh",)]
    assert query_terms("* ) OR NEAR( -- ;") == [("or",), ("near",)]
    assert query_terms('giá "điện lực') == [("gia",), ("dien", "luc")]  # an open quote runs to the end
    assert query_terms("   ") == []


# ---- on the database -------------------------------------------------------------------------


def test_search_ignores_accents_case_and_the_stroke_of_d(store: Store) -> None:
    put(store, snapshot(1, "Bộ Công Thương đẩy mạnh điện lực"), snapshot(2, "Giá xăng giảm"))

    for query in ("bo cong thuong", "BỘ CÔNG THƯƠNG", "Bo Cong Thuong", "day manh", "điện", "DIEN"):
        assert urls(store, query) == ["https://moit.example/tin/1.html"], query
    assert urls(store, "gia xang") == ["https://moit.example/tin/2.html"]
    assert urls(store, "thuong cong bo") == ["https://moit.example/tin/1.html"]  # all words, any order
    assert urls(store, '"thuong cong"') == []  # a quoted phrase keeps its order
    assert urls(store, "bo cong xang") == []  # every word must match


def test_lead_and_body_are_searched_and_the_title_counts_most(store: Store) -> None:
    put(
        store,
        snapshot(1, "Hội nghị", body="Năm nay xuất khẩu gạo tăng mạnh."),
        snapshot(2, "Xuất khẩu gạo năm 2025"),
        snapshot(3, "Tin khác", lead="Gạo Việt Nam xuất khẩu sang châu Âu."),
    )
    assert urls(store, "xuat khau gao") == [
        "https://moit.example/tin/2.html",
        "https://moit.example/tin/3.html",
        "https://moit.example/tin/1.html",
    ]


def test_only_the_latest_version_is_found(store: Store) -> None:
    put(store, snapshot(1, "Giá điện tăng"))
    put(store, snapshot(1, "Giá điện giữ nguyên", at=T0 + timedelta(hours=2)))

    assert urls(store, "tang") == []
    [hit] = store.search("giu nguyen")
    assert (hit.version, hit.title, hit.changed_at) == (2, "Giá điện giữ nguyên", T0 + timedelta(hours=2))
    assert hit.lead == "" and hit.body == "Nội dung." and not hit.removed


def test_site_since_limit_and_offset_narrow_the_results(store: Store) -> None:
    put(store, *(snapshot(n, f"Khuyến công số {n}", published_at=f"2025-03-0{n}T09:00:00+07:00")
                 for n in range(1, 6)))
    put(store, snapshot(9, "Khuyến công ở tỉnh", site="congthuong"))

    assert urls(store, "khuyen cong", site="congthuong") == ["https://congthuong.example/tin/9.html"]
    since = datetime(2025, 3, 4, tzinfo=UTC)
    assert sorted(urls(store, "khuyen cong", since=since)) == [
        "https://moit.example/tin/4.html", "https://moit.example/tin/5.html"
    ]
    everything = urls(store, "khuyen cong")
    assert len(everything) == 6
    assert urls(store, "khuyen cong", limit=2, offset=2) == everything[2:4]


def test_queries_that_look_like_search_syntax_are_plain_words(store: Store) -> None:
    put(store, snapshot(1, "Điện lực OR NEAR miền Bắc"))
    for query in ('"', "*", "NEAR(", "') OR 1=1 --", "a & b | !c", "điện:*", "-", "\\"):
        store.search(query)  # never a syntax error
    assert urls(store, "near or") == ["https://moit.example/tin/1.html"]


def test_a_failed_write_leaves_the_index_as_it_was(store: Store) -> None:
    put(store, snapshot(1, "Giá điện tăng"))
    run = store.start_run("moit", baseline=False)
    edit = records.decided(store, run, snapshot(1, "Giá điện giảm"))

    with pytest.raises(IntegrityError):
        store.record(run, [edit, edit])  # version 2 twice: the batch fails as a whole

    assert urls(store, "giam") == []
    assert urls(store, "tang") == ["https://moit.example/tin/1.html"]


def _stored_by_0001(database_url: str, versions: list[tuple[int, int, str]]) -> None:
    """(page, version number, title) rows as a newswatch at revision 0001 wrote them (plain text)."""
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sql("INSERT INTO sites (name) VALUES ('moit')"))
        connection.execute(sql("INSERT INTO blobs (sha256, data) VALUES ('x', :d)"), {"d": b"x"})
        for page in sorted({page for page, _, _ in versions}):
            connection.execute(sql(
                "INSERT INTO pages (site_id, identity, url, first_seen, last_seen, missing_count)"
                " VALUES ((SELECT id FROM sites), :identity, :url, :t, :t, 0)"),
                {"identity": f"moit:{page}", "url": f"https://moit.example/tin/{page}.html", "t": T0})
        for page, number, title in versions:
            connection.execute(sql(
                "INSERT INTO versions (page_id, number, content_hash, title, lead, body, body_html,"
                " images, related, first_seen, last_seen, times_seen, blob_id) VALUES ((SELECT id FROM"
                " pages WHERE identity = :identity), :number, :hash, :title, '', 'Nội dung.', '', '[]',"
                " '[]', :t, :t, 1, (SELECT id FROM blobs))"),
                {"identity": f"moit:{page}", "number": number, "hash": f"{page}.{number}", "title": title,
                 "t": T0})
    engine.dispose()


def test_the_migration_indexes_articles_stored_before_it(database_url: str) -> None:
    upgrade(database_url, "0001")
    _stored_by_0001(database_url, [(1, 1, "Bộ Công Thương họp báo"), (2, 1, "Giá xăng giảm"),
                                   (2, 2, "Giá xăng tăng")])

    upgrade(database_url)

    with Store(database_url) as store:
        assert urls(store, "bo cong thuong") == ["https://moit.example/tin/1.html"]
        hits = store.search("gia xang")
        assert [(h.url, h.version) for h in hits] == [("https://moit.example/tin/2.html", 2)]
        assert urls(store, "giam") == []
