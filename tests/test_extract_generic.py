"""Generic extraction (no site profile) on the kinds of markup Vietnamese news and government sites use."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from crawler.extract import extract_article, read_article, read_listing
from crawler.profile import Selectors

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
NONE = Selectors()
URL = "https://soct.example.gov.vn/tin-tuc/so-cong-thuong-to-chuc-hoi-nghi-tong-ket-nam-2025.html"
TITLE = "Sở Công Thương tổ chức hội nghị tổng kết năm 2025"
LEAD = "Sáng ngày 5/3, Sở Công Thương tổ chức hội nghị tổng kết công tác năm 2025 và triển khai nhiệm vụ năm 2026."
P1 = "Tham dự hội nghị có lãnh đạo Ủy ban nhân dân tỉnh, đại diện các sở, ngành và doanh nghiệp trên địa bàn."
P2 = "Năm 2025, giá trị sản xuất công nghiệp của tỉnh tăng 9,5% so với năm trước, vượt kế hoạch đề ra."
P3 = "Phát biểu kết luận, Giám đốc Sở đề nghị các phòng, đơn vị triển khai quyết liệt các nhiệm vụ năm 2026."
RELATED = ["Hội thảo kết nối cung cầu hàng hóa năm 2026 tại tỉnh", "Kiểm tra an toàn hóa chất tại các doanh nghiệp"]


def page(body: str, head: str = "") -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{TITLE} - Sở Công Thương</title>{head}"
            f"</head><body><header class='top'><div class='logo'>Sở Công Thương</div>"
            f"<span class='date-now'>Thứ hai, 09/03/2026</span></header>{body}"
            "<footer><p>Cổng thông tin điện tử Sở Công Thương</p></footer></body></html>")


def related_list(heading: str = "Các tin khác") -> str:
    items = "".join(f'<li><a href="/tin-tuc/{i}-bai-viet-lien-quan-so-{i}.html">{t}</a> (05/03/2026)</li>'
                    for i, t in enumerate(RELATED))
    return f'<div class="other-news"><h4>{heading}</h4><ul>{items}</ul></div>'


def portal(content: str, *, meta: str = "") -> str:
    """A government portal: no <h1>, no metadata, the date in words, a byline at the end."""
    return page(
        '<div class="portlet-body"><div class="news-detail">'
        f'<h3 class="title-news">{TITLE}</h3>'
        '<div class="date-news">10 giờ 30 phút, ngày 05/03/2026</div>'
        f'<div class="summary-news"><strong>{LEAD}</strong></div>'
        f'<div class="content-news">{content}</div>{related_list()}</div></div>', meta)


BODY = f"<p>{P1}</p><p>{P2}</p><p>{P3}</p>"


def test_government_portal_without_h1_or_metadata() -> None:
    article = read_article(portal(BODY + '<p style="text-align:right"><strong>Nguyễn Văn An</strong></p>'),
                           URL, NONE)

    assert article.title == TITLE
    assert article.sources["title"] == "generic: title element"
    assert article.published_at == datetime(2026, 3, 5, 10, 30, tzinfo=HCM)
    assert article.lead == LEAD
    assert article.body.split("\n\n") == [P1, P2, P3]
    assert article.author == "Nguyễn Văn An"
    assert article.sources["author"] == "generic: byline"
    assert [r.title for r in article.related] == RELATED


def test_byline_with_a_note_and_a_source_line_at_the_end() -> None:
    body = BODY + "<p><strong>Hà Thu</strong> <em>(tổng hợp)</em></p>"

    article = read_article(portal(body), URL, NONE)

    assert (article.author, article.body.split("\n\n")) == ("Hà Thu", [P1, P2, P3])


def test_bold_byline_opening_the_body() -> None:
    article = read_article(portal("<p><strong>THU HÀ - MINH ANH</strong></p>" + BODY), URL, NONE)

    assert article.author == "THU HÀ - MINH ANH"
    assert article.body.split("\n\n") == [P1, P2, P3]


def test_date_line_repeated_lead_tags_and_read_more_are_not_body_text() -> None:
    body = (f"<p>Thứ năm, 05/03/2026 10:30</p><p>{LEAD}</p>{BODY}"
            '<p>Xem thêm: <a href="/tin-tuc/9-ban-tin-cong-thuong-thang-3-nam-2026.html">'
            "Bản tin Công Thương tháng 3 năm 2026 có gì mới</a></p>"
            '<p>Tags: <a href="/tag/hoi-nghi">hội nghị</a>, <a href="/tag/cong-thuong">công thương</a></p>')

    article = read_article(portal(body), URL, NONE)

    assert article.body.split("\n\n") == [P1, P2, P3]
    assert [r.title for r in article.related][0] == "Bản tin Công Thương tháng 3 năm 2026 có gì mới"


def test_unheaded_box_of_headlines_inside_the_body_is_related() -> None:
    box = ('<div class="box-news"><ul>'
           '<li><a href="/tin-tuc/8-tinh-day-manh-xuc-tien-thuong-mai.html">Tỉnh đẩy mạnh xúc tiến thương mại</a></li>'
           '<li><a href="/tin-tuc/7-phat-trien-cong-nghiep-ho-tro-2026.html">Phát triển công nghiệp hỗ trợ 2026</a></li>'
           "</ul></div>")

    article = read_article(portal(f"<p>{P1}</p>{box}<p>{P2}</p><p>{P3}</p>"), URL, NONE)

    assert article.body.split("\n\n") == [P1, P2, P3]
    assert [r.title for r in article.related][:2] == ["Tỉnh đẩy mạnh xúc tiến thương mại",
                                                      "Phát triển công nghiệp hỗ trợ 2026"]


def test_photo_caption_in_a_layout_table_is_not_body_text() -> None:
    photo = ('<table align="center"><tbody><tr><td><img src="/anh/hoi-nghi.jpg"></td></tr>'
             "<tr><td>Quang cảnh hội nghị</td></tr></tbody></table>")

    article = read_article(portal(f"<p>{P1}</p>{photo}<p>{P2}</p><p>{P3}</p>"), URL, NONE)

    assert article.body.split("\n\n") == [P1, P2, P3]
    assert [(i.url, i.caption) for i in article.images] == [
        ("https://soct.example.gov.vn/anh/hoi-nghi.jpg", "Quang cảnh hội nghị")]


def test_data_table_stays_body_text() -> None:
    table = "<table><tr><th>Chỉ tiêu</th><th>Năm 2025</th></tr><tr><td>Xuất khẩu</td><td>4,2 tỷ USD</td></tr></table>"

    article = read_article(portal(f"<p>{P1}</p>{table}<p>{P2}</p>"), URL, NONE)

    assert article.body.split("\n\n") == [P1, "Chỉ tiêu | Năm 2025", "Xuất khẩu | 4,2 tỷ USD", P2]


def test_site_name_is_never_the_author() -> None:
    head = ('<meta name="author" content="Sở Công Thương"><meta property="og:site_name" content="Sở Công Thương">'
            '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "x",'
            ' "author": {"@type": "Organization", "name": "soct.example.gov.vn"}}</script>')

    article = read_article(portal(BODY, meta=head), URL, NONE)

    assert article.author is None


@pytest.mark.parametrize("date_line", ["Tháng 3/2026", "03/2026"])
def test_month_and_year_alone_is_no_publication_date(date_line: str) -> None:
    html = portal(BODY).replace("10 giờ 30 phút, ngày 05/03/2026", date_line)

    assert read_article(html, URL, NONE).published_at is None


def test_visible_date_wins_over_metadata_and_the_disagreement_is_reported(caplog) -> None:
    head = '<meta property="article:published_time" content="2026-03-05T11:16:23+0700">'

    with caplog.at_level("INFO", logger="crawler.extract"):
        article = extract_article(portal(BODY, meta=head), URL, NONE)

    assert article.published_at == datetime(2026, 3, 5, 10, 30, tzinfo=HCM)
    assert any("meta article:published_time says 2026-03-05 11:16" in r.getMessage() for r in caplog.records)
    assert article.warnings == [r.getMessage() for r in caplog.records]


def test_shortened_og_description_loses_to_the_visible_lead() -> None:
    head = '<meta property="og:description" content="Sáng ngày 5/3, Sở Công Thương tổ chức hội nghị như: ...">'

    assert read_article(portal(BODY, meta=head), URL, NONE).lead == LEAD


def test_listing_without_profile_skips_breadcrumb_and_side_boxes() -> None:
    items = "".join(f'<div class="item"><h3><a href="/tin-tuc/{i}-tin-so-{i}-cua-chuyen-muc-nay.html">'
                    f"Tin số {i} của chuyên mục này</a></h3><p>Tóm tắt</p></div>" for i in range(5))
    side = ('<div class="col-right"><h2>Đọc nhiều</h2><ul>'
            + "".join(f'<li><h3><a href="/tin-tuc/{i}-bai-doc-nhieu-so-{i}-trong-tuan.html">Bài đọc nhiều số {i} '
                      "trong tuần</a></h3></li>" for i in range(3)) + "</ul></div>")
    crumbs = '<div class="breadcrumbs"><h2><a href="/">Trang chủ</a> <a href="/tin-tuc">Tin tức</a></h2></div>'
    listing = read_listing(page(crumbs + f'<div class="list">{items}</div>' + side),
                           "https://soct.example.gov.vn/tin-tuc", NONE)

    assert [i.title for i in listing.items] == [f"Tin số {i} của chuyên mục này" for i in range(5)]
    assert listing.next_page is None


@pytest.mark.parametrize("line", ["Theo TTXVN", "Nguồn: Bộ Công Thương", "(Theo Reuters)"])
def test_source_line_closing_the_body_is_neither_body_nor_author(line: str) -> None:
    article = read_article(portal(BODY + f"<p><em>{line}</em></p>"), URL, NONE)

    assert (article.author, article.body.split("\n\n")) == (None, [P1, P2, P3])


NEWS_URL = "https://bao.example.vn/thoi-su/hoi-nghi-tong-ket-nganh-cong-thuong-2025-20260305103000123.htm"


@pytest.mark.parametrize(
    ("title", "lead", "body", "author", "date"),
    [
        ("the-article-title", "the-article-summary", "the-article-body", "the-article-author", "the-article-publish"),
        ("article__title", "article__sapo", "article__body", "article__author", "article__time"),
        ("detail__title", "detail__summary", "detail__content", "detail__author", "detail__meta-date"),
        ("title", "chappeau", "art-body", "author", "time"),
        ("content-detail-title", "content-detail-sapo", "maincontent", "article-detail-author__info", "time-post"),
    ],
)
def test_news_site_class_conventions(title: str, lead: str, body: str, author: str, date: str) -> None:
    head = (f'<meta property="og:title" content="{TITLE} | Báo Example">'
            '<meta property="og:site_name" content="Báo Example"><meta name="author" content="Báo Example">')
    html = page(
        f'<div class="main"><div class="col-left"><h1 class="{title}">{TITLE}</h1>'
        f'<div class="meta"><span class="{author}">Hoài Linh</span> <span class="{date}">05/03/2026 10:30</span></div>'
        f'<h2 class="{lead}">{LEAD}</h2><div class="{body}">{BODY}</div>{related_list("Tin liên quan")}</div>'
        '<div class="col-right"><h3>Đọc nhiều</h3><ul><li><a href="/x/bai-doc-nhieu-nhat-trong-tuan-1.htm">'
        "Bài đọc nhiều nhất trong tuần qua</a></li></ul></div></div>", head)

    article = read_article(html, NEWS_URL, NONE)

    assert (article.title, article.lead, article.author) == (TITLE, LEAD, "Hoài Linh")
    assert article.published_at == datetime(2026, 3, 5, 10, 30, tzinfo=HCM)
    assert article.body.split("\n\n") == [P1, P2, P3]
    assert [r.title for r in article.related] == RELATED


def test_sapo_opening_the_body_is_the_lead_not_body_text() -> None:
    html = page(f'<article><h1>{TITLE}</h1><span class="time">05/03/2026 10:30</span><div class="content">'
                f'<p class="sapo"><strong>{LEAD}</strong></p>{BODY}</div></article>')

    article = read_article(html, NEWS_URL, NONE)

    assert article.lead == LEAD
    assert article.body.split("\n\n") == [P1, P2, P3]


def test_byline_naming_the_site_keeps_only_the_person() -> None:
    head = '<meta property="og:site_name" content="VOV.VN">'
    html = page(f'<article><h1>{TITLE}</h1><div class="content">{BODY}<p class="author">Hà Anh/VOV.VN</p>'
                "</div></article>", head)

    article = read_article(html, "https://vov.vn/kinh-te/hoi-nghi-tong-ket-nganh-cong-thuong-2025-1234567.vov", NONE)

    assert article.author == "Hà Anh"
    assert article.body.split("\n\n") == [P1, P2, P3]


def test_body_written_in_spans_between_line_breaks() -> None:
    body = "<br>".join(f"<span>{p}</span>" for p in (P1, P2, P3))
    html = page(f'<div class="main"><h1>{TITLE}</h1><div class="noidung">{body}</div>'
                f'<div class="menu-bottom"><span>Giới thiệu</span> <span>Liên hệ</span></div></div>')

    assert read_article(html, URL, NONE).body.split("\n\n") == [P1, P2, P3]


def test_a_linked_side_heading_ends_the_related_block() -> None:
    side = ('<h3><a href="/doc-nhieu">Đọc nhiều</a></h3><ul><li><a href="/tin-tuc/5-bai-doc-nhieu-nhat-tuan.html">'
            "Bài đọc nhiều nhất trong tuần qua</a></li></ul>")
    html = portal(BODY).replace("</ul></div>", f"</ul>{side}</div>", 1)

    assert [r.title for r in read_article(html, URL, NONE).related] == RELATED


def test_italic_line_after_a_photo_is_its_caption() -> None:
    photo = '<p><img src="/anh/1.jpg"></p><p><em>Quang cảnh hội nghị. Ảnh: Minh Anh</em></p>'

    article = read_article(portal(f"<p>{P1}</p><p>{P2}</p>{photo}<p>{P3}</p>" ), URL, NONE)

    assert article.body.split("\n\n") == [P1, P2, P3]
    assert article.images[0].caption == "Quang cảnh hội nghị. Ảnh: Minh Anh"


def test_the_date_the_metadata_confirms_wins_over_a_clock_before_the_title() -> None:
    head = '<meta property="article:published_time" content="2026-03-05T10:30:00+07:00">'
    html = page(f'<div class="wrap"><div class="top-date">Thứ hai, 09/03/2026 08:00</div><h1>{TITLE}</h1>'
                f'<div class="content">{BODY}</div><div class="post-date">Đăng ngày 05/03/2026 10:30</div></div>', head)

    assert read_article(html, NEWS_URL, NONE).published_at == datetime(2026, 3, 5, 10, 30, tzinfo=HCM)


def test_article_element_holding_everything_as_paragraphs() -> None:
    head = f'<meta property="og:description" content="{LEAD}">'
    html = page(f"<article><h1>{TITLE}</h1><p>Thứ năm, 05/03/2026 10:30</p><p><strong>Hà Thu</strong></p>"
                f"<p>{LEAD}</p>{BODY}<p>Tags: hội nghị, công thương</p></article>", head)

    article = read_article(html, NEWS_URL, NONE)

    assert (article.title, article.lead, article.author) == (TITLE, LEAD, "Hà Thu")
    assert article.published_at == datetime(2026, 3, 5, 10, 30, tzinfo=HCM)
    assert article.body.split("\n\n") == [P1, P2, P3]


def test_byline_sharing_its_line_with_the_date() -> None:
    html = page(f'<div class="detail"><h1>{TITLE}</h1><div class="author">Nguyên Minh - 07/03/2026 08:47</div>'
                f'<div class="content">{BODY}</div></div>')

    article = read_article(html, NEWS_URL, NONE)

    assert article.author == "Nguyên Minh"
    assert article.published_at == datetime(2026, 3, 7, 8, 47, tzinfo=HCM)
