"""The web view over a real database (SQLite, and PostgreSQL when configured), through Starlette's
test client: pages, their JSON, escaping and sanitising, the token, read-only answers, Atom feeds."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.utils import format_datetime
from typing import Any

import feedparser
import pytest
from starlette.testclient import TestClient

from monitor.diff import diff_document, diff_versions
from monitor.present import change_json, history_json
from monitor.web.app import create_app
from monitor.web.auth import COOKIE, TokenError, check_settings
from monitor.web.feeds import FEED_ENTRIES
from storage import Store
from storage.records import Assessment, RunMetrics
from tests import records
from tests.web_data import HOSTILE_TITLE, SECOND_CRAWL, Newsroom, build_newsroom, snapshot

JSON = {"Accept": "application/json"}


def LATER() -> datetime:  # noqa: N802 - a clock, named as the moment it tells
    return SECOND_CRAWL + timedelta(minutes=3)
TOKEN = "correct-horse-battery-staple"


@pytest.fixture
def room(database_url: str) -> Newsroom:
    return build_newsroom(database_url)


@pytest.fixture
def client(room: Newsroom) -> Iterator[TestClient]:
    with TestClient(create_app(room.database_url), base_url="http://127.0.0.1") as client:
        yield client


def text_of(html: str) -> str:
    """What a reader sees: tags dropped, entities left as they are."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# ---- the timeline ----------------------------------------------------------------------------


def test_timeline_lists_changes_newest_first_with_links_to_article_and_diff(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    titles = re.findall(r'<a class="title" lang="vi" href="[^"]+">([^<]+)</a>', page.text)
    assert titles[0] == "Đường sắt Bắc Nam"  # removed in the second crawl, newest event id first
    assert "Bộ Công Thương họp báo về giá xăng" in titles
    assert titles[-1] == "Bộ Công Thương họp báo về giá điện"  # the first crawl's first find
    diff = "/article?url=https%3A%2F%2Fmoit.example%2Ftin-tuc%2Fbai-1.html&amp;from=1&amp;to=2"
    assert f'href="{diff}"' in page.text
    assert "baseline" in page.text


def test_timeline_filters_by_kind_site_and_since(client: TestClient) -> None:
    edited = client.get("/changes", params={"kind": "edited"}, headers=JSON).json()
    assert [(e["kind"], e["title"], e["fields"]) for e in edited] == [
        ("edited", "Bộ Công Thương họp báo về giá xăng", ["title", "body"])
    ]
    other = client.get("/changes", params={"site": "congthuong"}, headers=JSON).json()
    assert [e["title"] for e in other] == ["Khuyến công địa phương"]
    since = (SECOND_CRAWL - timedelta(minutes=1)).isoformat()
    recent = client.get("/changes", params={"since": since}, headers=JSON).json()
    assert {e["kind"] for e in recent} == {"new", "edited", "removed"}
    assert all(not e["baseline"] for e in recent)


def test_timeline_json_has_the_shape_of_changes_json(client: TestClient, room: Newsroom) -> None:
    with Store(room.database_url) as store:
        expected = [change_json(row) for row in store.changes()]
    answer = client.get("/changes", headers=JSON)
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json() == expected
    assert set(expected[0]) == {"kind", "url", "title", "site", "detected_at", "published_at",
                                "fields", "baseline"}


def test_timeline_pages_through_long_histories(database_url: str) -> None:
    def many(store: Store) -> None:
        run = store.start_run("moit", baseline=False)
        records.record(store, run, "moit", *(snapshot(n, f"Tin {n}", "Nội dung.", at=SECOND_CRAWL)
                                             for n in range(100, 160)), clock=LATER)

    room = build_newsroom(database_url, extra=many)
    with TestClient(create_app(room.database_url), base_url="http://127.0.0.1") as client:
        first = client.get("/changes", headers=JSON)
        second = client.get("/changes", params={"page": 2}, headers=JSON)
        assert len(first.json()) == 50
        assert first.headers["link"] == '</changes?page=2>; rel="next"'
        assert len(second.json()) == 60 + 7 - 50
        assert "link" not in second.headers
        assert {e["url"] for e in first.json()}.isdisjoint(e["url"] for e in second.json())
        html = client.get("/changes", params={"page": 2}).text
        assert 'rel="prev" href="/changes?page=1"' in html


@pytest.mark.parametrize("params, message", [
    ({"kind": "bogus"}, "kind: expected one of new, edited, removed"),
    ({"page": "0"}, "page: expected a whole number"),
    ({"since": "yesterday"}, "since: not an ISO date"),
])
def test_bad_parameters_get_a_clear_400(client: TestClient, params: dict[str, str], message: str) -> None:
    page = client.get("/changes", params=params)
    assert page.status_code == 400
    assert message in page.text
    assert message in client.get("/changes", params=params, headers=JSON).json()["error"]


# ---- articles and diffs ----------------------------------------------------------------------


def test_article_page_shows_the_latest_version_and_every_version(client: TestClient, room: Newsroom) -> None:
    page = client.get("/article", params={"url": room.edited_url + "?utm_source=x#top"})
    assert page.status_code == 200
    seen = text_of(page.text)
    assert "Bộ Công Thương họp báo về giá xăng" in seen
    assert "Version 2 of 2" in seen
    assert "Giá điện bán lẻ giảm 2% từ tháng Ba." in seen
    assert seen.count("(seen 1×)") == 2
    history = client.get("/article", params={"url": room.edited_url}, headers=JSON).json()
    with Store(room.database_url) as store:
        assert history == history_json(store.history(room.edited_url))


def test_compare_marks_changed_words_names_fields_and_keeps_related_apart(
    client: TestClient, room: Newsroom
) -> None:
    page = client.get("/article", params={"url": room.edited_url, "from": 1, "to": 2})
    assert page.status_code == 200
    html = page.text
    assert "giá <del>điện</del>" in html and "giá <ins>xăng</ins>" in html
    assert "<del>tăng 3%</del>" in html and "<ins>giảm 2%</ins>" in html
    assert re.search(r"Changed: .*title.*body", text_of(html))
    edits, _, context = html.partition("Not an edit (changed around the article)")
    assert "Tin cũ" not in edits and "<del>Tin cũ" in context and "<ins>Tin mới hơn" in context


def test_compare_json_is_the_diff_json(client: TestClient, room: Newsroom) -> None:
    answer = client.get("/article", params={"url": room.edited_url, "from": 1, "to": 2}, headers=JSON)
    with Store(room.database_url) as store:
        old, new = store.get_version(room.edited_url, 1), store.get_version(room.edited_url, 2)
        assert old is not None and new is not None
        assert answer.json() == diff_document(old, new, diff_versions(old.fields, new.fields))
    assert [f["field"] for f in answer.json()["fields"]] == ["title", "body", "related"]


def test_unknown_article_or_version_is_404(client: TestClient, room: Newsroom) -> None:
    assert client.get("/article", params={"url": "https://moit.example/nope.html"}).status_code == 404
    missing = client.get("/article", params={"url": room.edited_url, "from": 1, "to": 9})
    assert missing.status_code == 404 and "no version 9; stored: 1, 2" in missing.text
    assert client.get("/article").status_code == 400


# ---- what must never reach the reader's browser ----------------------------------------------


def test_stored_text_is_escaped_everywhere(client: TestClient, room: Newsroom) -> None:
    pages = [
        client.get("/"),
        client.get("/article", params={"url": room.hostile_url}),
        client.get("/search", params={"q": "tin gia"}),
    ]
    for page in pages:
        assert "<script>window.pwned" not in page.text
        assert "onerror=" not in page.text.replace("onerror=&#34;", "").replace("onerror=&quot;", "")
        assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in page.text


def test_body_html_is_sanitised_and_images_load_only_when_asked(client: TestClient, room: Newsroom) -> None:
    plain = client.get("/article", params={"url": room.hostile_url})
    body = plain.text.split('<div class="body">')[1].split("</div>")[0]
    assert "<p>Nội dung</p>" in body
    assert "script" not in body and "onclick" not in body and "<img" not in body
    assert "img-src 'self';" in plain.headers["content-security-policy"]

    shown = client.get("/article", params={"url": room.hostile_url, "images": 1})
    body = shown.text.split('<div class="body">')[1].split("</div>")[0]
    assert '<img src="https://images.example/x.png">' in body
    assert "img-src 'self' https://images.example;" in shown.headers["content-security-policy"]


def test_every_answer_carries_a_strict_content_security_policy(client: TestClient, room: Newsroom) -> None:
    for path in ("/", "/sites", "/search?q=x", f"/article?url={room.edited_url}", "/feeds/changes.atom",
                 "/static/style.css", "/nope"):
        answer = client.get(path)
        policy = answer.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "unsafe" not in policy and "script-src" not in policy
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"


def test_no_endpoint_writes(client: TestClient, room: Newsroom) -> None:
    with Store(room.database_url) as store:
        before = store.stats()
    for path in ("/", "/changes", "/article", "/sites", "/search", "/feeds/changes.atom", "/login"):
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            assert client.request(method, path).status_code in (404, 405), (method, path)
    for path in ("/", "/sites", "/search?q=bo", f"/article?url={room.edited_url}&from=1&to=2",
                 "/feeds/changes.atom"):
        assert client.get(path).status_code == 200
    with Store(room.database_url) as store:
        assert store.stats() == before


def test_other_host_names_are_refused_without_a_token(client: TestClient) -> None:
    # A page on another site cannot read the local server by rebinding its own name to 127.0.0.1.
    assert client.get("/", headers={"Host": "attacker.example"}).status_code == 400
    assert client.get("/", headers={"Host": "localhost:8080"}).status_code == 200


# ---- the token -------------------------------------------------------------------------------


def test_serving_beyond_this_machine_needs_a_long_token() -> None:
    with pytest.raises(TokenError, match="NEWSWATCH_WEB_TOKEN"):
        check_settings("0.0.0.0", None)
    with pytest.raises(TokenError, match="too short"):
        check_settings("0.0.0.0", "secret")
    check_settings("0.0.0.0", TOKEN)
    check_settings("127.0.0.1", None)
    check_settings("::1", None)
    check_settings("localhost", None)


def test_token_by_bearer_header_or_login_cookie(room: Newsroom) -> None:
    app = create_app(room.database_url, token=TOKEN)
    with TestClient(app, base_url="http://news.example.org", follow_redirects=False) as client:
        page = client.get("/changes?kind=edited", headers={"Accept": "text/html"})
        assert page.status_code == 303
        assert page.headers["location"] == "/login?next=%2Fchanges%3Fkind%3Dedited"
        assert client.get("/changes", headers=JSON).status_code == 401
        assert client.get("/feeds/changes.atom").status_code == 401
        assert client.get("/", headers={"Authorization": "Bearer wrong-token-wrong-token"}).status_code == 401
        assert client.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200

        assert client.get("/login").status_code == 200
        wrong = client.post("/login", data={"token": "nope", "next": "/sites"})
        assert wrong.status_code == 401 and COOKIE not in wrong.cookies
        right = client.post("/login", data={"token": TOKEN, "next": "/sites"})
        assert (right.status_code, right.headers["location"]) == (303, "/sites")
        assert TOKEN not in right.headers["set-cookie"]
        assert "httponly" in right.headers["set-cookie"].lower()
        assert "samesite=strict" in right.headers["set-cookie"].lower()
        assert client.get("/sites").status_code == 200  # the cookie now

        elsewhere = client.post("/login", data={"token": TOKEN, "next": "//evil.example/"})
        assert elsewhere.headers["location"] == "/"
        client.post("/logout")
        client.cookies.clear()
        assert client.get("/sites", headers=JSON).status_code == 401


# ---- sites -----------------------------------------------------------------------------------


def test_sites_lists_recent_runs_with_their_counts(client: TestClient) -> None:
    sites = client.get("/sites", headers=JSON).json()
    assert [s["site"] for s in sites] == ["congthuong", "moit"]
    moit = sites[1]
    assert moit["health"] is None
    latest, first = moit["runs"]
    counts = (latest["pages"], latest["new_versions"], latest["failures"], latest["baseline"])
    assert counts == (3, 2, 0, False)
    assert latest["events"] == {"new": 1, "edited": 1, "removed": 1}
    assert latest["duration_seconds"] == 120.0
    assert first["baseline"] and first["events"]["new"] == 3
    html = text_of(client.get("/sites").text)
    assert "Health: not assessed yet." in html
    assert "1 new, 1 edited, 1 removed" in html and "120.0 s" in html


def test_sites_shows_each_sites_crawl_health_verdict_and_problems(database_url: str) -> None:
    def assess(store: Store) -> None:
        latest = {run.site: run.id for run in reversed(store.recent_runs())}
        metrics = RunMetrics(listed=0, pages=3, requests=4, articles=3, profiled=("title", "lead"),
                             field_sources={"title": {"selector": 3}, "lead": {"generic": 3}})
        problems = ("no article links found on the listing pages",
                    "selector for lead matched 0% of 3 articles, was 100%")
        store.assess_run(latest["moit"], metrics,
                         Assessment("broken", problems, ("links", "selector:lead")))

    room = build_newsroom(database_url, extra=assess)
    with TestClient(create_app(room.database_url), base_url="http://127.0.0.1") as client:
        congthuong, moit = client.get("/sites", headers=JSON).json()
        html = text_of(client.get("/sites").text)
    assert congthuong["health"] is None
    assert moit["health"]["verdict"] == "broken"
    assert moit["health"]["problems"] == ["no article links found on the listing pages",
                                          "selector for lead matched 0% of 3 articles, was 100%"]
    assert moit["health"]["selectors"] == {"title": 1.0, "lead": 0.0}
    assert moit["health"]["last_run"]["pages"] == 3
    assert "Health: broken" in html and "no article links found on the listing pages" in html
    assert "Selectors matched: title 100%, lead 0%" in html and "Health: not assessed yet." in html


# ---- search ----------------------------------------------------------------------------------


def test_search_finds_without_diacritics_and_marks_the_words(client: TestClient) -> None:
    page = client.get("/search", params={"q": "bo cong thuong gia xang"})
    assert page.status_code == 200
    assert ("<mark>Bộ</mark> <mark>Công</mark> <mark>Thương</mark> họp báo về <mark>giá</mark> "
            "<mark>xăng</mark>") in page.text
    [hit] = client.get("/search", params={"q": "bo cong thuong gia xang"}, headers=JSON).json()
    assert hit["title"] == "Bộ Công Thương họp báo về giá xăng"
    assert [hit["title"][s:e] for s, e in hit["title_marks"]] == ["Bộ", "Công", "Thương", "giá", "xăng"]
    assert hit["version"] == 2


def test_search_narrows_by_site_and_explains_an_empty_result(client: TestClient) -> None:
    assert client.get("/search", params={"q": "khuyen cong", "site": "moit"}, headers=JSON).json()[0][
        "url"] == "https://moit.example/tin-tuc/bai-1.html"
    [other] = client.get("/search", params={"q": "khuyen cong", "site": "congthuong"}, headers=JSON).json()
    assert other["site"] == "congthuong"
    assert "Nothing found for “zzzz”" in client.get("/search", params={"q": "zzzz"}).text
    assert client.get("/search", headers=JSON).json() == []


# ---- Atom feeds ------------------------------------------------------------------------------


def _feed(client: TestClient, **params: Any) -> Any:
    answer = client.get("/feeds/changes.atom", params=params)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(answer.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_feed_is_valid_atom_with_exactly_the_events_of_its_filter(client: TestClient, room: Newsroom) -> None:
    everything = _feed(client)
    assert everything.version == "atom10"
    assert {e.title for e in everything.entries} == {
        "Removed: Đường sắt Bắc Nam", f"New: {HOSTILE_TITLE}", "Edited: Bộ Công Thương họp báo về giá xăng"
    }  # baseline events are not news, as in the alerts
    [edit] = _feed(client, kind="edited").entries
    assert edit.link == room.edited_url
    [view] = [link.href for link in edit.links if link.rel == "related"]
    assert view == "http://127.0.0.1/article?url=https%3A%2F%2Fmoit.example%2Ftin-tuc%2Fbai-1.html&from=1&to=2"
    assert {t.term for t in edit.tags} >= {"edited", "field:title", "field:body"}
    assert "Changed: title, body." in edit.summary and "[-tăng 3%-]{+giảm 2%+}" in edit.summary
    assert edit.updated == "2025-03-01T14:00:00+07:00"
    assert _feed(client, site="congthuong").entries == []
    removed = _feed(client, kind="removed", site="moit").entries
    assert [e.title for e in removed] == ["Removed: Đường sắt Bắc Nam"]
    assert [e.id for e in _feed(client).entries] == [e.id for e in everything.entries]  # stable ids


def test_feed_answers_304_to_its_etag_and_date_until_something_changes(room: Newsroom) -> None:
    app = create_app(room.database_url)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        first = client.get("/feeds/changes.atom")
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        again = client.get("/feeds/changes.atom", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
        assert client.get("/feeds/changes.atom", headers={"If-Modified-Since": modified}).status_code == 304
        other = client.get("/feeds/changes.atom", params={"kind": "new"}, headers={"If-None-Match": etag})
        assert other.status_code == 200  # another filter, another feed

        with Store(room.database_url) as store:
            run = store.start_run("moit", baseline=False)
            records.record(store, run, "moit", snapshot(6, "Tin mới nhất", "Nội dung.", at=SECOND_CRAWL),
                           clock=LATER)
        changed = client.get("/feeds/changes.atom", headers={"If-None-Match": etag})
        assert changed.status_code == 200 and changed.headers["etag"] != etag
        assert "Tin mới nhất" in changed.text
        older = format_datetime(SECOND_CRAWL - timedelta(days=1), usegmt=True)
        assert client.get("/feeds/changes.atom", headers={"If-Modified-Since": older}).status_code == 200


def test_feed_holds_the_newest_events_only(database_url: str) -> None:
    def many(store: Store) -> None:
        run = store.start_run("moit", baseline=False)
        records.record(store, run, "moit", *(snapshot(n, f"Tin {n}", "Nội dung.", at=SECOND_CRAWL)
                                             for n in range(100, 100 + FEED_ENTRIES + 5)), clock=LATER)

    room = build_newsroom(database_url, extra=many)
    with TestClient(create_app(room.database_url), base_url="http://127.0.0.1") as client:
        entries = _feed(client).entries
    assert len(entries) == FEED_ENTRIES
    assert entries[0].title == f"New: Tin {100 + FEED_ENTRIES + 4}"
