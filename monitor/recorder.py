"""The run's sink: turns what the spider reports into decisions of the change policy, stored a
batch at a time, counting as it goes."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from crawler.profile import SiteProfile
from crawler.records import (
    CrawlRecord,
    DroppedLink,
    FetchedArticle,
    FetchFailed,
    ListedItem,
    NotModified,
    PageGone,
)
from crawler.text import normalise
from monitor import policy
from monitor.versioning import article_fields, hashes
from storage.records import ArticleFields, EventKind, PageState, Snapshot, StoreMove, Write
from storage.store import Store

logger = logging.getLogger(__name__)

# What a batch holds until it is flushed: the records the policy decides on.
Storable = Snapshot | ListedItem | PageGone | NotModified


@dataclass
class Tally:
    """What a run recorded so far (stored records only: a batch counts once it is written)."""

    pages: int = 0
    new_versions: int = 0
    failures: int = 0
    failed: list[FetchFailed] = field(default_factory=list)
    dropped: list[DroppedLink] = field(default_factory=list)
    # Fields whose value changed along with their source, so no edit (see policy.edits): how
    # many articles each, and the sources they were read from before.
    source_changed: Counter[str] = field(default_factory=Counter)
    sources_before: dict[str, Counter[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """What one stored record amounted to: the version outcome of an article (None for other
    records), the event it raised or merged into, the fields reported edited and source-changed."""

    version: policy.VersionOutcome | None
    event: EventKind | None
    edited: tuple[str, ...] = ()
    source_changed: tuple[str, ...] = ()
    previous_sources: dict[str, str] = field(default_factory=dict)


class Recorder:
    """The spider's sink for one site's run (crawler.pipeline.Sink): `add` collects, `flush`
    decides and writes the batch in one transaction."""

    def __init__(
        self,
        store: Store,
        run_id: int,
        profile: SiteProfile,
        *,
        baseline: bool,
        clock: Callable[[], datetime] | None = None,
        progress: Callable[[Tally], None] | None = None,
    ) -> None:
        self.store = store
        self.run_id = run_id
        self.profile = profile
        self.baseline = baseline
        self.tally = Tally()
        self._clock = clock or store.now
        self._progress = progress
        self._batch: list[Storable] = []
        # identity -> normalised headline last handed to the policy in this run. Every article's
        # related block repeats the same few headlines; deciding on one again changes nothing.
        self._listed: dict[str, str] = {}
        # pages fetched at their own identity in this run: the same body elsewhere is no move
        self._alive: set[str] = set()

    def __deepcopy__(self, memo: dict[int, object]) -> Recorder:
        return self  # Scrapy copies settings, and the sink travels in them: one per run

    @property
    def pending(self) -> int:
        return len(self._batch)

    def add(self, record: CrawlRecord | Snapshot) -> None:
        """Collect one record; a Snapshot is an article fetched and hashed elsewhere."""
        match record:
            case FetchedArticle():
                self._batch.append(self._snapshot(record))
            case Snapshot():
                self._batch.append(record)
            case ListedItem():
                title = normalise(record.title)
                if self._listed.get(record.identity) != title:
                    self._listed[record.identity] = title
                    self._batch.append(record)
            case PageGone() | NotModified():
                self._batch.append(record)
            case FetchFailed():
                self.tally.failures += 1
                self.tally.failed.append(record)
                self._report()
            case DroppedLink():
                self.tally.dropped.append(record)
            case _:
                raise TypeError(f"unexpected record from the spider: {record!r}")

    def __call__(self, record: CrawlRecord | Snapshot) -> list[Outcome]:
        """One record, stored at once (for tests and tools that record by hand)."""
        self.add(record)
        return self.flush()

    def take(self) -> list[Storable]:
        """The records collected so far, handed over: what is added next starts a new batch."""
        batch, self._batch = self._batch, []
        return batch

    def flush(self) -> list[Outcome]:
        """Decide on the batch and write it in one transaction; nothing of it is kept on failure."""
        return self.write(self.take())

    def write(self, batch: list[Storable]) -> list[Outcome]:
        """Decide on `batch` (from `take`) and write it in one transaction. The pipeline calls this
        on its writer thread while `add` goes on: nothing here touches the batch collecting."""
        if not batch:
            return []
        named = {_identity(record) for record in batch}
        named |= {i for r in batch if isinstance(r, Snapshot) for i in _other_identities(r)}
        current = self.store.resolve_aliases(named)  # identity → the one its page goes by now
        states = self.store.page_states(self.run_id, {current.get(i, i) for i in named})
        bodies = self._body_matches(batch, states, current)
        matched = {i for ids in bodies.values() for i in ids} - states.keys()
        if matched:
            states.update(self.store.page_states(self.run_id, matched))
        known = {identity: identity for identity in states} | current
        changed = [known.get(r.identity, r.identity) for r in batch
                   if isinstance(r, Snapshot) and _differs(states.get(known.get(r.identity, "")), r)]
        previous = self.store.latest_fields(changed) if changed else {}
        context = policy.Context(baseline=self.baseline, now=self._clock())
        writes: list[Write] = []
        outcomes: list[Outcome] = []
        for record in batch:
            resolved = self._resolve(record, states, known, bodies, writes, previous, context)
            if resolved is None:  # the old URL of a moved article: it lives on at its new one
                outcomes.append(Outcome(None, None))
                continue
            state = states.get(resolved.identity) or PageState.unknown(resolved.identity)
            write, states[resolved.identity], outcome = self._decide(resolved, state, context, previous)
            if write is not None:
                writes.append(write)
            outcomes.append(outcome)
        self.store.record(self.run_id, writes)
        for record, outcome in zip(batch, outcomes, strict=True):
            self._count(record, outcome)
        self._report()
        return outcomes

    def _body_matches(self, batch: list[Storable], states: dict[str, PageState],
                      current: dict[str, str]) -> dict[str, list[str]]:
        """body hash → known pages with that latest body, for the fetches of identities never
        stored (nor named by their redirect or canonical link) on a site without ids in URLs."""
        if self.profile.article_id_pattern:
            return {}
        hashes = {r.body_hash for r in batch if isinstance(r, Snapshot) and r.body_hash
                  and not any(current.get(i, i) in states for i in (r.identity, *_other_identities(r)))}
        return self.store.pages_with_body(self.profile.name, hashes)

    def _resolve(
        self, record: Storable, states: dict[str, PageState], known: dict[str, str],
        bodies: dict[str, list[str]], writes: list[Write], previous: dict[str, ArticleFields],
        context: policy.Context,
    ) -> Storable | None:
        """The record as it names its page now: by the identity the page goes by (a moved
        article's old identity is an alias), after moving the page when a fetch finds a known
        article under a new identity. None for a miss or 304 of an old identity."""
        if isinstance(record, Snapshot):
            move = policy.moved_article(record, known, bodies.get(record.body_hash, ()),
                                        ids_in_urls=bool(self.profile.article_id_pattern),
                                        alive=self._alive)
            if move is not None:
                self._move(move, record.identity, states, known, writes, previous, context)
            target = known.get(record.identity, record.identity)
            if target == record.identity:
                self._alive.add(target)
            return replace(record, identity=target) if target != record.identity else record
        target = known.get(record.identity, record.identity)
        if target == record.identity:
            return record
        if isinstance(record, ListedItem):
            return replace(record, identity=target)
        return None

    def _move(self, move: policy.Move, new: str, states: dict[str, PageState], known: dict[str, str],
              writes: list[Write], previous: dict[str, ArticleFields], context: policy.Context) -> None:
        logger.info("%s: the article %s moved here (%s)", new, move.page, move.evidence)
        writes.append(StoreMove(move.page, new, context.now))
        states[new] = replace(states.pop(move.page), identity=new)
        for identity, page in list(known.items()):
            if page == move.page:
                known[identity] = new
        known[new] = new
        if move.page in previous:
            previous[new] = previous.pop(move.page)
        elif _differs(states[new], None):
            stored = self.store.latest_fields([move.page])
            if move.page in stored:
                previous[new] = stored[move.page]

    def _decide(
        self, record: Storable, state: PageState, context: policy.Context,
        previous: dict[str, ArticleFields],
    ) -> tuple[Write | None, PageState, Outcome]:
        match record:
            case Snapshot():
                latest = state.latest
                before = latest.fields if latest is not None and latest.fields is not None else None
                made = policy.decide_article(state, record, context, before or previous.get(record.identity))
                kind = made.write.event.event.kind if made.write.event else None
                return made.write, made.state, Outcome(made.outcome, kind, made.edited,
                                                       made.source_changed, made.previous_sources)
            case ListedItem():
                decided = policy.decide_headline(state, self.profile.name, record.url, record.title,
                                                 context, published_at=record.published_at)
            case PageGone():
                decided = policy.decide_missing(state, record.status, context,
                                                removal_after=self.profile.removal_after)
            case NotModified():
                decided = policy.decide_not_modified(state, record.fetched_at)
        return decided.write, decided.state, Outcome(None, decided.event_kind)

    def _count(self, record: Storable, outcome: Outcome) -> None:
        if not isinstance(record, ListedItem):
            self.tally.pages += 1
        if outcome.version in ("new", "changed"):
            self.tally.new_versions += 1
        for name in outcome.source_changed:
            self.tally.source_changed[name] += 1
            before = outcome.previous_sources.get(name, "(none)")
            self.tally.sources_before.setdefault(name, Counter())[before] += 1

    def _report(self) -> None:
        if self._progress:
            self._progress(self.tally)

    def _snapshot(self, record: FetchedArticle) -> Snapshot:
        fields = article_fields(record.article)
        content, body = hashes(fields)
        return Snapshot(
            site=self.profile.name,
            identity=record.identity,
            url=record.article.url,
            content_hash=content,
            fields=fields,
            sources=dict(record.article.sources),
            raw_html=record.raw_html,
            http_status=record.status,
            fetched_at=record.fetched_at,
            etag=record.etag,
            last_modified=record.last_modified,
            body_hash=body,
            redirected_from=record.redirected_from,
            canonical=record.canonical,
        )


def _identity(record: Storable) -> str:
    return record.identity


def _other_identities(snap: Snapshot) -> tuple[str, ...]:
    return (*snap.redirected_from, *((snap.canonical,) if snap.canonical else ()))


def _differs(state: PageState | None, snap: Snapshot | None) -> bool:
    """True when the page has a stored version whose content hash is not the snapshot's (any
    stored version, for no snapshot)."""
    if state is None or state.latest is None:
        return False
    return snap is None or state.latest.content_hash != snap.content_hash
