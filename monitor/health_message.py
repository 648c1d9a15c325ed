"""A site's health alert as words: its subject names the site and what broke, its text the
problems, the fields now read from elsewhere than before, and the run's figures. Plain text, for
mail and channels alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from monitor.digest import new_message
from monitor.health import failure_rate, fallback_rates, hit_rates, stopped_selectors
from monitor.present import text_time
from storage.records import AlertRow, RunHealth, Verdict


@dataclass(frozen=True)
class HealthMessage:
    subject: str
    text: str


def _what_broke(health: RunHealth) -> str:
    tripped = health.assessment.tripped
    parts = []
    if "links" in tripped:
        parts.append("no article links on the listing pages")
    stopped = stopped_selectors(health.assessment)
    if stopped:
        parts.append(f"selectors stopped matching: {', '.join(stopped)}")
    if "failures" in tripped:
        parts.append(f"{failure_rate(health.metrics):.0%} of requests failed")
    return "; ".join(parts)


def subject(health: RunHealth, previous: Verdict) -> str:
    verdict = health.assessment.verdict
    if verdict == "ok":
        return f"newswatch health: {health.site} recovered (was {previous})"
    return f"newswatch health: {health.site} {verdict} — {_what_broke(health)}"


def _moved_lines(health: RunHealth) -> list[str]:
    moved = health.metrics.source_changed
    if not moved:
        return []
    lines = ["", "Read from elsewhere than before, with a different value (stored; not reported as edits):"]
    for name, count in sorted(moved.items()):
        before = health.metrics.sources_before.get(name, {})
        was = ", ".join(f"{source} ×{n}" for source, n in sorted(before.items()))
        lines.append(f"  - {name}: {count} articles" + (f" (before: {was})" if was else ""))
    return lines


def compose(health: RunHealth, previous: Verdict) -> HealthMessage:
    metrics, verdict = health.metrics, health.assessment.verdict
    when = text_time(health.finished_at or health.started_at)
    if verdict == "ok":
        lines = [f"{health.site} is healthy again after the run of {when} (it was {previous})."]
    else:
        lines = [f"{health.site} is {verdict} after the run of {when} (it was {previous}).", "",
                 "Problems:", *(f"  - {problem}" for problem in health.assessment.problems)]
    lines += _moved_lines(health)
    lines += ["", f"The run: {metrics.listed} article links listed, {metrics.pages} pages, "
                  f"{metrics.articles} articles read, {metrics.failures} failures of "
                  f"{metrics.requests} requests."]
    for reason, count in sorted(metrics.failure_reasons.items(), key=lambda item: -item[1])[:5]:
        lines.append(f"  - failed: {reason} ×{count}")
    rates = hit_rates(metrics)
    if rates:
        lines.append("Profile selectors matched: " + ", ".join(f"{n} {r:.0%}" for n, r in rates.items()))
    fallbacks = {n: r for n, r in fallback_rates(metrics).items() if r}
    if fallbacks:
        lines.append("Read from metadata or generic rules: "
                     + ", ".join(f"{n} {r:.0%}" for n, r in fallbacks.items()))
    lines += ["", "`newswatch status` shows each site's health; `newswatch extract URL` shows what "
                  "a page's fields are read from."]
    return HealthMessage(subject(health, previous), "\n".join(lines) + "\n")


def compose_mail(alert: AlertRow, message: HealthMessage, *, sender: str, sent_at: datetime) -> EmailMessage:
    """The health alert as one e-mail; its Message-ID is the alert's, so a resend is the same message."""
    msg = new_message(alert, message.subject, sender=sender, sent_at=sent_at)
    msg.set_content(message.text, cte="quoted-printable")
    return msg


