"""Turns a run's events into queued alerts and delivers the due ones, retrying with back-off."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import TYPE_CHECKING

from monitor.config import Config, EmailSettings, NotifySettings, notify_settings
from monitor.diff import diff_versions, excerpt
from monitor.digest import DigestItem, compose_digest
from monitor.health import previous_verdict
from monitor.health_message import HealthMessage, compose_mail
from monitor.health_message import compose as compose_health
from monitor.mailer import DeliveryError, Mailer
from storage.records import AlertEventRow, AlertRow
from storage.store import Store

if TYPE_CHECKING:
    from monitor.channels import ChannelSender

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


def audiences(email: EmailSettings, notify: NotifySettings) -> dict[str, list[str]]:
    """Who is told what: each mail recipient and each channel (by its masked name) → event kinds.

    A channel is a recipient of its own, so it gets its own alerts, attempts and back-off: one
    failing channel never holds up, nor duplicates, another."""
    told = {recipient: list(email.alert_on) for recipient in email.recipients}
    told.update({channel.name: list(notify.alert_on) for channel in notify.channels})
    return told


def queue_run_alerts(
    store: Store, email_settings: EmailSettings, notify: NotifySettings | None = None
) -> list[int]:
    """Queue one alert per recipient and channel for the events not yet handled; the new ids.

    With no recipients nothing is queued, but the events are still consumed so that adding a
    recipient later does not flood them with old news.
    """
    return store.queue_alerts(
        audiences(email_settings, notify or notify_settings()),
        message_domain=message_domain(email_settings.sender),
    )


@dataclass
class ChannelSet:
    """The configured channels by name, and where a shortened message sends its reader."""

    senders: Mapping[str, ChannelSender] = field(default_factory=dict)
    more_url: str = ""
    fronts: Mapping[str, str] = field(default_factory=dict)  # site → its front page

    def more_link(self, sites: list[str]) -> str:
        return self.more_url or next((self.fronts[s] for s in sites if s in self.fronts), "")


def digest_items(store: Store, alert_id: int) -> list[DigestItem]:
    """The alert's events in the form the digest shows them, with a diff excerpt for edits."""
    return [_digest_item(store, event) for event in store.alert_events(alert_id)]


def _digest_item(store: Store, event: AlertEventRow) -> DigestItem:
    version = store.get_version(event.identity, event.version) if event.version else None
    shown = ""
    if event.kind == "edited" and version is not None and event.previous_version:
        previous = store.get_version(event.identity, event.previous_version)
        if previous is not None:
            shown = excerpt(diff_versions(previous.fields, version.fields))
    fields = version.fields if version else None
    title = event.title or (fields.title if fields else "") or event.url
    return DigestItem(
        kind=event.kind,
        title=title,
        url=event.url,
        published_at=event.published_at or (fields.published_at if fields else None),
        lead=fields.lead if fields else "",
        fields=list(event.fields),
        excerpt=shown,
        site=event.site,
    )


def channel_set(config: Config) -> ChannelSet:
    """The configured channels, ready to send (Apprise loads only when some are configured)."""
    if not config.notify.channels:
        return ChannelSet()
    from monitor.channels import ChannelSender

    senders = {c.name: ChannelSender(c.url, c.secrets, c.name) for c in config.notify.channels}
    fronts = {name: site.start_urls[0] for name, site in config.sites.items() if site.start_urls}
    return ChannelSet(senders, config.notify.more_url, fronts)


def has_audience(config: Config) -> bool:
    return bool(config.email.recipients or config.notify.channels)


SMTP = "smtp"


def deliver_due(
    store: Store,
    mailer: Mailer | None,
    *,
    now: datetime,
    clock: Callable[[], datetime] | None = None,
    channels: ChannelSet | None = None,
) -> DeliveryReport:
    """Send every alert due at `now`, one message each, by mail or to its channel; failures wait
    for a later pass.

    Alerts are queued in their own committed transaction before this runs, so a message is only
    ever sent for an alert that exists. Each alert is marked sent after the server accepted its
    message. A crash between the two sends it again on the next pass, with the same Message-ID:
    receivers (and their mail clients) drop duplicates by Message-ID, so from the user's point
    of view each alert arrives exactly once. Nothing else sends an alert twice: a sent alert is
    never due again, and a failed one only after the server refused it.

    A channel is tried once per pass: after a failure its other alerts wait for the next pass,
    and so do the mail alerts after the SMTP server could not be reached (every other message
    would meet the same dead server and its timeout). Other channels are not held up.

    `clock` gives the time of each send and failure (default: `now`).
    """
    channels = channels or ChannelSet()
    report = DeliveryReport()
    stalled: set[str] = set()  # transports not to try again in this pass
    for alert in store.due_alerts(now):
        transport = alert.recipient if alert.recipient in channels.senders else SMTP
        if transport in stalled:
            report.waiting += 1
            continue
        try:
            _deliver(store, mailer, channels, alert, clock() if clock else now)
        except DeliveryError as exc:
            failed_at = clock() if clock else now
            store.mark_failed(alert.id, exc.reason, failed_at + retry_delay(alert.attempts))
            logger.warning("alert %s to %s not delivered: %s", alert.id, alert.recipient, exc.reason)
            report.failed += 1
            report.waiting += 1
            report.errors.append(f"{alert.recipient}: {exc.reason}")
            if exc.unreachable or transport != SMTP:
                stalled.add(transport)
        else:
            report.sent += 1
    return report


def _deliver(
    store: Store, mailer: Mailer | None, channels: ChannelSet, alert: AlertRow, at: datetime
) -> None:
    sender = channels.senders.get(alert.recipient)
    if sender is None and ("://" in alert.recipient or mailer is None):
        # A channel taken out of the configuration: its secrets are gone with it.
        raise DeliveryError(f"{alert.recipient} is not configured (any more); the alert waits")
    if alert.kind == "health":
        message = health_message(store, alert)
        if sender is not None:
            from monitor.channel_digest import render_text_for_channel

            sender.send(render_text_for_channel(message.subject, message.text,
                                                body_limit=sender.body_limit,
                                                title_limit=sender.title_limit))
        elif mailer is not None:
            mailer.send(compose_mail(alert, message, sender=mailer.settings.sender, sent_at=at))
        store.mark_sent(alert.id, at)
        return
    items = digest_items(store, alert.id)
    sites = sorted({item.site for item in items if item.site})
    if sender is not None:
        from monitor.channel_digest import render_for_channel

        sender.send(render_for_channel(
            items, sites, markdown=sender.markdown, body_limit=sender.body_limit,
            title_limit=sender.title_limit, more_url=channels.more_link(sites),
        ))
    elif mailer is not None:
        mailer.send(compose_digest(alert, items, sender=mailer.settings.sender, site_names=sites,
                                   sent_at=at))
    store.mark_sent(alert.id, at)


def health_message(store: Store, alert: AlertRow) -> HealthMessage:
    """What a health alert says: its run's verdict, and the one before it."""
    health = store.run_health(alert.run_id) if alert.run_id is not None else None
    if health is None:
        raise DeliveryError(f"health alert {alert.id}: its run was not assessed; the alert waits")
    before = store.recent_health(health.site, before=health.run_id, limit=1)
    return compose_health(health, previous_verdict(before))

