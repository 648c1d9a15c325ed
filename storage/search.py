"""Full-text search over the latest version of each article: SQLite FTS5 or a PostgreSQL tsvector.

Migration 0003 creates the index (`article_search`, one row per page); the store keeps it current
with `index_versions` whenever a version is stored, in the same transaction (no database trigger
can: body text is stored compressed since migration 0004). Both backends fold
accents and case: SQLite with FTS5's `unicode61 remove_diacritics 2` tokenizer, PostgreSQL with
`unaccent`. Neither tokenizer nor `unaccent` alone treats đ/Đ the same everywhere (Unicode gives
them no decomposition), so the index triggers and `fold` both turn them into d/D explicitly.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any

from sqlalchemy import Float, Integer, Select, cast, column, func, literal_column, select, table
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import REGCONFIG, TSVECTOR
from sqlalchemy.orm import Session, aliased

from storage.models import Page, Site, Version
from storage.records import SearchHit

SEARCH_TABLE = "article_search"
# Words beyond this many in one query add nothing a person means; they only slow the search.
MAX_QUERY_WORDS = 16
# At most this many matches are scored; see search().
RANKED_AT_MOST = 2000
# FTS5 column weights for bm25 (title, lead, body, version_id): a word in the headline counts most.
_BM25_WEIGHTS = (10.0, 4.0, 1.0, 0.0)

_WORD = re.compile(r"[^\W_]+")
_PHRASE_OR_WORD = re.compile(r'"([^"]*)"?|([^\s"]+)')
_STROKED_D = str.maketrans({"đ": "d", "Đ": "D"})

_fts = table(SEARCH_TABLE, column("rowid", Integer), column("version_id", Integer))
_pg = table(SEARCH_TABLE, column("page_id", Integer), column("version_id", Integer),
            column("document", TSVECTOR))


def index_versions(session: Session, entries: list[dict[str, Any]]) -> None:
    """Make each version its page's entry in the index; `entries` hold page_id, version_id,
    title, lead and body, of each page's latest version, one entry per page."""
    if not entries:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_PG_INDEX, entries)
        return
    session.execute(_FTS_UNINDEX, [{"page_id": e["page_id"]} for e in entries])
    session.execute(_FTS_INDEX, [
        {**e, **{name: _stroked_d(e[name]) for name in ("title", "lead", "body")}}
        for e in entries
    ])


# What 0003's triggers did, with the texts passed in: đ/Đ folded here for FTS5, by
# newswatch_search_document (a function of 0003) for PostgreSQL.
_FTS_UNINDEX = sql(f"DELETE FROM {SEARCH_TABLE} WHERE rowid = :page_id")
_FTS_INDEX = sql(f"INSERT INTO {SEARCH_TABLE} (rowid, title, lead, body, version_id) "
                  "VALUES (:page_id, :title, :lead, :body, :version_id)")
_PG_INDEX = sql(
    f"INSERT INTO {SEARCH_TABLE} AS s (page_id, version_id, document) VALUES "
    "(:page_id, :version_id, newswatch_search_document(:title, :lead, :body)) "
    "ON CONFLICT (page_id) DO UPDATE SET version_id = EXCLUDED.version_id, document = EXCLUDED.document"
)


def _stroked_d(text: str) -> str:
    # str.replace scans in C; translate() with a table looks up every character of a long body
    return text.replace("đ", "d").replace("Đ", "D")


def fold(text: str) -> str:
    """`text` without accents, đ as d, case-folded: the form index and query are compared in."""
    decomposed = unicodedata.normalize("NFD", text.translate(_STROKED_D))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", plain).casefold()


def words(text: str) -> list[str]:
    """The folded words of `text`, as the index sees them."""
    return _WORD.findall(fold(text))


def query_terms(query: str) -> list[tuple[str, ...]]:
    """A query as terms that must all match: "quoted words" are one phrase, others single words."""
    terms: list[tuple[str, ...]] = []
    budget = MAX_QUERY_WORDS
    for phrase, word in _PHRASE_OR_WORD.findall(query):
        found = words(phrase if phrase else word)[:budget]
        if not found:
            continue
        if phrase:
            terms.append(tuple(found))
        else:
            terms.extend((w,) for w in found)  # "covid-19" outside quotes: two words
        budget -= len(found)
        if budget <= 0:
            break
    return list(dict.fromkeys(terms))


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's autogenerate filter: the index table and FTS5's shadow tables belong to migration
    0003 (their DDL differs per dialect), not to the models, so comparisons leave them out."""
    ours = name is not None and (name == SEARCH_TABLE or name.startswith(f"{SEARCH_TABLE}_"))
    return not (type_ == "table" and ours)


def search(
    session: Session,
    terms: list[tuple[str, ...]],
    *,
    site: str | None = None,
    since: datetime | None = None,
    limit: int = 20,
    offset: int = 0,
) -> list[SearchHit]:
    """The best matches first; `since` keeps articles published (or else first seen) since then."""
    if not terms:
        return []
    dialect = session.get_bind().dialect.name
    index, match, score = _postgres(terms) if dialect == "postgresql" else _sqlite(terms)
    # Rank inside the index first and fetch the texts of one page of hits only: joining every
    # match to its version before sorting would read the body of thousands of articles.
    # Only the page id from the index: on SQLite any other column reads the whole stored row.
    page_id = index.c.rowid if index is _fts else index.c.page_id
    ranked = select(page_id.label("page_id")).where(match)
    if site is not None or since is not None:
        ranked = ranked.join(Page, Page.id == page_id)
    if site is not None:
        ranked = ranked.join(Site, Site.id == Page.site_id).where(Site.name == site)
    if since is not None:
        ranked = ranked.join(Version, _latest_of(Page.id)).where(
            func.coalesce(Version.published_at, Page.first_seen) >= since
        )
    # Scoring costs about as much per match as the rest of the search in all: a query that matches
    # most of the archive ranks its RANKED_AT_MOST most recently discovered matches (page ids
    # grow as articles are found), which keeps answers fast and favours current news.
    cutoff = session.scalar(ranked.order_by(page_id.desc()).offset(RANKED_AT_MOST - 1).limit(1))
    if cutoff is not None:
        ranked = ranked.where(page_id >= cutoff)
    ranked = ranked.add_columns(score.label("score"))
    best = ranked.order_by(score.desc(), page_id.desc()).limit(limit).offset(offset).subquery()
    return [SearchHit(*row) for row in session.execute(_hits(best))]


def _hits(best: Any) -> Select[Any]:
    """Columns in SearchHit field order: each ranked hit with its latest version, page and site."""
    columns: Select[Any] = select(
        Page.identity,
        Page.url,
        Site.name,
        Version.number,
        Version.title,
        Version.lead,
        Version.body,
        Version.published_at,
        Version.first_seen,
        Page.removed_at.is_not(None),
        cast(best.c.score, Float),
    )  # type: ignore[assignment]  # more columns than select()'s typed overloads
    return (
        columns.select_from(best)
        .join(Page, Page.id == best.c.page_id)
        .join(Version, _latest_of(best.c.page_id))
        .join(Site, Site.id == Page.site_id)
        .order_by(best.c.score.desc(), best.c.page_id.desc())
    )


def _latest_of(page_id: Any) -> Any:
    """Join condition: the version is the page's latest (one probe of the (page, number) index)."""
    other = aliased(Version)
    newest = select(func.max(other.number)).where(other.page_id == page_id).scalar_subquery()
    return (Version.page_id == page_id) & (Version.number == newest)


def _sqlite(terms: list[tuple[str, ...]]) -> tuple[Any, Any, Any]:
    """The FTS5 table, its MATCH condition and the score (higher is better)."""
    # Every term quoted: words are letters and digits only, so nothing the user types can become
    # FTS5 syntax; a quoted run of words is a phrase.
    match = " AND ".join('"' + " ".join(term) + '"' for term in terms)
    bm25 = func.bm25(literal_column(SEARCH_TABLE), *_BM25_WEIGHTS)
    return _fts, literal_column(SEARCH_TABLE).op("MATCH")(match), -bm25  # bm25: lower is better


def _postgres(terms: list[tuple[str, ...]]) -> tuple[Any, Any, Any]:
    """The tsvector table, its @@ condition and the score (higher is better)."""
    # Words are letters and digits only, so joining them with tsquery operators is safe.
    expression = " & ".join("(" + " <-> ".join(term) + ")" for term in terms)
    tsquery = func.to_tsquery(cast("simple", REGCONFIG), func.newswatch_fold(expression))
    rank = func.ts_rank(_pg.c.document, tsquery)  # weights A 1.0, B 0.4, C 0.2
    return _pg, _pg.c.document.op("@@")(tsquery), rank
