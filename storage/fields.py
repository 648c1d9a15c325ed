"""Article fields in their stored form: NFC text, UTC ISO dates, defaults for missing keys."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Any

# Keys of Snapshot.fields and VersionDetail.fields(), in the order they are compared and shown.
ARTICLE_FIELDS = (
    "title",
    "lead",
    "body",
    "body_html",
    "author",
    "category",
    "published_at",
    "modified_at",
    "images",
    "related",
)
_DATE_FIELDS = ("published_at", "modified_at")
_LIST_FIELDS = ("images", "related")
_OPTIONAL_TEXT_FIELDS = ("author", "category")


def nfc(value: Any) -> Any:
    """`value` with every string inside it (lists and dicts included) in Unicode NFC."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list | tuple):
        return [nfc(item) for item in value]
    if isinstance(value, dict):
        return {nfc(key): nfc(item) for key, item in value.items()}
    return value


def parse_timestamp(value: str | datetime | None) -> datetime | None:
    """An aware ISO-8601 string (or datetime) as an aware UTC datetime; naive values are refused."""
    if value is None or value == "":
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"timestamp {value!r} has no timezone")
    return moment.astimezone(UTC)


def normalise_fields(raw: dict[str, Any]) -> dict[str, Any]:
    """Snapshot fields in the exact form VersionDetail.fields() gives back, so the two compare."""
    fields: dict[str, Any] = {}
    for name in ARTICLE_FIELDS:
        value = nfc(raw.get(name))
        if name in _DATE_FIELDS:
            moment = parse_timestamp(value)
            value = moment.isoformat() if moment is not None else None
        elif name in _LIST_FIELDS:
            value = list(value or [])
        elif name not in _OPTIONAL_TEXT_FIELDS:
            value = value or ""
        fields[name] = value
    return fields


def fields_of(version: Any) -> dict[str, Any]:
    """The article fields of a stored version (anything with those attributes), dates as ISO."""
    values = {name: getattr(version, name) for name in ARTICLE_FIELDS}
    for name in _DATE_FIELDS:
        values[name] = values[name].isoformat() if values[name] is not None else None
    return values


def column_values(fields: dict[str, Any]) -> dict[str, Any]:
    """Normalised fields as values for the versions table (dates back to datetimes)."""
    values = dict(fields)
    for name in _DATE_FIELDS:
        values[name] = parse_timestamp(values[name])
    return values
