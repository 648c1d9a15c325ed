"""What each `newswatch` subcommand does; argument parsing lives in cli.py."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor import config as config_mod
from monitor.articles import find_article
from monitor.highlight import Marked
from monitor.locks import CrawlLocked
from monitor.present import (
    alert_json,
    alert_line,
    change_json,
    dumps,
    history_json,
    parse_when,
    search_json,
    status_json,
    text_time,
    version_json,
)
from monitor.recorder import Tally
from storage.db import StorageError
from storage.migrate import upgrade
from storage.store import Store

# The web view's secret, like the SMTP password, only ever comes from the environment.
WEB_TOKEN_ENV = "NEWSWATCH_WEB_TOKEN"
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


def _store(config: config_mod.Config, *, write: bool = False) -> Store:
    """The database, checked now: migrated for the commands that write, read-only for the others.

    A read command never changes the database, so it can run with read-only access to it; a
    schema that is behind is reported (run `newswatch db upgrade`), not migrated.
    """
    store = Store(config.database_url, read_only=not write)
    store.prepare()
    return store


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
    with _store(config, write=True) as store:
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
        _alert(config, store, health_queued=sum(len(r.health_alerts) for r in results))
        return crawl_status(results)


# `newswatch crawl`'s exit statuses beyond 0 (completed), 2 (bad configuration) and 3 (locked)
NOTHING_CRAWLED = 1
SITE_BROKEN = 4


def crawl_status(results: list[SiteResult]) -> int:
    """1 when nothing could be crawled (every site's run failed); else 4 when a site's crawl
    health is broken, so that cron tells its owner; else 0."""
    failed = [r for r in results if r.status != "completed"]
    if failed and len(failed) == len(results):
        return NOTHING_CRAWLED
    if any(r.health is not None and r.health.verdict == "broken" for r in results):
        return SITE_BROKEN
    return 0


def _alert(config: config_mod.Config, store: Store, *, health_queued: int = 0) -> None:
    """Queue this run's findings (in one transaction), then send what is due: also older waiting
    alerts, and the health alerts the crawl queued with each site's verdict."""
    from monitor.alerts import has_audience, queue_run_alerts

    queued = len(queue_run_alerts(store, config.email, config.notify)) + health_queued
    if not has_audience(config):
        return
    # A crawl tries every waiting alert, back-off or not: crawls are already spaced by the schedule.
    report = _deliver(config, store, ALL_WAITING)
    if queued or report.sent or report.waiting:
        print(f"alerts: {queued} queued, {report.sent} sent, {report.waiting} waiting")
    for error in report.errors:
        print(f"  alert not sent yet: {error}", file=sys.stderr)


def _deliver(config: config_mod.Config, store: Store, due_by: datetime) -> DeliveryReport:
    """Send the alerts due by `due_by` (mail modules load only for the commands that send)."""
    from monitor.alerts import channel_set, deliver_due
    from monitor.mailer import Mailer

    return deliver_due(store, Mailer(config.email), now=due_by, clock=_utc_now,
                       channels=channel_set(config))


def _print_result(result: SiteResult) -> None:
    kind = " (baseline)" if result.baseline else ""
    print(f"{result.site}{kind}: {result.pages} pages fetched, {result.new_versions} new versions, "
          f"{result.failures} failures, {result.requests} requests")
    for reason in result.reasons[:10]:
        print(f"  failed: {reason}")
    if len(result.reasons) > 10:
        print(f"  … and {len(result.reasons) - 10} more failures")
    for link in result.dropped_links[:10]:
        print(f"  dropped link: {link}")
    if len(result.dropped_links) > 10:
        print(f"  … and {len(result.dropped_links) - 10} more dropped links")
    if result.health is not None and result.health.verdict != "ok":
        print(f"  health: {result.health.verdict} — {'; '.join(result.health.problems)}")
    elif result.health is not None and result.previous_verdict != "ok":
        print(f"  health: ok again (was {result.previous_verdict})")
    if result.status != "completed" and result.pages == 0:
        first = result.reasons[0] if result.reasons else "no page could be fetched"
        print(f"newswatch: nothing could be crawled for {result.site}: {first}", file=sys.stderr)


def _identity(store: Store, config: config_mod.Config, url: str) -> str:
    found = find_article(store, [p.article_id_pattern for p in config.sites.values()], url)
    if found is None:
        raise CommandError(f"no stored article for {url}")
    return found


def history(args: argparse.Namespace) -> int:
    config = _config(args)
    with _store(config) as store:
        identity = _identity(store, config, args.url)
        rows = history_json(store.history(identity))
        if args.json:
            print(dumps(rows))
            return 0
        if not rows:
            print(f"{args.url}: known from listings, no version stored yet")
        for row in rows:
            print(f"v{row['version']}  {text_time(row['first_seen'])} … {text_time(row['last_seen'])}  "
                  f"(seen {row['times_seen']}×)  {row['title']}")
        return 0


def _when(text: str) -> datetime:
    """An ISO date or datetime; Vietnamese time when it names no offset."""
    try:
        return parse_when(text)
    except ValueError as exc:
        raise CommandError(f"not an ISO date or datetime: {text!r}", 2) from exc


def show(args: argparse.Namespace) -> int:
    config = _config(args)
    with _store(config) as store:
        identity = _identity(store, config, args.url)
        if args.at:
            detail = store.version_at(identity, _when(args.at))
        else:
            detail = store.get_version(identity, args.version)
        if detail is None:
            raise _no_such_version(store, identity, args)
        data = version_json(detail)
        if args.json:
            print(dumps(data))
            return 0
        published = text_time(data["published_at"])
        print(f"{data['title']}\n{data['url']}  (version {data['version']}, published {published})\n")
        if data["lead"]:
            print(data["lead"] + "\n")
        print(data["body"])
        if data["author"]:
            print(f"\n— {data['author']}")
        for item in data["related"]:
            print(f"  • {item['title']}  {item['url']}")
        return 0


def _no_such_version(store: Store, identity: str, args: argparse.Namespace) -> CommandError:
    if args.at:
        return CommandError(f"{args.url}: no version stored yet at {args.at}")
    numbers = ", ".join(str(v.version) for v in store.history(identity))
    if not numbers:
        return CommandError(f"{args.url}: known from listings, no version stored yet")
    return CommandError(f"{args.url}: no version {args.version}; stored: {numbers}")


def demo(args: argparse.Namespace) -> int:
    from monitor.demo import DemoError, run_demo

    def serve_demo(config_file: Path) -> None:
        print(flush=True)
        _serve(config_mod.load(str(config_file)), "127.0.0.1", args.port, token=None,
               what="the demo's history")

    try:
        run_demo(args.keep, say=lambda line: print(line, flush=True),
                 then=serve_demo if args.serve else None)
    except DemoError as exc:
        raise CommandError(f"demo: {exc}") from exc
    return 0


def config_show(args: argparse.Namespace) -> int:
    from monitor.config_render import render_show, show_json

    config = _config(args)
    print(dumps(show_json(config)) if args.json else render_show(config), end="" if not args.json else "\n")
    return 0


def config_init(args: argparse.Namespace) -> int:
    from monitor.config_render import render_init

    print(render_init(), end="")
    return 0


def extract(args: argparse.Namespace) -> int:
    from monitor.extract_cmd import run  # the extraction command's work lives in its own module

    status, error = run(args)
    if status:
        raise CommandError(error, status)
    return 0


def db_upgrade(args: argparse.Namespace) -> int:
    config = _config(args)
    upgrade(config.database_url)
    print(f"database at head: {config.database_url}")
    return 0


def changes(args: argparse.Namespace) -> int:
    config = _config(args)
    with _store(config) as store:
        if args.site:
            known = sorted({*config.sites, *store.site_names()})
            if args.site not in known:
                raise CommandError(f"unknown site {args.site!r}; known: {', '.join(known)}", 2)
        rows = store.changes(
            since=_when(args.since) if args.since else None, kind=args.kind, site=args.site, limit=args.limit
        )
        data = [change_json(row) for row in rows]
        if args.json:
            print(dumps(data))
            return 0
        for item in data:
            fields = f" ({', '.join(item['fields'])})" if item["fields"] else ""
            baseline = " [baseline]" if item["baseline"] else ""
            when = text_time(item["detected_at"])
            print(f"{when}  {item['kind']:<8}{fields}{baseline}  {item['title'] or ''}\n"
                  f"    {item['url']}")
        if not data:
            print("no changes recorded")
        return 0


def search(args: argparse.Namespace) -> int:
    from monitor.highlight import highlighted

    config = _config(args)
    if args.site and args.site not in config.sites:
        raise CommandError(f"unknown site {args.site!r}; configured: {', '.join(config.sites)}", 2)
    with _store(config) as store:
        since = _when(args.since) if args.since else None
        hits = store.search(args.query, site=args.site, since=since, limit=args.limit)
        found = highlighted(hits, args.query)
        if args.json:
            print(dumps([search_json(item) for item in found]))
            return 0
        bold = sys.stdout.isatty()
        for number, item in enumerate(found, 1):
            hit = item.hit
            published = f", published {text_time(hit.published_at)}" if hit.published_at else ""
            removed = ", removed from the site" if hit.removed else ""
            print(f"{number}. {_shown(item.title, bold)}\n    {hit.url}  ({hit.site}, version {hit.version}"
                  f"{published}{removed})\n    {_shown(item.snippet, bold)}")
        if not found:
            print(f"nothing found for {args.query!r}")
        return 0


def _shown(marked: Marked, bold: bool) -> str:
    """Matched words in bold on a terminal; plain text when piped, as grep does."""
    if not bold:
        return marked.text
    return "".join(f"\x1b[1m{text}\x1b[0m" if hit else text for text, hit in marked.segments())


def diff(args: argparse.Namespace) -> int:
    config = _config(args)
    with _store(config) as store:
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
        from monitor.diff import diff_document, diff_versions, render_text

        diffs = diff_versions(old.fields, new.fields)
        if args.json:
            print(dumps(diff_document(old, new, diffs)))
            return 0
        print(f"{new.fields.title}\n{new.url}\nversion {old.number} ({text_time(old.first_seen)}) → "
              f"version {new.number} ({text_time(new.first_seen)})\n")
        print(render_text(diffs, color=sys.stdout.isatty()) if diffs else "no differences")
        return 0


def serve(args: argparse.Namespace) -> int:
    config = _config(args)
    token = os.environ.get(WEB_TOKEN_ENV) or None
    access = "token required" if token else "this machine only"
    _serve(config, args.host, args.port, token=token, what=access)
    return 0


def _serve(config: config_mod.Config, host: str, port: int, *, token: str | None, what: str) -> None:
    from monitor.web.auth import TokenError
    from monitor.web.server import ServeError, serve

    def announce(url: str) -> None:
        print(f"newswatch serve: {url} ({what}); Ctrl-C stops", flush=True)

    try:
        serve(config, host, port, token=token, announce=announce)
    except TokenError as exc:
        raise CommandError(f"serve: {exc}", 2) from exc
    except ServeError as exc:
        raise CommandError(f"serve: {exc}") from exc
    except StorageError as exc:
        raise CommandError(f"database unusable: {exc}") from exc


def alerts(args: argparse.Namespace) -> int:
    config = _config(args)
    with _store(config, write=args.retry) as store:
        if args.retry:
            from monitor.alerts import has_audience

            if not has_audience(config):
                raise CommandError("no [email] recipients nor [notify] urls configured; nothing to send", 2)
            report = _deliver(config, store, ALL_WAITING)
            print(f"alerts: {report.sent} sent, {report.waiting} still waiting")
            for error in report.errors:
                print(f"  not sent: {error}", file=sys.stderr)
            if report.waiting:
                return 1
        data = [alert_json(a) for a in store.list_alerts(args.limit)]
        if args.json:
            print(dumps(data))
            return 0
        for a in data:
            print(alert_line(a))
        if not data:
            print("no alerts yet")
        return 0


def status(args: argparse.Namespace) -> int:
    config = _config(args)
    with _store(config) as store:
        data = [status_json(health) for health in store.site_health()]
    if args.json:
        print(dumps(data))
        return 0
    for site in data:
        run = site["last_run"]
        print(f"{site['site']}: {site['verdict']}  (last run {text_time(run['started_at'])}: "
              f"{run['pages']} pages, {run['failures']} failures)")
        for problem in site["problems"]:
            print(f"  - {problem}")
        if site["selectors"]:
            rates = ", ".join(f"{name} {rate:.0%}" for name, rate in site["selectors"].items())
            print(f"  selectors matched: {rates}")
    if not data:
        print("no crawl assessed yet")
    return 0


def schedule(args: argparse.Namespace) -> int:
    from monitor.schedule import Service, crawl_command

    config = _config(args)  # a bad cron expression or time zone stops here
    with _store(config, write=True) as store:

        def retry_alerts() -> None:
            from monitor.alerts import has_audience

            if has_audience(config):
                _deliver(config, store, _utc_now())

        def report(result: Any) -> None:
            print(f"crawl {result.number} finished at {text_time(result.finished_at)} "
                  f"with exit status {result.exit_status}", flush=True)

        service = Service(config, crawl_command(args.config, args.site or []), retry_alerts=retry_alerts,
                          max_cycles=args.cycles, on_cycle=report)
        print(f"newswatch schedule: cron {config.schedule.cron!r} ({config.schedule.timezone}); "
              "SIGTERM or Ctrl-C stops", flush=True)
        service.run()
        print(f"newswatch schedule: stopped after {service.cycles} crawls", flush=True)
        return 0
