"""Turns what the spider reports into stored versions and events, counting as it goes."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crawler.profile import SiteProfile
from crawler.records import DroppedLink, FetchedArticle, FetchFailed, ListedItem, NotModified, PageGone
from monitor.versioning import changed_fields, content_hash, snapshot_fields
from storage.records import Snapshot
from storage.store import Store

logger = logging.getLogger(__name__)


@dataclass
class Tally:
    pages: int = 0
    new_versions: int = 0
    failures: int = 0
    failed: list[FetchFailed] = field(default_factory=list)
    dropped: list[DroppedLink] = field(default_factory=list)


class Recorder:
    """The spider's sink for one site's run: every record is written in its own transaction."""

    def __init__(
        self,
        store: Store,
        run_id: int,
        profile: SiteProfile,
        *,
        baseline: bool,
        progress: Callable[[Tally], None] | None = None,
    ) -> None:
        self.store = store
        self.run_id = run_id
        self.profile = profile
        self.baseline = baseline
        self.tally = Tally()
        self._progress = progress
        # identity -> NFC headline last stored by this run. Every article's related block repeats
        # the same few headlines; storing one again would change nothing, so it is skipped.
        self._listed: dict[str, str] = {}

    def __call__(self, record: Any) -> None:
        match record:
            case FetchedArticle():
                self._article(record)
            case ListedItem():
                self._listed_item(record)
            case PageGone():
                self.tally.pages += 1
                self.store.record_missing(self.run_id, record.identity, record.status,
                                          removal_after=self.profile.removal_after)
            case NotModified():
                self.tally.pages += 1
                self.store.record_not_modified(self.run_id, record.identity, record.fetched_at)
            case FetchFailed():
                self.tally.failures += 1
                self.tally.failed.append(record)
            case DroppedLink():
                self.tally.dropped.append(record)
            case _:
                raise TypeError(f"unexpected record from the spider: {record!r}")
        if self._progress:
            self._progress(self.tally)

    def _listed_item(self, record: ListedItem) -> None:
        title = unicodedata.normalize("NFC", record.title)
        if self._listed.get(record.identity) == title:
            return
        self.store.record_listed(self.run_id, self.profile.name, record.identity, record.url,
                                 record.title, baseline=self.baseline, published_at=record.published_at)
        self._listed[record.identity] = title

    def _article(self, record: FetchedArticle) -> None:
        fields = snapshot_fields(record.article)
        snapshot = Snapshot(
            site=self.profile.name,
            identity=record.identity,
            url=record.article.url,
            content_hash=content_hash(fields),
            fields=fields,
            raw_html=record.raw_html,
            http_status=record.status,
            fetched_at=record.fetched_at,
            etag=record.etag,
            last_modified=record.last_modified,
            listed_title=None,
        )
        outcome = self.store.record_article(
            self.run_id, snapshot, changed_fields=changed_fields, baseline=self.baseline
        )
        self.tally.pages += 1
        if outcome.kind != "unchanged":
            self.tally.new_versions += 1
