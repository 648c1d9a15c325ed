"""Building what a crawl records, and recording it the way a crawl does (change policy, then the
store), for tests that arrange a history without crawling."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime

from crawler.records import CrawlRecord, PageGone
from monitor import policy
from monitor.config import load
from monitor.recorder import Outcome, Recorder
from monitor.versioning import body_hash, content_hash
from storage import ArticleFields, Snapshot, Store
from storage.records import ImageRecord, LinkRecord, PageState, StoreArticle


def fields(
    title: str = "",
    lead: str = "",
    body: str = "",
    *,
    body_html: str = "",
    author: str | None = None,
    category: str | None = None,
    published_at: datetime | str | None = None,
    modified_at: datetime | str | None = None,
    images: Iterable[Mapping[str, str]] = (),
    related: Iterable[Mapping[str, str]] = (),
) -> ArticleFields:
    return ArticleFields(
        title=title, lead=lead, body=body, body_html=body_html, author=author, category=category,
        published_at=_moment(published_at), modified_at=_moment(modified_at),
        images=tuple(ImageRecord(i["url"], i.get("caption", "")) for i in images),
        related=tuple(LinkRecord(r["url"], r.get("title", "")) for r in related),
    )


def _moment(value: datetime | str | None) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def snapshot(
    site: str,
    identity: str,
    url: str,
    article: ArticleFields,
    *,
    at: datetime,
    raw_html: bytes | None = None,
    sources: Mapping[str, str] | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    hashed: str | None = None,
    redirected_from: tuple[str, ...] = (),
    canonical: str | None = None,
) -> Snapshot:
    """One fetch; its content hash is the real one unless `hashed` is given."""
    return Snapshot(
        site=site, identity=identity, url=url,
        content_hash=hashed if hashed is not None else content_hash(article),
        fields=article, sources=dict(sources or {}),
        raw_html=raw_html if raw_html is not None else hashlib.sha256(repr(article).encode()).digest(),
        http_status=200, fetched_at=at, etag=etag, last_modified=last_modified,
        body_hash=body_hash(article), redirected_from=redirected_from, canonical=canonical,
    )


def recorder(
    store: Store, run_id: int, site: str, *, baseline: bool = False,
    clock: Callable[[], datetime] | None = None, removal_after: int = 2,
    article_id_pattern: str | None = None,
) -> Recorder:
    """A run's sink; the congthuong profile's id pattern unless `article_id_pattern` is given."""
    profile = replace(load(None, env={}).sites["congthuong"], name=site, removal_after=removal_after)
    if article_id_pattern is not None:
        profile = replace(profile, article_id_pattern=article_id_pattern)
    return Recorder(store, run_id, profile, baseline=baseline, clock=clock)


def record(
    store: Store, run_id: int, site: str, *records: CrawlRecord | Snapshot, baseline: bool = False,
    clock: Callable[[], datetime] | None = None, removal_after: int = 2,
) -> list[Outcome]:
    """`records` recorded as one batch of one run, as the crawl's sink does."""
    sink = recorder(store, run_id, site, baseline=baseline, clock=clock, removal_after=removal_after)
    for item in records:
        sink.add(item)
    return sink.flush()


def crawl(
    store: Store, site: str, snapshots: Iterable[Snapshot], *, gone: Iterable[str] = (),
    baseline: bool | None = None, clock: Callable[[], datetime] | None = None,
) -> int:
    """One completed run that fetched `snapshots` and found the pages `gone` (404, removal_after 1)."""
    snaps = list(snapshots)
    baseline = store.is_baseline(site) if baseline is None else baseline
    run_id = store.start_run(site, baseline=baseline)
    missing = [PageGone(identity, identity, 404) for identity in gone]
    record(store, run_id, site, *snaps, *missing, baseline=baseline, clock=clock, removal_after=1)
    store.finish_run(run_id, "completed", requests=len(snaps) + len(missing), pages=len(snaps),
                     failures=0)
    return run_id


def decided(store: Store, run_id: int, snap: Snapshot, *, baseline: bool = False) -> StoreArticle:
    """The write the change policy decides for `snap` now, without storing it."""
    state = store.page_states(run_id, [snap.identity]).get(snap.identity) or PageState.unknown(snap.identity)
    previous = store.latest_fields([snap.identity]).get(snap.identity)
    context = policy.Context(baseline=baseline, now=snap.fetched_at)
    return policy.decide_article(state, snap, context, previous).write
