"""HTTP behaviour of the replica: routing, injected faults, removals, conditional GET, truncation."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import parse_qs, urlsplit

from replica import feeds, render
from replica.site import ReplicaArticle, ReplicaSite

HTML = "text/html; charset=utf-8"
# request headers: http.server's Message (case-insensitive .get) or a plain mapping in tests
Headers = Mapping[str, str] | Message


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    content_length: bool = True


def content_etag(article: ReplicaArticle) -> str:
    """ETag over what an edit changes, never over the clock, counters, markup or NFC/NFD form."""
    stable = [article.title, article.lead, article.paragraphs, article.images, article.author,
              article.category, article.published.isoformat(), article.slug]
    digest = hashlib.sha1(json.dumps(stable, ensure_ascii=False).encode()).hexdigest()
    return f'"{digest[:20]}"'


def last_modified(article: ReplicaArticle) -> datetime:
    return (article.modified or article.published).astimezone(UTC).replace(microsecond=0)


def respond(site: ReplicaSite, method: str, target: str, headers: Headers,
            base_url: str, body: bytes = b"") -> Reply:
    """The reply to one request; `headers` is looked up case-insensitively with .get()."""
    with site.lock:
        site.log(method, target, headers)
        parts = urlsplit(target)
        match = site.layout.article_pattern.match(parts.path)
        article, removal = site.find(match.group(1)) if match else (None, None)
        fixed = site.fixed_reply(target)
        if fixed is not None:
            return Reply(fixed.status, list(fixed.headers), fixed.body, fixed.content_length)
        injected = site.take_fault(target, article.id if article else None)
        if injected is not None:
            reply = error_reply(injected.status)
            if injected.retry_after is not None:
                reply.headers.append(("Retry-After", injected.retry_after))
            return reply
        if parts.path == "/robots.txt":
            return Reply(200, [("Content-Type", "text/plain; charset=utf-8")],
                         render.ROBOTS_TXT.encode())
        if parts.path == site.section_path:
            return _listing(site, parts.query, target)
        listing = _machine_listing(site, method, parts.path, body, base_url)
        if listing is not None:
            return listing
        if article is None:
            return error_reply(404)
        if removal == "301":  # a retitled article's old URL
            return Reply(301, [("Location", base_url + article.url_path), ("Content-Type", HTML)], b"")
        if removal == "redirect":
            return Reply(302, [("Location", base_url + site.section_path), ("Content-Type", HTML)],
                         b"")
        if removal is not None:
            return error_reply(int(removal))
        return _article(site, article, method, headers, target)


def _machine_listing(site: ReplicaSite, method: str, path: str, body: bytes,
                     base_url: str) -> Reply | None:
    """The JSON API, the RSS feed and the sitemaps; None for any other path."""
    articles = site.listing()
    if path == feeds.API_PATH:
        if method != "POST":
            return error_reply(405)
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
        site.forms.append(form)
        page, per_page = int(form.get("pageNo") or 1), int(form.get("itemsPerPage") or 10)
        return Reply(200, [("Content-Type", "application/json; charset=utf-8")],
                     feeds.api_page(articles, page, per_page))
    if path == feeds.rss_path(site.section_path):
        return Reply(200, [("Content-Type", "application/rss+xml; charset=utf-8")],
                     feeds.rss_feed(articles[:site.page_size], base_url, site.layout.section_name))
    xml = [("Content-Type", "application/xml; charset=utf-8")]
    if path == feeds.SITEMAP_INDEX_PATH:
        return Reply(200, xml, feeds.sitemap_index(articles, base_url))
    if path.startswith(feeds.SITEMAP_MONTH_PREFIX) and path.endswith(".xml"):
        month = path.removeprefix(feeds.SITEMAP_MONTH_PREFIX).removesuffix(".xml")
        chunk = feeds.months(articles).get(month)
        return Reply(200, xml, feeds.sitemap_month(chunk, base_url)) if chunk else error_reply(404)
    return None


def error_reply(status: int) -> Reply:
    return Reply(status, [("Content-Type", HTML)], render.error_page(status).encode())


def _frame(site: ReplicaSite, target: str) -> render.Frame:
    key = f"{site.seed}:{site.generation}:{target}" if site.generation else None
    return render.Frame(site.layout, site.clock, render.Noise(key), site.markup, dict(site.renamed))


def _listing(site: ReplicaSite, query: str, target: str) -> Reply:
    size = site.page_size
    offset = site.layout.listing_offset(parse_qs(query, keep_blank_values=True), size)
    articles = site.listing()
    more = site.layout.next_href(offset + size, size) if offset + size < len(articles) else None
    stray = site.stray_links["listing"] if offset == 0 else []
    html = render.listing_page(articles[offset:offset + size], _frame(site, target), next_href=more,
                               stray=stray)
    return Reply(200, [("Content-Type", HTML)], html.encode())


def _not_modified(headers: Headers, etag: str, modified: datetime) -> bool:
    """RFC 9110: If-None-Match decides when present, else If-Modified-Since."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or etag in tags
    if_modified_since = headers.get("If-Modified-Since")
    if not if_modified_since:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return modified <= since


def _article(site: ReplicaSite, article: ReplicaArticle, method: str,
             headers: Headers, target: str) -> Reply:
    validators: list[tuple[str, str]] = []
    if site.conditional:
        etag, modified = content_etag(article), last_modified(article)
        validators = [("ETag", etag), ("Last-Modified", format_datetime(modified, usegmt=True))]
        if _not_modified(headers, etag, modified):
            return Reply(304, validators)
    views = site.count_view(article.id) if method == "GET" else site.views.get(article.id, 0)
    html = render.article_page(article, _frame(site, target), views=views,
                               related=site.related(article), hot=site.hot(article),
                               stray=site.stray_links["related"])
    if method == "GET" and site.take_truncation(article.id):
        html = html[:render.truncation_point(html)]
    return Reply(200, [("Content-Type", HTML), *validators], html.encode())
