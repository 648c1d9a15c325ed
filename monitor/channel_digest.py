"""One alert as one chat or webhook message: Markdown or plain text, shortened to the channel's limit."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from monitor.digest import SECTION_TITLES, DigestItem, ordered, subject
from monitor.present import local_iso

# Characters Markdown would read as formatting inside a headline.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>~-])")
LEAD_CHARS = 280


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    markdown: bool
    shown: int  # items in the body; the rest are behind the "more" link


def _md(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _item(item: DigestItem, markdown: bool) -> str:
    title = _md(item.title) if markdown else item.title
    link = item.url.replace("(", "%28").replace(")", "%29")
    lines = [f"• [{title}]({link})" if markdown else f"• {item.title}\n  {item.url}"]
    details = []
    if item.published_at is not None:
        details.append(f"published {local_iso(item.published_at)}")
    if item.kind == "edited":
        details.append(f"changed: {', '.join(item.fields) or 'not known'}")
    if details:
        lines.append("  " + "; ".join(details))
    if item.lead and item.kind == "new":
        lead = _short(item.lead, LEAD_CHARS)
        lines.append("  " + (_md(lead) if markdown else lead))
    return "\n".join(lines)


def _heading(kind: str, count: int, markdown: bool) -> str:
    text = f"{SECTION_TITLES[kind]} ({count})"
    return f"**{text}**" if markdown else text


def _more(left: int, more_url: str, markdown: bool) -> str:
    where = f"[{more_url}]({more_url})" if markdown and more_url else more_url
    return f"… and {left} more" + (f": {where}" if where else "")


def render_for_channel(
    items: Sequence[DigestItem],
    site_names: Sequence[str],
    *,
    markdown: bool,
    body_limit: int,
    title_limit: int = 250,
    more_url: str = "",
) -> Rendered:
    """The digest within `body_limit` characters (0: no limit): whole items, newest kinds first, as
    many as fit, then one line saying how many more there are and where to read them.

    `title_limit` 0 means the service has no title field: Apprise then puts the title at the top
    of the body, so it counts against the body's limit."""
    items = ordered(items)
    title, body_limit = _fit_title(subject(items, site_names), body_limit, title_limit)
    blocks: list[tuple[str, str]] = []  # (section heading, item text)
    for item in items:
        count = sum(1 for other in items if other.kind == item.kind)
        blocks.append((_heading(item.kind, count, markdown), _item(item, markdown)))
    shown = len(blocks)
    body = _join(blocks)
    while body_limit and len(body) > body_limit and shown > 0:
        shown -= 1
        body = _join(blocks[:shown]) + "\n\n" + _more(len(blocks) - shown, more_url, markdown)
    if body_limit and len(body) > body_limit:  # not even the "more" line fits: cut it
        body = _short(body, body_limit)
    return Rendered(title=title, body=body.strip(), markdown=markdown, shown=shown)


def render_text_for_channel(title: str, text: str, *, body_limit: int, title_limit: int = 250) -> Rendered:
    """A plain-text message that is not a list of items (a health alert) within the channel's
    limits, as `render_for_channel` keeps them: the title shortened, or counted in the body when
    the service has no title field; the text shortened, not split."""
    title, body_limit = _fit_title(title, body_limit, title_limit)
    body = text.strip()
    if body_limit:
        body = _short(body, body_limit)
    return Rendered(title=title, body=body, markdown=False, shown=1)


def _fit_title(title: str, body_limit: int, title_limit: int) -> tuple[str, int]:
    """The title within `title_limit`, and the room left in the body: with no title field (0)
    Apprise puts the title at the top of the body."""
    if title_limit:
        return _short(title, title_limit), body_limit
    if body_limit:
        return title, max(body_limit - len(title) - 2, 0)
    return title, body_limit


def _join(blocks: Sequence[tuple[str, str]]) -> str:
    parts: list[str] = []
    heading = None
    for section, text in blocks:
        if section != heading:
            parts.append(("\n" if parts else "") + section)
            heading = section
        parts.append(text)
    return "\n".join(parts)
