"""What makes two fetches of an article the same version: normalised fields, their hash, their differences."""

from __future__ import annotations

import hashlib
import json
import posixpath
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from crawler.records import Article
from crawler.text import normalise

# The fields whose change is an edit. Related lists, category, body HTML and modified time are
# kept with each version but change for reasons that are not the article's own.
EDIT_FIELDS = ("title", "lead", "body", "author", "published_at", "images")


def _text(value: str | None) -> str:
    return normalise(value or "")


def _body(value: str | None) -> str:
    return "\n\n".join(p for p in (_text(par) for par in (value or "").split("\n\n")) if p)


def _image_key(image: dict[str, str]) -> list[str]:
    # Image hosts move files between URL schemes (stores/news_dataimages -> upload/Y/M/D), so only
    # the file name and the caption say which picture it is.
    name = posixpath.basename(urlsplit(image.get("url", "")).path)
    return [name, _text(image.get("caption"))]


def snapshot_fields(article: Article) -> dict[str, Any]:
    """The article as JSON-able fields, the form versions are stored and compared in."""
    fields = asdict(article)
    # the page's URL lives with the page, not with each version; where each field came from,
    # what the extractor warned about and the links it could not parse describe this fetch, not
    # the article
    for key in ("url", "sources", "warnings", "dropped_links"):
        del fields[key]
    for key in ("published_at", "modified_at"):
        value = getattr(article, key)
        fields[key] = value.isoformat() if value else None
    return fields


def comparable(fields: dict[str, Any]) -> dict[str, Any]:
    """The edit fields, normalised so that whitespace, Unicode form or image hosting never differ."""
    return {
        "title": _text(fields.get("title")),
        "lead": _text(fields.get("lead")),
        "body": _body(fields.get("body")),
        "author": _text(fields.get("author")),
        "published_at": _minute(fields.get("published_at")),
        "images": [_image_key(img) for img in fields.get("images") or []],
    }


def _minute(value: str | None) -> str | None:
    if not value:
        return None
    return datetime.fromisoformat(value).astimezone(UTC).replace(second=0, microsecond=0).isoformat()


_CANONICAL_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


def content_hash(fields: dict[str, Any]) -> str:
    # the hash of json.dumps(...), fed a piece at a time: a 20 MB body is not encoded twice more
    digest = hashlib.sha256()
    for piece in _CANONICAL_JSON.iterencode(comparable(fields)):
        digest.update(piece.encode("utf-8"))
    return digest.hexdigest()


def changed_fields(previous: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """The edit fields that differ between two versions, in EDIT_FIELDS order."""
    before, after = comparable(previous), comparable(current)
    return [name for name in EDIT_FIELDS if before[name] != after[name]]
