"""Crawl runs: started, finished, and read back with what they found."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from storage.models import CrawlRun, Event, Site
from storage.recording import site_id
from storage.records import (
    FINISHED_STATUSES,
    Assessment,
    FinishedStatus,
    RunHealth,
    RunMetrics,
    RunStatus,
    RunSummary,
    Verdict,
)


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


# ---- crawl health ---------------------------------------------------------------------------


def record_health(session: Session, run_id: int, metrics: RunMetrics, assessment: Assessment) -> None:
    run = get(session, run_id)
    run.verdict = assessment.verdict
    run.health = {
        "metrics": _metrics_json(metrics),
        "problems": list(assessment.problems),
        "tripped": list(assessment.tripped),
    }


def recent_health(session: Session, site: str, *, before: int, limit: int) -> list[RunHealth]:
    """The site's last `limit` assessed runs before run `before`, newest first."""
    query = (
        select(CrawlRun, Site.name)
        .join(Site, Site.id == CrawlRun.site_id)
        .where(Site.name == site, CrawlRun.verdict.is_not(None), CrawlRun.id < before)
        .order_by(CrawlRun.id.desc())
        .limit(limit)
    )
    return [_health(run, name) for run, name in session.execute(query)]


def latest_health(session: Session) -> list[RunHealth]:
    """Each site's last assessed run, sites by name."""
    newest = (
        select(func.max(CrawlRun.id))
        .where(CrawlRun.verdict.is_not(None))
        .group_by(CrawlRun.site_id)
    )
    query = (
        select(CrawlRun, Site.name)
        .join(Site, Site.id == CrawlRun.site_id)
        .where(CrawlRun.id.in_(newest))
        .order_by(Site.name)
    )
    return [_health(run, name) for run, name in session.execute(query)]


def run_health(session: Session, run_id: int) -> RunHealth | None:
    run = get(session, run_id)
    return _health(run, _site_name(session, run.site_id)) if run.verdict is not None else None


def _health(run: CrawlRun, site: str) -> RunHealth:
    stored: dict[str, Any] = run.health or {}
    assessment = Assessment(
        verdict=cast(Verdict, run.verdict),
        problems=tuple(stored.get("problems", ())),
        tripped=tuple(stored.get("tripped", ())),
    )
    return RunHealth(run.id, site, run.started_at, run.finished_at,
                     _metrics(stored.get("metrics", {})), assessment)


def _metrics_json(metrics: RunMetrics) -> dict[str, Any]:
    return {
        "listed": metrics.listed,
        "pages": metrics.pages,
        "requests": metrics.requests,
        "articles": metrics.articles,
        "failures": metrics.failures,
        "field_sources": {name: dict(kinds) for name, kinds in metrics.field_sources.items()},
        "profiled": list(metrics.profiled),
        "failure_reasons": dict(metrics.failure_reasons),
        "source_changed": dict(metrics.source_changed),
        "sources_before": {name: dict(before) for name, before in metrics.sources_before.items()},
    }


def _metrics(data: Mapping[str, Any]) -> RunMetrics:
    return RunMetrics(
        listed=int(data.get("listed", 0)),
        pages=int(data.get("pages", 0)),
        requests=int(data.get("requests", 0)),
        articles=int(data.get("articles", 0)),
        failures=int(data.get("failures", 0)),
        field_sources={name: {k: int(n) for k, n in kinds.items()}
                       for name, kinds in data.get("field_sources", {}).items()},
        profiled=tuple(data.get("profiled", ())),
        failure_reasons={k: int(n) for k, n in data.get("failure_reasons", {}).items()},
        source_changed={k: int(n) for k, n in data.get("source_changed", {}).items()},
        sources_before={name: {k: int(n) for k, n in before.items()}
                        for name, before in data.get("sources_before", {}).items()},
    )
