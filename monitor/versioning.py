"""What makes two fetches of an article the same version: its stored fields, their normalised
form and hash, and which of them differ."""

from __future__ import annotations

import hashlib
import json
import posixpath
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from crawler.records import Article
from crawler.text import normalise
from storage.records import ArticleFields, ImageRecord, LinkRecord

# The fields whose change is an edit. Related lists, category, body HTML and modified time are
# kept with each version but change for reasons that are not the article's own.
EDIT_FIELDS = ("title", "lead", "body", "author", "published_at", "images")


def article_fields(article: Article) -> ArticleFields:
    """The extracted article as the record the store keeps (the one conversion into storage).

    The page's URL lives with the page, not with each version; where each field came from, what
    the extractor warned about and the links it could not parse describe this fetch, not the
    article."""
    return ArticleFields(
        title=article.title,
        lead=article.lead,
        body=article.body,
        body_html=article.body_html,
        author=article.author,
        category=article.category,
        published_at=article.published_at,
        modified_at=article.modified_at,
        images=tuple(ImageRecord(image.url, image.caption) for image in article.images),
        related=tuple(LinkRecord(link.url, link.title) for link in article.related),
    )


def same_text(a: str | None, b: str | None) -> bool:
    """Equal once Unicode form and whitespace are normalised (pages mix NFC/NFD and odd spaces)."""
    return normalise(a or "") == normalise(b or "")


def _body(value: str) -> str:
    return "\n\n".join(p for p in (normalise(par) for par in value.split("\n\n")) if p)


def _image_key(image: ImageRecord) -> list[str]:
    # Image hosts move files between URL schemes (stores/news_dataimages -> upload/Y/M/D), so only
    # the file name and the caption say which picture it is.
    return [posixpath.basename(urlsplit(image.url).path), normalise(image.caption)]


def _minute(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).replace(second=0, microsecond=0).isoformat()


def comparable(fields: ArticleFields) -> dict[str, Any]:
    """The edit fields, normalised so that whitespace, Unicode form or image hosting never differ."""
    return {
        "title": normalise(fields.title),
        "lead": normalise(fields.lead),
        "body": _body(fields.body),
        "author": normalise(fields.author or ""),
        "published_at": _minute(fields.published_at),
        "images": [_image_key(image) for image in fields.images],
    }


_CANONICAL_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


# Above this many characters of body the JSON is hashed a piece at a time: a 20 MB body is not
# encoded twice more. Below it, one call of the C encoder (iterencode is pure Python) is ~10× faster.
_ONE_SHOT_CHARS = 1 << 20


def content_hash(fields: ArticleFields) -> str:
    """sha256 of the canonical JSON of `comparable(fields)` (json.dumps, sorted keys, UTF-8)."""
    return _content_hash(comparable(fields))


def _content_hash(values: dict[str, Any]) -> str:
    if len(values["body"]) < _ONE_SHOT_CHARS:
        return hashlib.sha256(_CANONICAL_JSON.encode(values).encode("utf-8")).hexdigest()
    digest = hashlib.sha256()
    for piece in _CANONICAL_JSON.iterencode(values):
        digest.update(piece.encode("utf-8"))
    return digest.hexdigest()


def body_hash(fields: ArticleFields) -> str:
    """The hash of the normalised body alone: the same text under another URL is a moved article."""
    return _body_hash(_body(fields.body))


def _body_hash(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def hashes(fields: ArticleFields) -> tuple[str, str]:
    """(content_hash, body_hash) of `fields`, the body normalised once for both."""
    values = comparable(fields)
    return _content_hash(values), _body_hash(values["body"])


def changed_fields(previous: ArticleFields, current: ArticleFields) -> list[str]:
    """The edit fields that differ between two versions, in EDIT_FIELDS order."""
    before, after = comparable(previous), comparable(current)
    return [name for name in EDIT_FIELDS if before[name] != after[name]]
