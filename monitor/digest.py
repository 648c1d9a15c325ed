"""One alert as one e-mail: a plain-text and an HTML part listing what is new, edited and removed."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urlsplit

from monitor.present import LOCAL, local_iso
from storage.records import AlertRow, EventKind

KIND_ORDER: tuple[EventKind, ...] = ("new", "edited", "removed")
SECTION_TITLES = {"new": "New articles", "edited": "Edited articles", "removed": "Removed articles"}
SUBJECT_TITLE_CHARS = 90


@dataclass(frozen=True)
class DigestItem:
    """One event as the reader sees it; `excerpt` is the diff excerpt of an edit ("" otherwise)."""

    kind: EventKind
    title: str
    url: str
    published_at: datetime | None
    lead: str = ""
    fields: list[str] = field(default_factory=list)
    excerpt: str = ""
    site: str = ""


def ordered(items: Sequence[DigestItem]) -> list[DigestItem]:
    """New first, then edited, then removed; detection order kept within a kind."""
    return sorted(items, key=lambda item: KIND_ORDER.index(item.kind))


def counts_line(items: Sequence[DigestItem]) -> str:
    """"3 new, 2 edited, 1 removed", leaving out kinds with nothing to report."""
    counts = [(sum(1 for i in items if i.kind == kind), kind) for kind in KIND_ORDER]
    return ", ".join(f"{n} {kind}" for n, kind in counts if n) or "nothing"


def subject(items: Sequence[DigestItem], site_names: Sequence[str]) -> str:
    text = f"newswatch: {counts_line(items)}"
    if site_names:
        text += f" — {', '.join(site_names)}"
    if len(items) == 1:
        title = items[0].title
        if len(title) > SUBJECT_TITLE_CHARS:
            title = title[: SUBJECT_TITLE_CHARS - 1].rstrip() + "…"
        text += f": {title}"
    return text


def compose_digest(
    alert: AlertRow,
    items: Sequence[DigestItem],
    *,
    sender: str,
    site_names: Sequence[str],
    sent_at: datetime,
) -> EmailMessage:
    """The digest for one alert; its Message-ID is the alert's, so a resend is the same message."""
    items = ordered(items)
    msg = new_message(alert, subject(items, site_names), sender=sender, sent_at=sent_at)
    # Explicit transfer encoding: servers without 8BITMIME get 7-bit-clean Vietnamese text.
    msg.set_content(render_plain(items, site_names), cte="quoted-printable")
    msg.add_alternative(render_html(items, site_names), subtype="html", cte="quoted-printable")
    return msg


def new_message(alert: AlertRow, subject_text: str, *, sender: str, sent_at: datetime) -> EmailMessage:
    """An alert's e-mail without its content: the headers every newswatch mail carries. The
    Message-ID is the alert's, so a resend is the same message."""
    msg = EmailMessage(policy=policy.SMTP)
    _set_text_header(msg, "Subject", subject_text)
    msg["From"] = sender
    msg["To"] = alert.recipient
    msg["Date"] = format_datetime(sent_at.astimezone(LOCAL))
    msg["Message-ID"] = alert.message_id
    # RFC 3834: tells vacation responders and the like not to answer.
    msg["Auto-Submitted"] = "auto-generated"
    return msg


def _set_text_header(msg: EmailMessage, name: str, value: str) -> None:
    """A free-text header, RFC 2047-encoded here when not ASCII: the standard library's own folder
    (CPython 3.11) drops the space between two encoded words ("Hội nghị xúc" arrives as
    "Hội nghịxúc"); the legacy Header encoder keeps spaces inside the encoded words."""
    if value.isascii():
        msg[name] = value
    else:
        msg.set_raw(name, Header(value, "utf-8", header_name=name).encode(linesep="\n"))


# ---- plain text ----------------------------------------------------------------------------


def render_plain(items: Sequence[DigestItem], site_names: Sequence[str]) -> str:
    lines = [_summary(items, site_names), ""]
    for kind in KIND_ORDER:
        section = [i for i in items if i.kind == kind]
        if not section:
            continue
        heading = f"{SECTION_TITLES[kind]} ({len(section)})"
        lines += [heading, "=" * len(heading), ""]
        for item in section:
            lines += _plain_item(item) + [""]
    return "\n".join(lines)


def _summary(items: Sequence[DigestItem], site_names: Sequence[str]) -> str:
    where = f" on {', '.join(site_names)}" if site_names else ""
    return f"newswatch found {counts_line(items)}{where}. Times are Vietnam time (+07:00)."


def _plain_item(item: DigestItem) -> list[str]:
    lines = [f"* {item.title}", f"  {item.url}"]
    if item.published_at is not None:
        lines.append(f"  Published: {local_iso(item.published_at)}")
    if item.lead:
        lines.append(f"  {item.lead}")
    if item.kind == "edited":
        lines.append(f"  Changed: {', '.join(item.fields) or 'not known'}")
        if item.excerpt:
            lines.append(f"  {item.excerpt}")
    if item.kind == "removed":
        lines.append("  No longer on the site; newswatch keeps its last version.")
    return lines


# ---- HTML: every piece of page text goes through html.escape --------------------------------


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _link(url: str, label: str) -> str:
    # Only http(s) becomes a link: a stored URL must never turn into javascript: or the like.
    if urlsplit(url).scheme in ("http", "https"):
        return f'<a href="{_e(url)}">{_e(label)}</a>'
    return _e(label)


def render_html(items: Sequence[DigestItem], site_names: Sequence[str]) -> str:
    parts = [
        '<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8">'
        f"<title>{_e(subject(items, site_names))}</title></head>",
        '<body style="font-family: sans-serif; line-height: 1.4">',
        f"<p>{_e(_summary(items, site_names))}</p>",
    ]
    for kind in KIND_ORDER:
        section = [i for i in items if i.kind == kind]
        if section:
            parts.append(f"<h2>{_e(SECTION_TITLES[kind])} ({len(section)})</h2>")
            parts += [_html_item(item) for item in section]
    parts.append("</body></html>")
    return "\n".join(parts)


def _html_item(item: DigestItem) -> str:
    rows = [f"<h3>{_link(item.url, item.title)}</h3>", f'<div style="color: #555">{_e(item.url)}</div>']
    if item.published_at is not None:
        rows.append(f"<div>Published: {_e(local_iso(item.published_at) or '')}</div>")
    if item.lead:
        rows.append(f"<p>{_e(item.lead)}</p>")
    if item.kind == "edited":
        rows.append(f"<div>Changed: <b>{_e(', '.join(item.fields) or 'not known')}</b></div>")
        if item.excerpt:
            rows.append(f'<pre style="white-space: pre-wrap">{_e(item.excerpt)}</pre>')
    if item.kind == "removed":
        rows.append("<div><i>No longer on the site; newswatch keeps its last version.</i></div>")
    return '<div style="margin-bottom: 1.5em">\n' + "\n".join(rows) + "\n</div>"
