"""Change detection end to end: a mutable replica, the real `newswatch crawl`, a real SMTP server.

Each test arranges the site, runs the commands a user would, and asserts on exactly the events
and mails that come out.
"""

from __future__ import annotations

import email.header
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from replica import ReplicaServer, build_site
from tests.harness import NEWSWATCH, Newswatch, newswatch_for
from tests.smtp_server import SmtpServer, smtp_server

pytestmark = pytest.mark.e2e


@pytest.fixture
def replica() -> Iterator[ReplicaServer]:
    with ReplicaServer(build_site(15, page_size=5, seed=7)) as server:
        yield server


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


def _email_toml(smtp: SmtpServer, alert_on: str = '["new", "edited"]') -> str:
    return (f'[email]\nsmtp_host = "{smtp.host}"\nsmtp_port = {smtp.port}\n'
            f'sender = "newswatch@example.org"\nrecipients = ["analyst@example.org", "desk@example.org"]\n'
            f"alert_on = {alert_on}\ntimeout = 5.0\n")


@pytest.fixture
def nw(tmp_path: Path, database_url: str, replica: ReplicaServer, smtp: SmtpServer) -> Newswatch:
    return newswatch_for(tmp_path, database_url, replica, extra=_email_toml(smtp))


def _events(nw: Newswatch, *args: str) -> list[dict[str, Any]]:
    return nw.json("changes", *args)


def _fresh(nw: Newswatch) -> set[tuple[str, str, tuple[str, ...]]]:
    """The non-baseline events of the latest crawl, as (kind, title, fields)."""
    rows = [e for e in _events(nw) if not e["baseline"]]
    latest = max((e["detected_at"] for e in rows), default=None)
    return {(e["kind"], e["title"], tuple(e["fields"]))
            for e in rows if e["detected_at"][:16] == (latest or "")[:16]}


def _subject(message: Any) -> str:
    return str(email.header.make_header(email.header.decode_header(message["Subject"])))


def _body_text(message: Any) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_baseline_then_news_then_quiet(nw: Newswatch, replica: ReplicaServer, smtp: SmtpServer) -> None:
    site = replica.site
    nw.ok("crawl")
    baseline = _events(nw)
    assert len(baseline) == 15
    assert all(e["kind"] == "new" and e["baseline"] for e in baseline)
    assert smtp.messages == []

    added = [site.add_article() for _ in range(3)]
    old = site.listing()[3:]
    site.edit_body(old[0].id)
    site.edit_body(old[4].id)
    site.edit_title(old[2].id, "Đồng Nai: Khuyến công hỗ trợ 12 cơ sở đổi mới thiết bị (cập nhật)")
    site.touch_volatile()
    nw.ok("crawl")

    assert _fresh(nw) == {
        *{("new", a.title, ()) for a in added},
        ("edited", old[0].title, ("body",)),
        ("edited", old[4].title, ("body",)),
        ("edited", "Đồng Nai: Khuyến công hỗ trợ 12 cơ sở đổi mới thiết bị (cập nhật)", ("title",)),
    }
    assert sorted(m["To"] for m in smtp.messages) == ["analyst@example.org", "desk@example.org"]
    digest = smtp.messages[0]
    assert "3 new, 3 edited" in _subject(digest)
    text = _body_text(digest)
    for article in added:
        assert article.title in text
    assert digest.get_body(preferencelist=("html",)) is not None

    site.touch_volatile()
    before = len(_events(nw))
    nw.ok("crawl")
    assert len(_events(nw)) == before
    assert len(smtp.messages) == 2


def test_volatile_changes_and_failed_fetches_are_never_edits_or_removals(
    nw: Newswatch, replica: ReplicaServer, smtp: SmtpServer
) -> None:
    site = replica.site
    nw.ok("crawl")
    listing = site.listing()
    site.touch_volatile()
    site.fail(listing[0].id, status=503)
    site.fail(listing[1].id, status=500)
    site.truncate(listing[2].id, times=5)
    result = nw.ok("crawl")
    assert "3 failures" in result.stdout
    site.clear_faults()
    site.touch_volatile()
    nw.ok("crawl")
    assert [e for e in _events(nw) if not e["baseline"]] == []
    assert smtp.messages == []


def test_an_article_is_removed_after_two_checks_that_find_it_gone(
    tmp_path: Path, database_url: str, replica: ReplicaServer, smtp: SmtpServer
) -> None:
    nw = newswatch_for(tmp_path, database_url, replica,
                       extra=_email_toml(smtp, '["new", "edited", "removed"]'))
    site = replica.site
    nw.ok("crawl")
    gone, moved = site.listing()[1], site.listing()[3]
    site.remove(gone.id, mode="404")
    site.remove(moved.id, mode="redirect")
    nw.ok("crawl")
    assert _events(nw, "--kind", "removed") == []
    nw.ok("crawl")
    removed = _events(nw, "--kind", "removed")
    assert {e["title"] for e in removed} == {gone.title, moved.title}
    assert all(not e["baseline"] for e in removed)
    assert len(smtp.messages) == 2 and "2 removed" in _subject(smtp.messages[0])
    nw.ok("crawl")
    assert len(_events(nw, "--kind", "removed")) == 2


def test_smtp_outage_keeps_the_alert_waiting_until_one_delivery(
    nw: Newswatch, replica: ReplicaServer, smtp: SmtpServer
) -> None:
    nw.ok("crawl")
    fresh = replica.site.add_article(title="Quảng Ninh: Khai trương trung tâm trưng bày sản phẩm OCOP")
    smtp.mode = "tempfail"
    result = nw.ok("crawl")
    assert "waiting" in result.stdout
    waiting = nw.json("alerts")
    assert {a["state"] for a in waiting} == {"pending"}
    assert all("451" in a["last_error"] for a in waiting)

    smtp.mode = "ok"
    smtp.stop()
    nw.ok("crawl")
    assert any("refused" in a["last_error"] for a in nw.json("alerts"))

    smtp.start()
    nw.ok("crawl")
    assert len(smtp.messages) == 2
    assert {m["To"] for m in smtp.messages} == {"analyst@example.org", "desk@example.org"}
    assert all(fresh.title in _body_text(m) for m in smtp.messages)
    assert {a["state"] for a in nw.json("alerts")} == {"sent"}
    nw.ok("crawl")
    nw.ok("alerts", "--retry")
    assert len(smtp.messages) == 2


def test_diff_shows_what_changed_word_by_word(nw: Newswatch, replica: ReplicaServer) -> None:
    nw.ok("crawl")
    article = replica.site.listing()[0]
    paragraphs = list(article.paragraphs)
    paragraphs[0] = paragraphs[0] + " Kinh phí được điều chỉnh lên 15 tỷ đồng."
    replica.site.edit_body(article.id, paragraphs)
    nw.ok("crawl")
    text = nw.ok("diff", replica.url(article)).stdout
    assert "{+Kinh phí được điều chỉnh lên 15 tỷ đồng.+}" in text
    data = nw.json("diff", replica.url(article), "--from", "1", "--to", "2")
    assert [f["field"] for f in data["fields"] if f["edit"]] == ["body"]
    assert nw.run("diff", replica.url(replica.site.listing()[1])).returncode == 1


def test_changes_filters_by_kind_site_and_time(nw: Newswatch, replica: ReplicaServer) -> None:
    nw.ok("crawl")
    replica.site.add_article()
    nw.ok("crawl")
    everything = _events(nw)
    assert everything == sorted(everything, key=lambda e: e["detected_at"], reverse=True)
    assert all(e["detected_at"].endswith("+07:00") for e in everything)
    assert len(_events(nw, "--kind", "new", "--site", "congthuong")) == 16
    unknown = nw.run("changes", "--site", "elsewhere")
    assert unknown.returncode == 2 and "unknown site 'elsewhere'; known: congthuong" in unknown.stderr
    assert _events(nw, "--since", "2999-01-01") == []
    assert len(_events(nw, "--since", everything[-1]["detected_at"])) == 16
    keys = {"kind", "url", "title", "site", "detected_at", "published_at", "fields", "baseline"}
    assert set(everything[0]) == keys


def test_a_crawl_killed_midway_loses_and_duplicates_nothing(
    nw: Newswatch, replica: ReplicaServer, smtp: SmtpServer
) -> None:
    site = replica.site
    nw.ok("crawl")
    added = [site.add_article() for _ in range(3)]
    edited = site.listing()[5]
    site.edit_body(edited.id)
    held = site.hold(site.listing()[-1].url_path)
    with subprocess.Popen([*NEWSWATCH, "--config", str(nw.config_path), "crawl"], env=nw.env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as crawl:
        assert held.reached.wait(timeout=60)
        crawl.send_signal(signal.SIGKILL)
        crawl.wait(timeout=30)
    held.release.set()
    site.holds.clear()

    nw.ok("crawl")
    fresh = [e for e in _events(nw) if not e["baseline"]]
    assert sorted((e["kind"], e["title"]) for e in fresh) == sorted(
        [*(("new", a.title) for a in added), ("edited", edited.title)]
    )
    assert [v["version"] for v in nw.json("history", replica.url(edited))] == [1, 2]
    assert len(smtp.messages) == 2
    assert all(a.title in _body_text(m) for m in smtp.messages for a in added)
    nw.ok("crawl")
    assert len(smtp.messages) == 2
