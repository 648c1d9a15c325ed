"""The real pages saved in ../shared/real-pages/ and their ground truth (from its README).

Shared by the corpus tests and bench/bench_extract.py, which scores every engine with `score`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

REAL_PAGES = Path(__file__).resolve().parents[2] / "shared" / "real-pages"
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
# A prose block ends a sentence; a sub-heading ("3 hình thức khai thác …") does not.
PROSE_END = re.compile(r"[.!?…:;\"”»)]$")
FIELDS = ("title", "published", "lead", "body_first", "body_last", "author", "related")
_NAME_JOINERS = re.compile(r"\s+(?:-|–|&|và)\s+|\s*[,;/]\s*")


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


LISTING_FILE = "baochinhphu-listing-chinh-sach-moi.html"
LISTING_URL = "https://baochinhphu.vn/chinh-sach-va-cuoc-song/chinh-sach-moi.htm"


def prose(body: str) -> list[str]:
    """The prose blocks of a body whose blocks are separated by blank lines (or single newlines)."""
    blocks = [" ".join(b.split()) for b in re.split(r"\n+", unicodedata.normalize("NFC", body or ""))]
    return [b for b in blocks if PROSE_END.search(b)]


def score(truth: Truth, *, title: str | None, published: datetime | None, lead: str | None, body: str | None,
          author: str | None, related: list[str] | None) -> dict[str, bool | None]:
    """Each field right or wrong; None where the engine does not return that field at all."""
    blocks = prose(body or "")

    def same(a: str | None, b: str | None) -> bool:
        return " ".join(unicodedata.normalize("NFC", a or "").split()) == " ".join((b or "").split())

    def names(text: str | None) -> set[str]:
        return {n.strip().casefold() for n in _NAME_JOINERS.split(text or "") if n.strip()}

    return {
        "title": same(title, truth.title),
        "published": published is not None and published.astimezone(HCM).replace(second=0, microsecond=0)
        == truth.published,
        "lead": same(lead, truth.lead),
        "body_first": bool(blocks) and blocks[0].startswith(truth.first),
        "body_last": bool(blocks) and blocks[-1].startswith(truth.last[0])
        and blocks[-1].endswith(truth.last[1]),
        "author": names(author) == names(truth.author),
        "related": None if related is None else (
            len(related) == truth.related
            and all(i < len(related) and related[i] == t for i, t in truth.related_at)),
    }
