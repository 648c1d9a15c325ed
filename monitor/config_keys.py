"""Every configuration key newswatch knows: its type, default, one line on what it does, its checks.

The loader validates against these definitions, environment overrides are typed by them, and
`newswatch config init` prints them: one source, so the three cannot drift apart. Built-in site
profiles (selectors of the sites newswatch knows) are data in `defaults.toml`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, get_args
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cssselect import GenericTranslator, SelectorError

from crawler.profile import ListingKind, Selectors
from storage.records import EVENT_KINDS

# A check returns what is wrong with a value, or None when it is fine.
Check = Callable[[Any], str | None]


@dataclass(frozen=True)
class Key:
    name: str
    kind: type  # str, int, float, bool, list (of strings) or dict (of strings to strings)
    default: Any
    doc: str
    minimum: float | None = 0
    maximum: float | None = None
    check: Check | None = None


def http_url_problem(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError when out of range
    except ValueError as exc:
        return f"not a valid URL: {url!r} ({exc})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"not an http(s) URL: {url!r}"
    return None


def _urls(urls: list[str]) -> str | None:
    return next((p for p in map(http_url_problem, urls) if p), None)


def _database_url(url: str) -> str | None:
    return None if url and "://" in url else f"not a database URL: {url!r}"


def _selector(selector: str) -> str | None:
    if not selector:
        return None
    try:
        GenericTranslator().css_to_xpath(selector)
    except SelectorError as exc:
        return f"bad CSS selector {selector!r} ({exc})"
    return None


def _id_pattern(pattern: str) -> str | None:
    if not pattern:
        return None
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        return f"bad regular expression {pattern!r} ({exc})"
    if compiled.groups != 1:
        return "needs exactly one capturing group for the article id"
    return None


def _timezone(name: str) -> str | None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {name!r} (an IANA name such as 'Asia/Ho_Chi_Minh')"
    return None


def _cron(expression: str) -> str | None:
    from monitor.cron import CronError, cron_trigger  # APScheduler loads only when a config does

    try:
        cron_trigger(expression, "UTC")
    except CronError as exc:
        return str(exc)
    return None


LISTING_KINDS: tuple[str, ...] = get_args(ListingKind)


def _one_of(*choices: str) -> Check:
    def check(value: str) -> str | None:
        return None if value in choices else f"must be one of {', '.join(choices)}, got {value!r}"

    return check


def _optional_url(url: str) -> str | None:
    return http_url_problem(url) if url else None


def _page_url(url: str) -> str | None:
    """A listing URL; `{page}` stands for the page number, so it is checked with one in its place."""
    return _optional_url(url.replace("{page}", "1"))


def _apprise_urls(urls: list[str]) -> str | None:
    bad = next((u for u in urls if "://" not in u), None)
    return f"not an Apprise URL (scheme://…): {bad!r}" if bad is not None else None


def _kinds(kinds: list[str]) -> str | None:
    unknown = [k for k in kinds if k not in EVENT_KINDS]
    return f"unknown kind {unknown[0]!r} ({', '.join(EVENT_KINDS)})" if unknown else None


TABLES: dict[str, tuple[Key, ...]] = {
    "database": (
        Key("url", str, "sqlite:///newswatch.db",
            "SQLAlchemy URL: sqlite:///FILE or postgresql+psycopg://user@host/db (pip install '.[postgres]')",
            check=_database_url),
    ),
    "crawl": (
        Key("user_agent", str, "newswatch/0.1 (+https://example.org/contact)",
            "User-Agent of every request: say who you are and how to reach you"),
        Key("download_delay", float, 1.0, "seconds between two requests to one site (0 allowed)"),
        Key("concurrency", int, 4, "requests in flight per site", minimum=1),
        Key("obey_robots", bool, True, "follow each site's robots.txt"),
        Key("autothrottle", bool, True, "slow down when a site answers slowly (Scrapy's AutoThrottle)"),
        Key("timeout", float, 30.0, "seconds before one request is given up", minimum=0.1),
        Key("retries", int, 2, "retries of a request that timed out or answered 5xx or 429"),
        Key("max_retry_wait", float, 120.0,
            "longest Retry-After (seconds) honoured on 429/503; a longer one leaves the host for this run"),
        Key("max_size", int, 16 * 1024 * 1024,
            "bytes a page may have, as received and decompressed (a gzip bomb stops here); "
            "a bigger one is a failure", minimum=1024),
        Key("warn_size", int, 4 * 1024 * 1024,
            "bytes past which a page is logged as unusually big (with -v)", minimum=1024),
        Key("readers", int, 1,
            "processes that read article pages beside the crawl (0: the crawl's own process); "
            "one keeps up with a crawl on any number of cores", minimum=0),
    ),
    "schedule": (
        Key("cron", str, "*/30 * * * *",
            "when `newswatch schedule` crawls: five crontab fields (six with seconds first)", check=_cron),
        Key("timezone", str, "Asia/Ho_Chi_Minh", "time zone the cron expression is read in",
            check=_timezone),
    ),
    "email": (
        Key("smtp_host", str, "localhost", "SMTP server that sends the alert digests"),
        Key("smtp_port", int, 25, "its port (587 with starttls, 465 with ssl)", minimum=1, maximum=65535),
        Key("starttls", bool, False, "upgrade the connection with STARTTLS"),
        Key("ssl", bool, False, "connect with TLS from the start (port 465)"),
        Key("username", str, "", "SMTP login; the password only from $NEWSWATCH_SMTP_PASSWORD"),
        Key("sender", str, "newswatch@localhost", "From: address of the digests"),
        Key("recipients", list, [], "who gets a digest after each crawl; none: no mail is sent"),
        Key("alert_on", list, ["new", "edited"], "which events are mailed: new, edited, removed",
            check=_kinds),
        Key("timeout", float, 30.0, "seconds before the SMTP server is given up for this attempt",
            minimum=0.1),
        Key("save_to", str, "",
            "a folder: write each digest there as a .eml file instead of sending it; empty: send by SMTP"),
    ),
    "notify": (
        Key("urls", list, [],
            "Apprise URLs of chat and webhook channels (tgram://, slack://, json:// …); "
            "secrets as ${VAR}, from the environment", check=_apprise_urls),
        Key("alert_on", list, ["new", "edited"], "which events go to the channels: new, edited, removed",
            check=_kinds),
        Key("more_url", str, "",
            "link for what a shortened message leaves out (default: the site's first start URL)",
            check=_optional_url),
    ),
    "health": (
        Key("history_runs", int, 5, "recent runs of a site each run is compared with", minimum=1),
        Key("min_articles", int, 3,
            "articles a run must read before its selector hit rates are judged", minimum=1),
        Key("selector_was", float, 0.9,
            "a selector that matched above this share of articles in a recent run …", maximum=1),
        Key("selector_below", float, 0.5,
            "… and below this share now has stopped matching: the site is degraded", maximum=1),
        Key("failures_degraded", float, 0.2,
            "share of a run's requests that failed above which the site is degraded", maximum=1),
        Key("failures_broken", float, 0.5,
            "share of a run's requests that failed above which the site is broken", maximum=1),
    ),
}

SITE_KEYS: tuple[Key, ...] = (
    Key("start_urls", list, [], "the section's listing pages crawling starts from", check=_urls),
    Key("allowed_domains", list, [],
        "hosts newswatch may fetch from, subdomains included (default: the start URLs' hosts)"),
    Key("max_pages", int, 3, "listing pages followed per start URL", minimum=1),
    Key("related_depth", int, 1, "hops followed through related-news links"),
    Key("article_id_pattern", str, "",
        "regex with one group capturing a stable article id from the URL; empty: the URL is the identity",
        check=_id_pattern),
    Key("revisit_days", int, 7, "re-fetch articles published or first seen this many days ago …"),
    Key("revisit_limit", int, 500, "… at most this many per run …"),
    Key("revisit_rotation", int, 20, "… plus this many older ones, least recently checked first"),
    Key("removal_after", int, 2, "consecutive 404/410/redirect-to-front checks before 'removed'", minimum=1),
)

LISTING_KEYS: tuple[Key, ...] = (
    Key("kind", str, "html",
        "html: start_urls and next_page; json: an API; rss: an RSS or Atom feed; sitemap: a sitemap (index)",
        check=_one_of(*LISTING_KINDS)),
    Key("url", str, "", "the API, feed or sitemap URL ({page}: the page number, from 1)", check=_page_url),
    Key("method", str, "GET", "json: GET ({page} in the url) or POST (the form below)",
        check=_one_of("GET", "POST")),
    Key("form", dict, {}, "json, POST: the form fields; values may hold {page}"),
    Key("items", str, "", "json: dotted path to the items (a list, or an object whose values are items)"),
    Key("link", str, "", "json: the item's key holding the article URL"),
    Key("title", str, "", "json: the item's key holding the headline"),
    Key("published", str, "",
        "json: the item's key holding the publication time (epoch seconds, ISO 8601 or a date line)"),
    Key("base_url", str, "", "json: what relative links are resolved against (default: the url)",
        check=_optional_url),
)

_SELECTOR_DOCS = {
    "article_links": "links to articles on a listing page",
    "next_page": "the listing's next-page link",
    "title": "the headline",
    "published": "the article's own date element (never the header clock)",
    "lead": "the lead paragraph (sapo)",
    "body": "the article text",
    "author": "the byline",
    "related": "the links inside related-news blocks ('Tin cùng chuyên mục')",
    "category": "the section the article belongs to",
    "modified": "the date the article was last updated",
    "drop": "page furniture removed before reading: share widgets, counters, ads",
}
SELECTOR_KEYS: tuple[Key, ...] = tuple(
    Key(f.name, str, "", _SELECTOR_DOCS.get(f.name, f.name), check=_selector) for f in fields(Selectors)
)

# Secrets never live in a file that may be committed or shared: key → the variable it comes from.
SECRETS: dict[str, str] = {"email.password": "NEWSWATCH_SMTP_PASSWORD"}


# The tables inside each [sites.NAME]: name → its keys.
SITE_TABLES: dict[str, tuple[Key, ...]] = {"selectors": SELECTOR_KEYS, "listing": LISTING_KEYS}


def table_keys(path: str) -> tuple[Key, ...]:
    """The keys of a table path: "crawl", "sites.NAME", "sites.NAME.selectors" or "sites.NAME.listing"."""
    parts = path.split(".")
    if parts[0] == "sites":
        return SITE_TABLES[parts[2]] if len(parts) == 3 else SITE_KEYS
    return TABLES[path]
