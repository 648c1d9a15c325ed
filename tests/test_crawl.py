"""`newswatch crawl`, `history` and `show` end to end against replica sites on loopback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from replica import ReplicaServer, build_site, expected, portal_profile_toml
from tests.harness import Newswatch, newswatch_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def congthuong() -> Iterator[ReplicaServer]:
    with ReplicaServer(build_site(12, page_size=5, seed=3)) as server:
        yield server


@pytest.fixture
def nw(tmp_path: Path, database_url: str, congthuong: ReplicaServer) -> Newswatch:
    return newswatch_for(tmp_path, database_url, congthuong)


def _assert_stored_like_site(nw: Newswatch, server: ReplicaServer) -> None:
    site = server.site
    for article in site.listing():
        want = expected(article)
        got = nw.json("show", server.url(article))
        assert got["title"] == want["title"]
        assert got["lead"] == want["lead"]
        assert got["author"] == want["author"]
        assert [r["title"] for r in got["related"]] == want["related"]
        published = datetime.fromisoformat(got["published_at"])
        assert published.replace(second=0) == want["published"]
        assert got["published_at"].endswith("+07:00")
        assert [i["caption"] for i in got["images"]] == want["captions"]
        assert got["body"].split("\n\n") == want["paragraphs"]


def test_crawl_stores_every_article_then_an_unchanged_recrawl_adds_no_version(
    nw: Newswatch, congthuong: ReplicaServer
) -> None:
    first = nw.ok("crawl")
    assert "12 pages fetched, 12 new versions, 0 failures" in first.stdout
    _assert_stored_like_site(nw, congthuong)

    congthuong.site.touch_volatile()
    second = nw.ok("crawl")
    assert "0 new versions, 0 failures" in second.stdout
    article = congthuong.site.listing()[0]
    versions = nw.json("history", congthuong.url(article))
    assert [v["version"] for v in versions] == [1]
    assert versions[0]["times_seen"] == 2
    assert set(versions[0]) >= {"version", "first_seen", "last_seen", "title", "published_at", "content_hash"}
    assert versions[0]["first_seen"].endswith("+07:00")


def test_a_site_never_seen_is_crawled_from_its_config_alone(tmp_path: Path, database_url: str) -> None:
    with ReplicaServer(build_site(9, theme="portal", page_size=4, seed=5)) as portal:
        nw = newswatch_for(tmp_path, database_url, portal, sites_toml=portal_profile_toml(portal.base_url))
        assert "9 pages fetched, 9 new versions, 0 failures" in nw.ok("crawl").stdout
        _assert_stored_like_site(nw, portal)
        portal.site.touch_volatile()
        assert "0 new versions" in nw.ok("crawl").stdout


def test_any_url_form_of_an_article_finds_it_and_an_unknown_one_is_an_error(
    nw: Newswatch, congthuong: ReplicaServer
) -> None:
    nw.ok("crawl")
    article = congthuong.site.listing()[2]
    variant = congthuong.url(f"/a-renamed-slug-{article.id}.html?utm_source=zalo&mobile=yes&amp=1#comments")
    assert nw.json("history", variant)[0]["title"] == article.title
    shown = nw.json("show", variant, "--version", "1")
    assert set(shown) >= {"url", "title", "lead", "body", "author", "category", "published_at",
                          "modified_at", "images", "related"}

    unknown = nw.run("history", congthuong.url("/khong-co-bai-nay-999999.html"))
    assert unknown.returncode == 1
    assert "no stored article" in unknown.stderr


def test_an_edited_article_gets_a_second_version_and_show_reads_either(
    nw: Newswatch, congthuong: ReplicaServer
) -> None:
    nw.ok("crawl")
    article = congthuong.site.listing()[1]
    congthuong.site.edit_body(article.id)
    congthuong.site.edit_title(article.id, "Tiêu đề đã được sửa lại sau khi đăng")
    nw.ok("crawl")
    versions = nw.json("history", congthuong.url(article))
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[1]["title"] == "Tiêu đề đã được sửa lại sau khi đăng"
    assert nw.json("show", congthuong.url(article), "--version", "1")["title"] != versions[1]["title"]
    at_first = nw.json("show", congthuong.url(article), "--at", versions[0]["last_seen"])
    assert at_first["title"] == versions[0]["title"]


def test_broken_pages_are_reported_not_stored_and_the_run_still_succeeds(
    nw: Newswatch, congthuong: ReplicaServer
) -> None:
    listing = congthuong.site.listing()
    congthuong.site.fail(listing[0].id, status=500)
    congthuong.site.truncate(listing[1].id, times=5)
    result = nw.ok("crawl")
    assert "10 pages fetched, 10 new versions, 2 failures" in result.stdout
    assert "HTTP 500" in result.stdout
    assert nw.run("history", congthuong.url(listing[0])).returncode == 1 or \
        nw.json("history", congthuong.url(listing[0])) == []


def test_a_bad_config_stops_before_crawling_with_one_line_naming_the_key(
    tmp_path: Path, nw: Newswatch, congthuong: ReplicaServer
) -> None:
    text = nw.config_path.read_text(encoding="utf-8")
    cases = {
        r"download_delay = 0": ("download_delay = 0\nspeed = 3", "crawl.speed: unknown key"),
        r"(?m)^title = .*$": ('title = "h1[["', "sites.congthuong.selectors.title: bad CSS selector"),
        r"http://127\.0\.0\.1": ("htp:/127.0.0.1", "sites.congthuong.start_urls: not an http(s) URL"),
    }
    for pattern, (replacement, message) in cases.items():
        nw.config_path.write_text(re.sub(pattern, replacement, text, count=1), encoding="utf-8")
        result = nw.run("crawl")
        assert result.returncode == 2, result.stderr
        assert message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    missing = nw.run("--config", str(tmp_path / "nope.toml"), "crawl")
    assert missing.returncode == 2 and "cannot read config file" in missing.stderr
    assert congthuong.site.request_log == []


def test_the_environment_overrides_the_file(tmp_path: Path, nw: Newswatch) -> None:
    other_db = tmp_path / "other.db"
    nw.env["NEWSWATCH_DATABASE_URL"] = f"sqlite:///{other_db}"
    nw.ok("crawl")
    assert other_db.exists()
