"""The `newswatch` command line."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from monitor import commands
from monitor.config import ConfigError

logger = logging.getLogger("newswatch")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newswatch", description=__doc__)
    parser.add_argument(
        "--config", metavar="PATH", help="TOML config (else $NEWSWATCH_CONFIG, else ./newswatch.toml)"
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv: debug)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    crawl = sub.add_parser("crawl", help="crawl the configured sites once, store and report what changed")
    crawl.add_argument("--site", action="append", metavar="NAME", help="only this site (repeatable)")
    crawl.set_defaults(func=commands.crawl)

    history = sub.add_parser("history", help="every stored version of one article, oldest first")
    history.add_argument("url")
    history.add_argument("--json", action="store_true")
    history.set_defaults(func=commands.history)

    show = sub.add_parser("show", help="one stored version of an article")
    show.add_argument("url")
    show.add_argument("--version", type=int, metavar="N", help="version number (default: latest)")
    show.add_argument("--at", metavar="ISO", help="the version that was current at this time")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=commands.show)

    changes = sub.add_parser("changes", help="what was found new, edited or removed, newest first")
    changes.add_argument("--since", metavar="ISO", help="date or datetime (+07:00 when no offset)")
    changes.add_argument("--kind", choices=["new", "edited", "removed"])
    changes.add_argument("--site", metavar="NAME")
    changes.add_argument("--limit", type=int, default=1000)
    changes.add_argument("--json", action="store_true")
    changes.set_defaults(func=commands.changes)

    diff = sub.add_parser("diff", help="what changed between two versions of an article")
    diff.add_argument("url")
    diff.add_argument("--from", dest="from_version", type=int, metavar="N", help="default: the one before")
    diff.add_argument("--to", dest="to_version", type=int, metavar="M", help="default: the latest")
    diff.add_argument("--json", action="store_true")
    diff.set_defaults(func=commands.diff)

    alerts = sub.add_parser("alerts", help="alert e-mails: sent, waiting and why")
    alerts.add_argument("--retry", action="store_true", help="send every waiting alert now")
    alerts.add_argument("--limit", type=int, default=50)
    alerts.add_argument("--json", action="store_true")
    alerts.set_defaults(func=commands.alerts)

    schedule = sub.add_parser("schedule", help="always-on: crawl on [schedule].cron, retry alerts between")
    schedule.add_argument("--site", action="append", metavar="NAME", help="only this site (repeatable)")
    schedule.add_argument("--cycles", type=int, metavar="N", help="stop after N crawls (default: never)")
    schedule.set_defaults(func=commands.schedule)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = db_sub.add_parser("upgrade", help="apply schema migrations")
    upgrade.set_defaults(func=commands.db_upgrade)
    return parser


def _quiet_frameworks(record: logging.LogRecord) -> bool:
    """Scrapy and Twisted log every failed request with a traceback; newswatch reports failures itself."""
    return not record.name.startswith(("scrapy", "twisted", "py.warnings"))


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    # The level sits on the handler: Scrapy resets logger levels when a crawl starts.
    handler = logging.StreamHandler()
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    if args.verbose == 0:
        handler.addFilter(_quiet_frameworks)
    logging.basicConfig(level=level, handlers=[handler])
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"newswatch: config error: {exc}", file=sys.stderr)
        return 2
    except commands.CommandError as exc:
        print(f"newswatch: {exc}", file=sys.stderr)
        return exc.status


if __name__ == "__main__":
    sys.exit(main())
