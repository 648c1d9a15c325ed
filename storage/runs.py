"""Crawl runs: started, finished, and read back with what they found."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from storage.models import CrawlRun, Event, Site
from storage.recording import site_id
from storage.records import FINISHED_STATUSES, FinishedStatus, RunStatus, RunSummary


def start(session: Session, site: str, *, baseline: bool, now: datetime) -> int:
    """A new run of `site`. The caller holds the site's crawl lock, so a run of it still marked
    running was cut short (a killed process): it is closed as failed."""
    site_key = site_id(session, site)
    session.execute(
        update(CrawlRun)
        .where(CrawlRun.site_id == site_key, CrawlRun.status == "running")
        .values(status="failed", finished_at=now)
    )
    run = CrawlRun(site_id=site_key, started_at=now, status="running", baseline=baseline)
    session.add(run)
    session.flush()
    return run.id


def finish(session: Session, run_id: int, status: FinishedStatus, *, requests: int, pages: int,
           failures: int, now: datetime) -> RunSummary:
    if status not in FINISHED_STATUSES:
        raise ValueError(f"run status must be one of {FINISHED_STATUSES}, not {status!r}")
    run = get(session, run_id)
    run.status = status
    run.finished_at = now
    run.requests, run.pages, run.failures = requests, pages, failures
    session.flush()
    return _summaries(session, [(run, _site_name(session, run.site_id))])[0]


def get(session: Session, run_id: int) -> CrawlRun:
    run = session.get(CrawlRun, run_id)
    if run is None:
        raise KeyError(f"unknown crawl run {run_id}")
    return run


def is_baseline(session: Session, site: str) -> bool:
    """True while the site has no completed run: its first findings are not news."""
    completed = exists().where(CrawlRun.site_id == Site.id, Site.name == site, CrawlRun.status == "completed")
    return not session.scalar(select(completed))


def _site_name(session: Session, site_key: int) -> str:
    return session.scalar(select(Site.name).where(Site.id == site_key)) or ""


def recent(session: Session, per_site: int) -> list[RunSummary]:
    """The last `per_site` runs of every site, sites by name, each site's newest run first."""
    position = func.row_number().over(
        partition_by=CrawlRun.site_id, order_by=(CrawlRun.started_at.desc(), CrawlRun.id.desc())
    )
    ranked = select(CrawlRun.id, position.label("position")).subquery()
    query = (
        select(CrawlRun, Site.name)
        .join(ranked, ranked.c.id == CrawlRun.id)
        .join(Site, Site.id == CrawlRun.site_id)
        .where(ranked.c.position <= per_site)
        .order_by(Site.name, ranked.c.position)
    )
    return _summaries(session, [(run, site) for run, site in session.execute(query)])


def _summaries(session: Session, runs: list[tuple[CrawlRun, str]]) -> list[RunSummary]:
    counts: dict[tuple[int, str], int] = {}
    if runs:
        tally = (
            select(Event.run_id, Event.kind, func.count())
            .where(Event.run_id.in_([run.id for run, _ in runs]))
            .group_by(Event.run_id, Event.kind)
        )
        counts = {(run_id, kind): n for run_id, kind, n in session.execute(tally)}
    return [
        RunSummary(
            id=run.id,
            site=site,
            status=cast(RunStatus, run.status),
            baseline=run.baseline,
            started_at=run.started_at,
            finished_at=run.finished_at,
            requests=run.requests,
            pages=run.pages,
            new_versions=run.new_versions,
            failures=run.failures,
            new_events=counts.get((run.id, "new"), 0),
            edited_events=counts.get((run.id, "edited"), 0),
            removed_events=counts.get((run.id, "removed"), 0),
        )
        for run, site in runs
    ]
