"""The change policy: given what is stored of a page and what a crawl saw, what to store and which
event to report. Pure functions over plain records; the store only persists what they decide.

The rules, each in one place:
- an article seen for the first time is `new` (a baseline run's events are marked so, and never
  alerted); a page an earlier run already reported (from a listing) gets no second `new`;
- a stored article whose content hash changed gets a new version, and an `edited` event naming
  the edit fields that differ (versioning.EDIT_FIELDS) — except the fields whose value changed
  *and* whose source changed since the previous version: a redesign read them from elsewhere,
  which is no edit (they are reported as `source_changed`, for crawl health);
- a headline in a listing or related block is an edit of `title` when it was never seen for the
  article; one the article carried before is a stale copy (a cached block), not an edit;
- `removal_after` consecutive 404/410/redirect-to-front checks remove a page, once;
- a page has at most one event per run: later findings merge into it (`merged_kind`);
- on a site without ids in its URLs, an article fetched under an identity never stored is a
  known article that moved (`moved_article`) when the fetch was redirected from a known one, its
  canonical link names a known one, or its normalised body is the latest version of exactly one
  known article not fetched alive at its own URL in this run; it then keeps its history, its old
  identity stays an alias, and what changed is an edit like any other (never `new` + `removed`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from crawler.text import normalise
from monitor.versioning import changed_fields, same_text
from storage.fields import stored
from storage.records import (
    ArticleFields,
    EventKind,
    EventWrite,
    LatestVersion,
    PageState,
    RunEvent,
    Snapshot,
    Sources,
    StoreArticle,
    StoreHeadline,
    StoreMissing,
    StoreNotModified,
)

VersionOutcome = Literal["new", "changed", "unchanged"]
MoveEvidence = Literal["redirect", "canonical", "body"]


@dataclass(frozen=True)
class Context:
    """What every decision of one run shares."""

    baseline: bool
    now: datetime  # detection time of the events decided


@dataclass(frozen=True)
class ArticleDecision:
    write: StoreArticle
    state: PageState  # the page after it
    outcome: VersionOutcome
    edited: tuple[str, ...]  # the fields reported as edited
    source_changed: tuple[str, ...]  # changed fields read from elsewhere than before: no edit
    previous_sources: dict[str, str]  # where each of those was read from before


@dataclass(frozen=True)
class Decision:
    """A headline, a miss or a 304: the write (None: nothing to store) and the page after it."""

    write: StoreHeadline | StoreMissing | StoreNotModified | None
    state: PageState
    event_kind: EventKind | None  # the event this record raised or merged into, if any


@dataclass(frozen=True)
class Move:
    """The known article (`page`, by its identity now) that a fetch under a new identity is."""

    page: str
    evidence: MoveEvidence


def moved_article(
    snap: Snapshot,
    known: Mapping[str, str],
    body_matches: Sequence[str],
    *,
    ids_in_urls: bool,
    alive: Collection[str] = (),
) -> Move | None:
    """Which known article `snap` is, when its identity was never stored; None: it is not one.

    `known` maps every stored identity (aliases included) to the identity its page goes by now;
    `body_matches` are the pages whose latest version has the snapshot's body; `alive` the pages
    fetched at their own URL in this run (the same text there is a copy, not a move). Where a
    site's URLs carry ids the id is the identity, and a new id is a new article."""
    if ids_in_urls or snap.identity in known:
        return None
    for old in snap.redirected_from:
        if old in known:
            return Move(known[old], "redirect")
    if snap.canonical is not None and snap.canonical in known:
        return Move(known[snap.canonical], "canonical")
    candidates = sorted({known.get(i, i) for i in body_matches} - {snap.identity})
    if len(candidates) == 1 and candidates[0] not in alive:
        return Move(candidates[0], "body")
    return None


def merged_kind(old: EventKind, new: EventKind) -> EventKind:
    """Removal wins; a page that is new in this run stays new; anything else is an edit."""
    if new == "removed":
        return "removed"
    return "new" if old == "new" else "edited"


def note(
    state: PageState,
    kind: EventKind,
    fields: tuple[str, ...],
    context: Context,
    *,
    title: str | None,
    published_at: datetime | None,
    version: int | None,
) -> EventWrite:
    """The page's event for this run after this finding: a new one, or the run's one merged with it.

    `title` and `version` (with its `published_at`) replace the event's when given."""
    old = state.run_event
    if old is None:
        event = RunEvent(kind, fields, title, published_at, version, context.baseline, context.now)
        return EventWrite(event, merge=False, requeue=False)
    merged = replace(
        old,
        kind=merged_kind(old.kind, kind),
        fields=old.fields + tuple(name for name in fields if name not in old.fields),
        title=title if title is not None else old.title,
        published_at=published_at if version is not None else old.published_at,
        version=version if version is not None else old.version,
    )
    grew = (merged.kind, merged.fields) != (old.kind, old.fields)
    return EventWrite(merged, merge=True, requeue=grew)


def edits(
    previous: ArticleFields,
    current: ArticleFields,
    previous_sources: Sources | None,
    current_sources: Sources,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(edited fields, source-changed fields) between two versions.

    A field whose value changed and whose source changed too was read from elsewhere (a redesign
    moved it to a fallback, or a restore moved it back): not an edit. Versions stored before
    sources were recorded (`previous_sources` None) cannot tell, so their changes are edits."""
    changed = changed_fields(previous, current)
    if previous_sources is None:
        return tuple(changed), ()
    moved = tuple(f for f in changed if previous_sources.get(f) != current_sources.get(f))
    return tuple(f for f in changed if f not in moved), moved


def decide_article(
    state: PageState, snap: Snapshot, context: Context, previous: ArticleFields | None
) -> ArticleDecision:
    """A fetched article. `previous` is the latest version's fields, needed (and loaded) only when
    the content hash differs from it."""
    latest = state.latest
    if latest is not None and latest.content_hash == snap.content_hash:
        moved = dict(latest.sources or {}) != dict(snap.sources)
        write = StoreArticle(snap, latest.number, new_version=False, sources_moved=moved, event=None,
                             fill_body_hash=latest.body_hash is None)
        after = replace(state, known=True, missing_count=0, removed=False,
                        latest=replace(latest, sources=dict(snap.sources), body_hash=snap.body_hash))
        return ArticleDecision(write, after, "unchanged", (), (), {})
    number = 1 if latest is None else latest.number + 1
    fields = stored(snap.fields)
    edited: tuple[str, ...] = ()
    moved_fields: tuple[str, ...] = ()
    if latest is None:
        event = _first_version_event(state, fields, number, context)
    else:
        if previous is None:
            raise ValueError(f"{snap.identity}: the latest version's fields are needed to compare")
        edited, moved_fields = edits(previous, fields, latest.sources, snap.sources)
        event = note(state, "edited", edited, context, title=fields.title,
                     published_at=fields.published_at, version=number) if edited else None
    new_latest = LatestVersion(number, snap.content_hash, fields.title, fields.published_at,
                               dict(snap.sources), fields, snap.body_hash)
    after = replace(
        state, known=True, latest=new_latest, titles=(*state.titles, fields.title),
        missing_count=0, removed=False, run_event=event.event if event else state.run_event,
    )
    before = dict(latest.sources or {}) if latest is not None else {}
    return ArticleDecision(
        StoreArticle(snap, number, new_version=True, sources_moved=True, event=event), after,
        "new" if latest is None else "changed", edited, moved_fields,
        {f: before[f] for f in moved_fields if f in before},
    )


def _first_version_event(
    state: PageState, fields: ArticleFields, number: int, context: Context
) -> EventWrite | None:
    """`new` for a page never reported before; a page announced by an earlier run's listing
    only gets its content attached to an event of this run, if there is one."""
    if state.reported_before and state.run_event is None:
        return None
    return note(state, "new", (), context, title=fields.title, published_at=fields.published_at,
                version=number)


def decide_headline(
    state: PageState,
    site: str,
    url: str,
    headline: str,
    context: Context,
    *,
    published_at: datetime | None = None,
) -> Decision:
    """A headline seen in a listing or related block; `published_at` is the listing's own date
    for the article, if it gives one: a `new` event shows it until the article is fetched."""
    title = normalise(headline)
    if not state.known:
        event = note(state, "new", (), context, title=title, published_at=published_at, version=None)
        write = StoreHeadline(site, state.identity, url, title, context.now, event)
        after = replace(state, known=True, listed_title=title, run_event=event.event)
        return Decision(write, after, "new")
    if state.listed_title == title:
        return Decision(None, state, None)
    keep = StoreHeadline(site, state.identity, url, title, context.now, None)
    if state.listed_title is None or same_text(state.listed_title, title):
        return Decision(keep, replace(state, listed_title=title), None)
    if state.titles and same_text(state.titles[-1], title):
        # the fetched article already carries it (and its edit)
        return Decision(keep, replace(state, listed_title=title), None)
    # A headline the article carried before is a stale copy (a cached related block), not an
    # edit: only a headline never seen for this article is news.
    if any(same_text(old, title) for old in state.titles):
        return Decision(None, state, None)
    event = note(state, "edited", ("title",), context, title=title, published_at=None, version=None)
    write = StoreHeadline(site, state.identity, url, title, context.now, event)
    return Decision(write, replace(state, listed_title=title, run_event=event.event), event.event.kind)


def decide_missing(
    state: PageState, http_status: int, context: Context, *, removal_after: int
) -> Decision:
    """One more 404/410/redirect-to-front: `removed` on the `removal_after`-th in a row."""
    if removal_after < 1:
        raise ValueError(f"removal_after must be at least 1, not {removal_after}")
    if not state.known:
        return Decision(None, state, None)
    misses = state.missing_count + 1
    removes = misses >= removal_after and not state.removed
    event = None
    if removes:
        latest = state.latest
        title = latest.title if latest is not None else state.listed_title
        event = note(state, "removed", (), context, title=title,
                     published_at=latest.published_at if latest else None,
                     version=latest.number if latest else None)
    write = StoreMissing(state.identity, http_status, context.now, removes, event)
    after = replace(state, missing_count=misses, removed=state.removed or removes,
                    run_event=event.event if event else state.run_event)
    return Decision(write, after, event.event.kind if event else None)


def decide_not_modified(state: PageState, fetched_at: datetime) -> Decision:
    """A 304 answer: the page and its latest version were seen again (nothing for an unknown page)."""
    if not state.known:
        return Decision(None, state, None)
    version = state.latest.number if state.latest is not None else None
    write = StoreNotModified(state.identity, fetched_at, version)
    return Decision(write, replace(state, missing_count=0, removed=False), None)
