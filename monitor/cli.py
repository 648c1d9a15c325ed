"""The `newswatch` command line."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import Any

from monitor import commands
from monitor.config import ConfigError
from storage.db import StorageError
from storage.records import EVENT_KINDS

logger = logging.getLogger("newswatch")


def _common_options(*, top: bool) -> argparse.ArgumentParser:
    """--config and -v, accepted before or after the subcommand.

    The subcommands' copies default to SUPPRESS so that they never overwrite what was given
    before the subcommand.
    """
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument(
        "--config", metavar="PATH", default=None if top else argparse.SUPPRESS,
        help="TOML config (else $NEWSWATCH_CONFIG, else ./newswatch.toml)",
    )
    options.add_argument("-v", "--verbose", action="count", default=0 if top else argparse.SUPPRESS,
                         help="more log output (-vv: debug)")
    return options


def _positive(text: str) -> int:
    """An argument that counts something: a whole number, 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, **kwargs: Any
) -> argparse.ArgumentParser:
    """A subcommand that also takes the common options."""
    return sub.add_parser(name, parents=[_common_options(top=False)], **kwargs)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newswatch", description=__doc__,
                                     parents=[_common_options(top=True)])
    parser.add_argument("--version", action="version", version=f"newswatch {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    crawl = _command(sub, "crawl", help="crawl the configured sites once, store and report what changed")
    crawl.add_argument("--site", action="append", metavar="NAME", help="only this site (repeatable)")
    crawl.set_defaults(func=commands.crawl)

    history = _command(sub, "history", help="every stored version of one article, oldest first")
    history.add_argument("url")
    history.add_argument("--json", action="store_true")
    history.set_defaults(func=commands.history)

    show = _command(sub, "show", help="one stored version of an article")
    show.add_argument("url")
    which = show.add_mutually_exclusive_group()
    which.add_argument("--version", type=_positive, metavar="N", help="version number (default: latest)")
    which.add_argument("--at", metavar="ISO", help="the version that was current at this time")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=commands.show)

    changes = _command(sub, "changes", help="what was found new, edited or removed, newest first")
    changes.add_argument("--since", metavar="ISO", help="date or datetime (+07:00 when no offset)")
    changes.add_argument("--kind", choices=EVENT_KINDS)
    changes.add_argument("--site", metavar="NAME")
    changes.add_argument("--limit", type=_positive, default=1000, metavar="N")
    changes.add_argument("--json", action="store_true")
    changes.set_defaults(func=commands.changes)

    search = _command(sub, "search", help="find articles by the words of their latest version")
    search.add_argument("query", metavar="QUERY",
                        help='words that must all appear; "quoted words" as a phrase')
    search.add_argument("--site", metavar="NAME")
    search.add_argument("--since", metavar="ISO", help="published since (first seen, without a date)")
    search.add_argument("--limit", type=int, default=20)
    search.add_argument("--json", action="store_true")
    search.set_defaults(func=commands.search)

    diff = _command(sub, "diff", help="what changed between two versions of an article")
    diff.add_argument("url")
    diff.add_argument("--from", dest="from_version", type=_positive, metavar="N",
                      help="default: the one before")
    diff.add_argument("--to", dest="to_version", type=_positive, metavar="M", help="default: the latest")
    diff.add_argument("--json", action="store_true")
    diff.set_defaults(func=commands.diff)

    extract = _command(sub, "extract", help="what newswatch reads from one page, and where from")
    extract.add_argument("source", metavar="SOURCE", help="a saved HTML file or an http(s) URL")
    extract.add_argument("--url", help="the saved page's address (picks the profile, resolves links)")
    extract.add_argument("--site", metavar="NAME", help="use this site's profile (default: by host)")
    extract.add_argument("--listing", action="store_true", help="a listing: article links, next page")
    extract.add_argument("--json", action="store_true")
    extract.set_defaults(func=commands.extract)

    alerts = _command(sub, "alerts", help="alert e-mails: sent, waiting and why")
    alerts.add_argument("--retry", action="store_true", help="send every waiting alert now")
    alerts.add_argument("--limit", type=_positive, default=50, metavar="N")
    alerts.add_argument("--json", action="store_true")
    alerts.set_defaults(func=commands.alerts)

    status = _command(sub, "status", help="each site's crawl health: verdict, problems, selector hit rates")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=commands.status)

    schedule = _command(sub, "schedule", help="always-on: crawl on [schedule].cron, retry alerts between")
    schedule.add_argument("--site", action="append", metavar="NAME", help="only this site (repeatable)")
    schedule.add_argument("--cycles", type=_positive, metavar="N",
                          help="stop after N crawls (default: never)")
    schedule.set_defaults(func=commands.schedule)

    demo = _command(sub, "demo", help="the whole loop offline: a bundled news site, two crawls, what changed")
    demo.add_argument("--keep", metavar="DIR", help="work in DIR and keep it (default: a temporary folder)")
    demo.add_argument("--serve", action="store_true", help="then show the demo's history in the web view")
    demo.add_argument("--port", type=int, default=8080, help="port of the web view (default 8080)")
    demo.set_defaults(func=commands.demo)

    config = _command(sub, "config", help="the configuration: effective values, or a commented template")
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    show_config = _command(config_sub, "show", help="effective values and where each came from")
    show_config.add_argument("--json", action="store_true")
    show_config.set_defaults(func=commands.config_show)
    init = _command(config_sub, "init", help="print a complete, commented newswatch.toml")
    init.set_defaults(func=commands.config_init)

    serve = _command(sub, "serve", help="the read-only web view: changes, diffs, search, Atom feeds")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1; others need $NEWSWATCH_WEB_TOKEN)")
    serve.add_argument("--port", type=int, default=8080)
    serve.set_defaults(func=commands.serve)

    db = _command(sub, "db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = _command(db_sub, "upgrade", help="apply schema migrations")
    upgrade.set_defaults(func=commands.db_upgrade)
    return parser


def _version() -> str:
    try:
        return metadata.version("newswatch")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


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
        status: int = args.func(args)
        sys.stdout.flush()  # inside the try: a reader that went away is handled below
        return status
    except ConfigError as exc:
        print(f"newswatch: config error: {exc}", file=sys.stderr)
        return 2
    except commands.CommandError as exc:
        print(f"newswatch: {exc}", file=sys.stderr)
        return exc.status
    except StorageError as exc:
        # not a database, cannot connect, no permission, a schema from another newswatch version
        print(f"newswatch: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader (head, less) went away: stop quietly, and keep Python from complaining
        # again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
