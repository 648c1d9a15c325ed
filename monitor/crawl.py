"""One crawl of the configured sites: lock, crawl with Scrapy, record, and sum up what happened."""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from scrapy.crawler import Crawler, CrawlerProcess

from crawler.health_stats import LISTED_STAT
from crawler.pipeline import SINK_ERROR_STAT, SINK_SETTING
from crawler.profile import SiteProfile
from crawler.reader import ArticleReader
from crawler.records import Revisit
from crawler.settings import scrapy_settings
from crawler.spider import NewsSpider
from monitor import health
from monitor.alerts import audiences, message_domain
from monitor.config import Config
from monitor.locks import site_lock
from monitor.recorder import Recorder, Tally
from storage.records import Assessment, FinishedStatus, Verdict
from storage.store import Store

logger = logging.getLogger(__name__)


@dataclass
class SiteResult:
    site: str
    run_id: int
    baseline: bool
    requests: int = 0
    pages: int = 0
    new_versions: int = 0
    failures: int = 0
    status: FinishedStatus = "completed"
    reasons: list[str] = field(default_factory=list)
    dropped_links: list[str] = field(default_factory=list)
    # fields whose value changed with their source (a redesign, or its restore): not edits.
    # field → articles, and field → {source it had before: articles}
    source_changed: dict[str, int] = field(default_factory=dict)
    sources_before: dict[str, dict[str, int]] = field(default_factory=dict)
    # crawl health (None when the run could not be assessed: the database failed)
    health: Assessment | None = None
    previous_verdict: Verdict = "ok"
    health_alerts: list[int] = field(default_factory=list)


def _revisits(store: Store, profile: SiteProfile, now: datetime) -> list[Revisit]:
    since = now - timedelta(days=profile.revisit_days)
    # Older articles are still re-checked, revisit_rotation per run, least recently checked first.
    refs = store.revisit_candidates(profile.name, since=since, limit=profile.revisit_limit,
                                    rotation=profile.revisit_rotation)
    return [Revisit(r.identity, r.url, r.etag, r.last_modified) for r in refs]


def run_crawl(
    config: Config,
    sites: list[str],
    store: Store,
    *,
    progress: Callable[[str, Tally], None] | None = None,
) -> list[SiteResult]:
    """Crawl the named sites once, together, in this process (Scrapy's reactor runs once per process)."""
    now = datetime.now(UTC)
    process = CrawlerProcess({**scrapy_settings(config.crawl), "LOG_INSTALL_ROOT_HANDLER": False})
    started: list[tuple[SiteResult, Recorder, Crawler]] = []
    with ExitStack() as locks:
        for name in sites:
            locks.enter_context(site_lock(config.database_url, name))
        reader = ArticleReader(config.crawl.readers)  # before any thread: see crawler.reader
        locks.callback(reader.close)
        try:
            # inside the try: a run once started is always finished, whatever fails after it
            for name in sites:
                profile = config.sites[name]
                baseline = store.is_baseline(name)
                run_id = store.start_run(name, baseline=baseline)
                result = SiteResult(site=name, run_id=run_id, baseline=baseline)
                recorder = Recorder(store, result.run_id, profile, baseline=baseline,
                                    progress=_site_progress(progress, name))
                crawler = process.create_crawler(NewsSpider)
                crawler.settings.set(SINK_SETTING, recorder)  # the pipeline's, read in from_crawler
                started.append((result, recorder, crawler))
                # a sitemap's <lastmod> is compared with each article's last check
                checked = store.last_checked(name) if profile.listing.kind == "sitemap" else {}
                process.crawl(crawler, profile=profile, checked=checked, reader=reader,
                              revisits=_revisits(store, profile, now), known=store.known_items(name))
            _settle_gc()
            process.start()
        finally:
            for result, recorder, crawler in started:
                _finish(store, result, recorder, crawler)
                if crawler.stats is None or crawler.stats.get_value(SINK_ERROR_STAT) is None:
                    _assess(config, store, result, recorder, crawler)
    return [result for result, _, _ in started]


def _settle_gc() -> None:
    """Before the reactor starts: what start-up created (modules, Scrapy, SQLAlchemy) lives as long
    as the process, so the collector stops walking it, and collects young objects less often.
    Each page parses into thousands of short-lived objects, freed by reference counting; with the
    default threshold (700) a crawl ran a collection about once per page and spent ~1 ms a page in it."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def _site_progress(
    progress: Callable[[str, Tally], None] | None, site: str
) -> Callable[[Tally], None] | None:
    if progress is None:
        return None
    return lambda tally: progress(site, tally)


def _finish(store: Store, result: SiteResult, recorder: Recorder, crawler: Crawler) -> None:
    tally = recorder.tally
    stats = crawler.stats.get_stats() if crawler.stats else {}
    sink_error = stats.get(SINK_ERROR_STAT)
    result.requests = int(stats.get("downloader/request_count", 0))
    listed = int(stats.get(LISTED_STAT, 0))
    result.pages, result.failures = tally.pages, tally.failures
    result.reasons = [f"{f.url}: {f.reason}" for f in tally.failed]
    result.dropped_links = [f"{d.link!r} on {d.page_url}: {d.reason}" for d in tally.dropped]
    result.source_changed = dict(tally.source_changed)
    result.sources_before = {name: dict(before) for name, before in tally.sources_before.items()}
    if sink_error is not None:
        result.status = "failed"
        result.reasons.insert(0, f"database: {sink_error}")
    elif (tally.pages == 0 and not listed) or (result.baseline and tally.new_versions == 0):
        # Listings that named no article and nothing fetched is no crawl; and a baseline that
        # stored nothing would make the next crawl's findings look new: the site stays in its
        # baseline until a crawl stores articles.
        result.status = "failed"
        if not result.reasons:
            result.reasons.append("the listing pages yielded no article" if not listed
                                  else "no article could be stored")
    summary = store.finish_run(result.run_id, result.status, requests=result.requests,
                               pages=result.pages, failures=result.failures)
    result.new_versions = summary.new_versions


def _assess(config: Config, store: Store, result: SiteResult, recorder: Recorder, crawler: Crawler) -> None:
    """Judge the run against the site's recent runs, keep the verdict, and queue a health alert
    to every recipient and channel when the verdict changed (in the same transaction)."""
    stats = crawler.stats.get_stats() if crawler.stats else {}
    metrics = health.metrics_from_stats(stats, recorder.profile.selectors,
                                        source_changed=result.source_changed,
                                        sources_before=result.sources_before)
    recent = store.recent_health(result.site, before=result.run_id, limit=config.health.history_runs)
    assessment = health.assess(metrics, recent, config.health)
    result.health, result.previous_verdict = assessment, health.previous_verdict(recent)
    told = list(audiences(config.email, config.notify))
    announce = health.announce(result.previous_verdict, assessment.verdict)
    result.health_alerts = store.assess_run(result.run_id, metrics, assessment,
                                            alert=told if announce else (),
                                            message_domain=message_domain(config.email.sender))
