"""Turn the date strings of Vietnamese news pages into aware Asia/Ho_Chi_Minh datetimes."""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

logger = logging.getLogger(__name__)

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# Zero-width characters are not matched by \s, so they would split "25/11" or "Thứ"; drop them.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))

# Metadata (article:published_time, JSON-LD) uses ISO 8601, sometimes "+0700" without a colon;
# datetime.fromisoformat accepts all of these once the shape is confirmed.
_ISO_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}"
    r"(?:[t ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,6})?)?)?"
    r"(?:z|[+-]\d{2}(?::?\d{2})?)?"
)

# "14:30", "14h30", "14:30:05", and the time in words: "14 giờ 30 phút", "14 giờ".
_TIME = (
    r"(?<!\d)(?P<{p}h>\d{{1,2}})(?:[:h](?P<{p}mi>\d{{2}})(?::(?P<{p}s>\d{{2}}))?"
    r"|\s*giờ(?:\s*(?P<{p}wmi>\d{{1,2}})\s*phút)?)"
    r"(?:\s*(?P<{p}ap>am|pm|sa|ch|sáng|chiều|tối)\b)?"
)
# Numeric "25/11/2024" (same separator twice) or worded "25 tháng 11 năm 2024".
_DATE = (
    r"(?<!\d)(?:(?P<d>\d{1,2})(?P<sep>[/.-])(?P<mo>\d{1,2})(?P=sep)(?P<y>\d{4})"
    r"|(?P<wd>\d{1,2})\s*tháng\s*(?P<wmo>\d{1,2})(?:\s*năm|\s*,)?\s*(?P<wy>\d{4}))(?!\d)"
)
_SEP = r"[\s,|\-–—]*(?:(?:lúc|ngày)[\s,]*)?"
# The time may come before the date ("15:37 | 30/11/2021") or after it; anything around the
# match (weekday, "Cập nhật:", a view counter) is ignored.
_DATE_TIME_RE = re.compile(
    rf"(?:{_TIME.format(p='a')}{_SEP})?{_DATE}(?:{_SEP}{_TIME.format(p='b')})?"
    r"(?:\s*\(?\s*gmt\s*(?P<off>[+-]\d{1,2})(?::?00)?\s*\)?)?"
)

_PM_MARKERS = frozenset({"pm", "ch", "chiều", "tối"})

_WEEKDAY_RE = re.compile(
    r"\b(?:thứ\s*(?P<thu>hai|ba|tư|năm|sáu|bảy|bẩy|[2-7])|t(?P<t>[2-7])|(?P<cn>chủ\s*nhật|cn))\b"
)
_WEEKDAY_WORDS = {"hai": 0, "ba": 1, "tư": 2, "năm": 3, "sáu": 4, "bảy": 5, "bẩy": 5}

_AGO_RE = re.compile(r"(?<!\d)(\d{1,3})\s*(giây|phút|giờ|tiếng|ngày|tuần)\s*trước\b")
_AGO_UNITS = {
    "giây": timedelta(seconds=1),
    "phút": timedelta(minutes=1),
    "giờ": timedelta(hours=1),
    "tiếng": timedelta(hours=1),
    "ngày": timedelta(days=1),
    "tuần": timedelta(weeks=1),
}
_JUST_NOW_RE = re.compile(r"\b(?:vừa xong|vừa mới|mới đây)\b")
_DAY_WORD_RE = re.compile(
    rf"\bhôm\s*(?P<day>nay|qua|kia)\b(?:{_SEP}{_TIME.format(p='b')})?"
)
_DAYS_BACK = {"nay": 0, "qua": 1, "kia": 2}


def parse_date(text: str, now: datetime | None = None) -> datetime | None:
    """Parse a Vietnamese date string; None (with a warning) when it is not a valid date.

    Day always comes first. Dates without a time are midnight local time. `now` anchors
    relative forms ("5 phút trước", "Hôm qua 08:00"); naive `now` is taken as local time.
    """
    cleaned = _clean(text) if isinstance(text, str) else ""
    if not cleaned:
        logger.warning("No date text: %r", text)
        return None
    try:
        parsed = _parse_fast(cleaned, now)
    except ValueError as exc:  # the digits were found but name no real date, e.g. 32/13/2024
        logger.warning("Invalid date %r: %s", text, exc)
        return None
    if parsed is None:
        parsed = _parse_with_dateparser(cleaned, _local_now(now))
    if parsed is None:
        logger.warning("Unrecognised date %r", text)
    return parsed


def _clean(text: str) -> str:
    """NFC, no invisible characters, one plain space between words, lower case."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return " ".join(text.split()).lower()


def _parse_fast(text: str, now: datetime | None) -> datetime | None:
    """The regex forms; ValueError when a form matched but its numbers are out of range."""
    if _ISO_RE.fullmatch(text):
        return _from_iso(text)
    match = _DATE_TIME_RE.search(text)
    if match:
        return _check_weekday(text, _from_date_time(match))
    return _parse_relative(text, _local_now(now))


def _from_iso(text: str) -> datetime:
    # fromisoformat wants the upper-case "T" and "Z" that _clean lowered.
    parsed = datetime.fromisoformat(text.upper())
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=LOCAL_TZ)
    return parsed.astimezone(LOCAL_TZ)


def _from_date_time(match: re.Match[str]) -> datetime:
    day = date(
        int(match["y"] or match["wy"]),
        int(match["mo"] or match["wmo"]),
        int(match["d"] or match["wd"]),
    )
    prefix = "a" if match["ah"] else "b"
    clock = _clock(match, prefix) if match[prefix + "h"] else time()
    if match["off"] is None:
        return datetime.combine(day, clock, LOCAL_TZ)
    stated = timezone(timedelta(hours=int(match["off"])))
    return datetime.combine(day, clock, stated).astimezone(LOCAL_TZ)


def _clock(match: re.Match[str], prefix: str) -> time:
    hour = int(match[prefix + "h"])
    marker = match[prefix + "ap"]
    # 12-hour markers only mean something on 0..12; "14:00 CH" is already 24-hour.
    if marker and hour <= 12:
        hour = hour % 12 + (12 if marker in _PM_MARKERS else 0)
    minute = match[prefix + "mi"] or match[prefix + "wmi"] or 0
    return time(hour, int(minute), int(match[prefix + "s"] or 0))


def _check_weekday(text: str, parsed: datetime) -> datetime:
    """Keep the digits when a stated weekday disagrees with them, but say so."""
    stated = _stated_weekday(text)
    if stated is not None and stated != parsed.weekday():
        logger.warning(
            "Weekday in %r contradicts the date %s; trusting the digits", text, parsed.date()
        )
    return parsed


def _stated_weekday(text: str) -> int | None:
    """Monday=0 … Sunday=6, as date.weekday() counts; "Thứ 2" is Monday."""
    match = _WEEKDAY_RE.search(text)
    if match is None:
        return None
    if match["cn"]:
        return 6
    number = match["t"] or match["thu"]
    return int(number) - 2 if number.isdigit() else _WEEKDAY_WORDS[number]


def _parse_relative(text: str, now: datetime) -> datetime | None:
    if _JUST_NOW_RE.search(text):
        return now
    match = _AGO_RE.search(text)
    if match:
        return now - int(match[1]) * _AGO_UNITS[match[2]]
    match = _DAY_WORD_RE.search(text)
    if match:
        day = now.date() - timedelta(days=_DAYS_BACK[match["day"]])
        clock = _clock(match, "b") if match["bh"] else time()
        return datetime.combine(day, clock, LOCAL_TZ)
    return None


def _local_now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(LOCAL_TZ)
    if now.tzinfo is None:
        return now.replace(tzinfo=LOCAL_TZ)
    return now.astimezone(LOCAL_TZ)


def dateparser_settings(now: datetime) -> dict[str, Any]:
    """The dateparser settings the fallback uses, shared with tests and the benchmark."""
    return {
        "DATE_ORDER": "DMY",
        "TIMEZONE": "Asia/Ho_Chi_Minh",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "past",
        # A month and a year ("Tháng 3/2026") name no day: never a publication date.
        "REQUIRE_PARTS": ["day", "month", "year"],
        # dateparser reads a naive RELATIVE_BASE as wall-clock time in TIMEZONE.
        "RELATIVE_BASE": _local_now(now).replace(tzinfo=None),
    }


def _parse_with_dateparser(text: str, now: datetime) -> datetime | None:
    # Imported here: dateparser takes a noticeable time to load, and most strings never need it.
    import dateparser

    try:
        parsed = dateparser.parse(text, languages=["vi"], settings=dateparser_settings(now))
    except Exception as exc:  # dateparser raises assorted internal errors on odd input
        logger.warning("dateparser failed on %r: %r", text, exc)
        return None
    return parsed.astimezone(LOCAL_TZ) if parsed else None
