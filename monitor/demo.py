"""`newswatch demo`: the whole loop on this machine, offline — a bundled news site, two crawls, the news.

The site is the replica the tests crawl (congthuong.vn markup, the real seed article and headlines),
served on a free loopback port. Each crawl is a child `newswatch crawl`, exactly what cron runs.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path

from replica import ReplicaServer, build_site, congthuong_profile_toml

ARTICLES = 30
SITE = "demo"
RECIPIENT = "you@example.org"
# Politeness off against loopback; every article re-checked each run and a 404 is removed at once,
# so that one demo crawl shows what a week of crawls would.
CONFIG = """\
# The demo's configuration: a copy of it with [sites] from `newswatch config init` watches real sites.
[database]
url = "sqlite:///{db}"

[crawl]
download_delay = 0
autothrottle = false
timeout = 10
retries = 1

[email]
recipients = ["{recipient}"]
save_to = "{outbox}"

{site}
"""

Say = Callable[[str], None]


class DemoError(Exception):
    """A step of the demo failed; the message says which and why."""


@contextmanager
def _folder(keep: str | None) -> Iterator[Path]:
    if keep:
        path = Path(keep).expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    path = Path(tempfile.mkdtemp(prefix="newswatch-demo-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _newswatch(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "monitor.cli", "--config", str(config), *args]


def _crawl(config: Path, say: Say) -> None:
    result = subprocess.run(_newswatch(config, "crawl"), capture_output=True, text=True, check=False,
                            timeout=300)
    for line in (result.stdout + result.stderr).splitlines():
        say(f"    {line}")
    if result.returncode != 0:
        raise DemoError(f"the crawl failed with exit status {result.returncode}")


def _show(config: Path, say: Say, *args: str) -> None:
    result = subprocess.run(_newswatch(config, *args), capture_output=True, text=True, check=False,
                            timeout=120)
    for line in result.stdout.rstrip("\n").splitlines():
        say(f"    {line}")
    if result.returncode != 0:
        raise DemoError(f"`newswatch {' '.join(args)}` failed: {result.stderr.strip()}")


def _digest(outbox: Path) -> tuple[Path, str] | None:
    mails = sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime)
    if not mails:
        return None
    with mails[-1].open("rb") as handle:
        message = BytesParser(policy=policy.default).parse(handle, headersonly=True)
    return mails[-1], str(message["Subject"])


def run_demo(
    keep: str | None, say: Say = print, then: Callable[[Path], None] | None = None
) -> Path | None:
    """Run the demo, then `then(config file)` while its folder still exists (the web view).

    Returns the folder it kept (None when it was temporary and is gone).
    """
    with _folder(keep) as folder:
        _run_in(folder, say)
        if then is not None:
            then(folder / "newswatch.toml")
        if keep:
            say(f"\nEverything is in {folder}: try `newswatch --config {folder / 'newswatch.toml'} "
                "changes` or `… history URL`.")
            return folder
        say(f"\nThe demo's folder {folder} is removed now; `newswatch demo --keep DIR` keeps it.")
        return None


def _run_in(folder: Path, say: Say) -> None:
    site = build_site(ARTICLES)
    outbox = folder / "outbox"
    with ReplicaServer(site) as server:
        config = folder / "newswatch.toml"
        profile = congthuong_profile_toml(server.base_url, name=SITE, revisit_rotation=ARTICLES * 2,
                                          removal_after=1)
        config.write_text(CONFIG.format(db=folder / "newswatch.db", recipient=RECIPIENT,
                                        outbox=outbox, site=profile), encoding="utf-8")
        say(f"newswatch demo: a news site of {ARTICLES} articles in congthuong.vn's markup at "
            f"{server.base_url}{site.section_path}")
        say(f"  working in {folder}\n")

        say("[1/4] First crawl: every article is new to newswatch, so this run is the baseline (no alert)")
        _crawl(config, say)

        say("\n[2/4] The site changes: 2 articles added, 1 body edited, 1 headline edited, 1 removed")
        listing = site.listing()
        body_edited, retitled, removed = listing[2], listing[4], listing[7]
        added = [site.add_article(), site.add_article()]
        site.edit_body(body_edited.id)
        old_title = retitled.title
        site.edit_title(retitled.id, f"{old_title} (cập nhật)")
        site.remove(removed.id)
        site.touch_volatile()  # header clock, view counters, Unicode forms: never an edit
        for article in added:
            say(f"    added:    {article.title}")
        say(f"    edited:   {body_edited.title} (one sentence of the body)")
        say(f"    retitled: {old_title} → {retitled.title}")
        say(f"    removed:  {removed.title}")

        # Full precision: the baseline may have been recorded earlier in this very second.
        since = datetime.now(UTC).isoformat()
        say("\n[3/4] Second crawl: newswatch finds what changed and mails a digest")
        _crawl(config, say)

        say("\n[4/4] What newswatch reports")
        say("  newswatch changes --since …")
        _show(config, say, "changes", "--since", since)
        say(f"\n  newswatch diff {server.url(body_edited)}")
        _show(config, say, "diff", server.url(body_edited))
        digest = _digest(outbox)
        if digest is None:
            raise DemoError(f"no digest e-mail was written to {outbox}")
        say(f"\n  The digest e-mail to {RECIPIENT} (no SMTP server assumed) was written to\n"
            f"    {digest[0]}\n    Subject: {digest[1]}")
    say("\nTo watch the real sites: `newswatch config init > newswatch.toml`, set [email] recipients "
        "and smtp_host,\nthen `newswatch crawl` from cron or `newswatch schedule` (see the README).")

