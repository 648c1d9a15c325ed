"""Turns a run's events into queued alerts and delivers the due ones, retrying with back-off."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr

from monitor.config import EmailSettings
from monitor.diff import diff_versions, excerpt
from monitor.digest import DigestItem, compose_digest
from monitor.mailer import DeliveryError, Mailer
from storage.records import AlertEventRow, AlertRow
from storage.store import Store

logger = logging.getLogger(__name__)

FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=1)
DEFAULT_MESSAGE_DOMAIN = "newswatch.local"


@dataclass
class DeliveryReport:
    """What one delivery pass did; `waiting` counts due alerts it left pending (failed or not tried)."""

    sent: int = 0
    failed: int = 0
    waiting: int = 0
    errors: list[str] = field(default_factory=list)


def retry_delay(attempts: int) -> timedelta:
    """Wait before the next try of an alert that has failed `attempts` times before this failure:
    1 min, 2, 4 … capped at 1 h."""
    return min(FIRST_RETRY * 2 ** min(attempts, 10), MAX_RETRY)


def message_domain(sender: str) -> str:
    """The domain of the sender address, which Message-IDs are made under."""
    _, address = parseaddr(sender)
    _, at, domain = address.rpartition("@")
    return domain.strip() if at and domain.strip() else DEFAULT_MESSAGE_DOMAIN


def queue_run_alerts(store: Store, email_settings: EmailSettings) -> list[int]:
    """Queue one alert per recipient for the events not yet handled; the ids of the new alerts.

    With no recipients nothing is queued, but the events are still consumed so that adding a
    recipient later does not flood them with old news.
    """
    return store.queue_alerts(
        list(email_settings.recipients),
        list(email_settings.alert_on),
        message_domain=message_domain(email_settings.sender),
    )


def digest_items(store: Store, alert_id: int) -> list[DigestItem]:
    """The alert's events in the form the digest shows them, with a diff excerpt for edits."""
    return [_digest_item(store, event) for event in store.alert_events(alert_id)]


def _digest_item(store: Store, event: AlertEventRow) -> DigestItem:
    version = store.get_version(event.identity, event.version) if event.version else None
    shown = ""
    if event.kind == "edited" and version is not None and event.previous_version:
        previous = store.get_version(event.identity, event.previous_version)
        if previous is not None:
            shown = excerpt(diff_versions(previous.fields(), version.fields()))
    title = event.title or (version.title if version else "") or event.url
    return DigestItem(
        kind=event.kind,
        title=title,
        url=event.url,
        published_at=event.published_at or (version.published_at if version else None),
        lead=version.lead if version else "",
        fields=list(event.fields),
        excerpt=shown,
        site=event.site,
    )


def deliver_due(
    store: Store,
    mailer: Mailer,
    *,
    now: datetime,
    clock: Callable[[], datetime] | None = None,
) -> DeliveryReport:
    """Send every alert due at `now`, one message each; failures wait for a later pass.

    Alerts are queued in their own committed transaction before this runs, so a message is only
    ever sent for an alert that exists. Each alert is marked sent after the server accepted its
    message. A crash between the two sends it again on the next pass, with the same Message-ID:
    receivers (and their mail clients) drop duplicates by Message-ID, so from the user's point
    of view each alert arrives exactly once. Nothing else sends an alert twice: a sent alert is
    never due again, and a failed one only after the server refused it.

    `clock` gives the time of each send and failure (default: `now`).
    """
    report = DeliveryReport()
    due = store.due_alerts(now)
    for index, alert in enumerate(due):
        try:
            _deliver(store, mailer, alert, clock() if clock else now)
        except DeliveryError as exc:
            failed_at = clock() if clock else now
            store.mark_failed(alert.id, exc.reason, failed_at + retry_delay(alert.attempts))
            logger.warning("alert %s to %s not delivered: %s", alert.id, alert.recipient, exc.reason)
            report.failed += 1
            report.errors.append(f"{alert.recipient}: {exc.reason}")
            if exc.unreachable:
                # Every other message would meet the same dead server (and its timeout); they
                # stay due and the next pass tries again.
                report.waiting += len(due) - index
                break
            report.waiting += 1
        else:
            report.sent += 1
    return report


def _deliver(store: Store, mailer: Mailer, alert: AlertRow, at: datetime) -> None:
    items = digest_items(store, alert.id)
    sites = sorted({item.site for item in items if item.site})
    msg = compose_digest(alert, items, sender=mailer.settings.sender, site_names=sites, sent_at=at)
    mailer.send(msg)
    store.mark_sent(alert.id, at)
