"""Listing sources read as data: a JSON API's pages, RSS and Atom feeds, sitemaps; no crawler runs."""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from crawler.dates import LOCAL_TZ
from crawler.listing_spider import only_known
from crawler.listings import ListingEntry, ListingError
from crawler.listings.feed import parse_feed
from crawler.listings.jsonapi import item_time, page_request, parse_json_listing
from crawler.listings.sitemap import needs_fetch, parse_sitemap, sitemaps_to_follow
from monitor.config import listing_source

MOIT = listing_source(
    kind="json", url="https://moit.gov.vn/api/Content/Article/selectAll", method="POST",
    form=(("categoryId", "7"), ("pageNo", "{page}"), ("itemsPerPage", "20")),
    items="items", link="rewriteURL", title="title", published="publishTime",
    base_url="https://moit.gov.vn/",
)
API = MOIT.url


# ---- JSON ------------------------------------------------------------------------------------


def test_page_requests_fill_in_the_page_number_from_one() -> None:
    post = page_request(MOIT, 3)
    assert (post.url, post.method) == (API, "POST")
    assert post.form == {"categoryId": "7", "pageNo": "3", "itemsPerPage": "20"}
    get = page_request(listing_source(kind="json", url="https://a.vn/api?p={page}&n=10"), 1)
    assert (get.url, get.method, get.form) == ("https://a.vn/api?p=1&n=10", "GET", None)


def test_an_object_of_items_becomes_entries_with_resolved_links_and_dates() -> None:
    body = json.dumps({"items": {
        "a": {"rewriteURL": "tin-tuc/hoi-nghi-khuyen-cong.html", "title": "  Hội nghị\nkhuyến công ",
              "publishTime": 1769674583},
        "b": {"rewriteURL": "https://moit.gov.vn/tin-tuc/xuat-khau.html", "title": "Xuất khẩu",
              "publishTime": "2026-01-29T15:16:23+0700"},
        "c": {"title": "no link: left out"},
    }, "totalItems": 3}).encode()

    entries = parse_json_listing(body, MOIT, API)

    assert entries == [
        ListingEntry("https://moit.gov.vn/tin-tuc/hoi-nghi-khuyen-cong.html", "Hội nghị khuyến công",
                     datetime.fromtimestamp(1769674583, UTC)),
        ListingEntry("https://moit.gov.vn/tin-tuc/xuat-khau.html", "Xuất khẩu",
                     datetime(2026, 1, 29, 15, 16, 23, tzinfo=LOCAL_TZ)),
    ]


def test_a_dotted_path_reaches_a_nested_list_and_links_resolve_against_the_api() -> None:
    source = listing_source(kind="json", url="https://so.gov.vn/api/news", items="data.result.0.rows",
                            link="url", title="name")
    body = json.dumps({"data": {"result": [{"rows": [{"url": "/tin/1.html", "name": "Một"}]}]}})

    assert parse_json_listing(body.encode(), source, "https://so.gov.vn/api/news?page=2") == [
        ListingEntry("https://so.gov.vn/tin/1.html", "Một")
    ]


def test_an_empty_page_is_the_end_of_the_listing() -> None:
    assert parse_json_listing(b'{"items": {}, "totalItems": 40}', MOIT, API) == []
    assert parse_json_listing(b'{"items": []}', MOIT, API) == []


@pytest.mark.parametrize(("body", "reason"), [
    (b"<html>Bad gateway</html>", "not JSON"),
    (b'{"error": "denied"}', "no list of items at 'items' (found nothing)"),
    (b'{"items": "none"}', "no list of items at 'items' (found str)"),
])
def test_an_answer_of_another_shape_is_an_error_not_an_empty_page(body: bytes, reason: str) -> None:
    with pytest.raises(ListingError, match=re.escape(reason)):
        parse_json_listing(body, MOIT, API)


@pytest.mark.parametrize(("value", "expected"), [
    (1769674583, datetime(2026, 1, 29, 8, 16, 23, tzinfo=UTC)),
    (1769674583000, datetime(2026, 1, 29, 8, 16, 23, tzinfo=UTC)),
    ("1769674583", datetime(2026, 1, 29, 8, 16, 23, tzinfo=UTC)),
    ("2026-01-29T15:16:23+0700", datetime(2026, 1, 29, 8, 16, 23, tzinfo=UTC)),
    ("Thứ 5, 29/01/2026 | 14:44", datetime(2026, 1, 29, 7, 44, tzinfo=UTC)),
    (None, None), (True, None), ("", None), ({"x": 1}, None),
])
def test_item_times_in_every_form_a_listing_uses(value: object, expected: datetime | None) -> None:
    assert item_time(value) == expected


def test_paging_stops_only_at_a_page_of_known_unchanged_headlines() -> None:
    known = {"a": "Tin A", "b": "Tin B", "c": None}
    assert only_known([("a", "Tin A"), ("b", "Tin B")], known)
    assert only_known([("a", ""), ("c", "")], known), "no headline to compare: known is enough"
    assert not only_known([("a", "Tin A"), ("d", "Tin D")], known)
    assert not only_known([("a", "Tin A đã sửa")], known), "a changed headline is news"
    assert not only_known([], known)


# ---- RSS and Atom ----------------------------------------------------------------------------

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Tài chính</title><link>https://congthuong.vn/</link>
<item><title>Giá vàng hôm nay</title><link>https://congthuong.vn/gia-vang-hom-nay-390001.html</link>
<pubDate>Mon, 25 Nov 2024 05:05:00 +0700</pubDate></item>
<item><title>Tỷ giá</title><link>/ty-gia-390002.html</link></item>
<item><title>No link</title></item>
</channel></rss>""".encode()

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Sở Công Thương</title><id>urn:x</id>
<updated>2024-11-25T10:00:00+07:00</updated>
<entry><title>Hội chợ OCOP</title><link href="https://sct.vn/tin/hoi-cho-ocop.html"/><id>urn:1</id>
<published>2024-11-20T08:00:00+07:00</published><updated>2024-11-25T09:30:00+07:00</updated></entry>
</feed>""".encode()


def test_an_rss_feed_gives_links_titles_and_dates() -> None:
    entries = parse_feed(RSS, "https://congthuong.vn/rss/tai-chinh.rss")

    assert [(e.url, e.title) for e in entries] == [
        ("https://congthuong.vn/gia-vang-hom-nay-390001.html", "Giá vàng hôm nay"),
        ("https://congthuong.vn/ty-gia-390002.html", "Tỷ giá"),
    ]
    assert entries[0].published == datetime(2024, 11, 24, 22, 5, tzinfo=UTC)
    assert entries[1].published is None


def test_an_atom_feed_gives_its_updated_time_as_the_change_time() -> None:
    [entry] = parse_feed(ATOM, "https://sct.vn/feed.atom", "application/atom+xml")

    assert (entry.url, entry.title) == ("https://sct.vn/tin/hoi-cho-ocop.html", "Hội chợ OCOP")
    assert entry.published == datetime(2024, 11, 20, 1, 0, tzinfo=UTC)
    assert entry.modified == datetime(2024, 11, 25, 2, 30, tzinfo=UTC)


def test_a_page_that_is_no_feed_is_an_error() -> None:
    with pytest.raises(ListingError, match="not an RSS or Atom feed"):
        parse_feed(b"<html><body>503 Service Unavailable</body></html>", "https://congthuong.vn/rss/x.rss")


# ---- sitemaps --------------------------------------------------------------------------------

INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://moit.gov.vn/sitemaps/2024-10.xml</loc><lastmod>2024-10-31T10:00:00+07:00</lastmod></sitemap>
<sitemap><loc>https://moit.gov.vn/sitemaps/2024-11.xml</loc><lastmod>2024-11-25T05:05:00+07:00</lastmod></sitemap>
<sitemap><loc>https://moit.gov.vn/sitemaps/misc.xml</loc></sitemap>
</sitemapindex>"""

URLSET = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://moit.gov.vn/tin-tuc/a.html</loc><lastmod>2024-11-25</lastmod>
<news:news><news:publication_date>2024-11-24T08:00:00+07:00</news:publication_date>
<news:title>Bộ Công Thương họp</news:title></news:news></url>
<url><loc>https://moit.gov.vn/tin-tuc/b.html</loc>
<image:image xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
<image:loc>https://moit.gov.vn/anh.jpg</image:loc><image:title>Quang cảnh hội nghị</image:title>
</image:image></url>
<url><lastmod>2024-11-25</lastmod></url>
</urlset>""".encode()


def test_a_sitemap_index_names_its_sitemaps_with_their_lastmod() -> None:
    sitemap = parse_sitemap(INDEX)

    assert sitemap.kind == "index"
    assert [e.url.rsplit("/", 1)[1] for e in sitemap.entries] == ["2024-10.xml", "2024-11.xml", "misc.xml"]
    assert sitemap.entries[1].modified == datetime(2024, 11, 25, 5, 5, tzinfo=LOCAL_TZ)


def test_a_url_set_gives_articles_with_lastmod_and_news_titles_even_gzipped() -> None:
    for body in (URLSET, gzip.compress(URLSET)):
        sitemap = parse_sitemap(body)
        assert sitemap.kind == "urlset"
        first, second = sitemap.entries
        assert (first.url, first.title) == ("https://moit.gov.vn/tin-tuc/a.html", "Bộ Công Thương họp")
        assert first.modified == datetime(2024, 11, 25, tzinfo=LOCAL_TZ)
        assert first.published == datetime(2024, 11, 24, 8, tzinfo=LOCAL_TZ)
        assert (second.url, second.title, second.modified) == ("https://moit.gov.vn/tin-tuc/b.html", "", None)


@pytest.mark.parametrize(("body", "reason"), [
    (b"<html><body>Not found</body></html>", "not a sitemap"),
    (b"", "not XML"),
    (b"\x1f\x8b garbage", "broken gzip sitemap"),
])
def test_what_is_no_sitemap_is_an_error(body: bytes, reason: str) -> None:
    with pytest.raises(ListingError, match=reason):
        parse_sitemap(body)


def test_only_sitemaps_changed_since_the_last_check_are_followed_newest_first() -> None:
    children = parse_sitemap(INDEX).entries
    since = datetime(2024, 11, 1, tzinfo=UTC)

    assert [c.url[-11:] for c in sitemaps_to_follow(children, None, 10)] == [
        "ps/misc.xml", "2024-11.xml", "2024-10.xml"]
    assert [c.url[-11:] for c in sitemaps_to_follow(children, since, 10)] == ["ps/misc.xml", "2024-11.xml"]
    assert len(sitemaps_to_follow(children, None, 2)) == 2


def test_a_known_article_is_fetched_again_only_when_its_lastmod_is_newer_than_its_check() -> None:
    checked = datetime(2024, 11, 25, tzinfo=UTC)
    edited = ListingEntry("https://moit.gov.vn/a.html", modified=checked + timedelta(minutes=1))
    untouched = ListingEntry("https://moit.gov.vn/b.html", modified=checked - timedelta(days=30))
    undated = ListingEntry("https://moit.gov.vn/c.html")

    assert needs_fetch(edited, known=True, last_checked=checked)
    assert not needs_fetch(untouched, known=True, last_checked=checked)
    assert not needs_fetch(undated, known=True, last_checked=checked)
    assert needs_fetch(untouched, known=False, last_checked=None), "unknown: always fetched"
    assert needs_fetch(undated, known=True, last_checked=None), "listed before, never fetched"
