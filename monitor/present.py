"""How newswatch shows things to people: times in Asia/Ho_Chi_Minh, JSON shapes of the public interface.

The command line's --json and the web view's JSON answers are both built here, so they stay the same.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from crawler.dates import LOCAL_TZ
from crawler.records import Article
from monitor.health import hit_rates
from monitor.highlight import Found
from monitor.versioning import article_fields
from storage.records import (
    AlertRow,
    ArticleFields,
    ChangeRow,
    RunHealth,
    RunSummary,
    VersionDetail,
    VersionSummary,
)

LOCAL = LOCAL_TZ  # newswatch's one local time zone, defined with the date parsing


def local_iso(value: datetime | str | None) -> str | None:
    """ISO 8601 with the +07:00 offset; stored times are UTC, people read Vietnamese time."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL)
    return value.astimezone(LOCAL).isoformat()


def text_time(value: datetime | str | None) -> str:
    """A time for people reading a terminal: +07:00, to the second (JSON keeps the full precision)."""
    shown = local_iso(value)
    return datetime.fromisoformat(shown).isoformat(timespec="seconds") if shown else "—"


def parse_when(text: str) -> datetime:
    """An ISO date or datetime as given on the command line or in a URL; Vietnamese time when it
    names no offset. Raises ValueError for anything else."""
    value = datetime.fromisoformat(text.strip())
    return value if value.tzinfo else value.replace(tzinfo=LOCAL)


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def history_json(versions: Sequence[VersionSummary]) -> list[dict[str, Any]]:
    return [
        {
            "version": v.version,
            "first_seen": local_iso(v.first_seen),
            "last_seen": local_iso(v.last_seen),
            "title": v.title,
            "published_at": local_iso(v.published_at),
            "content_hash": v.content_hash,
            "times_seen": v.times_seen,
        }
        for v in versions
    ]


def version_json(detail: VersionDetail) -> dict[str, Any]:
    return {
        "url": detail.url,
        "version": detail.number,
        **fields_json(detail.fields),
        "first_seen": local_iso(detail.first_seen),
        "last_seen": local_iso(detail.last_seen),
    }


def extracted_json(article: Article) -> dict[str, Any]:
    """`newswatch extract`'s fields: the keys of `show --json`; nothing is stored, so no version
    and no first or last seen."""
    return {"url": article.url, "version": None, **fields_json(article_fields(article)),
            "first_seen": None, "last_seen": None}


def fields_json(fields: ArticleFields) -> dict[str, Any]:
    """An article's fields as `show --json` and `extract --json` give them."""
    return {
        "title": fields.title,
        "lead": fields.lead,
        "body": fields.body,
        "author": fields.author,
        "category": fields.category,
        "published_at": local_iso(fields.published_at),
        "modified_at": local_iso(fields.modified_at),
        "images": [{"url": i.url, "caption": i.caption} for i in fields.images],
        "related": [{"url": r.url, "title": r.title} for r in fields.related],
    }


def change_json(row: ChangeRow) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "url": row.url,
        "title": row.title,
        "site": row.site,
        "detected_at": local_iso(row.detected_at),
        "published_at": local_iso(row.published_at),
        "fields": list(row.fields),
        "baseline": row.baseline,
    }


def search_json(found: Found) -> dict[str, Any]:
    """One search result; `*_marks` are [start, end) character offsets of the matched words."""
    hit, title, snippet = found.hit, found.title, found.snippet
    return {
        "url": hit.url,
        "title": hit.title,
        "site": hit.site,
        "version": hit.version,
        "published_at": local_iso(hit.published_at),
        "changed_at": local_iso(hit.changed_at),
        "removed": hit.removed,
        "title_marks": [list(span) for span in title.marks],
        "snippet": snippet.text,
        "snippet_marks": [list(span) for span in snippet.marks],
    }


def run_json(run: RunSummary) -> dict[str, Any]:
    duration = (run.finished_at - run.started_at).total_seconds() if run.finished_at else None
    return {
        "id": run.id,
        "status": run.status,
        "baseline": run.baseline,
        "started_at": local_iso(run.started_at),
        "finished_at": local_iso(run.finished_at),
        "duration_seconds": round(duration, 1) if duration is not None else None,
        "requests": run.requests,
        "pages": run.pages,
        "new_versions": run.new_versions,
        "failures": run.failures,
        "events": {"new": run.new_events, "edited": run.edited_events, "removed": run.removed_events},
    }


def status_json(health: RunHealth) -> dict[str, Any]:
    """One site's crawl health as `status --json` gives it: its last assessed run's verdict."""
    metrics = health.metrics
    return {
        "site": health.site,
        "verdict": health.assessment.verdict,
        "problems": list(health.assessment.problems),
        "last_run": {
            "started_at": local_iso(health.started_at),
            "finished_at": local_iso(health.finished_at),
            "pages": metrics.pages,
            "failures": metrics.failures,
        },
        "selectors": hit_rates(metrics),
    }


def alert_json(alert: AlertRow) -> dict[str, Any]:
    """One alert of `newswatch alerts --json`."""
    return {
        "id": alert.id,
        "kind": alert.kind,
        "recipient": alert.recipient,
        "state": alert.state,
        "items": alert.event_count,
        "attempts": alert.attempts,
        "last_error": alert.last_error,
        "created_at": local_iso(alert.created_at),
        "sent_at": local_iso(alert.sent_at),
        "next_attempt_at": None if alert.state == "sent" else local_iso(alert.next_attempt_at),
        "message_id": alert.message_id,
    }


def alert_line(alert: dict[str, Any]) -> str:
    """One alert of `newswatch alerts`, from its `alert_json`."""
    when = (f"sent {text_time(alert['sent_at'])}" if alert["state"] == "sent"
            else f"next try {text_time(alert['next_attempt_at'])}")
    error = (f"  last error: {alert['last_error']}"
             if alert["last_error"] and alert["state"] != "sent" else "")
    what = "health" if alert["kind"] == "health" else f"{alert['items']} items"
    return (f"#{alert['id']} {alert['state']:<7} {alert['recipient']}  {what}, "
            f"{alert['attempts']} attempts, {when}{error}")
