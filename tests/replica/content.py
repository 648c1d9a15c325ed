"""Vietnamese text for the replica: the real seed article, real headlines, and templates built from them."""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field

# The seed article as published on congthuong.vn (article 263055), in page order.
SEED_ID = 263055
SEED_TITLE = "Bộ Công Thương tổ chức Hội nghị về sản xuất và tiêu dùng bền vững 2023"
SEED_LEAD = (
    "Năm 2023, Bộ Công Thương tiếp tục phối hợp triển khai các nhiệm vụ về thúc đẩy sản xuất "
    "và tiêu dùng bền vững, hướng đến nền kinh tế tuần hoàn tại Việt Nam."
)
SEED_AUTHOR = "Đức Thảo"
SEED_PARAGRAPHS = (
    "Chiều ngày 19/7, tại thành phố Nha Trang (Khánh Hòa), Bộ Công Thương tổ chức “Hội nghị toàn "
    "quốc về sản xuất và tiêu dùng bền vững năm 2023”, nhằm tổng kết hoạt động năm 2022, định hướng "
    "và đẩy mạnh các hoạt động thuộc Chương trình hành động quốc gia về sản xuất và tiêu dùng bền "
    "vững năm 2023 và những năm tiếp theo.",
    "Tham dự hội nghị có đại diện các Bộ, ngành liên quan, Sở Công Thương các tỉnh, thành phố trực "
    "thuộc Trung ương, Trung tâm Khuyến công, Trung tâm Tiết kiệm năng lượng, các đơn vị, các tổ "
    "chức, cá nhân quan tâm đến hoạt động sản xuất sạch hơn, sản xuất và tiêu dùng bền vững.",
    "Tại Quyết định số 889/QĐ-TTg ngày 24/6/2020 phê duyệt Chương trình hành động quốc gia về sản "
    "xuất và tiêu dùng bền vững giai đoạn 2021-2030 (Chương trình) đã xác định mục tiêu “Thúc đẩy "
    "quản lý, khai thác và sử dụng hiệu quả, bền vững tài nguyên, nhiên liệu, nguyên vật liệu, "
    "khuyến khích phát triển các nguồn tài nguyên, nhiên liệu, nguyên vật liệu và sản phẩm thân "
    "thiện môi trường, có thể tái tạo, tái sử dụng và tái chế; thúc đẩy sản xuất và tiêu dùng bền "
    "vững trên nền tảng đổi mới, sáng tạo, thực hành và phát triển các mô hình sản xuất và tiêu "
    "dùng bền vững, đẩy mạnh sản xuất và tiêu dùng nội địa bền vững, tạo việc làm ổn định và việc "
    "làm xanh, thúc đẩy lối sống bền vững và nâng cao chất lượng cuộc sống người dân, hướng đến "
    "phát triển nền kinh tế tuần hoàn ở Việt Nam”.",
    "Năm 2022, để triển khai hiệu quả Chương trình hành động quốc gia về sản xuất và tiêu dùng bền "
    "vững, Bộ Công Thương đã ban hành Quy chế hoạt động của Chương trình nhằm thống nhất từ Trung "
    "ương đến địa phương trong quá trình triển khai thực hiện; Căn cứ vào danh mục nhiệm vụ năm "
    "2022, Bộ Công thương đã tập trung triển khai các nhiệm vụ, dự án nhằm đạt được mục tiêu đề ra "
    "như: Rà soát, bổ sung, xây dựng và hoàn thiện chính sách về sản xuất và tiêu dùng bền vững.",
    "Trong đó, tập trung xây dựng định mức tiêu hao nguyên liệu cho các ngành giấy, nhựa, dệt may; "
    "Khai thác và sử dụng bền vững tài nguyên, phát triển nhiên liệu, vật liệu tái tạo, tái sinh; "
    "Thúc đẩy sản xuất sạch hơn, sản xuất sản phẩm thân thiện môi trường và đẩy mạnh áp dụng mô "
    "hình và liên kết bền vững theo chuỗi vòng đời sản phẩm; Phát triển hệ thống phân phối, tiêu "
    "dùng bền vững, xuất nhập khẩu bền vững; Triển khai áp dụng mô hình kinh tế tuần hoàn trong "
    "một số lĩnh vực chế biến, chế tạo; Đặc biệt, truyền thông nâng cao nhận thức của cộng đồng về "
    "sản xuất và tiêu dùng bền vững.",
    "Nhằm đẩy mạnh hơn nữa việc triển khai các hoạt động Sản xuất và tiêu dùng bền vững, năm 2023, "
    "Bộ Công Thương tiếp tục phối hợp với các Bộ, cơ quan ban ngành và địa phương triển khai thực "
    "hiện các nhiệm vụ liên quan đến các nhóm nhiệm vụ ưu tiên nhằm thúc đẩy sản xuất và tiêu dùng "
    "bền vững, thay đổi thói quen tiêu dùng của các tầng lớp nhân dân, nâng cao ý thức cộng đồng và "
    "thúc đẩy quá trình sản xuất bền vững, tiêu dùng bền vững hướng đến nền kinh tế tuần hoàn tại "
    "Việt Nam.",
    "Cụ thể các nhóm nhiệm vụ sẽ được ưu tiên thực hiện trong năm 2023: Đẩy mạnh truyền thông nâng "
    "cao nhận thức cộng đồng, doanh nghiệp, các khu, cụm công nghiệp, làng nghề về sản xuất và tiêu "
    "dùng bền vững; khảo sát, xây dựng định mức tiêu hao nguyên liệu trong các ngành công nghiệp, "
    "trong đó chú trọng đến một số ngành trọng yếu như: dệt may, thép, nhựa, hóa chất, xi măng, rượu "
    "bia, giấy, chế biến thuỷ hải sản và một số ngành sản xuất khác; xây dựng, ứng dụng và phổ biến "
    "các mô hình thu hồi, tái sử dụng và tái chế chất thải, các mô hình quản lý tổng hợp khai thác, "
    "chế biến và chế tạo, sản xuất và sử dụng bền vững nhiên liệu, nguyên liệu cho các ngành công "
    "nghiệp.",
    "Phát biểu khai mạc Hội nghị, ông Trịnh Quốc Vũ – Phó Vụ trưởng Vụ Tiết kiệm năng lượng và Phát "
    "triển bền vững (Bộ Công Thương) - nhấn mạnh: Sản xuất và tiêu dùng bền vững có vai trò quan "
    "trọng trong đời sống, nhằm phát triển kinh tế hiệu quả, bảo vệ môi trường, xóa đói giảm nghèo "
    "và tái cơ cấu nền kinh tế. Đẩy mạnh sản xuất và tiêu dùng bền vững cũng góp phần thúc đẩy nền "
    "kinh tế tuần hoàn và phát triển bền vững. Các hoạt động sản xuất và tiêu dùng bền vững cần được "
    "triển khai đồng bộ, tập trung vào các hành động có tính đột phá, bổ sung và gắn kết các nội "
    "dung vào các chương trình liên quan hiện có.",
    "Tại Hội nghị, các đại biểu cũng được nghe đại điện Sở Công thương Hà Nội chia sẻ về kinh nghiệm "
    "triển khai các hoạt động sản xuất và tiêu dùng bền vững trên địa bàn thành phố; đại diện doanh "
    "nghiệp trao đổi các giải pháp hạn chế rác thải nhựa, áp dụng tiêu dùng bền vững trong quản lý "
    "rác thải nhựa; những kinh nghiệm áp dụng sản xuất và tiêu dùng bền vững trong ngành dệt nhuộm; "
    "cũng như công nghệ khí hoá kinh tế tuần hoàn từ rác, để từng bước hoàn thành kế hoạch Chương "
    "trình quốc gia về sản xuất và tiêu dùng bền vững năm 2023 và những năm tiếp theo.",
)
SEED_CAPTIONS = (
    "Đại diện Vụ Tiết kiệm năng lượng và Phát triển bền vững (Bộ Công Thương) trình bày tham luận",
    "Các đại biểu trao đổi tại Hội nghị",
)

# "Tin cùng chuyên mục" of the seed page, newest first.
SEED_HEADLINES = (
    "Bình Dương: Nhiều giải pháp phát triển sản phẩm công nghiệp nông thôn tiêu biểu",
    "Bộ Công Thương lấy ý kiến đóng góp cho dự thảo nghị định về khuyến công",
    "Hội thảo giới thiệu về chương trình chuyển đổi số cho các cơ sở công nghiệp nông thôn",
    "Sắp diễn ra Tuần lễ kết nối chuỗi sản xuất, tiêu dùng bền vững làng nghề Hà Nội",
    "Khai mạc Hội chợ triển lãm hàng công nghiệp nông thôn tiêu biểu năm 2024",
    "Đà Nẵng: Hỗ trợ hơn 2,26 tỷ đồng cho doanh nghiệp đổi mới máy móc, sản xuất sạch hơn",
    "Lai Châu: Thu hút đầu tư lĩnh vực công nghiệp để phát huy tiềm năng, lợi thế",
    "Sắp diễn ra Hội chợ triển lãm hàng công nghiệp nông thôn tiêu biểu năm 2024",
    "Bến Tre: Hỗ trợ tích cực các cơ sở sản xuất sản phẩm từ quả dừa",
    "Khai mạc Hội chợ Công Thương khu vực phía Bắc – Hòa Bình 2024",
    "Đề xuất gỡ vướng cho nội dung khuyến công hỗ trợ đầu tư máy móc thiết bị",
    "Kiên Giang: Khuyến công quốc gia hỗ trợ phát triển nghề chế biến nước mắm",
    "Phú Yên: Khuyến công địa phương hỗ trợ phát triển sản phẩm thế mạnh",
    "Khuyến công Bình Dương hỗ trợ lớn cho doanh nghiệp nhỏ và vừa",
    "Hà Nội: Kết nối cung cầu nguyên liệu đầu vào ngành thủ công mỹ nghệ",
    "Tìm giải pháp nâng cao hiệu quả công tác khuyến công khu vực phía Nam",
    "Vinh danh 90 tác phẩm đạt giải Cuộc thi Thiết kế mẫu sản phẩm thủ công mỹ nghệ Hà Nội năm 2024",
    "Hội nghị khuyến công các tỉnh, thành phố khu vực phía Nam lần thứ XIV, năm 2024",
    "Trà Vinh: 9 tháng nghiệm thu 6 đề án khuyến công",
    "Hỗ trợ cơ sở công nghiệp nông thôn tại Tuyên Quang chuyển đổi số",
)

PROVINCES = (
    "Hà Nội", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Bình Dương", "Đồng Nai", "Kiên Giang",
    "Trà Vinh", "Phú Yên", "Bến Tre", "Lai Châu", "Hòa Bình", "Tuyên Quang", "Nghệ An",
    "Thanh Hóa", "Quảng Ninh", "Bắc Giang", "Thái Nguyên", "Lào Cai", "Yên Bái", "Sơn La",
    "Điện Biên", "Hà Giang", "Cao Bằng", "Lạng Sơn", "Nam Định", "Thái Bình", "Ninh Bình",
    "Hà Nam", "Hưng Yên", "Hải Dương", "Bắc Ninh", "Vĩnh Phúc", "Phú Thọ", "Quảng Bình",
    "Quảng Trị", "Thừa Thiên Huế", "Quảng Nam", "Quảng Ngãi", "Bình Định", "Khánh Hòa",
    "Ninh Thuận", "Bình Thuận", "Gia Lai", "Đắk Lắk", "Lâm Đồng", "Long An", "Tiền Giang",
    "Vĩnh Long", "Đồng Tháp", "An Giang", "Sóc Trăng", "Bạc Liêu", "Cà Mau", "Hậu Giang",
    "Tây Ninh", "Bình Phước",
)
REGIONS = ("phía Bắc", "phía Nam", "miền Trung - Tây Nguyên", "đồng bằng sông Cửu Long")
CRAFTS = (
    "nghề chế biến nước mắm", "sản phẩm từ quả dừa", "mây tre đan", "gốm sứ", "chè búp khô",
    "cà phê rang xay", "hạt điều chế biến", "dệt thổ cẩm", "sơn mài", "đồ gỗ mỹ nghệ",
    "bánh tráng", "nông sản sấy khô", "mật ong", "tinh dầu quế", "chiếu cói", "nón lá",
    "cơ khí nông nghiệp", "gạch không nung", "thức ăn chăn nuôi", "miến dong",
)
AUTHORS = (
    "Đức Thảo", "Minh Hạnh", "Hoàng Anh", "Ngọc Thảo", "Thanh Bình", "Lâm Anh", "Thu Hường",
    "Quỳnh Nga", "Hải Yến", "Vũ Duy", "Bảo Ngọc", "Tiến Dũng", "Phương Lan", "Thùy Trang",
)
MEN = ("Nguyễn Văn Hùng", "Lê Văn Tâm", "Hoàng Văn Nam", "Đặng Quốc Bình", "Trần Minh Đức")
WOMEN = ("Trần Thị Mai", "Phạm Thị Hoa", "Võ Thị Lan", "Bùi Thị Thu", "Ngô Thị Hằng")
ROMAN = ("X", "XI", "XII", "XIII", "XIV", "XV")

TITLE_TEMPLATES = (
    "{P}: Khuyến công hỗ trợ phát triển {C}",
    "{P}: {n} tháng nghiệm thu {m} đề án khuyến công",
    "{P}: Hỗ trợ {x} tỷ đồng cho cơ sở công nghiệp nông thôn đổi mới máy móc",
    "Khuyến công {P} hỗ trợ cơ sở {C} ứng dụng công nghệ mới",
    "{P}: Bình chọn {k} sản phẩm công nghiệp nông thôn tiêu biểu năm {y}",
    "Hội chợ triển lãm hàng công nghiệp nông thôn tiêu biểu khu vực {R} năm {y}",
    "{P}: Tập huấn nâng cao năng lực quản lý cho cơ sở {C}",
    "{P}: Chuyển đổi số cho cơ sở công nghiệp nông thôn sản xuất {C}",
    "Khuyến công quốc gia đồng hành cùng làng nghề {C} {P}",
    "{P}: Nâng cao hiệu quả sử dụng kinh phí khuyến công địa phương năm {y}",
    "{P}: Xây dựng mô hình trình diễn kỹ thuật sản xuất {C}",
    "Hội nghị khuyến công các tỉnh, thành phố khu vực {R} lần thứ {r}, năm {y}",
)
LEAD_TEMPLATES = (
    "Năm {y}, Trung tâm Khuyến công và Tư vấn phát triển công nghiệp {P} đã triển khai {m} đề án "
    "khuyến công với tổng kinh phí hơn {x} tỷ đồng, góp phần giúp các cơ sở công nghiệp nông thôn "
    "đổi mới máy móc, nâng cao năng suất.",
    "Chương trình khuyến công đã giúp nhiều cơ sở sản xuất {C} tại {P} mạnh dạn đầu tư thiết bị, "
    "mở rộng quy mô và tạo việc làm ổn định cho lao động địa phương.",
    "Sở Công Thương {P} cho biết, từ đầu năm đến nay, hoạt động khuyến công tiếp tục được triển khai "
    "đồng bộ, tập trung hỗ trợ phát triển sản phẩm công nghiệp nông thôn tiêu biểu.",
    "Với sự hỗ trợ từ nguồn kinh phí khuyến công, các cơ sở {C} ở {P} đã từng bước nâng cao chất "
    "lượng sản phẩm và mở rộng thị trường tiêu thụ.",
)
SENTENCE_TEMPLATES = (
    "Theo Sở Công Thương {P}, trong {n} tháng đầu năm {y}, toàn tỉnh đã triển khai {m} đề án khuyến "
    "công với tổng kinh phí {x} tỷ đồng.",
    "Các đề án tập trung hỗ trợ ứng dụng máy móc thiết bị tiên tiến vào sản xuất {C}, xây dựng mô "
    "hình trình diễn kỹ thuật và tổ chức hội chợ triển lãm.",
    "Nhờ nguồn vốn khuyến công, nhiều cơ sở đã nâng công suất thêm {pct}%, giảm chi phí nhân công và "
    "cải thiện chất lượng sản phẩm.",
    "Ông {man}, chủ cơ sở sản xuất {C} tại {P}, cho biết: “Sau khi được hỗ trợ máy móc, năng suất "
    "của cơ sở tăng gấp đôi, sản phẩm đồng đều hơn và dễ tiêu thụ hơn”.",
    "Bên cạnh đó, công tác bình chọn sản phẩm công nghiệp nông thôn tiêu biểu cấp tỉnh được tổ chức "
    "định kỳ, qua đó có {k} sản phẩm được công nhận.",
    "Trong thời gian tới, Trung tâm Khuyến công {P} sẽ tiếp tục phối hợp với các địa phương rà soát "
    "nhu cầu, lựa chọn các đề án có tính lan tỏa cao.",
    "Bà {woman}, Giám đốc Trung tâm Khuyến công {P}, nhấn mạnh: hoạt động khuyến công cần bám sát "
    "nhu cầu thực tế của cơ sở sản xuất, ưu tiên công nghệ sạch và tiết kiệm năng lượng.",
    "Nhiều sản phẩm {C} của {P} đã có mặt tại các hệ thống phân phối lớn và từng bước tham gia xuất "
    "khẩu.",
    "Năm {y}, kinh phí khuyến công quốc gia phân bổ cho {P} đạt {x} tỷ đồng, tăng {pct}% so với năm "
    "trước.",
    "Hoạt động chuyển đổi số, thương mại điện tử cũng được chú trọng nhằm giúp cơ sở công nghiệp "
    "nông thôn mở rộng thị trường tiêu thụ.",
    "Đến nay, trên địa bàn {P} có {k} làng nghề được công nhận, thu hút hàng nghìn lao động nông "
    "thôn có việc làm thường xuyên.",
    "Cũng tại sự kiện, đại diện các doanh nghiệp đã chia sẻ kinh nghiệm áp dụng sản xuất sạch hơn và "
    "tiết kiệm năng lượng trong ngành {C}.",
)
CAPTION_TEMPLATES = (
    "Các đại biểu trao đổi tại Hội nghị",
    "Quang cảnh hội nghị",
    "Sản phẩm {C} của {P} được trưng bày tại hội chợ",
    "Máy móc thiết bị được hỗ trợ từ nguồn kinh phí khuyến công tại {P}",
    "Lãnh đạo Sở Công Thương {P} thăm gian hàng trưng bày sản phẩm",
    "Cơ sở sản xuất {C} tại {P} đầu tư dây chuyền mới",
)


@dataclass
class Story:
    """Generated text of one article, before the site gives it an id, a URL and a date."""

    title: str
    lead: str
    paragraphs: list[str]
    captions: list[str]
    author: str
    tags: list[str] = field(default_factory=list)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def slugify(text: str) -> str:
    """Vietnamese headline to URL slug, as the CMSs do: no diacritics, đ as d, words joined by '-'."""
    text = nfc(text).replace("đ", "d").replace("Đ", "D")
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", bare.lower()).strip("-")


_DRAWS = {
    "R": lambda rng: rng.choice(REGIONS), "r": lambda rng: rng.choice(ROMAN),
    "y": lambda rng: rng.randint(2019, 2025), "n": lambda rng: rng.randint(3, 11),
    "m": lambda rng: rng.randint(2, 40), "k": lambda rng: rng.randint(5, 90),
    "x": lambda rng: f"{rng.randint(1, 30)},{rng.randint(10, 99)}",
    "pct": lambda rng: rng.randint(10, 60), "man": lambda rng: rng.choice(MEN),
    "woman": lambda rng: rng.choice(WOMEN),
}


class _Slots(dict[str, object]):
    """Template values drawn only when a template asks for them (keeps 2,000-article builds fast)."""

    def __init__(self, rng: random.Random, province: str, craft: str) -> None:
        super().__init__(P=province, C=craft)
        self._rng = rng

    def __missing__(self, key: str) -> object:
        self[key] = value = _DRAWS[key](self._rng)
        return value


def fill(rng: random.Random, template: str, province: str, craft: str) -> str:
    return template.format_map(_Slots(rng, province, craft))


def province_of(title: str) -> str | None:
    """The province a headline is about, when it starts with one ("Kiên Giang: ...")."""
    head = title.split(":", 1)[0].strip()
    return head if head in PROVINCES else None


def sentence(rng: random.Random, province: str, craft: str) -> str:
    return fill(rng, rng.choice(SENTENCE_TEMPLATES), province, craft)


def paragraph(rng: random.Random, province: str, craft: str) -> str:
    """Two or three templated sentences, or now and then a real paragraph of the seed article."""
    if rng.random() < 0.2:
        return rng.choice(SEED_PARAGRAPHS)
    return " ".join(sentence(rng, province, craft) for _ in range(rng.randint(2, 3)))


def generate_story(rng: random.Random, title: str | None = None) -> Story:
    """A khuyến công news story; when `title` is given (a real headline) the text follows its province."""
    province = (title and province_of(title)) or rng.choice(PROVINCES)
    craft = rng.choice(CRAFTS)
    if title is None:
        title = fill(rng, rng.choice(TITLE_TEMPLATES), province, craft)
    return Story(
        title=title,
        lead=fill(rng, rng.choice(LEAD_TEMPLATES), province, craft),
        paragraphs=[paragraph(rng, province, craft) for _ in range(rng.randint(3, 8))],
        captions=[fill(rng, rng.choice(CAPTION_TEMPLATES), province, craft)
                  for _ in range(rng.choice((0, 1, 1, 2, 2, 3)))],
        author=rng.choice(AUTHORS),
        tags=["Khuyến công", province, craft],
    )


def seed_story() -> Story:
    return Story(
        title=SEED_TITLE, lead=SEED_LEAD, paragraphs=list(SEED_PARAGRAPHS),
        captions=list(SEED_CAPTIONS), author=SEED_AUTHOR,
        tags=["Khuyến công", "Sản xuất và tiêu dùng bền vững", "Kinh tế tuần hoàn"],
    )
