"""What each `newswatch` subcommand does; argument parsing lives in cli.py."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from crawler.urls import article_identity, canonical_url
from monitor import config as config_mod
from monitor.locks import CrawlLocked
from monitor.present import LOCAL, dumps, local_iso
from monitor.recorder import Tally
from storage.db import StorageError
from storage.migrate import upgrade
from storage.records import VersionDetail
from storage.store import Store

# "Due by the end of time": every waiting alert, whatever its back-off says.
ALL_WAITING = datetime(9999, 1, 1, tzinfo=UTC)

if TYPE_CHECKING:
    from monitor.alerts import DeliveryReport
    from monitor.crawl import SiteResult


class CommandError(Exception):
    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def _utc_now() -> datetime:
    return datetime.now(UTC)


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
    from monitor.alerts import queue_run_alerts

    queued = queue_run_alerts(store, config.email)
    if not config.email.recipients:
        return
    # A crawl tries every waiting alert, back-off or not: crawls are already spaced by the schedule.
    report = _deliver(config, store, ALL_WAITING)
    if queued or report.sent or report.waiting:
        print(f"alerts: {len(queued)} queued, {report.sent} sent, {report.waiting} waiting")
    for error in report.errors:
        print(f"  alert not sent yet: {error}", file=sys.stderr)


def _deliver(config: config_mod.Config, store: Store, due_by: datetime) -> DeliveryReport:
    """Send the alerts due by `due_by` (mail modules load only for the commands that send)."""
    from monitor.alerts import deliver_due
    from monitor.mailer import Mailer

    return deliver_due(store, Mailer(config.email), now=due_by, clock=_utc_now)


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
    """An ISO date or datetime; Vietnamese time when it names no offset."""
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


def extract(args: argparse.Namespace) -> int:
    from monitor.extract_cmd import run  # the extraction command's work lives in its own module

    status, error = run(args)
    if status:
        raise CommandError(error, status)
    return 0


def db_upgrade(args: argparse.Namespace) -> int:
    config = _config(args)
    try:
        upgrade(config.database_url)
    except StorageError as exc:
        raise CommandError(f"database unusable: {exc}") from exc
    print(f"database at head: {config.database_url}")
    return 0


def changes(args: argparse.Namespace) -> int:
    config = _config(args)
    store = _store(config)
    rows = store.changes(
        since=_when(args.since) if args.since else None, kind=args.kind, site=args.site, limit=args.limit
    )
    data: list[dict[str, Any]] = [
        {
            "kind": row.kind,
            "url": row.url,
            "title": row.title,
            "site": row.site,
            "detected_at": local_iso(row.detected_at),
            "published_at": local_iso(row.published_at),
            "fields": list(row.fields),
            "baseline": row.baseline,
        }
        for row in rows
    ]
    if args.json:
        print(dumps(data))
        return 0
    for item in data:
        fields = f" ({', '.join(item['fields'])})" if item["fields"] else ""
        baseline = " [baseline]" if item["baseline"] else ""
        print(f"{item['detected_at']}  {item['kind']:<7}{fields}{baseline}  {item['title'] or ''}\n"
              f"    {item['url']}")
    if not data:
        print("no changes recorded")
    return 0


def diff(args: argparse.Namespace) -> int:
    config = _config(args)
    store = _store(config)
    identity = _identity(store, config, args.url)
    numbers = [v.version for v in store.history(identity)]
    if len(numbers) < 2 and (args.from_version is None or args.to_version is None):
        raise CommandError(f"{args.url}: only {len(numbers)} version(s) stored; nothing to compare")
    new_number = args.to_version if args.to_version is not None else numbers[-1]
    old_number = args.from_version if args.from_version is not None else new_number - 1
    old, new = store.get_version(identity, old_number), store.get_version(identity, new_number)
    if old is None or new is None:
        missing = old_number if old is None else new_number
        raise CommandError(f"{args.url}: no version {missing}; stored: {', '.join(map(str, numbers))}")
    from monitor.diff import diff_json, diff_versions, render_text

    diffs = diff_versions(old.fields(), new.fields())
    if args.json:
        print(dumps({"url": new.url, "from": old.number, "to": new.number, "fields": diff_json(diffs)}))
        return 0
    print(f"{new.title}\n{new.url}\nversion {old.number} ({local_iso(old.first_seen)}) → "
          f"version {new.number} ({local_iso(new.first_seen)})\n")
    print(render_text(diffs, color=sys.stdout.isatty()) if diffs else "no differences")
    return 0


def alerts(args: argparse.Namespace) -> int:
    config = _config(args)
    store = _store(config)
    if args.retry:
        if not config.email.recipients:
            raise CommandError("no [email] recipients configured; nothing to send", 2)
        report = _deliver(config, store, ALL_WAITING)
        print(f"alerts: {report.sent} sent, {report.waiting} still waiting")
        for error in report.errors:
            print(f"  not sent: {error}", file=sys.stderr)
        if report.waiting:
            return 1
    rows = store.list_alerts(args.limit)
    data = [
        {
            "id": a.id,
            "recipient": a.recipient,
            "state": a.state,
            "items": a.event_count,
            "attempts": a.attempts,
            "last_error": a.last_error,
            "created_at": local_iso(a.created_at),
            "sent_at": local_iso(a.sent_at),
            "next_attempt_at": None if a.state == "sent" else local_iso(a.next_attempt_at),
            "message_id": a.message_id,
        }
        for a in rows
    ]
    if args.json:
        print(dumps(data))
        return 0
    for a in data:
        when = f"sent {a['sent_at']}" if a["state"] == "sent" else f"next try {a['next_attempt_at']}"
        error = f"  last error: {a['last_error']}" if a["last_error"] and a["state"] != "sent" else ""
        print(f"#{a['id']} {a['state']:<7} {a['recipient']}  {a['items']} items, "
              f"{a['attempts']} attempts, {when}{error}")
    if not data:
        print("no alerts yet")
    return 0


def schedule(args: argparse.Namespace) -> int:
    from monitor.schedule import Service, crawl_command, cron_trigger

    config = _config(args)
    cron_trigger(config.schedule.cron, config.schedule.timezone)  # a bad expression stops here
    store = _store(config)

    def retry_alerts() -> None:
        if config.email.recipients:
            _deliver(config, store, _utc_now())

    def report(result: Any) -> None:
        print(f"crawl {result.number} finished at {local_iso(result.finished_at)} "
              f"with exit status {result.exit_status}", flush=True)

    service = Service(config, crawl_command(args.config, args.site or []), retry_alerts=retry_alerts,
                      max_cycles=args.cycles, on_cycle=report)
    print(f"newswatch schedule: cron {config.schedule.cron!r} ({config.schedule.timezone}); "
          "SIGTERM or Ctrl-C stops", flush=True)
    service.run()
    print(f"newswatch schedule: stopped after {service.cycles} crawls", flush=True)
    return 0
