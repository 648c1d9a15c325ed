"""Finding a stored article from any form of its URL, as `history`, `show`, `diff` and the web view do."""

from __future__ import annotations

from collections.abc import Iterable

from crawler.urls import article_identity, canonical_url
from storage.store import Store


def find_article(store: Store, article_id_patterns: Iterable[str], url: str) -> str | None:
    """The stored identity `url` belongs to: by each site's article id pattern, else canonical URL."""
    candidates = [article_identity(url, pattern) for pattern in article_id_patterns]
    candidates.append(canonical_url(url))
    return store.find_page(list(dict.fromkeys(candidates)))
