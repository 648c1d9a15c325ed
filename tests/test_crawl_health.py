"""Crawl health end to end: a redesign is one health alert, not an alert storm; a listing that
names no article is a broken site and a crawl that says so to cron."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from replica import ReplicaServer, build_site
from tests.harness import Newswatch, newswatch_for
from tests.smtp_server import SmtpServer, smtp_server
from tests.webhook_server import WebhookServer, webhook_server

pytestmark = pytest.mark.e2e

READER = "doc.gia@example.vn"
STOPPED = ["title", "lead", "author", "category", "related"]  # the classes REDESIGN renames


@pytest.fixture
def replica() -> Iterator[ReplicaServer]:
    with ReplicaServer(build_site(12, page_size=6, seed=11)) as server:
        yield server


@pytest.fixture
def mail() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def hook() -> Iterator[WebhookServer]:
    with webhook_server() as state:
        yield state


@pytest.fixture
def nw(tmp_path: Path, database_url: str, replica: ReplicaServer, mail: SmtpServer,
       hook: WebhookServer) -> Newswatch:
    extra = (f'[email]\nsmtp_host = "{mail.host}"\nsmtp_port = {mail.port}\nrecipients = ["{READER}"]\n'
             f'[notify]\nurls = ["json://127.0.0.1:{hook.port}/hook"]\nalert_on = ["new", "edited"]\n')
    return newswatch_for(tmp_path, database_url, replica, extra=extra)


def _subjects(mail: SmtpServer) -> list[str]:
    return [str(m["Subject"]) for m in mail.messages]


def test_a_redesign_is_one_health_alert_and_its_restore_one_recovery(
    nw: Newswatch, replica: ReplicaServer, mail: SmtpServer, hook: WebhookServer
) -> None:
    nw.ok("crawl")
    assert [s["verdict"] for s in nw.json("status")] == ["ok"]
    assert mail.messages == [] and hook.accepted == []

    replica.site.redesign()
    second = nw.ok("crawl")

    [subject] = _subjects(mail)
    assert subject == ("newswatch health: congthuong degraded — selectors stopped matching: "
                       + ", ".join(STOPPED))
    text = mail.messages[0].get_content()
    for name in STOPPED:
        assert f"selector for {name} matched 0% of 12 articles, was 100%" in text
    # the date is now read from another element, with another value: named here, no edit
    assert "Read from elsewhere than before" in text
    assert "published_at: 12 articles (before: selector .article-date ×12)" in text
    [posted] = hook.accepted
    assert posted["title"] == subject and "selector for title matched 0%" in posted["message"]
    assert "health: degraded" in second.stdout
    assert [e for e in nw.json("changes") if not e["baseline"]] == [], "no edited event, nor alert"
    [status] = nw.json("status")
    assert status["site"] == "congthuong" and status["verdict"] == "degraded"
    assert {name for name, rate in status["selectors"].items() if rate < 0.5} == set(STOPPED)
    assert len(status["problems"]) == len(STOPPED)
    assert set(status["last_run"]) == {"started_at", "finished_at", "pages", "failures"}
    assert (status["last_run"]["pages"], status["last_run"]["failures"]) == (12, 0)
    shown = nw.ok("status").stdout
    assert shown.startswith("congthuong: degraded") and "selector for title matched 0%" in shown

    nw.ok("crawl")  # still redesigned: the verdict stands, nothing more is sent
    assert len(mail.messages) == 1 and len(hook.accepted) == 1
    assert nw.json("status")[0]["verdict"] == "degraded"

    replica.site.redesign({})
    nw.ok("crawl")
    assert _subjects(mail)[1:] == ["newswatch health: congthuong recovered (was degraded)"]
    assert len(hook.accepted) == 2
    assert nw.json("status")[0]["verdict"] == "ok" and nw.json("status")[0]["problems"] == []
    nw.ok("crawl")
    assert len(mail.messages) == 2 and len(hook.accepted) == 2
    alerts = nw.json("alerts")
    assert sorted((a["kind"], a["state"]) for a in alerts) == [("health", "sent")] * 4


def test_a_listing_that_names_no_article_is_a_broken_site_and_crawl_exits_4(
    nw: Newswatch, replica: ReplicaServer, mail: SmtpServer
) -> None:
    nw.ok("crawl")
    section = replica.site.section_path
    replica.site.serve_fixed(section, 200, [("Content-Type", "text/html; charset=utf-8")],
                             b"<html><body><h1>Khuyen cong</h1><p>Bao tri.</p></body></html>")

    broken = nw.run("crawl")

    assert broken.returncode == 4, broken.stderr
    assert _subjects(mail) == ["newswatch health: congthuong broken — no article links on the listing pages"]
    [status] = nw.json("status")
    assert status["verdict"] == "broken"
    assert status["problems"] == ["no article links found on the listing pages"]
    assert nw.run("crawl").returncode == 4 and len(mail.messages) == 1  # still broken: no new mail

    replica.site.unfix(section)
    nw.ok("crawl")
    assert _subjects(mail)[1:] == ["newswatch health: congthuong recovered (was broken)"]
