"""The alert queue: events become per-recipient alerts with a fixed Message-ID, retried until sent."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.orm import Session

from storage.db import chunks
from storage.events import event_rows, with_versions
from storage.models import Alert, AlertEvent, Event
from storage.records import AlertEventRow, AlertKind, AlertRow, AlertState


def message_id(alert_id: int, recipient: str, domain: str) -> str:
    recipient_hash = hashlib.sha256(recipient.strip().lower().encode()).hexdigest()[:16]
    return f"<newswatch.alert.{alert_id}.{recipient_hash}@{domain}>"


def queue(
    session: Session,
    audiences: Mapping[str, Sequence[str]],
    *,
    message_domain: str,
    now: datetime,
) -> list[int]:
    """Mark every unqueued event queued; link the alertable ones to a new alert per recipient.

    `audiences` maps each recipient (a mail address or a channel's name) to the event kinds it
    is told of."""
    rows = session.execute(
        select(Event.id, Event.run_id, Event.kind, Event.baseline)
        .where(Event.alert_queued.is_(False))
        .order_by(Event.id)
        .with_for_update()
    ).all()
    for ids in chunks([row.id for row in rows]):
        session.execute(update(Event).where(Event.id.in_(ids)).values(alert_queued=True))
    alert_ids = []
    for recipient, kinds in audiences.items():
        recipient = recipient.strip()
        alertable = [row for row in rows if not row.baseline and row.kind in kinds]
        if not recipient or not alertable:
            continue
        alert = _new_alert(session, recipient, "news", max(row.run_id for row in alertable),
                           message_domain=message_domain, now=now)
        session.execute(
            insert(AlertEvent),
            [{"alert_id": alert.id, "event_id": row.id} for row in alertable],
        )
        alert_ids.append(alert.id)
    session.flush()
    return alert_ids


def queue_health(
    session: Session, run_id: int, recipients: Sequence[str], *, message_domain: str, now: datetime
) -> list[int]:
    """One `health` alert per recipient about run `run_id`'s verdict."""
    alert_ids = []
    for recipient in (r.strip() for r in recipients):
        if not recipient:
            continue
        alert = _new_alert(session, recipient, "health", run_id, message_domain=message_domain, now=now)
        alert_ids.append(alert.id)
    session.flush()
    return alert_ids


def _new_alert(session: Session, recipient: str, kind: AlertKind, run_id: int, *,
               message_domain: str, now: datetime) -> Alert:
    """A pending alert, due now, with its Message-ID (which needs the id: flushed here)."""
    alert = Alert(recipient=recipient, kind=kind, run_id=run_id, state="pending", attempts=0,
                  created_at=now, next_attempt_at=now)
    session.add(alert)
    session.flush()
    alert.message_id = message_id(alert.id, recipient, message_domain)
    return alert


def due(session: Session, now: datetime) -> list[AlertRow]:
    query = _alert_rows().where(Alert.state == "pending", Alert.next_attempt_at <= now)
    return _to_rows(session, query.order_by(Alert.next_attempt_at, Alert.id))


def recent(session: Session, limit: int) -> list[AlertRow]:
    return _to_rows(session, _alert_rows().order_by(Alert.id.desc()).limit(limit))


def count(session: Session) -> int:
    return session.scalar(select(func.count(Alert.id))) or 0


def events_of(session: Session, alert_id: int) -> list[AlertEventRow]:
    query = (
        with_versions(event_rows())
        .join(AlertEvent, AlertEvent.event_id == Event.id)
        .where(AlertEvent.alert_id == alert_id)
        .order_by(Event.detected_at, Event.id)
    )
    return [AlertEventRow(*row) for row in session.execute(query)]


def mark_sent(session: Session, alert_id: int, at: datetime) -> None:
    alert = _alert(session, alert_id)
    alert.state = "sent"
    alert.sent_at = at
    alert.attempts += 1


def mark_failed(session: Session, alert_id: int, error: str, next_attempt_at: datetime) -> None:
    alert = _alert(session, alert_id)
    alert.attempts += 1
    alert.last_error = error
    alert.next_attempt_at = next_attempt_at


def _alert(session: Session, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id, with_for_update=True)
    if alert is None:
        raise KeyError(f"unknown alert {alert_id}")
    return alert


def _alert_rows() -> Select[Any]:
    event_count = (
        select(func.count())
        .where(AlertEvent.alert_id == Alert.id)
        .correlate(Alert)
        .scalar_subquery()
    )
    return select(Alert, event_count)


def _to_rows(session: Session, query: Select[Any]) -> list[AlertRow]:
    return [
        AlertRow(
            id=alert.id,
            recipient=alert.recipient,
            message_id=alert.message_id or "",
            state=cast(AlertState, alert.state),
            attempts=alert.attempts,
            last_error=alert.last_error,
            created_at=alert.created_at,
            sent_at=alert.sent_at,
            next_attempt_at=alert.next_attempt_at,
            event_count=event_count,
            kind=cast(AlertKind, alert.kind),
            run_id=alert.run_id,
        )
        for alert, event_count in session.execute(query)
    ]
