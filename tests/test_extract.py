"""Extraction of articles and listings from the markup congthuong.vn and moit.gov.vn serve."""

from __future__ import annotations

import dataclasses
import logging
import re
import tomllib
import unicodedata
import urllib.request
from datetime import datetime
from pathlib import Path
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import pytest

from crawler.extract import check_selectors, extract_article, extract_listing
from crawler.profile import Selectors
from crawler.records import Article, ExtractionError
from crawler.urls import canonical_url
from replica import CONGTHUONG_MARKUPS, ReplicaServer, build_site, expected
from replica.content import SEED_HEADLINES
from replica.profiles import PORTAL_SELECTORS

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "extract"
SEED = ROOT.parent / "shared" / "seed" / "article-congthuong-263055.txt"
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
FETCHED = datetime(2024, 11, 25, 5, 5, tzinfo=HCM)  # what the header clock on the pages shows

ARTICLE_URL = (
    "https://congthuong.vn/bo-cong-thuong-to-chuc-hoi-nghi-ve-san-xuat-va-tieu-dung-ben-vung-2023-263055.html"
)
TITLE = "Bộ Công Thương tổ chức Hội nghị về sản xuất và tiêu dùng bền vững 2023"
LEAD = (
    "Năm 2023, Bộ Công Thương tiếp tục phối hợp triển khai các nhiệm vụ về thúc đẩy sản xuất và tiêu "
    "dùng bền vững, hướng đến nền kinh tế tuần hoàn tại Việt Nam."
)
CAPTIONS = [
    "Đại diện Vụ Tiết kiệm năng lượng và Phát triển bền vững (Bộ Công Thương) trình bày tham luận",
    "Các đại biểu trao đổi tại Hội nghị",
]
# The seed page's related headlines, as the replica also uses them.
RELATED_TITLES = list(SEED_HEADLINES)
FURNITURE = ["25/11/2024", "Lượt xem", "4395", "In bài viết", "Chia sẻ", "Facebook", "Quảng cáo",
             "loadAds", "Tin nổi bật", "Giá xăng dầu", "Giấy phép", "Tin cùng chuyên mục"]

PORTAL = Selectors(**PORTAL_SELECTORS)  # the moit.gov.vn-like portal theme's own profile


def builtin(site: str) -> Selectors:
    """A built-in profile, as a user gets it without a config file."""
    config = tomllib.loads((ROOT / "monitor" / "defaults.toml").read_text(encoding="utf-8"))
    return Selectors(**config["sites"][site]["selectors"])


@pytest.fixture(scope="module")
def congthuong() -> Selectors:
    return builtin("congthuong")


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def text_fields(article: Article) -> list[str]:
    return [article.title, article.lead, article.body, article.body_html, article.author or "",
            article.category or "", *(image.caption for image in article.images),
            *(link.title for link in article.related)]


def seed_body() -> list[str]:
    """The seed's body paragraphs: between the lead and the byline, captions left out."""
    if not SEED.exists():
        pytest.skip(f"{SEED} is absent (the shared seed article)")
    blocks = [b.strip() for b in SEED.read_text(encoding="utf-8").split("\n\n") if b.strip()]
    return [b for b in blocks[3:blocks.index("Đức Thảo")] if b not in CAPTIONS]


def page(head: str = "", body: str = "") -> str:
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"


LONG_PARAGRAPH = "<p>" + "Bộ Công Thương tổ chức hội nghị về sản xuất và tiêu dùng bền vững. " * 3 + "</p>"


# --- the seed article on the current congthuong theme -----------------------------------------


def test_seed_page_gives_the_article_as_a_reader_sees_it(congthuong: Selectors) -> None:
    article = extract_article(fixture("congthuong-263055.html"), ARTICLE_URL, congthuong, now=FETCHED)

    assert article.url == ARTICLE_URL
    assert article.title == TITLE
    assert article.lead == LEAD
    assert article.author == "Đức Thảo"
    assert article.category == "Khuyến công"
    assert article.body.split("\n\n") == seed_body()
    assert [image.caption for image in article.images] == CAPTIONS
    assert article.images[0].url == "https://cdn-i2.congthuong.vn/upload/2023/07/19/hoi-nghi-1.jpg"
    assert all(caption not in article.body for caption in CAPTIONS)
    assert "Đức Thảo" not in article.body


def test_publication_date_comes_from_the_article_not_the_header_clock(congthuong: Selectors) -> None:
    article = extract_article(fixture("congthuong-263055.html"), ARTICLE_URL, congthuong, now=FETCHED)

    assert article.published_at == datetime(2023, 7, 19, 20, 15, tzinfo=HCM)
    assert article.published_at.utcoffset().total_seconds() == 7 * 3600
    assert article.modified_at is None


def test_related_headlines_in_page_order_with_canonical_urls(congthuong: Selectors) -> None:
    article = extract_article(fixture("congthuong-263055.html"), ARTICLE_URL, congthuong, now=FETCHED)

    assert [link.title for link in article.related] == RELATED_TITLES
    assert article.related[0].url == (
        "https://congthuong.vn/binh-duong-nhieu-giai-phap-phat-trien-san-pham-cong-nghiep-nong-thon-tieu-bieu-359870.html"
    )
    article_url = re.compile(r"https://congthuong\.vn/[a-z0-9-]+-\d+\.html")
    assert all(article_url.fullmatch(link.url) for link in article.related)


def test_page_furniture_never_enters_a_stored_field(congthuong: Selectors) -> None:
    article = extract_article(fixture("congthuong-263055.html"), ARTICLE_URL, congthuong, now=FETCHED)

    for value in text_fields(article):
        for furniture in FURNITURE:
            assert furniture not in value


def test_body_html_keeps_structure_and_drops_scripts_handlers_and_attributes(congthuong: Selectors) -> None:
    html = fixture("congthuong-263055.html")
    assert "onclick=" in html and "<script>" in html

    body_html = extract_article(html, ARTICLE_URL, congthuong, now=FETCHED).body_html

    assert body_html.startswith("<p>Chiều ngày 19/7")
    assert "<script" not in body_html and "loadAds" not in body_html
    assert "onclick" not in body_html and "style=" not in body_html and "class=" not in body_html
    assert "javascript:" not in body_html
    assert (
        '<figure><img src="https://cdn-i2.congthuong.vn/upload/2023/07/19/hoi-nghi-2.jpg" alt="">'
        "<figcaption>Các đại biểu trao đổi tại Hội nghị</figcaption></figure>"
    ) in body_html
    assert set(re.findall(r"<(\w+)", body_html)) <= {"p", "figure", "img", "figcaption"}


def test_sanitiser_keeps_only_the_allowed_tags_and_attributes() -> None:
    body = (
        '<div id="articleBody"><h1>Tiêu đề phụ</h1><p class="x" onmouseover="evil()">Đoạn <b>đậm</b> '
        '<a href="/tin-tuc/a.html" target="_blank" onclick="go()">liên kết</a> '
        '<a href="javascript:alert(1)">lừa</a></p><ul><li>Một</li></ul>'
        '<table border="1"><tbody><tr><th>Chỉ tiêu</th><td>475 tỷ USD</td></tr></tbody></table>'
        '<iframe src="https://ads.example/x"></iframe><style>p{}</style><form><input name="q"></form>'
        '<img src="data:image/gif;base64,R0lGOD" data-src="/anh/1.jpg" alt="Ảnh" onerror="x()"></div>'
    )
    html = page("<title>t</title>", f"<h1 class='article-detail-title'>Tiêu đề</h1>{body}")

    article = extract_article(html, "https://congthuong.vn/a-1.html", Selectors(body="#articleBody"))

    assert article.body_html == (
        '<h2>Tiêu đề phụ</h2><p>Đoạn <b>đậm</b> <a href="https://congthuong.vn/tin-tuc/a.html">liên kết</a> '
        "lừa</p><ul><li>Một</li></ul><table><tr><th>Chỉ tiêu</th><td>475 tỷ USD</td></tr></table>"
        '<img src="https://congthuong.vn/anh/1.jpg" alt="Ảnh">'
    )


CAPTION = "Các đại biểu trao đổi tại Hội nghị"


@pytest.mark.parametrize(
    "photo",
    [
        f'<figure class="image"><img src="/a.jpg" alt=""><figcaption>{CAPTION}</figcaption></figure>',
        f'<table class="image"><tr><td><img src="/a.jpg"></td></tr><tr><td>{CAPTION}</td></tr></table>',
        f'<div class="photo"><img src="/a.jpg"><p class="image-caption">{CAPTION}</p></div>',
        f'<p><img src="/a.jpg" alt="{CAPTION}"></p>',
    ],
)
def test_photo_captions_go_to_images_not_body(photo: str, congthuong: Selectors) -> None:
    body = f'<h1 class="article-detail-title">{TITLE}</h1><div id="articleBody">{LONG_PARAGRAPH}{photo}</div>'

    article = extract_article(page(body=body), ARTICLE_URL, congthuong)

    assert [(i.url, i.caption) for i in article.images] == [("https://congthuong.vn/a.jpg", CAPTION)]
    assert CAPTION not in article.body


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Thứ hai, 17/06/2024 01:28 (GMT+7)", datetime(2024, 6, 17, 1, 28, tzinfo=HCM)),
        ("Chủ Nhật, 22/09/2019, 02:16:58", datetime(2019, 9, 22, 2, 16, 58, tzinfo=HCM)),
        ("15:37 | 30/11/2021", datetime(2021, 11, 30, 15, 37, tzinfo=HCM)),
        ("08:39 AM 25/10/2017 |   Lượt xem: 4395 |   In bài viết |",
         datetime(2017, 10, 25, 8, 39, tzinfo=HCM)),
    ],
)
def test_date_lines_of_every_generation(line: str, expected: datetime, congthuong: Selectors) -> None:
    body = (
        '<header class="header"><div class="header-clock">Thứ hai 25/11/2024 05:05</div></header>'
        f'<h1 class="article-detail-title">{TITLE}</h1><div class="bx-time">{line}</div>'
        f'<div id="articleBody">{LONG_PARAGRAPH}</div>'
    )

    assert extract_article(page(body=body), ARTICLE_URL, congthuong, now=FETCHED).published_at == expected


def test_date_element_found_by_its_class_when_no_selector_or_metadata_matches(congthuong: Selectors) -> None:
    body = (
        '<div class="top"><span class="time-now">Thứ hai 25/11/2024 05:05</span></div>'
        f'<div class="detail"><h1>{TITLE}</h1><span class="ngay-dang">Thứ hai, 17/06/2024 01:28</span>'
        f'<div class="content">{LONG_PARAGRAPH}</div></div>'
    )

    article = extract_article(page(body=body), ARTICLE_URL, congthuong, now=FETCHED)

    assert article.published_at == datetime(2024, 6, 17, 1, 28, tzinfo=HCM)


# --- stability: one article, one set of fields, however the page was served --------------------


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def reorder_attributes(html: str) -> str:
    def reverse(match: re.Match[str]) -> str:
        attributes = re.findall(r'\s+[\w:-]+="[^"]*"', match.group(2))
        return f"<{match.group(1)}{''.join(reversed(attributes))}>"

    return re.sub(r'<(\w+)((?:\s+[\w:-]+="[^"]*"){2,})\s*>', reverse, html)


def refetched(html: str) -> str:
    """The same article fetched later: another clock and view count, other whitespace, NFD text,
    attributes in another order."""
    html = html.replace("Thứ hai 25/11/2024 05:05", "Thứ ba 26/11/2024 09:41")
    html = html.replace("Lượt xem: 4395", "Lượt xem: 4512")
    html = html.replace("<p>", "\n      <p>  ").replace(", ", ",\u00a0 \n")
    return nfd(reorder_attributes(html))


def test_nfd_page_gives_nfc_fields(congthuong: Selectors) -> None:
    html = fixture("congthuong-263055.html")
    assert nfd(TITLE) != TITLE

    article = extract_article(nfd(html), ARTICLE_URL, congthuong, now=FETCHED)

    assert article.title == TITLE
    assert all(unicodedata.is_normalized("NFC", value) for value in text_fields(article))
    assert article == extract_article(html, ARTICLE_URL, congthuong, now=FETCHED)


def test_refetch_differing_only_in_volatile_details_gives_equal_fields(congthuong: Selectors) -> None:
    html = fixture("congthuong-263055.html")
    again = refetched(html)
    assert "4512" in again and nfd("Thứ ba 26/11/2024") in again and "\u00a0" in again

    first = extract_article(html, ARTICLE_URL, congthuong, now=FETCHED)
    second = extract_article(again, ARTICLE_URL + "?utm_source=zalo", congthuong, now=FETCHED)

    assert dataclasses.replace(second, url=first.url) == first


# --- older pages: the profile's selectors match nothing ---------------------------------------


def test_old_page_falls_back_to_json_ld_and_generic_rules(congthuong: Selectors) -> None:
    article = extract_article(fixture("congthuong-legacy.html"), ARTICLE_URL, congthuong, now=FETCHED)

    assert article.title == TITLE
    assert article.lead == LEAD
    assert article.author == "Đức Thảo"
    assert article.category == "Khuyến công"
    assert article.published_at == datetime(2023, 7, 19, 20, 15, tzinfo=HCM)
    # the page's "Cập nhật: 15:37 | 20/07/2023" wins over JSON-LD dateModified (08:00)
    assert article.modified_at == datetime(2023, 7, 20, 15, 37, tzinfo=HCM)
    assert article.body.split("\n\n") == seed_body()
    assert [image.caption for image in article.images] == CAPTIONS  # table.image captions
    assert article.images[0].url == "https://congthuong.vn/stores/news_dataimages/2023/072023/19/hoi-nghi-1.jpg"
    for value in text_fields(article):
        assert "Lượt xem" not in value and "25/11/2024" not in value


def test_fallback_warns_naming_the_selector_and_the_url(congthuong: Selectors, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="crawler.extract"):
        extract_article(fixture("congthuong-legacy.html"), ARTICLE_URL, congthuong, now=FETCHED)

    messages = [record.getMessage() for record in caplog.records]
    # the page's own <h2 class="detail-title">, which says what the JSON-LD headline says
    assert any(m.startswith("profile selector 'title'") and ARTICLE_URL in m
               and "used generic: title element" in m for m in messages)
    assert any(m.startswith("profile selector 'body'") and "matched nothing" in m for m in messages)


def test_seed_page_logs_no_fallback(congthuong: Selectors, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        extract_article(fixture("congthuong-263055.html"), ARTICLE_URL, congthuong, now=FETCHED)

    assert caplog.records == []


def test_related_block_found_by_its_heading_without_a_selector(congthuong: Selectors) -> None:
    article = extract_article(fixture("congthuong-legacy.html"), ARTICLE_URL, congthuong, now=FETCHED)

    # "TIN LIÊN QUAN:" heads the block; the menu's "Tin khác" link is not a heading; tracking
    # parameters go, and the link back to the article itself (a mobile variant) is left out.
    assert [link.title for link in article.related] == RELATED_TITLES[:5]
    assert article.related[1].url == (
        "https://congthuong.vn/bo-cong-thuong-lay-y-kien-dong-gop-cho-du-thao-nghi-dinh-ve-khuyen-cong-359863.html"
    )
    assert all(link.title not in article.body for link in article.related)


def test_heading_anchored_related_on_the_seed_page_when_the_selector_is_gone(congthuong: Selectors) -> None:
    selectors = dataclasses.replace(congthuong, related="")

    article = extract_article(fixture("congthuong-263055.html"), ARTICLE_URL, selectors, now=FETCHED)

    assert [link.title for link in article.related] == RELATED_TITLES


def test_metadata_only_page_uses_open_graph_and_dublin_core(congthuong: Selectors) -> None:
    head = (
        f'<meta property="og:title" content="{TITLE}"><meta property="og:description" content="{LEAD}">'
        '<meta name="DC.Creator" content="Đức Thảo"><meta name="author" content="Báo Công Thương">'
        '<meta property="article:published_time" content="2023-07-19T20:15:00+0700">'
        '<meta property="article:modified_time" content="2023-07-20T01:00:00Z">'
        '<meta property="article:section" content="Khuyến công">'
        '<meta property="og:image" content="/upload/2023/07/19/hoi-nghi-1.jpg">'
    )
    body = f'<div class="wrap"><div class="content">{LONG_PARAGRAPH}{LONG_PARAGRAPH}</div></div>'

    article = extract_article(page(head, body), ARTICLE_URL, congthuong, now=FETCHED)

    assert (article.title, article.lead, article.author) == (TITLE, LEAD, "Đức Thảo")
    assert article.category == "Khuyến công"
    assert article.published_at == datetime(2023, 7, 19, 20, 15, tzinfo=HCM)
    assert article.modified_at == datetime(2023, 7, 20, 8, 0, tzinfo=HCM)
    assert [image.url for image in article.images] == ["https://congthuong.vn/upload/2023/07/19/hoi-nghi-1.jpg"]


@pytest.mark.parametrize(
    "author_json",
    ['"Đức Thảo"', '{"@type": "Person", "name": "Đức Thảo"}', '[{"@type": "Person", "name": "Đức Thảo"}]'],
)
def test_json_ld_author_as_string_object_or_list(author_json: str) -> None:
    head = f'<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "{TITLE}", ' \
           f'"author": {author_json}}}</script>'

    article = extract_article(page(head, LONG_PARAGRAPH), ARTICLE_URL, Selectors())

    assert (article.title, article.author) == (TITLE, "Đức Thảo")


def test_byline_paragraph_becomes_the_author(congthuong: Selectors) -> None:
    article = extract_article(fixture("congthuong-byline.html"), ARTICLE_URL, congthuong, now=FETCHED)

    assert article.title == TITLE  # the article's <h1>, not the logo's in the page header
    assert article.author == "Đức Thảo"
    assert article.body.split("\n\n") == seed_body()[:3]
    assert "Đức Thảo" not in article.body_html
    assert article.published_at == datetime(2019, 9, 22, 2, 16, 58, tzinfo=HCM)


# --- pages that are not articles ---------------------------------------------------------------


def test_page_without_a_title_is_an_extraction_error(congthuong: Selectors) -> None:
    html = page("<title>Báo Công Thương</title>", f'<div id="articleBody">{LONG_PARAGRAPH}</div>')

    with pytest.raises(ExtractionError) as error:
        extract_article(html, ARTICLE_URL, congthuong)

    assert error.value.url == ARTICLE_URL
    assert error.value.reason.startswith("no title: selector 'h1.article-detail-title, h1.article-title' "
                                         "matched nothing")
    assert "og:title" in error.value.reason


def test_page_without_a_body_is_an_extraction_error(congthuong: Selectors) -> None:
    html = page(body='<h1 class="article-detail-title">Không tìm thấy trang</h1><p>Trang không tồn tại.</p>')

    with pytest.raises(ExtractionError) as error:
        extract_article(html, ARTICLE_URL, congthuong)

    assert error.value.reason.startswith("no body: selector 'div#articleBody")
    assert "matched nothing" in error.value.reason


@pytest.mark.parametrize("html", ["", "   \n"])
def test_empty_page_is_an_extraction_error(html: str, congthuong: Selectors) -> None:
    with pytest.raises(ExtractionError, match="empty page"):
        extract_article(html, ARTICLE_URL, congthuong)


def test_page_cut_off_in_its_body_is_an_extraction_error(congthuong: Selectors) -> None:
    html = fixture("congthuong-263055.html")
    cut = html[:html.index("Các đại biểu trao đổi")]  # as a dropped connection leaves it

    with pytest.raises(ExtractionError, match="truncated"):
        extract_article(cut, ARTICLE_URL, congthuong)


def test_error_page_raises_without_selector_warnings(congthuong: Selectors, caplog) -> None:
    html = page("<title>404</title>", "<h1>404</h1><p>Không tìm thấy trang yêu cầu</p>")

    with caplog.at_level(logging.WARNING), pytest.raises(ExtractionError, match=": no body:"):
        extract_article(html, ARTICLE_URL, congthuong)

    assert caplog.records == []


# --- the ministry portal theme ----------------------------------------------------------------

PORTAL_URL = "https://moit.gov.vn/tin-tuc/bo-cong-thuong-trien-khai-nhiem-vu-nam-2026.html"


def test_portal_theme_with_its_own_selectors() -> None:
    article = extract_article(fixture("moit-portal.html"), PORTAL_URL, PORTAL, now=FETCHED)

    assert article.title == "Bộ Công Thương triển khai nhiệm vụ năm 2026"
    assert article.lead == "Sáng 29/01/2026, Bộ Công Thương tổ chức hội nghị triển khai nhiệm vụ năm 2026."
    assert article.author == "Phòng Truyền thông"  # only in <meta name="DC.Creator">, in NFD
    # the date on the page wins over article:published_time (15:16:23)
    assert article.published_at == datetime(2026, 1, 29, 14, 44, tzinfo=HCM)
    assert article.body.split("\n\n") == [
        "Hội nghị đã đánh giá kết quả thực hiện nhiệm vụ năm 2025 và đề ra phương hướng cho năm 2026.",
        "Chỉ tiêu | Năm 2025",
        "Kim ngạch xuất khẩu | 475 tỷ USD",
        "Bộ trưởng yêu cầu các đơn vị quyết liệt triển khai các nhiệm vụ được giao.",
    ]
    assert "<table><tr><th>Chỉ tiêu</th><th>Năm 2025</th></tr>" in article.body_html
    assert [link.url for link in article.related] == [
        "https://moit.gov.vn/tin-tuc/thong-cao-bao-chi-ve-hoat-dong-cua-bo-thang-01-2026.html",
        "https://moit.gov.vn/tin-tuc/tong-ket-cong-tac-nam-2025-cua-nganh-cong-thuong.html",
        "https://moit.gov.vn/tin-tuc/xuat-khau-thang-01-2026-tang-truong-kha-quan.html",
    ]
    assert all(unicodedata.is_normalized("NFC", value) for value in text_fields(article))


def test_portal_related_by_heading_and_the_visible_date_without_selectors() -> None:
    selectors = dataclasses.replace(PORTAL, related="", published="")

    article = extract_article(fixture("moit-portal.html"), PORTAL_URL, selectors, now=FETCHED)

    assert len(article.related) == 3
    # the date line the page shows wins over article:published_time (15:16:23), and the
    # disagreement is reported
    assert article.published_at == datetime(2026, 1, 29, 14, 44, tzinfo=HCM)
    assert article.sources["published_at"] == "generic: date element"
    assert any("meta article:published_time says 2026-01-29 15:16" in w for w in article.warnings)


# --- section listings --------------------------------------------------------------------------

LISTING_URL = "https://congthuong.vn/khuyen-cong"


def test_listing_gives_article_links_in_order_and_the_next_page(congthuong: Selectors) -> None:
    listing = extract_listing(fixture("congthuong-listing.html"), LISTING_URL, congthuong)

    assert [item.title for item in listing.items] == RELATED_TITLES[:5]  # the mobile duplicate is gone
    assert listing.items[0].url == (
        "https://congthuong.vn/binh-duong-nhieu-giai-phap-phat-trien-san-pham-cong-nghiep-nong-thon-tieu-bieu-359870.html"
    )
    assert listing.next_page == "https://congthuong.vn/khuyen-cong?BRSR=20&s_cond="


def test_last_listing_page_has_no_next_page(congthuong: Selectors) -> None:
    html = re.sub(r'<div class="pagination">.*?</div>', "", fixture("congthuong-listing.html"), flags=re.S)

    assert extract_listing(html, LISTING_URL, congthuong).next_page is None


def test_listing_falls_back_to_headline_links_and_rel_next(caplog) -> None:
    selectors = Selectors(article_links="div.cat-list a.title", next_page="a.page-next")

    with caplog.at_level(logging.WARNING):
        listing = extract_listing(fixture("congthuong-listing.html"), LISTING_URL, selectors)

    assert [item.title for item in listing.items] == RELATED_TITLES[:5]  # not the menu in <nav>
    assert listing.next_page == "https://congthuong.vn/khuyen-cong?BRSR=20&s_cond="
    assert any("'article_links'" in r.getMessage() and LISTING_URL in r.getMessage() for r in caplog.records)


# --- the site replica, fetched over loopback -----------------------------------------------------


def fetch_text(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


def assert_as_expected(article: Article, want: dict, base_url: str) -> None:
    assert (article.title, article.lead, article.author, article.category) == (
        want["title"], want["lead"], want["author"], want["category"])
    assert article.published_at.replace(second=0) == want["published"]
    assert article.body.split("\n\n") == want["paragraphs"]
    assert [(i.url, i.caption) for i in article.images] == [
        (urljoin(base_url, url), caption) for url, caption in want["images"]]
    assert [link.title for link in article.related] == want["related"]
    assert [link.url for link in article.related] == [
        canonical_url(base_url + path) for path in want["related_paths"]]


@pytest.mark.parametrize(("theme", "selectors"), [("congthuong", None), ("portal", PORTAL)])
def test_every_replica_article_extracts_as_the_site_holds_it(theme, selectors, congthuong, caplog) -> None:
    site = build_site(8, theme=theme, seed=5)
    with caplog.at_level(logging.WARNING, logger="crawler.extract"), ReplicaServer(site) as server:
        for _ in range(2):  # canonical markup, then shuffled attributes and whitespace
            for article in site.listing():
                html = fetch_text(server.url(article))
                extracted = extract_article(html, server.url(article), selectors or congthuong)
                assert_as_expected(extracted, expected(article), server.base_url)
            site.touch_volatile()
    assert caplog.records == []  # the profile matches the markup: no fallback was needed


@pytest.mark.parametrize("markup", CONGTHUONG_MARKUPS)
def test_every_congthuong_generation_with_the_built_in_profile(markup: str, congthuong, caplog) -> None:
    site = build_site(6, seed=11, markup=markup)
    with caplog.at_level(logging.WARNING, logger="crawler.extract"), ReplicaServer(site) as server:
        for article in site.listing():
            extracted = extract_article(fetch_text(server.url(article)), server.url(article), congthuong)
            assert_as_expected(extracted, expected(article), server.base_url)
            assert extracted.sources["published_at"].startswith("selector ")
    assert caplog.records == []  # every generation is covered by the profile's selector groups


def test_built_in_moit_profile_on_the_portal(caplog) -> None:
    site = build_site(6, theme="portal", seed=5)
    with caplog.at_level(logging.WARNING, logger="crawler.extract"), ReplicaServer(site) as server:
        listing = extract_listing(fetch_text(server.url(site.section_path)), server.url(site.section_path),
                                  builtin("moit"))
        assert [item.url for item in listing.items] == [
            canonical_url(server.url(article)) for article in site.listing()]
        for article in site.listing():
            extracted = extract_article(fetch_text(server.url(article)), server.url(article), builtin("moit"))
            assert_as_expected(extracted, expected(article), server.base_url)
            assert extracted.sources["title"] == "selector div.block-core-a5 h1.article-title"
    assert caplog.records == []


@pytest.mark.parametrize("markup", CONGTHUONG_MARKUPS)
def test_replica_listing_pages_chain_to_the_end(markup: str, congthuong: Selectors) -> None:
    site = build_site(45, seed=7, markup=markup)
    with ReplicaServer(site) as server:
        url, seen = server.url("/khuyen-cong"), []
        while url:
            listing = extract_listing(fetch_text(url), url, congthuong)
            seen += [item.url for item in listing.items]
            url = listing.next_page
    assert seen == [canonical_url(server.url(article)) for article in site.listing()]


# --- configuration and speed -------------------------------------------------------------------


def test_invalid_selector_is_reported_with_its_field() -> None:
    with pytest.raises(ValueError, match="'title'"):
        check_selectors(Selectors(title="h1[class="))
    check_selectors(Selectors(title="h1.a, h1:is(.b, .c), [data-x=\"a,b\"]"))
