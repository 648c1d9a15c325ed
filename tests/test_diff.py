"""Word-level differences between two versions of an article, as the user reads them."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from monitor.diff import diff_json, diff_versions, excerpt, render_text
from storage import ArticleFields
from tests import records

SITE = "https://congthuong.vn"
TITLE = "Bộ Công Thương họp với doanh nghiệp xuất khẩu nông sản"
LEAD = ("Sáng 12/3, Bộ trưởng Bộ Công Thương đã chủ trì cuộc họp về thúc đẩy xuất khẩu nông sản "
        "sang thị trường Trung Quốc và châu Âu trong năm 2024.")
BODY = ("Theo báo cáo, kim ngạch xuất khẩu nông sản năm 2023 đạt 53 tỷ USD, tăng 1,4% so với năm trước.\n\n"
        "Bộ trưởng yêu cầu các đơn vị tháo gỡ khó khăn cho doanh nghiệp, nhất là về logistics và "
        "tiêu chuẩn chất lượng.")


def version(**changes: Any) -> ArticleFields:
    return records.fields(**values(**changes))


def values(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title": TITLE,
        "lead": LEAD,
        "body": BODY,
        "body_html": f"<p>{BODY}</p>",
        "author": "Minh Anh",
        "category": "Thị trường",
        "published_at": "2024-03-12T01:30:00+00:00",
        "modified_at": None,
        "images": [{"url": f"{SITE}/stores/news_dataimages/a/anh-1.jpg", "caption": "Toàn cảnh"}],
        "related": [{"url": "https://congthuong.vn/tin-1-100.html", "title": "Tin liên quan"}],
    }
    fields.update(changes)
    return fields


def test_a_changed_word_in_a_vietnamese_title_is_one_replace_among_equal_words() -> None:
    new = version(title=TITLE.replace("họp với", "làm việc với"))

    [diff] = diff_versions(version(), new)

    assert diff.field == "title" and diff.edit
    assert diff.ops == [
        ("equal", "Bộ Công Thương", "Bộ Công Thương"),
        ("replace", "họp", "làm việc"),
        ("equal", "với doanh nghiệp xuất khẩu nông sản", "với doanh nghiệp xuất khẩu nông sản"),
    ]
    assert render_text([diff]) == (
        "title:\n  Bộ Công Thương [-họp-]{+làm việc+} với doanh nghiệp xuất khẩu nông sản"
    )


def test_inserted_and_deleted_words_keep_their_punctuation() -> None:
    new = version(lead=LEAD.replace("Trung Quốc và châu Âu", "Trung Quốc, Nhật Bản và châu Âu"),
                  body=BODY.replace(", nhất là về logistics và tiêu chuẩn chất lượng", ""))

    diffs = {d.field: d for d in diff_versions(version(), new)}

    assert [op for op in diffs["lead"].ops if op[0] != "equal"] == [("replace", "Quốc", "Quốc, Nhật Bản")]
    changed = [op for op in diffs["body"].ops if op[0] != "equal"]
    assert changed == [("replace", "nghiệp, nhất là về logistics và tiêu chuẩn chất lượng.", "nghiệp.")]


def test_unicode_form_and_whitespace_are_not_a_difference() -> None:
    nfd = {key: unicodedata.normalize("NFD", value) if isinstance(value, str) else value
           for key, value in values().items()}
    spaced = version(title="  Bộ  Công Thương\thọp với doanh nghiệp\nxuất khẩu nông sản ",
                     body=BODY.replace(" ", "  ").replace("\n\n", "\n\n\n"))

    assert diff_versions(version(), records.fields(**nfd)) == []
    assert diff_versions(version(), spaced) == []


def test_a_picture_moved_to_another_host_is_not_a_difference() -> None:
    moved = version(images=[{"url": f"{SITE}/upload/2024/03/12/anh-1.jpg", "caption": "Toàn cảnh"}])

    assert diff_versions(version(), moved) == []


def test_category_and_related_links_are_shown_apart_as_not_an_edit() -> None:
    new = version(category="Thời sự", related=[], lead=LEAD.replace("2024", "2025"))

    diffs = diff_versions(version(), new)

    assert [(d.field, d.edit) for d in diffs] == [("lead", True), ("category", False), ("related", False)]
    text = render_text(diffs)
    assert text.index("lead:") < text.index("Not an edit") < text.index("category:")
    assert "[-Thị trường-]{+Thời sự+}" in text
    assert "related" not in excerpt(diffs) and "category" not in excerpt(diffs)


def test_published_date_change_is_shown_in_vietnam_time() -> None:
    diffs = diff_versions(version(), version(published_at="2024-03-12T03:00:00+00:00"))

    assert "[-2024-03-12T08:30:00+07:00-]{+2024-03-12T10:00:00+07:00+}" in render_text(diffs)


def test_long_unchanged_text_is_elided_around_a_change() -> None:
    long_body = " ".join(f"từ{i}" for i in range(200))
    new = version(body=long_body.replace("từ100", "chữ100"))

    text = render_text(diff_versions(version(body=long_body), new))

    assert "… từ95 từ96 từ97 từ98 từ99 [-từ100-]{+chữ100+} từ101 từ102 từ103 từ104 từ105 …" in text
    assert "từ50" not in text


def test_colour_marks_changes_with_ansi_codes() -> None:
    diffs = diff_versions(version(), version(author="Hà Linh"))

    assert "\x1b[31m[-Minh Anh-]\x1b[0m\x1b[32m{+Hà Linh+}\x1b[0m" in render_text(diffs, color=True)
    assert "\x1b" not in render_text(diffs)


def test_excerpt_shows_first_changes_with_context_and_respects_its_length() -> None:
    new = version(title=TITLE.replace("họp", "làm việc"),
                  body=" ".join(f"câu{i} mới" for i in range(100)))
    diffs = diff_versions(version(), new)

    short = excerpt(diffs)
    assert short.startswith("title: Bộ Công Thương [-họp-]{+làm việc+} với doanh nghiệp")
    assert len(short) <= 300
    for limit in (20, 60, 120):
        assert len(excerpt(diffs, max_chars=limit)) <= limit
    assert excerpt([]) == ""


def test_json_shape() -> None:
    diffs = diff_versions(version(), version(title=TITLE + " mới"))

    data = diff_json(diffs)

    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert data == [{
        "field": "title",
        "edit": True,
        "before": TITLE,
        "after": TITLE + " mới",
        "ops": [
            {"op": "equal", "before": TITLE, "after": TITLE},
            {"op": "insert", "before": "", "after": "mới"},
        ],
    }]
