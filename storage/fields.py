"""Article fields between their record and their columns: one conversion each way, NFC and UTC."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Any

from storage.records import ArticleFields, ImageRecord, LinkRecord


def nfc(text: str) -> str:
    """`text` in Unicode NFC: stored text is compared as it is, so one form only."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _optional(text: str | None) -> str | None:
    return None if text is None else nfc(text)


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC)


def column_values(fields: ArticleFields) -> dict[str, Any]:
    """The versions-table values of `fields`: `stored(fields)`, images and links as JSON lists."""
    kept = stored(fields)
    return {
        "title": kept.title,
        "lead": kept.lead,
        "body": kept.body,
        "body_html": kept.body_html,
        "author": kept.author,
        "category": kept.category,
        "published_at": kept.published_at,
        "modified_at": kept.modified_at,
        "images": [{"url": i.url, "caption": i.caption} for i in kept.images],
        "related": [{"url": r.url, "title": r.title} for r in kept.related],
    }


def stored(fields: ArticleFields) -> ArticleFields:
    """`fields` exactly as they will read back once stored (NFC, UTC), to keep in memory; the one
    place the stored form is decided (`column_values` lays it out in columns)."""
    return ArticleFields(
        title=nfc(fields.title),
        lead=nfc(fields.lead),
        body=nfc(fields.body),
        body_html=nfc(fields.body_html),
        author=_optional(fields.author),
        category=_optional(fields.category),
        published_at=_utc(fields.published_at),
        modified_at=_utc(fields.modified_at),
        images=tuple(ImageRecord(i.url, nfc(i.caption)) for i in fields.images),
        related=tuple(LinkRecord(r.url, nfc(r.title)) for r in fields.related),
    )


def from_columns(row: Any) -> ArticleFields:
    """The fields of a stored version (a Version, a row or a mapping with its column names)."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    return ArticleFields(
        title=get("title") or "",
        lead=get("lead") or "",
        body=get("body") or "",
        body_html=get("body_html") or "",
        author=get("author"),
        category=get("category"),
        published_at=get("published_at"),
        modified_at=get("modified_at"),
        images=tuple(ImageRecord(i.get("url", ""), i.get("caption", "")) for i in get("images") or ()),
        related=tuple(LinkRecord(r.get("url", ""), r.get("title", "")) for r in get("related") or ()),
    )
