"""Date lines as Vietnamese news sites print them, one function per known style."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

WEEKDAYS = ("Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật")
WEEKDAYS_TITLE = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
WEEKDAYS_NUMBERED = ("Thứ 2", "Thứ 3", "Thứ 4", "Thứ 5", "Thứ 6", "Thứ 7", "Chủ nhật")


def _ampm(dt: datetime) -> str:
    hour = dt.hour % 12 or 12
    return f"{hour:02d}:{dt:%M} {'AM' if dt.hour < 12 else 'PM'}"


_STYLES: dict[str, Callable[[datetime, int], str]] = {
    # Thứ hai, 17/06/2024 01:28 (GMT+7)
    "gmt7": lambda dt, _v: f"{WEEKDAYS[dt.weekday()]}, {dt:%d/%m/%Y %H:%M} (GMT+7)",
    # Thứ hai 25/11/2024 05:05 (also the congthuong header clock)
    "clock": lambda dt, _v: f"{WEEKDAYS[dt.weekday()]} {dt:%d/%m/%Y %H:%M}",
    # 15:37 | 30/11/2021
    "time_first": lambda dt, _v: f"{dt:%H:%M} | {dt:%d/%m/%Y}",
    # Chủ Nhật, 22/09/2019, 02:16:58
    "seconds": lambda dt, _v: f"{WEEKDAYS_TITLE[dt.weekday()]}, {dt:%d/%m/%Y, %H:%M:%S}",
    # 08:39 AM 25/10/2017 | Lượt xem: 4395 | In bài viết |
    "ampm_views": lambda dt, v: f"{_ampm(dt)} {dt:%d/%m/%Y} | Lượt xem: {v} | In bài viết |",
    # Thứ 5, 29/01/2026 | 14:44 (moit.gov.vn)
    "portal": lambda dt, _v: f"{WEEKDAYS_NUMBERED[dt.weekday()]}, {dt:%d/%m/%Y} | {dt:%H:%M}",
}
DATE_STYLES = tuple(_STYLES)


def date_line(style: str, when: datetime, views: int = 0) -> str:
    """The visible date line of an article in `style`, in Vietnam local time."""
    return _STYLES[style](when.astimezone(VN_TZ), views)


def header_clock(now: datetime) -> str:
    """The header clock every congthuong page shows: the time of the fetch, not of the article."""
    return date_line("clock", now)


def iso_colon(when: datetime) -> str:
    """2024-06-17T01:28:00+07:00"""
    return when.astimezone(VN_TZ).isoformat(timespec="seconds")


def iso_no_colon(when: datetime) -> str:
    """2026-01-29T15:16:23+0700, as moit.gov.vn writes its metadata."""
    return when.astimezone(VN_TZ).strftime("%Y-%m-%dT%H:%M:%S%z")
