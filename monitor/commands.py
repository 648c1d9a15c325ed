"""What each `newswatch` subcommand does; argument parsing lives in cli.py."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from crawler.urls import article_identity, canonical_url
from monitor import config as config_mod
from monitor.alerts import deliver_due, queue_run_alerts
from monitor.locks import CrawlLocked
from monitor.mailer import Mailer
from monitor.present import LOCAL, dumps, local_iso
from monitor.recorder import Tally
from storage.db import StorageError
from storage.migrate import upgrade
from storage.records import VersionDetail
from storage.store import Store

if TYPE_CHECKING:
    from monitor.crawl import SiteResult


class CommandError(Exception):
    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def _config(args: argparse.Namespace) -> config_mod.Config:
    return config_mod.load(args.config)


def _store(config: config_mod.Config) -> Store:
    try:
        return Store(config.database_url)
    except StorageError as exc:
        raise CommandError(f"database unusable: {exc}") from exc


def _progress_printer() -> Any:
    if not sys.stderr.isatty():
        return None

    def show(site: str, tally: Tally) -> None:
        sys.stderr.write(f"\r{site}: {tally.pages} pages, {tally.new_versions} new versions, "
                         f"{tally.failures} failures ")
        sys.stderr.flush()

    return show


def crawl(args: argparse.Namespace) -> int:
    from monitor.crawl import run_crawl  # Scrapy loads only for the commands that crawl

    config = _config(args)
    sites = args.site or list(config.sites)
    for name in sites:
        if name not in config.sites:
            raise CommandError(f"unknown site {name!r}; configured: {', '.join(config.sites)}", 2)
    store = _store(config)
    try:
        results = run_crawl(config, sites, store, progress=_progress_printer())
    except CrawlLocked as exc:
        raise CommandError(str(exc), 3) from exc
    except StorageError as exc:
        raise CommandError(f"database could not be written: {exc}") from exc
    finally:
        if sys.stderr.isatty():
            sys.stderr.write("\n")
    for result in results:
        _print_result(result)
    _alert(config, store)
    failed = [r for r in results if r.status != "completed"]
    return 1 if failed and len(failed) == len(results) else 0


def _alert(config: config_mod.Config, store: Store) -> None:
    """Queue this run's findings (in one transaction), then send what is due: also older waiting alerts."""
    queued = queue_run_alerts(store, config.email)
    if not config.email.recipients:
        return
    report = deliver_due(store, Mailer(config.email), now=datetime.now(UTC))
    if queued or report.sent or report.waiting:
        print(f"alerts: {len(queued)} queued, {report.sent} sent, {report.waiting} waiting")
    for error in report.errors:
        print(f"  alert not sent yet: {error}", file=sys.stderr)


def _print_result(result: SiteResult) -> None:
    kind = " (baseline)" if result.baseline else ""
    print(f"{result.site}{kind}: {result.pages} pages fetched, {result.new_versions} new versions, "
          f"{result.failures} failures, {result.requests} requests")
    for reason in result.reasons[:10]:
        print(f"  failed: {reason}")
    if len(result.reasons) > 10:
        print(f"  … and {len(result.reasons) - 10} more failures")
    if result.status != "completed" and result.pages == 0:
        first = result.reasons[0] if result.reasons else "no page could be fetched"
        print(f"newswatch: nothing could be crawled for {result.site}: {first}", file=sys.stderr)


def _identity(store: Store, config: config_mod.Config, url: str) -> str:
    candidates = [article_identity(url, p.article_id_pattern) for p in config.sites.values()]
    candidates.append(canonical_url(url))
    found = store.find_page(list(dict.fromkeys(candidates)))
    if found is None:
        raise CommandError(f"no stored article for {url}")
    return found


def history(args: argparse.Namespace) -> int:
    config = _config(args)
    store = _store(config)
    identity = _identity(store, config, args.url)
    versions = store.history(identity)
    rows = [
        {
            "version": v.version,
            "first_seen": local_iso(v.first_seen),
            "last_seen": local_iso(v.last_seen),
            "title": v.title,
            "published_at": local_iso(v.published_at),
            "content_hash": v.content_hash,
            "times_seen": v.times_seen,
        }
        for v in versions
    ]
    if args.json:
        print(dumps(rows))
        return 0
    if not rows:
        print(f"{args.url}: known from listings, no version stored yet")
    for row in rows:
        print(f"v{row['version']}  {row['first_seen']} … {row['last_seen']}  "
              f"(seen {row['times_seen']}×)  {row['title']}")
    return 0


def version_json(detail: VersionDetail) -> dict[str, Any]:
    return {
        "url": detail.url,
        "version": detail.number,
        "title": detail.title,
        "lead": detail.lead,
        "body": detail.body,
        "author": detail.author,
        "category": detail.category,
        "published_at": local_iso(detail.published_at),
        "modified_at": local_iso(detail.modified_at),
        "images": [{"url": i.get("url"), "caption": i.get("caption", "")} for i in detail.images],
        "related": [{"url": r.get("url"), "title": r.get("title")} for r in detail.related],
        "first_seen": local_iso(detail.first_seen),
        "last_seen": local_iso(detail.last_seen),
    }


def _when(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"not an ISO date or datetime: {text!r}", 2) from exc
    return value if value.tzinfo else value.replace(tzinfo=LOCAL)


def show(args: argparse.Namespace) -> int:
    config = _config(args)
    store = _store(config)
    identity = _identity(store, config, args.url)
    if args.at:
        detail = store.version_at(identity, _when(args.at))
    else:
        detail = store.get_version(identity, args.version)
    if detail is None:
        which = f"version {args.version}" if args.version else f"version current at {args.at}"
        raise CommandError(f"{args.url}: no {which} stored")
    data = version_json(detail)
    if args.json:
        print(dumps(data))
        return 0
    print(f"{data['title']}\n{data['url']}  (version {data['version']}, published {data['published_at']})\n")
    if data["lead"]:
        print(data["lead"] + "\n")
    print(data["body"])
    if data["author"]:
        print(f"\n— {data['author']}")
    for item in data["related"]:
        print(f"  • {item['title']}  {item['url']}")
    return 0


def db_upgrade(args: argparse.Namespace) -> int:
    config = _config(args)
    try:
        upgrade(config.database_url)
    except StorageError as exc:
        raise CommandError(f"database unusable: {exc}") from exc
    print(f"database at head: {config.database_url}")
    return 0
