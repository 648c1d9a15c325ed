"""Real pages saved from sites newswatch has no profile for: every field as a careful reader reads it.

The pages live in ../shared/real-pages/ (never copied here); the ground truth below is its README's.
Everything runs with no site profile: this is what newswatch reads on a site before anyone writes one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from crawler.extract import read_article, read_listing
from crawler.profile import Selectors
from crawler.records import Article

REAL_PAGES = Path(__file__).resolve().parents[2] / "shared" / "real-pages"
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
NO_PROFILE = Selectors()
# A prose block ends a sentence; a sub-heading ("3 hình thức khai thác …") does not.
PROSE_END = re.compile(r"[.!?…:;\"”»)]$")

pytestmark = pytest.mark.skipif(not REAL_PAGES.is_dir(), reason=f"{REAL_PAGES} is absent (shared real pages)")


@dataclass(frozen=True)
class Truth:
    file: str
    url: str
    title: str
    published: datetime
    lead: str
    first: str  # the body's first prose block starts with this
    last: tuple[str, str]  # the body's last prose block starts and ends with these
    author: str | None
    related: int
    # (index, title) of related items that must stand at that place: the first of each block
    related_at: tuple[tuple[int, str], ...] = ()
    not_body: tuple[str, ...] = field(default=())


ARTICLES = [
    Truth(
        "baochinhphu-chinh-sach-moi-co-hieu-luc-tu-thang-3-2026.html",
        "https://baochinhphu.vn/chinh-sach-moi-co-hieu-luc-tu-thang-3-2026-102260228093004191.htm",
        title="Chính sách mới có hiệu lực từ tháng 3/2026",
        published=datetime(2026, 3, 1, 9, 51, tzinfo=HCM),
        lead="(Chinhphu.vn) - Tháng 3/2026 có nhiều chính sách mới có hiệu lực, nổi bật là các quy định "
             "liên quan đến bất động sản; cư trú; tài khoản ngân hàng…",
        first="Chính phủ ban hành Nghị định số 357/2025/NĐ-CP ngày 31/12/2025",
        last=("- Đồng bào dân tộc thiểu số ở các xã đặc biệt khó khăn theo quy định của pháp luật.",) * 2,
        author=None,
        related=5,
        related_at=((0, "Chính sách mới có hiệu lực từ tháng 2/2026"),),
        not_body=("Tham khảo thêm", "Chính sách mới có hiệu lực từ tháng 11/2025", "GMT+0700"),
    ),
    Truth(
        "baodautu-xu-phat-giam-doc-tai-chinh-tap-doan-tien-son-thanh-hoa.html",
        "https://baodautu.vn/xu-phat-giam-doc-tai-chinh-tap-doan-tien-son-thanh-hoa-vi-thao-tung-co-phieu-d538952.html",
        title="Xử phạt Giám đốc tài chính Tập đoàn Tiên Sơn Thanh Hoá vì thao túng cổ phiếu",
        published=datetime(2026, 3, 7, 8, 47, tzinfo=HCM),
        lead="Ông Tống Anh Linh - Giám đốc tài chính của CTCP Tập đoàn Tiên Sơn Thanh Hóa - đã sử dụng 30 tài "
             "khoản chứng khoán để liên tục thực hiện việc mua, bán cổ phiếu AAT nhằm tạo ra cung, cầu giả tạo.",
        first="Uỷ ban Chứng khoán Nhà nước vừa có quyết định xử phạt",
        last=("Cổ phiếu AAT cũng đang nằm trong diện cảnh báo",
              "Tổ chức kiểm toán cũng có ý kiến ngoại trừ đối với báo cáo tài chính của công ty này trong vòng "
              "2 năm trước."),
        author="Nguyên Minh",
        related=3,
        related_at=((0, "Một cá nhân bị xử phạt vì dùng 19 tài khoản thao túng giá cổ phiếu PAS"),
                    (2, "Xử phạt hai cá nhân thao túng cổ phiếu SJS giai đoạn 2023 - 2024")),
        not_body=("Diễn biến cổ phiếu AAT trong giai đoạn 2021 - 2023", "TIN LIÊN QUAN"),
    ),
    Truth(
        "vnexpress-cach-cac-nuoc-doi-pho-cu-soc-nang-luong-tu-trung-dong.html",
        "https://vnexpress.net/cach-cac-nuoc-doi-pho-cu-soc-nang-luong-tu-trung-dong-5047363.html",
        title="Cách các nước đối phó cú sốc năng lượng từ Trung Đông",
        published=datetime(2026, 3, 7, 0, 5, tzinfo=HCM),
        lead="Trung Quốc, Nhật Bản, Thái Lan hạn chế xuất khẩu nhiên liệu, Ấn Độ tăng mua dầu Nga, còn Myanmar "
             "hạn chế xe lưu thông khi thị trường năng lượng gián đoạn.",
        first="Xung đột giữa Mỹ - Israel với Iran đã bước sang ngày thứ 6, song chưa có dấu hiệu chấm dứt.",
        last=("Trước mắt, cơ quan quản lý tăng kiểm tra",
              "trong bối cảnh thị trường thế giới biến động mạnh."),
        author="Hà Thu",
        related=0,
        not_body=("Hà Thu", "(tổng hợp)", "Công nhân đi qua các ống dẫn dầu"),
    ),
    Truth(
        "tuoitre-chien-su-day-gia-hoa-nhap-khau-dip-8-3-tang-manh.html",
        "https://tuoitre.vn/chien-su-day-gia-hoa-nhap-khau-dip-8-3-tang-manh-20260307075519174.htm",
        title="Chiến sự đẩy giá hoa nhập khẩu dịp 8-3 tăng mạnh",
        published=datetime(2026, 3, 7, 8, 1, tzinfo=HCM),
        lead="Xung đột ở khu vực Trung Đông khiến các shop hoa ghi nhận tình trạng hoa nhập khẩu khan hiếm, tăng "
             "giá do chi phí vận chuyển trong dịp lễ 8-3 năm nay.",
        first="Nhiều chuyến bay vận chuyển hoa từ các thị trường truyền thống như Hà Lan hay Ecuador không thể về "
              "đúng kế hoạch, khiến nguồn cung hoa nhập khẩu trở nên khan hiếm.",
        last=("Ngoài ra, cửa hàng cũng hướng sang các sản phẩm thay thế",
              "dù nhược điểm là rau củ tươi nên không thể bảo quản lâu như hoa."),
        author="NHẬT XUÂN - NGHI VŨ",
        related=9,
        related_at=((0, "Xuất khẩu ứng phó thế nào với chiến sự Trung Đông?"),
                    (3, "Đến siêu thị dịp 8-3: Trao món quà nhỏ, gửi lời yêu lớn")),
        not_body=("Xung đột ở Trung Đông khiến xuất khẩu Việt lao đao", "Đọc tiếp", "Về trang Chủ đề",
                  "Theo cửa hàng hoa, một bó hoa hồng"),
    ),
    Truth(
        "dantri-gia-vang-giam-van-cao-hon-the-gioi-gan-20-trieu-dongluong.html",
        "https://dantri.com.vn/kinh-doanh/gia-vang-giam-van-cao-hon-the-gioi-gan-20-trieu-dongluong-20260307080054340.htm",
        title="Giá vàng giảm, vẫn cao hơn thế giới gần 20 triệu đồng/lượng",
        published=datetime(2026, 3, 7, 8, 7, tzinfo=HCM),
        lead="(Dân trí) - Giá vàng trong nước tiếp tục giảm, xuống mức 183,8 triệu đồng/lượng ở chiều bán ra với "
             "vàng miếng SJC. Tuy nhiên, giá này vẫn đắt hơn thế giới gần 20 triệu đồng/lượng.",
        first="Cụ thể, chốt phiên 6/3, giá vàng miếng SJC được niêm yết tại mức 180,8-183,8 triệu đồng/lượng",
        last=("Tỷ giá USD tại Sở giao dịch Ngân hàng Nhà nước mua vào - bán ra tiếp tục tăng nhẹ, hiện ở mức: "
              "23.855-26.259 đồng.",) * 2,
        author="Tri Túc",
        related=3,
        related_at=((0, "Giá vàng miếng SJC giảm, người mua lỗ gần 3 triệu đồng/lượng"),),
        not_body=("Từ khoá", "Vàng trong nước giảm", "Giá vàng miếng SJC giảm, người mua lỗ"),
    ),
]


def prose(article: Article) -> list[str]:
    return [block for block in article.body.split("\n\n") if PROSE_END.search(block)]


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
    blocks = prose(article)
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

LISTING_FILE = "baochinhphu-listing-chinh-sach-moi.html"
LISTING_URL = "https://baochinhphu.vn/chinh-sach-va-cuoc-song/chinh-sach-moi.htm"


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
