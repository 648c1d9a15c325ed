"""Reading crawl runs back: each site's most recent runs with what they found."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import CrawlRun, Event, Site
from storage.records import RunSummary


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
    runs = session.execute(query).all()
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
            status=run.status,
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
