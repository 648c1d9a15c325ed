"""The words, names and sizes extraction reads pages by, as data: a new rule is a line here.

Phrases are lower case (pages are matched case-insensitively). Name patterns are tested against
an element's class, id, type, itemprop and data-role; they name kinds of markup, never one site.
"""

from __future__ import annotations

import re

# --- page furniture: never part of an article, and volatile (a clock, a counter) or irrelevant ---

FURNITURE_TAGS = frozenset({"script", "style", "noscript", "template", "nav", "aside", "iframe", "button",
                            "input", "select", "textarea", "svg"})
FURNITURE_NAME = re.compile(
    r"(?:^|[-_])(?:ads?|adv|advert\w*|quang-?cao|banner|share|sharing|social|print|views|luot-?xem"
    r"|view-?count|clock|today|current-?(?:date|time)|date-?now|time-?now|sticky|popup|modal|newsletter"
    r"|weather|thoi-?tiet)(?:[-_]|$)",
    re.IGNORECASE,
)
FURNITURE_PHRASES = ("lượt xem", "lượt đọc", "lượt truy cập", "in bài", "bản in", "chia sẻ", "quảng cáo")
FURNITURE_TEXT = re.compile(
    r"(?:số )?lượt (?:xem|đọc|truy cập)\s*:?\s*[\d.,]+|in bài(?: viết)?|bản in|quảng cáo"
    r"|chia sẻ(?:\s*(?::|facebook|zalo|twitter|email|bài viết))*"
    r"|đọc tiếp|xem tiếp|về trang chủ đề|trở lại|quay lại|lên đầu trang|xem thêm|copy link"
)
# Counters and print links also share a line with a byline or a date; there they are cut out.
COUNTERS = re.compile(r"(?:số )?lượt (?:xem|đọc|truy cập)\s*:?\s*[\d.,]+|in bài(?: viết)?", re.IGNORECASE)
# A block with more text than this is content, whatever its class says.
FURNITURE_MAX_TEXT = 200

# --- what a part of the page is, by its class/id/type/itemprop/data-role ------------------------

TITLE_NAME = re.compile(r"title|headline|tieu-?de", re.IGNORECASE)
LEAD_NAME = re.compile(
    r"sapo|lead|desc|summary|intro|excerpt|brief|chap+e?au|teaser|abstract|tom-?tat|mo-?ta|trich-?yeu",
    re.IGNORECASE)
AUTHOR_NAME = re.compile(r"author|byline|tac-?gia|writer|reporter|phong-?vien", re.IGNORECASE)
DATE_NAME = re.compile(r"date|time|ngay|publish|posted|thoi-?gian", re.IGNORECASE)
CAPTION_NAME = re.compile(r"caption|chu-?thich|legend|(?:image|photo|img|pic)[-_]?(?:desc|note|title)",
                          re.IGNORECASE)
RELATED_NAME = re.compile(
    r"relat|lien-?quan|tinlq|doc-?them|xem-?them|read-?more|more-?news|other-?news|tin-?khac",
    re.IGNORECASE)
TAGS_NAME = re.compile(r"(?:^|[-_])(?:tags?|keywords?|tu-?khoa|chu-?de)(?:[-_s]|$)", re.IGNORECASE)
COMMENTS_NAME = re.compile(r"comment|binh-?luan|y-?kien", re.IGNORECASE)
BREADCRUMB_NAME = re.compile(r"breadcrumb|crumb|duong-?dan", re.IGNORECASE)
# A layout table that holds a photo and its caption (table.image, table.MASTERCMS_TPL_TABLE …).
IMAGE_TABLE_NAME = re.compile(r"image|picture|photo|caption|tpl", re.IGNORECASE)
# Links to an author's page: the text of such a link is a byline.
AUTHOR_LINK = re.compile(r"/(?:tac-?gia|author|authors|nha-?bao|phong-?vien|writer)s?(?:/|\.|-|$)",
                         re.IGNORECASE)
MODIFIED_NAME = re.compile(r"modif|update|cap-?nhat|edit", re.IGNORECASE)
# Link targets that are never articles: tag, search and author pages.
NON_ARTICLE_PATH = re.compile(
    r"/(?:tag|tags|tim-?kiem|search|tac-?gia|author|dang-?nhap|login|rss)(?:/|\.|-\d|$)", re.IGNORECASE)

# An article's address names it: a slug of four words or more, or a number of four digits or more.
ARTICLE_SLUG = re.compile(r"(?:[^-/]+-){3,}[^-/]+|\d{4,}")
ARTICLE_ID_QUERY = re.compile(r"(?:^|&)[a-z_]*id=\d+", re.IGNORECASE)
DOMAIN_LIKE = re.compile(r"\b[\w-]+\.(?:vn|com|net|org|gov|info)\b|https?://|www\.", re.IGNORECASE)

# --- headings and labels --------------------------------------------------------------------

# A block under one of these headings (the whole heading, after ":" and arrows) lists related news.
RELATED_HEADINGS = (
    "tin cùng chuyên mục", "cùng chuyên mục", "tin liên quan", "bài liên quan", "tin bài liên quan",
    "bài viết liên quan", "tin tức liên quan", "tin khác", "các tin khác", "bài viết khác", "tin đã đưa",
    "các tin đã đưa", "tin cùng chủ đề", "cùng chủ đề", "bài cùng chuyên mục", "đọc thêm", "xem thêm",
    "tham khảo thêm", "có thể bạn quan tâm", "có thể bạn muốn đọc", "related", "related news",
    "read more",
)
# Labels that open a "read more" line or box inside the body ("Đọc thêm: <headline>").
RELATED_LABELS = ("đọc thêm", "xem thêm", "tham khảo thêm", "tin liên quan", "bài liên quan",
                  "có thể bạn quan tâm", "read more")
# Boxes of the page, not of the article: never its related news, never a listing's own items.
SIDE_HEADINGS = (
    "đọc nhiều", "xem nhiều", "tin đọc nhiều", "tin xem nhiều", "mới nhất", "tin mới nhất", "tin mới",
    "tin nổi bật", "nổi bật", "tiêu điểm", "được quan tâm", "quan tâm nhiều", "video", "ảnh",
    "podcast", "infographic", "multimedia", "emagazine", "most read", "latest",
)
TAG_LABELS = ("tags", "tag", "từ khóa", "từ khoá", "chủ đề", "keywords")
# A date line that says when the article was changed, not when it appeared.
MODIFIED_LABELS = ("cập nhật", "ngày cập nhật", "sửa lần cuối", "updated", "last updated")
AUTHOR_PREFIX = re.compile(
    r"^(?:tác giả|bài viết|bài và ảnh|bài, ảnh|bài|ảnh|thực hiện|nhóm phóng viên|phóng viên|pv|by)"
    r"\s*[:.]\s*", re.IGNORECASE)
# "Nguyên Minh - 07/03/2026 08:47", "Hà Anh | Thứ bảy, …": a byline sharing its line with the date.
BYLINE_DATE = re.compile(r"\s*(?:[-|–,]\s*)?(?:\bthứ\s|\bchủ nhật|\d{1,2}[/:.-]\d).*$", re.IGNORECASE)
# "Hà Thu (tổng hợp)", "Minh Anh (TTXVN)": the name is the author, the note is not.
AUTHOR_NOTE = re.compile(r"\s*[(\[][^()\[\]]{1,40}[)\]]\s*$")
# "Theo TTXVN", "Nguồn: Bộ Công Thương" closing the body: where the text came from, not who wrote it.
SOURCE_LINE = re.compile(r"^\(?(?:theo|nguồn)\b\s*:?\s*[^.!?]{1,60}\)?$", re.IGNORECASE)
BYLINE_JOINERS = re.compile(r"\s+(?:-|–|—|&|và|and)\s+|\s*[,;/]\s*")
# As a link, these are buttons ("Xem thêm" → the section), not the heading of a related block.
MORE_BUTTONS = frozenset({"xem thêm", "đọc thêm", "read more"})
# What a date line says besides its digits: weekdays, "ngày", "lúc", "Cập nhật", "(GMT+7)".
DATE_LINE_WORDS = re.compile(
    r"thứ\s*(?:hai|ba|tư|năm|sáu|bảy|bẩy)|chủ\s*nhật|cập nhật|ngày|tháng|năm|lúc|đăng|giờ|phút|gmt"
    r"|\b(?:thứ|t[2-7]|cn|sa|ch|am|pm)\b|[\d\s,|:()+\-–/.]", re.IGNORECASE)
NEXT_PAGE_TEXTS = frozenset({"trang sau", "trang tiếp", "tiếp", "sau", "next", "»", "›", ">", ">>"})
HOME_LINKS = frozenset({"trang chủ", "home", ""})

# --- sizes ----------------------------------------------------------------------------------

MIN_BODY_CHARS = 100  # paragraph text before a block counts as an article body
MIN_LEAD_CHARS = 30
MAX_LEAD_CHARS = 1500
MIN_HEADING_LEAD_CHARS = 60  # an unnamed heading after the title reads as the lead from this length
HEADLINE_MIN_WORDS = 4  # a link whose text reads as a headline
MAX_BYLINE_CHARS = 80
MAX_NAMES = 6  # names in one byline
MAX_NAME_WORDS = 5
MAX_DESK_WORDS = 8  # "Phòng Truyền thông Bộ Công Thương", named as the author by the page
MAX_DATE_LINE_CHARS = 120
MAX_DATE_LINE_IN_BODY = 60  # a date line opening or closing the body
MAX_CAPTION_CHARS = 300  # a caption cell in a photo table says this much at most
SHORT_TEXT_CHARS = 80  # a heading, a label, a counter: where phrases are looked for
PROSE_AFTER_BODY = 200  # unlinked characters after the body: the page has moved on
TEASER_LINK_DENSITY = 0.5  # share of a box's text inside links for an unlabelled box of headlines
