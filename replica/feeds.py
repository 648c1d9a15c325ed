"""The replica's machine-readable listings: the portal's JSON API, an RSS feed, a sitemap index."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

from replica.site import ReplicaArticle

# moit.gov.vn's listing endpoint, as ../shared/site/README.md records it.
API_PATH = "/api/Content/Article/selectAll"
SITEMAP_INDEX_PATH = "/sitemap.xml"
SITEMAP_MONTH_PREFIX = "/sitemaps/"  # + YYYY-MM.xml


def rss_path(section_path: str) -> str:
    """congthuong.vn's /rss/<section>.rss."""
    return f"/rss/{section_path.strip('/').split('/')[-1]}.rss"


def api_page(articles: Sequence[ReplicaArticle], page_no: int, per_page: int) -> bytes:
    """{"items": {"0": {...}, …}, "totalItems": N}: an object of items, as the portal answers."""
    start = (max(page_no, 1) - 1) * per_page
    chunk = articles[start:start + per_page]
    items = {
        str(index): {
            "id": a.id,
            "rewriteURL": a.url_path.lstrip("/"),  # relative: resolved against base_url
            "title": a.title,
            "brief": a.lead,
            "publishTime": int(a.published.timestamp()),
        }
        for index, a in enumerate(chunk, start)
    }
    return json.dumps({"items": items, "totalItems": len(articles)}, ensure_ascii=False).encode()


def rss_feed(articles: Sequence[ReplicaArticle], base_url: str, title: str) -> bytes:
    entries = "".join(
        "<item>"
        f"<title>{escape(a.title)}</title>"
        f"<link>{escape(base_url + a.url_path)}</link>"
        f"<guid isPermaLink=\"true\">{escape(base_url + a.url_path)}</guid>"
        f"<description>{escape(a.lead)}</description>"
        f"<pubDate>{format_datetime(a.published.astimezone(UTC), usegmt=True)}</pubDate>"
        "</item>"
        for a in articles
    )
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>{escape(title)}</title><link>{escape(base_url)}/</link>"
            f"<description>{escape(title)}</description>{entries}</channel></rss>\n").encode()


def changed_at(article: ReplicaArticle) -> datetime:
    return article.modified or article.published


def months(articles: Sequence[ReplicaArticle]) -> dict[str, list[ReplicaArticle]]:
    """Articles by publication month ("2024-11"), as CMSs split their sitemaps."""
    by_month: dict[str, list[ReplicaArticle]] = {}
    for a in articles:
        by_month.setdefault(f"{a.published:%Y-%m}", []).append(a)
    return by_month


def sitemap_index(articles: Sequence[ReplicaArticle], base_url: str) -> bytes:
    entries = "".join(
        f"<sitemap><loc>{base_url}{SITEMAP_MONTH_PREFIX}{month}.xml</loc>"
        f"<lastmod>{max(changed_at(a) for a in chunk).isoformat()}</lastmod></sitemap>"
        for month, chunk in sorted(months(articles).items(), reverse=True)
    )
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{entries}</sitemapindex>\n").encode()


def sitemap_month(articles: Sequence[ReplicaArticle], base_url: str) -> bytes:
    entries = "".join(
        f"<url><loc>{escape(base_url + a.url_path)}</loc>"
        f"<lastmod>{changed_at(a).isoformat()}</lastmod></url>"
        for a in articles
    )
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{entries}</urlset>\n").encode()
