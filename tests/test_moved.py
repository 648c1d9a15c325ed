"""Moved articles on a site without ids in its URLs: a known article found under a new URL (by a
redirect, its canonical link or its body) keeps its history, and its old URL stays an alias."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from crawler.records import ListedItem, PageGone, Revisit
from crawler.spider import NewsSpider
from crawler.urls import article_identity, canonical_url
from monitor import policy
from monitor.config import load
from monitor.recorder import Outcome
from monitor.web.app import create_app
from storage import Snapshot, Store
from storage.db import make_engine
from tests import records

SITE = "portal"
T0 = datetime(2026, 1, 29, 8, 0, tzinfo=UTC)
BODY = "Sáng 29/1, Bộ Công Thương tổ chức hội nghị.\n\nHội nghị bàn về xúc tiến thương mại."
OLD = "http://127.0.0.1/tin-tuc/hoi-nghi-xuc-tien-ngay-29-1-2026.html"
NEW = "http://127.0.0.1/tin-tuc/hoi-nghi-xuc-tien-thuong-mai-ngay-29-1-2026.html"


def fetched(url: str, *, title: str = "Hội nghị xúc tiến", body: str = BODY, at: datetime = T0,
            redirected_from: tuple[str, ...] = (), canonical: str | None = None) -> Snapshot:
    return records.snapshot(
        SITE, url, url, records.fields(title=title, body=body, published_at="2026-01-29T08:00:00+07:00"),
        at=at, raw_html=f"<html>{title}|{body}</html>".encode(),
        redirected_from=redirected_from, canonical=canonical,
    )


def record(store: Store, *items: Any, removal_after: int = 2) -> list[Outcome]:
    """`items` as one batch of one completed run of a site without an id pattern."""
    run = store.start_run(SITE, baseline=store.is_baseline(SITE))
    sink = records.recorder(store, run, SITE, removal_after=removal_after, article_id_pattern="",
                            baseline=store.is_baseline(SITE))
    for item in items:
        sink.add(item)
    outcomes = sink.flush()
    store.finish_run(run, "completed", requests=len(items), pages=len(items), failures=0)
    return outcomes


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    with Store(database_url) as store:
        record(store, fetched(OLD))  # the baseline: the article at its old URL
        record(store, fetched(OLD, at=T0 + timedelta(hours=1)))
        yield store


def events(store: Store) -> list[tuple[str, str, list[str]]]:
    return [(c.kind, c.url, c.fields) for c in reversed(store.changes()) if not c.baseline]


# ---- the decision, without a database -------------------------------------------------------


def test_a_date_at_the_end_of_a_slug_is_no_article_id(tmp_path: Path) -> None:
    url = "https://sct.example.gov.vn/tin-tuc/hoi-nghi-xuc-tien-ngay-29-1-2026.html"
    assert article_identity(url) == article_identity(url, "") == canonical_url(url)
    # a site configured without a pattern gets none guessed from the digits in its slugs
    config = tmp_path / "newswatch.toml"
    config.write_text('[sites.sct]\nstart_urls = ["https://sct.example.gov.vn/tin-tuc"]\n', encoding="utf-8")
    site = load(str(config), env={}).sites["sct"]
    assert site.article_id_pattern == ""
    assert article_identity(url, site.article_id_pattern) == canonical_url(url)
    assert article_identity(url, site.article_id_pattern) != article_identity(
        url.replace("ngay-29-1-2026", "ngay-30-1-2026"), site.article_id_pattern)


def test_which_known_article_a_fetch_under_a_new_url_is() -> None:
    known = {OLD: OLD, "http://127.0.0.1/tin-tuc/older.html": OLD}
    decide = policy.moved_article
    assert decide(fetched(NEW, redirected_from=(OLD,)), known, (), ids_in_urls=False) == policy.Move(
        OLD, "redirect")
    assert decide(fetched(NEW, redirected_from=("http://127.0.0.1/tin-tuc/older.html",)), known, (),
                  ids_in_urls=False) == policy.Move(OLD, "redirect")
    assert decide(fetched(NEW, canonical=OLD), known, (), ids_in_urls=False) == policy.Move(OLD, "canonical")
    assert decide(fetched(NEW), known, [OLD], ids_in_urls=False) == policy.Move(OLD, "body")
    # not a move: ids in URLs, a known identity, two articles with that body, the old one alive
    assert decide(fetched(NEW, redirected_from=(OLD,)), known, (), ids_in_urls=True) is None
    assert decide(fetched(OLD, canonical=NEW), known, (), ids_in_urls=False) is None
    assert decide(fetched(NEW), known | {"x": "x"}, [OLD, "x"], ids_in_urls=False) is None
    assert decide(fetched(NEW), known, [OLD], ids_in_urls=False, alive={OLD}) is None
    assert decide(fetched(NEW), known, (), ids_in_urls=False) is None


# ---- recorded -------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["redirect", "canonical", "body"])
def test_a_retitled_article_under_a_new_url_is_one_edit_of_title(store: Store, how: str) -> None:
    later = T0 + timedelta(hours=2)
    evidence: dict[str, Any] = {"redirect": {"redirected_from": (OLD,)},
                                "canonical": {"canonical": OLD}, "body": {}}[how]
    body = BODY if how == "body" else BODY + "\n\nCập nhật."

    record(store, fetched(NEW, title="Hội nghị xúc tiến thương mại", body=body, at=later, **evidence),
           ListedItem(NEW, NEW, "Hội nghị xúc tiến thương mại"), PageGone(OLD, OLD, 404))
    record(store, PageGone(OLD, OLD, 404), fetched(NEW, title="Hội nghị xúc tiến thương mại", body=body,
                                                   at=later + timedelta(hours=1)))

    fields = ["title"] if how == "body" else ["title", "body"]
    assert events(store) == [("edited", NEW, fields)]
    assert [v.title for v in store.history(NEW)] == ["Hội nghị xúc tiến", "Hội nghị xúc tiến thương mại"]
    assert store.find_page([OLD]) == NEW
    assert store.known_items(SITE).keys() == {OLD, NEW}
    assert store.stats()["pages"] == 1 and store.stats()["aliases"] == 1


def test_a_move_inside_one_batch(store: Store) -> None:
    later = T0 + timedelta(hours=2)
    retitled = "Hội nghị xúc tiến thương mại"

    outcomes = record(store, ListedItem(OLD, OLD, "Hội nghị xúc tiến"), PageGone(OLD, OLD, 404),
                      fetched(NEW, title=retitled, at=later), ListedItem(NEW, NEW, retitled),
                      ListedItem(OLD, OLD, "Hội nghị xúc tiến"), PageGone(OLD, OLD, 404))
    record(store, PageGone(OLD, OLD, 404), PageGone(OLD, OLD, 404), removal_after=1)

    # (the second headline under the old URL repeats the first: the recorder skips it)
    assert [(o.version, o.event) for o in outcomes] == [
        (None, None), (None, None), ("changed", "edited"), (None, None), (None, None)]
    assert events(store) == [("edited", NEW, ["title"])]
    assert [v.version for v in store.history(OLD)] == [] and len(store.history(NEW)) == 2
    assert store.find_page([OLD]) == NEW


def test_an_unchanged_article_that_moved_raises_no_event(store: Store) -> None:
    record(store, fetched(NEW, at=T0 + timedelta(hours=2)), PageGone(OLD, OLD, 404),
           PageGone(OLD, OLD, 404), removal_after=1)

    assert events(store) == []
    assert len(store.history(NEW)) == 1 and store.history(OLD) == []
    assert store.find_page([OLD]) == NEW


def test_the_same_body_at_two_live_urls_is_two_articles(store: Store) -> None:
    record(store, fetched(OLD, at=T0 + timedelta(hours=2)), fetched(NEW, at=T0 + timedelta(hours=2)))

    assert [kind for kind, _, _ in events(store)] == ["new"]
    assert store.stats()["pages"] == 2


def test_an_article_stored_before_body_hashes_is_found_by_body_once_fetched_again(
    store: Store, database_url: str
) -> None:
    engine = make_engine(database_url)
    with engine.begin() as connection:  # as a version stored before migration 0007 has it
        connection.execute(text("UPDATE versions SET body_hash = NULL"))
    engine.dispose()
    digest = fetched(OLD).body_hash
    assert store.pages_with_body(SITE, [digest]) == {}  # no hash to find it by

    record(store, fetched(OLD, at=T0 + timedelta(hours=3)))  # seen again: the hash is filled in
    assert store.pages_with_body(SITE, [digest]) == {digest: [OLD]}
    moved = "http://127.0.0.1/tin-tuc/hoi-nghi-da-doi-ten.html"
    record(store, PageGone(OLD, OLD, 404), fetched(moved, title="Hội nghị đã đổi tên",
                                                   at=T0 + timedelta(hours=4)))

    assert store.find_page([OLD]) == moved
    assert events(store) == [("edited", moved, ["title"])]


def test_the_web_view_finds_a_moved_article_by_its_old_url(store: Store, database_url: str) -> None:
    record(store, fetched(NEW, title="Hội nghị xúc tiến thương mại", at=T0 + timedelta(hours=2)))
    with TestClient(create_app(database_url), base_url="http://127.0.0.1") as client:
        by_old = client.get("/article", params={"url": OLD}, headers={"Accept": "application/json"})
        by_new = client.get("/article", params={"url": NEW}, headers={"Accept": "application/json"})
        page = client.get("/article", params={"url": OLD, "from": "1", "to": "2"})
    assert by_old.status_code == 200 and by_old.json() == by_new.json()
    assert [v["title"] for v in by_old.json()] == ["Hội nghị xúc tiến", "Hội nghị xúc tiến thương mại"]
    assert page.status_code == 200 and "<ins>" in page.text


def test_the_spider_holds_a_new_urls_headline_until_its_page_and_its_page_until_the_revisits() -> None:
    profile = load(None, env={}).sites["moit"]
    assert profile.article_id_pattern == ""
    spider = NewsSpider(profile, revisits=[Revisit(OLD, OLD)], known={OLD: "Hội nghị xúc tiến"})

    assert list(spider._headline(ListedItem(OLD, OLD, "Hội nghị xúc tiến"))) == [
        ListedItem(OLD, OLD, "Hội nghị xúc tiến")]
    assert list(spider._headline(ListedItem(NEW, NEW, "Hội nghị mới"))) == []  # held, fetch deferred
    [request] = spider._revisit_answered({"revisit": True})  # the old URL answered
    assert request.url == NEW and request.meta["identity"] == NEW
    assert list(spider._release(NEW)) == [ListedItem(NEW, NEW, "Hội nghị mới")]
    # reported now: the same headline again goes no further, another one at once
    assert list(spider._headline(ListedItem(NEW, NEW, "Hội nghị mới"))) == []
    assert list(spider._headline(ListedItem(NEW, NEW, "Hội nghị mới (cập nhật)"))) == [
        ListedItem(NEW, NEW, "Hội nghị mới (cập nhật)")]
