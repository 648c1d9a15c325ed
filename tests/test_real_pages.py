"""Real pages saved from sites newswatch has no profile for: every field as a careful reader reads it.

The pages live in ../shared/real-pages/ (never copied here); the ground truth below is its README's.
Everything runs with no site profile: this is what newswatch reads on a site before anyone writes one.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from crawler.extract import read_article, read_listing
from crawler.profile import Selectors
from crawler.records import Article
from tests.real_pages import ARTICLES, LISTING_FILE, LISTING_URL, REAL_PAGES, Truth, prose

NO_PROFILE = Selectors()

pytestmark = pytest.mark.skipif(not REAL_PAGES.is_dir(), reason=f"{REAL_PAGES} is absent (shared real pages)")


@pytest.fixture(scope="module", params=ARTICLES, ids=lambda t: t.file.split("-")[0])
def case(request: pytest.FixtureRequest) -> tuple[Truth, Article]:
    truth: Truth = request.param
    html = (REAL_PAGES / truth.file).read_text(encoding="utf-8")
    return truth, read_article(html, truth.url, NO_PROFILE)


def test_title(case: tuple[Truth, Article]) -> None:
    truth, article = case
    assert article.title == truth.title


def test_published_to_the_minute_in_vietnamese_time(case: tuple[Truth, Article]) -> None:
    truth, article = case
    assert article.published_at is not None
    assert article.published_at.replace(second=0, microsecond=0) == truth.published
    assert article.published_at.utcoffset() == timedelta(hours=7)


def test_lead(case: tuple[Truth, Article]) -> None:
    truth, article = case
    assert article.lead == truth.lead


def test_body_first_and_last_prose_blocks(case: tuple[Truth, Article]) -> None:
    truth, article = case
    blocks = prose(article.body)
    assert blocks[0].startswith(truth.first)
    assert blocks[-1].startswith(truth.last[0]) and blocks[-1].endswith(truth.last[1])


def test_what_is_not_body_text_stays_out(case: tuple[Truth, Article]) -> None:
    truth, article = case
    for text in truth.not_body:
        assert text not in article.body
    assert article.lead not in article.body.split("\n\n")
    assert article.title not in article.body.split("\n\n")


def test_author_is_a_person_or_none(case: tuple[Truth, Article]) -> None:
    truth, article = case
    assert article.author == truth.author


def test_related_items_from_every_block_in_page_order(case: tuple[Truth, Article]) -> None:
    truth, article = case
    assert len(article.related) == truth.related
    for index, title in truth.related_at:
        assert article.related[index].title == title
    host = urlsplit(truth.url).hostname
    assert all(urlsplit(link.url).hostname == host and link.url != truth.url for link in article.related)
    assert len({link.url for link in article.related}) == len(article.related)


def test_every_field_names_its_source(case: tuple[Truth, Article]) -> None:
    _, article = case
    for name in ("title", "lead", "body", "published_at"):
        assert article.sources[name].startswith(("generic: ", "json-ld", "meta ")), name
    assert ("author" in article.sources) == (article.author is not None)
    assert ("related" in article.sources) == bool(article.related)


# --- the section listing -------------------------------------------------------------------------



def test_listing_gives_the_sections_24_links_in_order_and_no_next_page() -> None:
    listing = read_listing((REAL_PAGES / LISTING_FILE).read_text(encoding="utf-8"), LISTING_URL, NO_PROFILE)

    titles = [item.title for item in listing.items]
    assert len(titles) == 24
    assert titles[0] == "Mỗi giáo viên mầm non không kiêm nhiệm quá 2 nhiệm vụ"
    assert listing.items[0].url == (
        "https://baochinhphu.vn/moi-giao-vien-mam-non-khong-kiem-nhiem-qua-2-nhiem-vu-102260305092012481.htm")
    assert titles[6] == "Quy định mới về đấu giá hạn ngạch thuế quan nhập khẩu ô tô đã qua sử dụng"
    assert titles[-1] == "Quy định giám sát thi công Đề án thăm dò khoáng sản"
    # not the breadcrumb's sub-category, not the right-hand box of another section
    assert "Tham vấn chính sách" not in titles
    assert "Hoàn thiện quy định về phát ngôn, cung cấp thông tin cho báo chí" not in titles
    assert listing.next_page is None
    assert listing.sources == {"items": "generic: headline links"}


# --- kinds of markup these pages show --------------------------------------------------------------


def test_a_page_ending_at_body_without_html_is_complete() -> None:
    truth = ARTICLES[-1]
    html = (REAL_PAGES / truth.file).read_text(encoding="utf-8")
    assert html.rstrip().endswith("</body>") and "</html>" not in html

    assert read_article(html, truth.url, NO_PROFILE).title == truth.title


def test_double_escaped_json_ld_is_decoded_once_more() -> None:
    truth = ARTICLES[3]
    html = (REAL_PAGES / truth.file).read_text(encoding="utf-8")
    assert "Chi&amp;#7871;n s&amp;#7921;" in html
    # without the visible headline and lead, the JSON-LD ones are used, decoded
    html = re.sub(r"<h1[^>]*>.*?</h1>|<h2 class=\"detail-sapo\".*?</h2>", "", html, flags=re.S)
    html = re.sub(r'<meta property="og:(title|description)"[^>]*>', "", html)

    article = read_article(html, truth.url, NO_PROFILE)

    assert article.title == truth.title
    assert article.lead == truth.lead
    assert "&#" not in article.title + article.lead
