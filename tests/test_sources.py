"""Listing sources other than HTML pages, crawled end to end: the portal's JSON API (the built-in
moit profile), an RSS feed, a sitemap index whose <lastmod> brings back edited old articles."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from replica import (
    ReplicaServer,
    build_site,
    congthuong_profile_toml,
    moit_listing,
    portal_profile_toml,
)
from replica.feeds import API_PATH, SITEMAP_INDEX_PATH, rss_path
from tests.harness import Newswatch, newswatch_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def portal() -> Iterator[ReplicaServer]:
    with ReplicaServer(build_site(9, theme="portal", page_size=4, seed=21)) as server:
        yield server


def _article_fetches(server: ReplicaServer) -> list[str]:
    return [path for _, path, _ in server.site.request_log if path.endswith(".html")]


def _moit(tmp_path: Path, database_url: str, server: ReplicaServer, **listing: str) -> Newswatch:
    profile = portal_profile_toml(
        server.base_url, name="moit", max_pages=10,
        listing=moit_listing(server.base_url, form={**moit_listing("")["form"], "itemsPerPage": "4"},
                             **listing))
    return newswatch_for(tmp_path, database_url, server, sites_toml=profile)


def test_the_json_listing_finds_every_article_and_stops_paging_at_known_items(
    tmp_path: Path, database_url: str, portal: ReplicaServer
) -> None:
    nw = _moit(tmp_path, database_url, portal)
    site = portal.site

    first = nw.ok("crawl")

    assert "9 pages fetched, 9 new versions, 0 failures" in first.stdout
    # POSTed forms, as the portal's own page sends them; paging ends at the first empty page
    assert [f["pageNo"] for f in site.forms] == ["1", "2", "3", "4"]
    assert {f["orderBy"] for f in site.forms} == {"publishTime DESC"}
    assert {f["type"] for f in site.forms} == {"Article.News"}
    stored = {(c["url"], c["title"]) for c in nw.json("changes", "--kind", "new")}
    assert stored == {(portal.url(a), a.title) for a in site.listing()}

    site.forms.clear()
    newest = site.add_article(title="Bộ Công Thương họp về giá điện")
    second = nw.ok("crawl")

    assert "0 failures" in second.stdout
    # page 1 holds the new article, page 2 only known ones: paging stops there
    assert [f["pageNo"] for f in site.forms] == ["1", "2"]
    [change, *_baseline] = nw.json("changes", "--kind", "new")
    assert change["title"] == newest.title and change["url"] == portal.url(newest)
    assert change["published_at"] is not None


def test_an_answer_of_another_shape_is_a_reported_failure_not_an_empty_listing(
    tmp_path: Path, database_url: str, portal: ReplicaServer
) -> None:
    nw = _moit(tmp_path, database_url, portal, items="data.list")

    result = nw.run("crawl")

    assert result.returncode == 1
    assert f"{portal.url(API_PATH)}: listing unreadable: no list of items at 'data.list'" in result.stdout
    assert _article_fetches(portal) == []


def test_an_rss_feed_lists_the_newest_articles(tmp_path: Path, database_url: str) -> None:
    with ReplicaServer(build_site(8, page_size=5, seed=4)) as server:
        site = server.site
        feed = server.url(rss_path(site.section_path))
        nw = newswatch_for(tmp_path, database_url, server, sites_toml=congthuong_profile_toml(
            server.base_url, related_depth=0, listing={"kind": "rss", "url": feed}))

        assert "5 pages fetched, 5 new versions, 0 failures" in nw.ok("crawl").stdout
        assert site.hits(site.section_path) == 0, "the HTML listing is not read"
        newest = site.add_article()
        nw.ok("crawl")

        assert nw.json("show", server.url(newest))["title"] == newest.title
        [change, *baseline] = nw.json("changes", "--kind", "new")
        assert change["url"] == server.url(newest) and not change["baseline"]
        assert baseline and all(c["baseline"] for c in baseline)


def test_a_sitemap_lastmod_brings_back_an_edited_old_article_without_rotation(
    tmp_path: Path, database_url: str, portal: ReplicaServer
) -> None:
    site = portal.site
    profile = portal_profile_toml(
        portal.base_url, name="moit", revisit_days=0, revisit_rotation=0, related_depth=0,
        listing={"kind": "sitemap", "url": portal.url(SITEMAP_INDEX_PATH)})
    nw = newswatch_for(tmp_path, database_url, portal, sites_toml=profile)
    assert "9 pages fetched, 9 new versions, 0 failures" in nw.ok("crawl").stdout

    site.request_log.clear()
    assert "0 pages fetched" in nw.ok("crawl").stdout, "nothing changed: no article is fetched"
    oldest = site.listing()[-1]
    site.edit_body(oldest.id)
    with site.lock:
        oldest.modified = datetime.now(UTC)  # the sitemap dates the edit in real time
    site.request_log.clear()

    third = nw.ok("crawl")

    assert "1 pages fetched, 1 new versions" in third.stdout
    assert _article_fetches(portal) == [oldest.url_path]
    month = f"/sitemaps/{oldest.published:%Y-%m}.xml"
    sitemaps = [path for _, path, _ in site.request_log if path.endswith(".xml")]
    assert sitemaps == [SITEMAP_INDEX_PATH, month], "only the sitemap that changed is read"
    [edit] = nw.json("changes", "--kind", "edited")
    assert edit["url"] == portal.url(oldest) and edit["fields"] == ["body"]
