"""Where a search matched: the query's words marked in a title and in a short snippet of the text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from storage.records import SearchHit
from storage.search import fold, query_terms

SNIPPET_WORDS = 30
WORDS_BEFORE_FIRST_MATCH = 6
ELLIPSIS = "…"
_WORD = re.compile(r"[^\W_]+")


class _FoldTable(dict[int, int]):
    """A str.translate table folding each character to one character, built as characters come.

    One character for one keeps offsets in the folded text equal to those in the original, so a
    match found in the folded text marks the same span of the original. A character whose fold is
    not a single character (ß → ss, a lone combining mark) is kept as it is.
    """

    def __missing__(self, codepoint: int) -> int:
        folded = fold(chr(codepoint))
        self[codepoint] = ord(folded) if len(folded) == 1 else codepoint
        return self[codepoint]


_FOLD_TABLE = _FoldTable()


@dataclass(frozen=True)
class Marked:
    """A piece of text and the [start, end) character spans of the words that matched in it."""

    text: str
    marks: tuple[tuple[int, int], ...] = ()

    def segments(self) -> list[tuple[str, bool]]:
        """The text cut into (piece, matched) runs, in order, for rendering with <mark>."""
        pieces: list[tuple[str, bool]] = []
        position = 0
        for start, end in self.marks:
            if start > position:
                pieces.append((self.text[position:start], False))
            pieces.append((self.text[start:end], True))
            position = end
        if position < len(self.text):
            pieces.append((self.text[position:], False))
        return pieces


def wanted_words(terms: Iterable[Sequence[str]]) -> frozenset[str]:
    """Every folded word of the query's terms (phrases included): those are the words marked."""
    return frozenset(word for term in terms for word in term)


def _tokens(text: str, wanted: frozenset[str]) -> list[tuple[int, int, bool]]:
    folded = text.translate(_FOLD_TABLE)
    return [(m.start(), m.end(), m.group() in wanted) for m in _WORD.finditer(folded)]


def mark(text: str, wanted: frozenset[str]) -> Marked:
    """`text` with every wanted word marked."""
    return Marked(text, tuple((s, e) for s, e, hit in _tokens(text, wanted) if hit))


def snippet(texts: Sequence[str], wanted: frozenset[str], words: int = SNIPPET_WORDS) -> Marked:
    """About `words` words from the first of `texts` with a match, around its densest run of
    matches, whitespace flattened; the start of the first non-empty text when none matches."""
    flattened = [" ".join(text.split()) for text in texts]
    for text in flattened:
        tokens = _tokens(text, wanted)
        if any(hit for _, _, hit in tokens):
            return _window(text, tokens, words)
    first = next((text for text in flattened if text), "")
    return _window(first, _tokens(first, wanted), words)


def _densest_start(tokens: list[tuple[int, int, bool]], words: int) -> int:
    """Index of the word that starts the window of `words` words holding the most matches."""
    hits = [index for index, (_, _, hit) in enumerate(tokens) if hit]
    if not hits:
        return 0
    best, best_count, last = hits[0], 0, 0
    for first, index in enumerate(hits):
        while last < len(hits) and hits[last] < index + words:
            last += 1
        if last - first > best_count:
            best, best_count = index, last - first
    return max(0, best - WORDS_BEFORE_FIRST_MATCH)


def _window(text: str, tokens: list[tuple[int, int, bool]], words: int) -> Marked:
    if not tokens:
        return Marked(text[: words * 8])
    start = _densest_start(tokens, words)
    end = min(len(tokens), start + words)
    # the whole text's own punctuation at either end, when the window reaches it
    begin = tokens[start][0] if start > 0 else 0
    finish = tokens[end - 1][1] if end < len(tokens) else len(text)
    prefix = f"{ELLIPSIS} " if start > 0 else ""
    suffix = f" {ELLIPSIS}" if end < len(tokens) else ""
    shift = len(prefix) - begin
    marks = tuple((s + shift, e + shift) for s, e, hit in tokens[start:end] if hit)
    return Marked(prefix + text[begin:finish] + suffix, marks)


@dataclass(frozen=True)
class Found:
    """A search hit as people see it: the hit, its title marked, a marked snippet of its text."""

    hit: SearchHit
    title: Marked
    snippet: Marked


def highlighted(hits: Sequence[SearchHit], query: str) -> list[Found]:
    wanted = wanted_words(query_terms(query))
    return [Found(hit, mark(hit.title, wanted), snippet([hit.lead, hit.body], wanted)) for hit in hits]
