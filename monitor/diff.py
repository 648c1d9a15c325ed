"""What changed between two versions of an article, word by word, and how to show it."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher
from typing import Any, Literal, cast
from urllib.parse import urlsplit

from crawler.text import normalise
from monitor.present import local_iso
from monitor.versioning import EDIT_FIELDS, comparable
from storage.records import ArticleFields, ImageRecord, LinkRecord, VersionDetail

Op = Literal["equal", "insert", "delete", "replace"]
# Kept with each version and worth showing, but they change for reasons that are not the
# article's own (see versioning.EDIT_FIELDS), so they are listed apart as "not an edit".
CONTEXT_FIELDS = ("category", "related")
PARAGRAPH = "\n"  # the token standing for a paragraph break in the body
CONTEXT_WORDS = 5  # equal words kept on each side of a change when rendering
MIN_ELIDED_WORDS = 4  # "…" standing for fewer words would save nothing
EXCERPT_CONTEXT_WORDS = 3
EXCERPT_CHANGE_CHARS = 80
ELLIPSIS = "…"


@dataclass(frozen=True)
class FieldDiff:
    """One field that differs: its shown values before and after, and the word-level operations."""

    field: str
    before: str
    after: str
    ops: list[tuple[Op, str, str]]
    edit: bool = True


def diff_versions(old: ArticleFields, new: ArticleFields) -> list[FieldDiff]:
    """The differing fields of two versions: edits first, in EDIT_FIELDS order, then category
    and related links marked `edit=False`."""
    before_cmp, after_cmp = comparable(old), comparable(new)
    diffs = [
        _field_diff(name, _tokens(name, old), _tokens(name, new), edit=True)
        for name in EDIT_FIELDS
        if before_cmp[name] != after_cmp[name]
    ]
    for name in CONTEXT_FIELDS:
        before, after = _tokens(name, old), _tokens(name, new)
        if before != after:
            diffs.append(_field_diff(name, before, after, edit=False))
    return diffs


# ---- tokenising: each field as a list of tokens, compared with SequenceMatcher ---------------


def _words(value: str | None) -> list[str]:
    # Vietnamese writes one syllable per space-separated word; punctuation stays attached.
    return normalise(value or "").split()


def _body_tokens(value: str | None) -> list[str]:
    tokens: list[str] = []
    for paragraph in (value or "").split("\n\n"):
        words = _words(paragraph)
        if words:
            if tokens:
                tokens.append(PARAGRAPH)
            tokens.extend(words)
    return tokens


def _date_tokens(value: datetime | None) -> list[str]:
    shown = local_iso(value)
    return [shown] if shown else []


def _image_tokens(images: tuple[ImageRecord, ...]) -> list[str]:
    return [_labelled(image.caption, image.url, basename=True) for image in images]


def _related_tokens(related: tuple[LinkRecord, ...]) -> list[str]:
    return [_labelled(link.title, link.url) for link in related]


def _labelled(label: str | None, url: str | None, *, basename: bool = False) -> str:
    where = url or ""
    if basename:
        where = posixpath.basename(urlsplit(where).path) or where
    text = " ".join(_words(label))
    return f"{text} ({where})" if text and where else text or where


# One token per list item: an image or a related link is added or removed as a whole.
_TOKENISERS: dict[str, Callable[[Any], list[str]]] = {
    "title": _words,
    "lead": _words,
    "body": _body_tokens,
    "author": _words,
    "category": _words,
    "published_at": _date_tokens,
    "images": _image_tokens,
    "related": _related_tokens,
}
_LIST_FIELDS = ("images", "related", "published_at")


def _tokens(name: str, fields: ArticleFields) -> list[str]:
    return _TOKENISERS[name](getattr(fields, name))


def _join(name: str, tokens: list[str]) -> str:
    if name in _LIST_FIELDS:
        return "; ".join(tokens)
    return " ".join(tokens).replace(f" {PARAGRAPH} ", PARAGRAPH * 2)


def _field_diff(name: str, before: list[str], after: list[str], *, edit: bool) -> FieldDiff:
    matcher = SequenceMatcher(None, before, after, autojunk=False)  # common words are not junk
    ops: list[tuple[Op, str, str]] = [
        (cast(Op, tag), _join(name, before[i1:i2]), _join(name, after[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    ]
    return FieldDiff(name, _join(name, before), _join(name, after), ops, edit)


# ---- rendering ---------------------------------------------------------------------------------

_RED, _GREEN, _RESET = "\x1b[31m", "\x1b[32m", "\x1b[0m"


def _marked(op: Op, before: str, after: str, color: bool) -> str:
    removed = f"[-{before}-]" if op in ("delete", "replace") else ""
    added = f"{{+{after}+}}" if op in ("insert", "replace") else ""
    if color:
        removed = f"{_RED}{removed}{_RESET}" if removed else ""
        added = f"{_GREEN}{added}{_RESET}" if added else ""
    return removed + added


def _elide(text: str, words: int, *, first: bool, last: bool) -> str:
    """An equal run shortened to `words` words next to each neighbouring change."""
    tokens = text.split(" ")
    keep_head = 0 if first else words
    keep_tail = 0 if last else words
    if len(tokens) < keep_head + keep_tail + MIN_ELIDED_WORDS:
        return text
    head = " ".join(tokens[:keep_head])
    tail = " ".join(tokens[len(tokens) - keep_tail:]) if keep_tail else ""
    return " ".join(part for part in (head, ELLIPSIS, tail) if part)


def _inline(diff: FieldDiff, words: int, color: bool) -> str:
    parts = []
    for index, (op, before, after) in enumerate(diff.ops):
        if op == "equal":
            first, last = index == 0, index == len(diff.ops) - 1
            parts.append(_elide(before, words, first=first, last=last))
        else:
            parts.append(_marked(op, before, after, color))
    return " ".join(part for part in parts if part)


def render_text(diffs: list[FieldDiff], color: bool = False) -> str:
    """Field by field, removed words as [-…-] and added words as {+…+}, long equal runs elided."""
    edits = [d for d in diffs if d.edit]
    others = [d for d in diffs if not d.edit]
    lines = [f"{d.field}:\n{_indent(_inline(d, CONTEXT_WORDS, color))}" for d in edits]
    if others:
        lines.append("Not an edit (changed around the article):")
        lines += [f"{d.field}:\n{_indent(_inline(d, CONTEXT_WORDS, color))}" for d in others]
    return "\n".join(lines)


Segment = tuple[str, bool]  # a run of text, and whether it is what changed


def side_by_side(diff: FieldDiff) -> tuple[list[Segment], list[Segment]]:
    """The field before and after, each cut into runs with the removed (left) or added (right)
    words flagged, for showing the two versions next to each other."""
    separator = "; " if diff.field in _LIST_FIELDS else " "
    before: list[Segment] = []
    after: list[Segment] = []
    for op, old, new in diff.ops:
        for side, text, changed in ((before, old, op != "equal"), (after, new, op != "equal")):
            if text:
                if side:
                    side.append((separator, False))
                side.append((text, changed))
    return before, after


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" if line else "" for line in text.split("\n"))


def diff_document(old: VersionDetail, new: VersionDetail, diffs: list[FieldDiff]) -> dict[str, Any]:
    """`newswatch diff --json`: which versions were compared and how each field differs."""
    return {"url": new.url, "from": old.number, "to": new.number, "fields": diff_json(diffs)}


def diff_json(diffs: list[FieldDiff]) -> list[dict[str, Any]]:
    return [
        {
            "field": d.field,
            "edit": d.edit,
            "before": d.before,
            "after": d.after,
            "ops": [{"op": op, "before": before, "after": after} for op, before, after in d.ops],
        }
        for d in diffs
    ]


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def _change_snippets(diff: FieldDiff) -> list[str]:
    """Each change of an edited field with a few words of context, flattened to one line."""
    snippets = []
    for index, (op, before, after) in enumerate(diff.ops):
        if op == "equal":
            continue
        lead = _context(diff.ops, index - 1, tail=True)
        trail = _context(diff.ops, index + 1, tail=False)
        change = _marked(op, _shorten(before, EXCERPT_CHANGE_CHARS), _shorten(after, EXCERPT_CHANGE_CHARS),
                         color=False)
        snippets.append(" ".join(part for part in (lead, change, trail) if part))
    return [" ".join(s.split()) for s in snippets]


def _context(ops: list[tuple[Op, str, str]], index: int, *, tail: bool) -> str:
    if index < 0 or index >= len(ops) or ops[index][0] != "equal":
        return ""
    words = ops[index][1].split()
    if len(words) <= EXCERPT_CONTEXT_WORDS:
        return " ".join(words)
    if tail:
        return ELLIPSIS + " ".join(words[-EXCERPT_CONTEXT_WORDS:])
    return " ".join(words[:EXCERPT_CONTEXT_WORDS]) + ELLIPSIS


def excerpt(diffs: list[FieldDiff], max_chars: int = 300) -> str:
    """The first edits, each with a few words of context, in at most `max_chars` characters."""
    pieces: list[str] = []
    used = 0
    for diff in (d for d in diffs if d.edit):
        for snippet in _change_snippets(diff):
            piece = f"{diff.field}: {snippet}"
            cost = len(piece) + (3 if pieces else 0)  # " · " between pieces
            if used + cost > max_chars:
                if not pieces:
                    return _shorten(piece, max_chars)
                return " · ".join(pieces)
            pieces.append(piece)
            used += cost
    return " · ".join(pieces)
