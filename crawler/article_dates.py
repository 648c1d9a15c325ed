"""Published and modified dates: profile selector, then the date line the page shows, then its metadata."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from lxml.html import HtmlElement

from crawler import sources
from crawler.body import is_date_line
from crawler.dates import parse_date
from crawler.fields import Found
from crawler.find import alternatives, is_inside, names, starts_with_phrase
from crawler.metadata import Candidate, PageMetadata
from crawler.page import Page, warn_fallback
from crawler.text import inline_text, normalise
from crawler.vocabulary import (
    AUTHOR_NAME,
    COUNTERS,
    DATE_NAME,
    MAX_DATE_LINE_CHARS,
    MODIFIED_LABELS,
    MODIFIED_NAME,
)

_DATE_LIKE = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}\s*tháng\s*\d{1,2}",
                        re.IGNORECASE)
_HAS_TIME = re.compile(r"\d{1,2}\s*(?:[:h]\s*\d{2}|giờ)|\d{4}-\d{2}-\d{2}[t ]\d{2}", re.IGNORECASE)
_WEEKDAY_PREFIX = re.compile(r"^(?:thứ\s*\w+|chủ\s*nhật|t[2-7]|cn)\s*[,\-|]?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class DateLine:
    """A date the page shows: when, whether it names the time, and whether it says "updated"."""

    moment: datetime
    element: HtmlElement
    modified: bool
    has_time: bool


def article_container(title: HtmlElement | None, body: HtmlElement) -> HtmlElement:
    """The smallest part of the page holding the title and the body: where the article's own
    date line, lead and byline are, never the page header's clock."""
    if title is not None and not is_inside(title, body):
        title_ancestors = set(title.iterancestors())  # lxml elements compare by identity
        for element in body.iterancestors():
            if element in title_ancestors:
                return element
    for element in (body, *body.iterancestors()):
        if element.tag == "article":
            return element
    parent = body.getparent()
    return parent if parent is not None else body


def dates(page: Page, metadata: PageMetadata, container: HtmlElement, title: HtmlElement | None,
          body: HtmlElement) -> tuple[Found[datetime | None], Found[datetime | None]]:
    lines = _ranked(page, list(_date_lines(page, container, body)), title, body)
    published = _published(page, metadata, [line for line in lines if not line.modified])
    if published.value is None:  # an "updated" line is the only date the page gives
        published = _published(page, metadata, lines)
    modified = _field(page, "modified", metadata.modified, [line for line in lines if line.modified])
    return published, modified


def _published(page: Page, metadata: PageMetadata, lines: list[DateLine]) -> Found[datetime | None]:
    return _field(page, "published", metadata.published, lines)


def _field(page: Page, name: str, told: list[Candidate], lines: list[DateLine]) -> Found[datetime | None]:
    profile = _from_profile(page, name)
    told_dates = [(c, parsed) for c, parsed in ((c, _parse(page, name, c)) for c in told) if parsed]
    if profile is not None:
        _note(page, name, profile, told_dates)
        return profile
    if lines:
        # of the dates the page shows, the one the metadata also gives (same day), else the nearest
        agreeing = [line for line in lines if any(m.date() == line.moment.date() for _, m in told_dates)]
        line = (agreeing or lines)[0]
        found = Found[datetime | None](line.moment, sources.generic("date element"), line.element)
        for candidate, moment in told_dates:
            if not line.has_time and moment.date() == line.moment.date():
                found = Found(moment, candidate.source)  # the metadata adds the time the page leaves out
                break
        warn_fallback(page, name, found.source)
        if found.element is not None:
            _note(page, name, found, told_dates)
        return found
    if told_dates:
        candidate, moment = told_dates[0]
        warn_fallback(page, name, candidate.source)
        return Found(moment, candidate.source)
    return Found(None)


def _from_profile(page: Page, name: str) -> Found[datetime | None] | None:
    selector = getattr(page.selectors, name)
    for alternative in alternatives(selector) if selector else ():
        for element in page.matches(alternative):
            raw = _raw(element)
            parsed = parse_date(raw, page.now) if raw else None
            if parsed is not None:
                return Found(parsed, sources.selector(alternative), element)
            page.warn(f"profile selector {name!r} ({selector!r}) on {page.url} matched "
                      f"{inline_text(element)!r}, which is not a date")
    return None


def _parse(page: Page, name: str, candidate: Candidate) -> datetime | None:
    parsed = parse_date(candidate.value, page.now)
    if parsed is None:
        page.warn(f"{name}: {candidate.source} {candidate.value!r} on {page.url} is not a date")
    return parsed


def _note(page: Page, name: str, shown: Found[datetime | None],
          told: list[tuple[Candidate, datetime]]) -> None:
    if shown.value is None:
        return
    for candidate, moment in told:
        if moment.replace(second=0, microsecond=0) != shown.value.replace(second=0, microsecond=0):
            page.note(f"{name}: the page shows {shown.value:%Y-%m-%d %H:%M} ({shown.source}), "
                      f"{candidate.source} says {moment:%Y-%m-%d %H:%M}; used the page on {page.url}")
            return


def _raw(element: HtmlElement) -> str:
    raw = element.get("datetime") or element.get("content") or inline_text(element)
    return normalise(COUNTERS.sub(" ", raw))


def _date_lines(page: Page, container: HtmlElement, body: HtmlElement) -> Iterator[DateLine]:
    """Short elements of the article that show a date: <time>, itemprop, named date, "Cập nhật: …"."""
    for element in container.iter():
        if not isinstance(element.tag, str) or element.tag == "meta" or len(element) > 3:
            continue
        text = element.text_content()
        if len(text) > 4 * MAX_DATE_LINE_CHARS or not _DATE_LIKE.search(element.get("datetime") or text):
            continue
        text = normalise(text)
        if len(text) > MAX_DATE_LINE_CHARS or element is body:
            continue
        own_line = is_date_line(text)
        if is_inside(element, body) and not (own_line and element.getparent() is body):
            continue  # a date inside the article's text is content, unless it is a line of its own
        element_names = names(element)
        label = starts_with_phrase(_WEEKDAY_PREFIX.sub("", text), MODIFIED_LABELS)
        # the byline often shares its line with the date ("Nguyên Minh - 07/03/2026 08:47")
        named_so = DATE_NAME.search(element_names) or AUTHOR_NAME.search(element_names)
        if not (element.tag == "time" or named_so or label or own_line):
            continue
        raw = _raw(element)
        if not _DATE_LIKE.search(raw):
            continue
        moment = parse_date(raw, page.now)
        if moment is not None:
            modified = bool(label) or bool(MODIFIED_NAME.search(element_names))
            yield DateLine(moment, element, modified, bool(_HAS_TIME.search(raw)))


def _ranked(page: Page, lines: list[DateLine], title: HtmlElement | None,
            body: HtmlElement) -> list[DateLine]:
    """Between the title and the body first, then just before the title, then after the body."""
    body_start, body_end = page.position.get(body, 0), page.last_position(body)
    title_at = page.position.get(title, body_start) if title is not None else body_start

    def rank(line: DateLine) -> tuple[int, int]:
        at = page.position.get(line.element, 0)
        if title_at < at < body_start:
            return 0, at
        if at < title_at:
            return 1, -at
        return (2, at) if at > body_end else (3, at)

    return sorted(lines, key=rank)
