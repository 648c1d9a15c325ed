"""`newswatch extract`: one page through the crawl's own extraction, with where each field came from."""

from __future__ import annotations

import argparse
import http.client
import logging
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from w3lib.encoding import html_to_unicode

from crawler.extract import read_article, read_listing
from crawler.profile import CrawlSettings, Selectors
from crawler.records import Article, ExtractionError, Listing
from crawler.urls import in_domains
from monitor import config as config_mod
from monitor.present import dumps, extracted_json, local_iso

# The fields in the order `show` prints them; the JSON keys are those of `show --json`.
_FIELDS = ("title", "lead", "author", "category", "published_at", "modified_at", "images", "related", "body")


class SourceError(Exception):
    """The page could not be read (a file) or fetched (a URL); one line says why."""


@dataclass(frozen=True)
class Source:
    html: str
    url: str  # the page's address: --url, the fetched URL, or the file's file:// URI


def run(args: argparse.Namespace) -> tuple[int, str]:
    """(exit status, error line); the status is 0 with an empty line when the page was read."""
    config = config_mod.load(args.config)
    if args.site and args.site not in config.sites:
        return 2, f"unknown site {args.site!r}; configured: {', '.join(config.sites)}"
    if args.verbose == 0:
        # parse_date and the metadata reader log what they cannot read; here the warnings are output
        logging.getLogger("crawler").setLevel(logging.ERROR)
    try:
        source = load_source(args.source, args.url, config.crawl)
    except SourceError as exc:
        return 1, str(exc)
    site, selectors = _profile(config, args.site, source.url)
    try:
        if args.listing:
            _print_listing(read_listing(source.html, source.url, selectors), site, json=args.json)
        else:
            article = read_article(source.html, source.url, selectors, now=datetime.now(UTC))
            _print_article(article, site, json=args.json)
    except ExtractionError as exc:
        return 1, f"extraction failed: {exc}"
    return 0, ""


def load_source(source: str, url: str | None, crawl: CrawlSettings) -> Source:
    if source.startswith(("http://", "https://")):
        body, content_type, final_url = _fetch(source, crawl)
        return Source(_decoded(body, content_type), url or final_url)
    path = Path(source)
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read {source}: {exc.strerror or exc}") from exc
    return Source(_decoded(body, None), url or path.resolve().as_uri())


def _fetch(url: str, crawl: CrawlSettings) -> tuple[bytes, str | None, str]:
    """One GET with the configured User-Agent and timeout; a short or failed transfer is an error."""
    request = urllib.request.Request(url, headers={"User-Agent": crawl.user_agent, "Accept": "text/html,*/*"})
    try:
        with urllib.request.urlopen(request, timeout=crawl.timeout) as response:
            body = response.read(crawl.max_size + 1)  # the crawl's limit, never a whole hostile page
            if len(body) > crawl.max_size:
                raise SourceError(f"cannot fetch {url}: page larger than the {crawl.max_size:,}-byte limit "
                                  "([crawl] max_size)")
            return body, response.headers.get("Content-Type"), response.geturl()
    except urllib.error.HTTPError as exc:
        raise SourceError(f"cannot fetch {url}: HTTP {exc.code}") from exc
    except urllib.error.URLError as exc:
        raise SourceError(f"cannot fetch {url}: {_reason(exc.reason)}") from exc
    except http.client.IncompleteRead as exc:
        raise SourceError(f"cannot fetch {url}: truncated response ({len(exc.partial)} bytes "
                          f"of {len(exc.partial) + (exc.expected or 0)})") from exc
    except TimeoutError as exc:
        raise SourceError(f"cannot fetch {url}: timed out after {crawl.timeout:g} s") from exc
    except (http.client.HTTPException, OSError) as exc:
        raise SourceError(f"cannot fetch {url}: {_reason(exc)}") from exc


def _reason(reason: object) -> str:
    if isinstance(reason, socket.gaierror):
        return "cannot resolve host (no network, or unknown host)"
    if isinstance(reason, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    return str(getattr(reason, "strerror", None) or reason)


def _decoded(body: bytes, content_type: str | None) -> str:
    # the way Scrapy's response.text decodes: BOM, header, <meta charset>, then UTF-8
    return html_to_unicode(content_type, body)[1]


def _profile(config: config_mod.Config, forced: str | None, url: str) -> tuple[str | None, Selectors]:
    """--site, else the configured site whose allowed_domains hold the page's host, else none."""
    if forced:
        return forced, config.sites[forced].selectors
    for name, site in config.sites.items():
        if in_domains(url, site.allowed_domains):
            return name, site.selectors
    return None, Selectors()


def _print_article(article: Article, site: str | None, *, json: bool) -> None:
    fields = extracted_json(article)
    if json:
        print(dumps({"fields": fields, "sources": article.sources, "warnings": article.warnings}))
        return
    print(f"{'url':<13} {article.url}")
    print(f"{'profile':<13} {site or 'none (generic rules)'}")
    for name in _FIELDS:
        value = fields[name]
        source = article.sources.get(name)
        where = f"   [{source}]" if source else ""
        if name == "published_at" or name == "modified_at":
            value = _to_second(getattr(article, name))
        if name in ("images", "related", "body"):
            _print_list(name, fields, where)
        else:
            print(f"{name:<13} {value if value else '—'}{where}")
    _print_warnings(article.warnings)


def _print_list(name: str, fields: dict[str, Any], where: str) -> None:
    if name == "body":
        paragraphs = fields["body"].split("\n\n") if fields["body"] else []
        print(f"{'body':<13} {len(paragraphs)} paragraphs{where}")
        for paragraph in paragraphs:
            print(f"    {paragraph}")
        return
    items = fields[name]
    print(f"{name:<13} {len(items) or '—'}{where}")
    for item in items:
        label = item.get("title") if name == "related" else item.get("caption")
        print(f"    {item['url']}" + (f"  {label}" if label else ""))


def _print_listing(listing: Listing, site: str | None, *, json: bool) -> None:
    items = [{"url": i.url, "title": i.title} for i in listing.items]
    if json:
        print(dumps({"items": items, "next_page": listing.next_page, "sources": listing.sources,
                     "warnings": listing.warnings}))
        return
    print(f"profile: {site or 'none (generic rules)'}")
    where = f"   [{listing.sources['items']}]" if "items" in listing.sources else ""
    print(f"{len(items)} article links{where}")
    for number, item in enumerate(items, 1):
        print(f"{number:>4}. {item['title']}\n      {item['url']}")
    next_where = f"   [{listing.sources['next_page']}]" if "next_page" in listing.sources else ""
    print(f"next page: {listing.next_page or 'none'}{next_where}")
    _print_warnings(listing.warnings)


def _print_warnings(warnings: list[str]) -> None:
    print(f"{'warnings':<13} {len(warnings) or 'none'}")
    for warning in warnings:
        print(f"    {warning}")


def _to_second(value: datetime | None) -> str:
    return local_iso(value.replace(microsecond=0)) or "—" if value is not None else "—"
