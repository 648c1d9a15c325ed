"""The site replica itself: what integration tests rely on when they crawl it."""

from __future__ import annotations

import tomllib
import unicodedata
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email.message import Message

import pytest
from parsel import Selector

from replica import (
    VN_TZ,
    ReplicaServer,
    ReplicaSite,
    build_site,
    congthuong_profile_toml,
    date_line,
    expected,
    portal_metadata_time,
    portal_profile_toml,
)


@dataclass
class Fetched:
    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def page(self) -> Selector:
        return Selector(text=unicodedata.normalize("NFC", self.text))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, method: str = "GET", **headers: str) -> Fetched:
    request = urllib.request.Request(url, method=method, headers={
        "User-Agent": "replica-test", **{k.replace("_", "-"): v for k, v in headers.items()}})
    try:
        with _opener.open(request, timeout=5) as response:
            return Fetched(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Fetched(error.code, error.headers, error.read())


@pytest.fixture
def site() -> ReplicaSite:
    return build_site(45, seed=7)


@pytest.fixture
def server(site: ReplicaSite) -> Iterator[ReplicaServer]:
    with ReplicaServer(site) as running:
        yield running


@pytest.fixture
def portal() -> Iterator[ReplicaServer]:
    with ReplicaServer(build_site(25, theme="portal", seed=3, page_size=10)) as running:
        yield running


def _listing_paths(page: Selector) -> list[str]:
    return page.css("div.bx-cat-content h3.article-title a::attr(href)").getall()


# --- listings -----------------------------------------------------------------------------------

def test_congthuong_listing_pages_newest_first_by_offset(site, server):
    first = fetch(server.url("/khuyen-cong"))
    assert first.status == 200
    assert first.headers["Content-Type"] == "text/html; charset=utf-8"
    assert _listing_paths(first.page) == [a.url_path for a in site.listing()[:20]]
    next_href = first.page.css("div.pagination a.next-page[rel=next]::attr(href)").get()
    assert next_href == "/khuyen-cong?s_cond=&BRSR=20"

    last = fetch(server.url("/khuyen-cong?s_cond=&BRSR=40"))
    assert _listing_paths(last.page) == [a.url_path for a in site.listing()[40:]]
    assert last.page.css("a.next-page").get() is None


def test_portal_listing_pages_by_query(portal):
    site = portal.site
    first = fetch(portal.url("/tin-tuc/khuyen-cong")).page
    assert first.css("ul.list-news a.news-title::attr(href)").getall() == [
        a.url_path for a in site.listing_page(1)]
    assert first.css("a.page-next::attr(href)").get() == "?page=2"
    third = fetch(portal.url("/tin-tuc/khuyen-cong?page=3")).page
    assert third.css("ul.list-news a.news-title::text").getall() == [
        a.title for a in site.listing()[20:]]
    assert third.css("a.page-next").get() is None


# --- article pages ------------------------------------------------------------------------------

def test_congthuong_article_page_carries_clock_title_and_related(site, server):
    article = site.listing()[3]
    want = expected(article)
    page = fetch(server.url(article)).page
    assert page.css("div.header-clock::text").get() == "Thứ hai 25/11/2024 05:05"
    assert page.css("h1.article-detail-title::text").get() == want["title"]
    assert page.css(".article-detail-desc::text").get() == want["lead"]
    assert page.css(".article-detail-author::text").get() == want["author"]
    assert page.css("#articleBody > p::text").getall() == want["paragraphs"]
    assert page.css("#articleBody figcaption::text").getall() == want["captions"]
    assert page.css(".related-news a.related-title::text").getall() == want["related"]
    assert want["related"] == [a.title for a in site.listing()[:6] if a.id != article.id][:5]
    assert page.css(".breadcrumb a:last-child::text").get() == want["category"]
    date = page.css(".article-date::text").get()
    assert date.startswith(date_line(article.date_style, article.published)[:10])


def test_seed_article_is_served_with_its_real_text(site, server):
    seed = site.article(263055)
    page = fetch(server.url("/bo-cong-thuong-to-chuc-hoi-nghi-ve-san-xuat-va-tieu-dung-ben-vung-2023"
                            "-263055.html")).page
    assert page.css("h1::text").get() == seed.title
    assert page.css(".article-detail-author::text").get() == "Đức Thảo"
    assert "Các đại biểu trao đổi tại Hội nghị" in page.css("figcaption::text").getall()


def test_metadata_only_on_pages_that_have_it(site, server):
    with_meta = next(a for a in site.listing() if a.with_metadata)
    without = next(a for a in site.listing() if not a.with_metadata)
    page = fetch(server.url(with_meta)).page
    assert page.css('meta[property="article:published_time"]::attr(content)').get() == (
        with_meta.published.isoformat())
    assert '"@type": "NewsArticle"' in page.css('script[type="application/ld+json"]::text').get()
    bare = fetch(server.url(without)).page
    assert bare.css('meta[property="article:published_time"]').get() is None
    assert bare.css('script[type="application/ld+json"]').get() is None


def test_portal_article_hides_author_and_dates_metadata_later(portal):
    site = portal.site
    article = next(a for a in site.listing() if a.with_metadata)
    page = fetch(portal.url(article)).page
    assert page.css("div.block-core-a5 h1.article-title::text").get() == article.title
    assert page.css('meta[name="DC.Creator"]::attr(content)').get() == article.author
    assert page.css("span.post-date::text").get() == date_line(article.date_style,
                                                               article.published)
    meta = page.css('meta[property="article:published_time"]::attr(content)').get()
    assert meta.endswith("+0700")
    assert datetime.strptime(meta, "%Y-%m-%dT%H:%M:%S%z") == portal_metadata_time(article)
    assert portal_metadata_time(article) > article.published
    assert page.css("div.frame-tinlquan div.article-title a::text").getall() == (
        expected(article)["related"])
    assert page.css("td.image-caption::text").getall() == expected(article)["captions"]


def test_nfd_articles_are_served_decomposed(site, server):
    article = next(a for a in site.listing() if a.nfd)
    raw = fetch(server.url(article)).text
    assert article.title not in raw
    assert unicodedata.normalize("NFD", article.title) in raw


def test_date_styles_match_the_sites_and_name_the_right_weekday():
    assert date_line("gmt7", datetime(2024, 6, 17, 1, 28, tzinfo=VN_TZ)) == (
        "Thứ hai, 17/06/2024 01:28 (GMT+7)")
    assert date_line("clock", datetime(2024, 11, 25, 5, 5, tzinfo=VN_TZ)) == (
        "Thứ hai 25/11/2024 05:05")
    assert date_line("time_first", datetime(2021, 11, 30, 15, 37, tzinfo=VN_TZ)) == (
        "15:37 | 30/11/2021")
    assert date_line("seconds", datetime(2019, 9, 22, 2, 16, 58, tzinfo=VN_TZ)) == (
        "Chủ Nhật, 22/09/2019, 02:16:58")
    assert date_line("ampm_views", datetime(2017, 10, 25, 8, 39, tzinfo=VN_TZ), 4395) == (
        "08:39 AM 25/10/2017 | Lượt xem: 4395 | In bài viết |")
    assert date_line("portal", datetime(2026, 1, 29, 14, 44, tzinfo=VN_TZ)) == (
        "Thứ 5, 29/01/2026 | 14:44")


# --- mutations ----------------------------------------------------------------------------------

def test_add_article_becomes_newest_and_joins_related_blocks(site, server):
    older = site.listing()[0]
    added = site.add_article()
    assert site.listing()[0] is added
    assert added.published > older.published and site.now > added.published
    assert _listing_paths(fetch(server.url("/khuyen-cong")).page)[0] == added.url_path
    assert expected(older)["related"][0] == added.title


def test_edit_title_reshapes_slug_but_old_url_still_serves(site, server):
    article = site.listing()[5]
    old_url = server.url(article)
    site.edit_title(article.id, "Hà Nam: Khuyến công hỗ trợ làng nghề mây tre đan")
    assert article.url_path == f"/ha-nam-khuyen-cong-ho-tro-lang-nghe-may-tre-dan-{article.id}.html"
    for url in (old_url, server.url(article)):
        page = fetch(url).page
        assert page.css("h1::text").get() == "Hà Nam: Khuyến công hỗ trợ làng nghề mây tre đan"
        assert page.css('link[rel="canonical"]::attr(href)').get() == article.url_path


def test_portal_edit_title_keeps_slug(portal):
    article = portal.site.listing()[0]
    path = article.url_path
    portal.site.edit_title(article.id, "Tiêu đề mới của bài viết")
    assert article.url_path == path
    assert fetch(portal.url(path)).page.css("h1::text").get() == "Tiêu đề mới của bài viết"


@pytest.mark.parametrize("old_url, status", [("301", 301), ("404", 404)])
def test_portal_retitle_moves_the_article_to_a_new_slug(portal, old_url, status):
    article = portal.site.listing()[0]
    old_path, body = article.url_path, list(article.paragraphs)
    portal.site.retitle(article.id, "Tiêu đề mới của bài viết", old_url=old_url)
    assert article.url_path == "/tin-tuc/tieu-de-moi-cua-bai-viet.html"
    reply = fetch(portal.url(old_path))
    assert reply.status == status
    if status == 301:
        assert reply.headers["Location"] == portal.url(article.url_path)
    page = fetch(portal.url(article)).page
    assert page.css("h1::text").get() == "Tiêu đề mới của bài viết"
    assert page.css('link[rel="canonical"]').get() is None
    assert article.paragraphs == body
    listed = fetch(portal.url("/tin-tuc/khuyen-cong")).page.css("ul.list-news a.news-title::attr(href)")
    assert listed.getall()[0] == article.url_path


def test_portal_retitle_may_keep_the_old_url_canonical(portal):
    article = portal.site.listing()[0]
    old_path = article.url_path
    portal.site.retitle(article.id, "Tiêu đề mới của bài viết", canonical_old=True)
    page = fetch(portal.url(article)).page
    assert page.css('link[rel="canonical"]::attr(href)').get() == old_path
    with pytest.raises(ValueError, match="portal"):
        build_site(3).retitle(build_site(3).listing()[0].id, "x")


def test_edit_body_changes_one_sentence(site, server):
    article = site.listing()[2]
    before = list(article.paragraphs)
    site.edit_body(article.id)
    changed = [i for i, (a, b) in enumerate(zip(before, article.paragraphs, strict=True)) if a != b]
    assert len(changed) == 1
    assert article.modified is not None
    assert fetch(server.url(article)).page.css("#articleBody > p::text").getall() == (
        article.paragraphs)


@pytest.mark.parametrize("mode, status", [("404", 404), ("410", 410), ("redirect", 302)])
def test_removed_articles(site, server, mode, status):
    article = site.listing()[1]
    site.remove(article.id, mode)
    reply = fetch(server.url(article))
    assert reply.status == status
    if mode == "redirect":
        assert reply.headers["Location"] == server.url("/khuyen-cong")
    assert article.url_path not in _listing_paths(fetch(server.url("/khuyen-cong")).page)
    assert article.title not in expected(site.listing()[0])["related"]


def test_injected_failures_then_recovery(site, server):
    article = site.listing()[0]
    site.fail(article.id, status=503, times=2)
    site.fail("/khuyen-cong", status=500)
    assert [fetch(server.url(article)).status for _ in range(3)] == [503, 503, 200]
    assert fetch(server.url("/khuyen-cong?s_cond=&BRSR=20")).status == 500
    assert fetch(server.url("/khuyen-cong")).status == 500
    site.clear_faults()
    assert fetch(server.url("/khuyen-cong")).status == 200


def test_truncated_page_has_matching_length_and_stops_inside_body(site, server):
    article = site.listing()[0]
    site.truncate(article.id)
    cut = fetch(server.url(article))
    assert cut.status == 200
    assert int(cut.headers["Content-Length"]) == len(cut.body)
    assert 'id="articleBody"' in cut.text
    assert "article-detail-author" not in cut.text and "</html>" not in cut.text
    assert fetch(server.url(article)).text.rstrip().endswith("</html>")


def test_conditional_get_answers_304_until_content_changes(site, server):
    site.conditional = True
    article = site.listing()[0]
    first = fetch(server.url(article))
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag and last_modified
    assert fetch(server.url(article), If_None_Match=etag).status == 304
    assert fetch(server.url(article), If_Modified_Since=last_modified).status == 304
    site.touch_volatile()
    assert fetch(server.url(article), If_None_Match=etag).status == 304
    site.edit_body(article.id)
    again = fetch(server.url(article), If_None_Match=etag)
    assert again.status == 200 and again.headers["ETag"] != etag
    assert fetch(server.url(article), If_Modified_Since=last_modified).status == 200


def test_touch_volatile_changes_the_bytes_but_not_the_content(site, server):
    article = site.listing()[4]
    before = fetch(server.url(article))
    site.touch_volatile()
    after = fetch(server.url(article))
    assert before.body != after.body
    assert after.page.css("div.header-clock::text").get() == "Thứ hai 25/11/2024 05:35"
    for css in ("h1::text", ".article-detail-desc::text", "#articleBody > p::text"):
        assert [t.strip() for t in after.page.css(css).getall()] == (
            [t.strip() for t in before.page.css(css).getall()])
    links = [fetch(server.url("/khuyen-cong")).text]
    links += [fetch(server.url(a)).text for a in site.listing()[:10]]
    assert any("utm_source=home" in text for text in links)


def test_views_count_per_get_not_per_head(site, server):
    article = site.listing()[0]
    start = site.views[article.id]
    fetch(server.url(article))
    head = fetch(server.url(article), method="HEAD")
    assert head.status == 200 and head.body == b""
    assert site.views[article.id] == start + 1


def test_request_log_records_method_path_and_headers(site, server):
    fetch(server.url("/khuyen-cong?s_cond=&BRSR=20"), If_None_Match='"x"')
    method, path, headers = site.request_log[-1]
    assert (method, path) == ("GET", "/khuyen-cong?s_cond=&BRSR=20")
    assert headers["User-Agent"] == "replica-test" and headers["If-None-Match"] == '"x"'
    assert site.hits("/khuyen-cong") == 1


def test_robots_and_unknown_paths(server):
    robots = fetch(server.url("/robots.txt"))
    assert robots.status == 200 and robots.text == "User-agent: *\nDisallow: /admin/\n"
    assert fetch(server.url("/admin/")).status == 404
    assert fetch(server.url("/khong-co-bai-nay-1.html")).status == 404


# --- construction and profiles ------------------------------------------------------------------

def test_build_site_is_deterministic():
    one, two = build_site(60, seed=5), build_site(60, seed=5)
    assert one.articles == two.articles
    assert build_site(60, seed=6).articles != one.articles


def test_build_site_scales_to_two_thousand_articles():
    for theme in ("congthuong", "portal"):
        big = build_site(2000, theme=theme)
        assert len(big.articles) == 2000
        assert len({a.url_path for a in big.articles.values()}) == 2000
        assert len(big.listing_page(100)) == 20 and big.listing_page(101) == []
        assert {a.date_style for a in big.articles.values()} == set(big.layout.date_styles)


def test_profiles_point_at_the_replica():
    portal = tomllib.loads(portal_profile_toml("http://127.0.0.1:8123"))["sites"]["portal"]
    assert portal["start_urls"] == ["http://127.0.0.1:8123/tin-tuc/khuyen-cong"]
    assert portal["allowed_domains"] == ["127.0.0.1"] and portal["article_id_pattern"] == ""
    assert set(portal["selectors"]) >= {"article_links", "next_page", "title", "published",
                                        "lead", "body", "author", "related", "category", "drop"}
    text = congthuong_profile_toml("http://127.0.0.1:8123", name="replica", max_pages=2)
    replica = tomllib.loads(text)["sites"]["replica"]
    assert replica["start_urls"] == ["http://127.0.0.1:8123/khuyen-cong"]
    assert replica["max_pages"] == 2 and replica["article_id_pattern"] == r"-(\d+)\.html$"
    assert replica["selectors"]["title"].startswith("h1.article-detail-title")
