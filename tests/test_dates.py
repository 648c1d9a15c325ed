"""parse_date on the date lines Vietnamese ministry and news sites actually print."""

from __future__ import annotations

import logging
import unicodedata
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crawler import dates
from crawler.dates import dateparser_settings, parse_date

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2024, 11, 25, 10, 0, 30, tzinfo=HCM)


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=HCM)


def assert_local(parsed: datetime | None, expected: datetime) -> None:
    assert parsed == expected
    assert parsed.tzinfo == HCM
    assert parsed.utcoffset() == timedelta(hours=7)


SITE_LINES = [
    ("Thứ hai 25/11/2024 05:05", local(2024, 11, 25, 5, 5)),
    ("Chủ nhật, 24/11/2024 07:25 (GMT+7)", local(2024, 11, 24, 7, 25)),
    ("Thứ hai, 17/06/2024 01:28 (GMT+7)", local(2024, 6, 17, 1, 28)),
    ("Chủ Nhật, 22/09/2019, 02:16:58", local(2019, 9, 22, 2, 16, 58)),
    ("15:37 | 30/11/2021", local(2021, 11, 30, 15, 37)),
    ("08:39 AM 25/10/2017 |   Lượt xem: 4395 |   In bài viết |", local(2017, 10, 25, 8, 39)),
    ("Ngày 15/7/2019", local(2019, 7, 15)),
    ("Thứ 5, 29/01/2026 | 14:44", local(2026, 1, 29, 14, 44)),
    ("2026-01-29T15:16:23+0700", local(2026, 1, 29, 15, 16, 23)),
    ("Thứ 2, 25/11/2024 - 05:05", local(2024, 11, 25, 5, 5)),
    ("05:05 25/11/2024", local(2024, 11, 25, 5, 5)),
    ("25-11-2024 05:05", local(2024, 11, 25, 5, 5)),
    ("ngày 25 tháng 11 năm 2024", local(2024, 11, 25)),
    ("Cập nhật: 25/11/2024 05:05", local(2024, 11, 25, 5, 5)),
]

OTHER_FORMS = [
    ("25/11/2024 05:05:09", local(2024, 11, 25, 5, 5, 9)),
    ("3/4/2024 5:05", local(2024, 4, 3, 5, 5)),  # day first: 3 April
    ("03/04/2024", local(2024, 4, 3)),
    ("25.11.2024 05:05", local(2024, 11, 25, 5, 5)),
    ("25/11/2024 lúc 14h30", local(2024, 11, 25, 14, 30)),
    ("05:05 ngày 25/11/2024", local(2024, 11, 25, 5, 5)),
    ("Thứ bảy, ngày 23 tháng 11 năm 2024", local(2024, 11, 23)),
    ("25 tháng 11, 2024 08:00", local(2024, 11, 25, 8, 0)),
    ("T2, 25/11/2024 05:05", local(2024, 11, 25, 5, 5)),
    ("CN 24/11/2024 07:25", local(2024, 11, 24, 7, 25)),
    # dateparser reads "năm" (Thursday here, also "five" and "year") as the day: 5/11/2024.
    ("Thứ năm 28/11/2024 11:41", local(2024, 11, 28, 11, 41)),
    ("25/11/2024 05:05 (GMT+0)", local(2024, 11, 25, 12, 5)),
    # the time in words, before the date
    ("10 giờ 30 phút, ngày 25/11/2024", local(2024, 11, 25, 10, 30)),
    ("9 giờ 5 phút ngày 5/3/2026", local(2026, 3, 5, 9, 5)),
    ("14 giờ, ngày 25 tháng 11 năm 2024", local(2024, 11, 25, 14, 0)),
]

ISO_FORMS = [
    ("2024-11-25T05:05:00+07:00", local(2024, 11, 25, 5, 5)),
    ("2024-11-25T05:05:00Z", local(2024, 11, 25, 12, 5)),
    ("2024-11-24T22:05:00+00:00", local(2024, 11, 25, 5, 5)),
    ("2024-11-25T00:05:00+0200", local(2024, 11, 25, 5, 5)),
    ("2024-11-25T05:05:00", local(2024, 11, 25, 5, 5)),  # naive: local time
    ("2024-11-25T05:05", local(2024, 11, 25, 5, 5)),
    ("2024-11-25 05:05:07", local(2024, 11, 25, 5, 5, 7)),
    ("2024-11-25T05:05:00.250+07:00", local(2024, 11, 25, 5, 5, 0, 250000)),
    ("2024-11-25", local(2024, 11, 25)),
]

TWELVE_HOUR = [
    ("25/11/2024 05:05 SA", local(2024, 11, 25, 5, 5)),
    ("25/11/2024 05:05 CH", local(2024, 11, 25, 17, 5)),
    ("25/11/2024 12:10 SA", local(2024, 11, 25, 0, 10)),
    ("25/11/2024 12:10 CH", local(2024, 11, 25, 12, 10)),
    ("25/11/2024 05:05 PM", local(2024, 11, 25, 17, 5)),
    ("12:10 AM 25/11/2024", local(2024, 11, 25, 0, 10)),
    ("25/11/2024 05:05 sa", local(2024, 11, 25, 5, 5)),
    ("25/11/2024 08:00 tối", local(2024, 11, 25, 20, 0)),
    ("25/11/2024 14:00 CH", local(2024, 11, 25, 14, 0)),  # already 24-hour
]

RELATIVE_FORMS = [
    ("5 phút trước", local(2024, 11, 25, 9, 55, 30)),
    ("2 giờ trước", local(2024, 11, 25, 8, 0, 30)),
    ("3 ngày trước", local(2024, 11, 22, 10, 0, 30)),
    ("1 tuần trước", local(2024, 11, 18, 10, 0, 30)),
    ("vừa xong", NOW),
    ("Hôm qua 08:00", local(2024, 11, 24, 8, 0)),
    ("Hôm nay 08:00", local(2024, 11, 25, 8, 0)),
    ("hôm qua", local(2024, 11, 24)),
    ("1 tháng trước", local(2024, 10, 25, 10, 0, 30)),  # via dateparser
]


@pytest.mark.parametrize(
    ("text", "expected"), SITE_LINES + OTHER_FORMS + ISO_FORMS + TWELVE_HOUR
)
def test_absolute_forms(text: str, expected: datetime) -> None:
    assert_local(parse_date(text, NOW), expected)


@pytest.mark.parametrize(("text", "expected"), RELATIVE_FORMS)
def test_relative_forms_are_anchored_at_now(text: str, expected: datetime) -> None:
    assert_local(parse_date(text, NOW), expected)


def test_naive_now_is_local_time() -> None:
    assert_local(parse_date("5 phút trước", datetime(2024, 11, 25, 10, 0)), local(2024, 11, 25, 9, 55))


def test_default_now_is_the_current_time() -> None:
    parsed = parse_date("vừa xong")
    assert abs(parsed - datetime.now(HCM)) < timedelta(seconds=5)


@pytest.mark.parametrize(("text", "expected"), SITE_LINES)
def test_decomposed_diacritics(text: str, expected: datetime) -> None:
    assert_local(parse_date(unicodedata.normalize("NFD", text), NOW), expected)


@pytest.mark.parametrize("space", ["\u00a0", "\u202f", "\u2009", "\u3000", "\t", "  \u200b"])
def test_odd_spaces(space: str) -> None:
    text = space.join(["Chủ", "nhật,", "24/11/2024", "07:25", "(GMT+7)"])
    assert_local(parse_date(text, NOW), local(2024, 11, 24, 7, 25))


@pytest.mark.parametrize(("text", "expected"), SITE_LINES + RELATIVE_FORMS[:7])
def test_any_capitalisation(text: str, expected: datetime) -> None:
    assert_local(parse_date(text.upper(), NOW), expected)


@pytest.mark.parametrize(
    "weekday",
    ["Thứ hai", "thứ Hai", "Thứ 2", "T2", "t2"],
)
def test_weekday_names_that_agree_are_silent(weekday: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="crawler.dates"):
        assert_local(parse_date(f"{weekday}, 25/11/2024 05:05", NOW), local(2024, 11, 25, 5, 5))
    assert caplog.records == []


@pytest.mark.parametrize(
    "weekday",
    ["Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật", "Thứ 7", "T5", "CN"],
)
def test_contradicting_weekday_warns_and_digits_win(
    weekday: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="crawler.dates"):
        parsed = parse_date(f"{weekday}, 25/11/2024 05:05", NOW)
    assert_local(parsed, local(2024, 11, 25, 5, 5))  # 25/11/2024 is a Monday
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert "contradicts" in caplog.records[0].getMessage()


@pytest.mark.parametrize(
    "text",
    ["32/13/2024", "30/02/2024 10:00", "25/11/2024 25:00", "2024-13-01T00:00:00", "", "   ",
     "xyz", "Lượt xem: 4395", "In bài viết",
     # a month and a year name no day: not a publication date
     "Tháng 3/2026", "03/2026", "tháng 3 năm 2026"],
)
def test_invalid_or_garbage_gives_none_and_a_warning(
    text: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="crawler.dates"):
        assert parse_date(text, NOW) is None
    assert any(r.levelno == logging.WARNING for r in caplog.records)


def test_non_string_gives_none() -> None:
    assert parse_date(None, NOW) is None  # type: ignore[arg-type]


# Common numeric forms where dateparser itself is right; the fast path must agree with it.
AGREEMENT_FORMS = [
    "Thứ hai 25/11/2024 05:05",
    "Chủ nhật, 24/11/2024 07:25 (GMT+7)",
    "Chủ Nhật, 22/09/2019, 02:16:58",
    "15:37 | 30/11/2021",
    "Ngày 15/7/2019",
    "Thứ 5, 29/01/2026 | 14:44",
    "2026-01-29T15:16:23+0700",
    "Thứ 2, 25/11/2024 - 05:05",
    "05:05 25/11/2024",
    "25-11-2024 05:05",
    "3/4/2024 5:05",
    "ngày 25 tháng 11 năm 2024",
    "25/11/2024 05:05 CH",
    "25/11/2024 05:05 PM",
    "2024-11-25T05:05:00Z",
    "2024-11-25T05:05:00",
]


def test_settings_are_the_documented_ones() -> None:
    settings = dateparser_settings(NOW)
    assert settings["DATE_ORDER"] == "DMY"
    assert settings["TIMEZONE"] == "Asia/Ho_Chi_Minh"
    assert settings["RETURN_AS_TIMEZONE_AWARE"] is True
    assert settings["PREFER_DATES_FROM"] == "past"
    assert settings["RELATIVE_BASE"] == datetime(2024, 11, 25, 10, 0, 30)


def no_fallback(text: str, now: datetime) -> None:
    pytest.fail(f"{text!r} missed the fast path")


@pytest.mark.parametrize("text", AGREEMENT_FORMS)
def test_fast_path_agrees_with_dateparser(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import dateparser

    expected = dateparser.parse(text, languages=["vi"], settings=dateparser_settings(NOW))
    monkeypatch.setattr(dates, "_parse_with_dateparser", no_fallback)
    parsed = parse_date(text, NOW)
    assert parsed.replace(second=0, microsecond=0) == expected.replace(second=0, microsecond=0)
