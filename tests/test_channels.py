"""Alerts on chat and webhook channels through Apprise, beside e-mail: each channel its own queue
entries and retries, messages within the channel's limit, secrets never shown nor stored."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.alerts import ChannelSet, deliver_due, queue_run_alerts
from monitor.channel_digest import render_for_channel, render_text_for_channel
from monitor.channels import ChannelSender, channel_name, scrub
from monitor.config import Channel, ConfigError, NotifySettings, email_settings, load, notify_settings
from monitor.config_render import render_show, show_json
from monitor.digest import DigestItem
from monitor.mailer import Mailer
from replica import ReplicaServer, build_site
from storage import Store
from tests.harness import newswatch_for
from tests.smtp_server import smtp_server
from tests.test_alerts import READER, T0, crawl, snapshot
from tests.webhook_server import WebhookServer, webhook_server

TOKEN = "7142:AAH-s3cr3t-t0ken"
# A password goes into the URL as it is: one holding ':', '@' or '/' must be URL-encoded.
HOOK_TOKEN = "AAH-s3cr3t-h00k"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path / 'newswatch.db'}", clock=lambda: T0) as opened:
        yield opened


def _item(n: int, kind: str = "new", title: str = "", lead: str = "") -> DigestItem:
    return DigestItem(kind=kind,  # type: ignore[arg-type]
                      title=title or f"Tin số {n}: Bộ Công Thương họp về giá điện",
                      url=f"https://congthuong.vn/tin-{n}.html", published_at=T0, lead=lead,
                      fields=["title"] if kind == "edited" else [], site="congthuong")


# ---- the message each channel gets ------------------------------------------------------------


def test_a_markdown_channel_gets_links_and_escaped_headlines() -> None:
    items = [_item(1, title="Giá *xăng* [giảm]"), _item(2, "edited")]

    message = render_for_channel(items, ["congthuong"], markdown=True, body_limit=4096)

    assert message.title == "newswatch: 1 new, 1 edited — congthuong"
    assert "**New articles (1)**" in message.body and "**Edited articles (1)**" in message.body
    assert r"• [Giá \*xăng\* \[giảm\]](https://congthuong.vn/tin-1.html)" in message.body
    assert "changed: title" in message.body and message.shown == 2


def test_a_plain_channel_gets_plain_text() -> None:
    message = render_for_channel([_item(1, lead="Sáng nay tại Hà Nội.")], [], markdown=False, body_limit=0)

    assert message.body.splitlines()[1:] == [
        "• Tin số 1: Bộ Công Thương họp về giá điện", "  https://congthuong.vn/tin-1.html",
        "  published 2025-03-01T08:00:00+07:00", "  Sáng nay tại Hà Nội."]


def test_a_digest_too_long_for_the_channel_is_shortened_with_a_link_to_the_rest() -> None:
    items = [_item(n) for n in range(40)]

    message = render_for_channel(items, ["congthuong"], markdown=False, body_limit=1000,
                                 more_url="https://congthuong.vn/khuyen-cong")

    assert len(message.body) <= 1000
    assert 0 < message.shown < 40
    assert message.body.endswith(f"… and {40 - message.shown} more: https://congthuong.vn/khuyen-cong")
    assert message.body.count("• ") == message.shown


def test_on_a_service_without_titles_the_title_counts_against_the_body() -> None:
    items = [_item(n) for n in range(40)]

    message = render_for_channel(items, ["congthuong"], markdown=True, body_limit=1000, title_limit=0)

    assert len(message.title) + 2 + len(message.body) <= 1000


def test_a_health_alert_keeps_the_channel_s_title_and_body_limits() -> None:
    subject = "newswatch health: congthuong degraded — selectors stopped matching: " + "title, " * 60
    text = "congthuong is degraded.\n" + "  - selector for title matched 0% of 20 articles\n" * 100

    titled = render_text_for_channel(subject, text, body_limit=500, title_limit=100)
    assert len(titled.title) <= 100 and titled.title.endswith("…")
    assert 450 < len(titled.body) <= 500 and titled.body.endswith("…")
    assert titled.body.startswith("congthuong is degraded.")
    assert not titled.markdown

    untitled = render_text_for_channel(subject, text, body_limit=1000, title_limit=0)
    assert untitled.title == subject
    assert len(untitled.title) + 2 + len(untitled.body) <= 1000

    whole = render_text_for_channel("short", text, body_limit=0, title_limit=250)
    assert (whole.title, whole.body) == ("short", text.strip())


# ---- secrets ------------------------------------------------------------------------------------


def test_channel_secrets_come_from_the_environment_and_are_never_shown(tmp_path: Path) -> None:
    config = load(_write(tmp_path, '[notify]\nurls = ["tgram://${TG_TOKEN}/12345", "json://127.0.0.1:9/h"]\n'),
                  env={"TG_TOKEN": TOKEN})

    telegram, hook = config.notify.channels
    assert TOKEN in telegram.url and TOKEN not in telegram.name
    assert telegram.name.startswith("tgram://") and "12345" in telegram.name
    assert hook.name == "json://127.0.0.1:9/h"
    shown = render_show(config) + str(show_json(config)) + repr(config)
    assert TOKEN not in shown and "tgram://${TG_TOKEN}/12345" in shown


def test_a_literal_secret_from_the_environment_is_shown_masked(tmp_path: Path, empty_config: str) -> None:
    config = load(empty_config, env={
                             "NEWSWATCH_NOTIFY_URLS": f"json://nw:{TOKEN}@127.0.0.1:9/h"})

    assert show_json(config)["notify"]["urls"]["value"] == ["json://nw:****@127.0.0.1:9/h"]
    assert TOKEN not in render_show(config)


@pytest.mark.parametrize(("text", "env", "message"), [
    ('[notify]\nurls = ["tgram://${TG_TOKEN}/1"]\n', {}, "notify.urls: ${TG_TOKEN} is not set"),
    ('[notify]\nurls = ["nonsense"]\n', {}, "notify.urls: not an Apprise URL"),
    ('[notify]\nurls = ["nosuchservice://${T}/x"]\n', {"T": TOKEN}, "not a URL Apprise can send to"),
    ('[notify]\nalert_on = ["sometimes"]\n', {}, "notify.alert_on: unknown kind"),
])
def test_a_bad_channel_is_a_config_error_without_its_secret(
    tmp_path: Path, text: str, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message.replace("$", r"\$")) as caught:
        load(_write(tmp_path, text), env=env)
    assert TOKEN not in str(caught.value)


def test_scrub_masks_raw_and_url_encoded_secrets() -> None:
    assert scrub("tgram://a:b/c sent to a%3Ab", ["a:b"]) == "tgram://****/c sent to ****"


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "newswatch.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


# ---- each channel its own queue entries and retries ----------------------------------------------


def _channels(*hooks: WebhookServer) -> tuple[NotifySettings, ChannelSet]:
    urls = [f"json://127.0.0.1:{hook.port}/hook{n}" for n, hook in enumerate(hooks)]
    names = [channel_name(url, ()) for url in urls]
    notify = notify_settings(tuple(Channel(name, url, url) for name, url in zip(names, urls, strict=True)))
    senders = {name: ChannelSender(url, (), name) for name, url in zip(names, urls, strict=True)}
    return notify, ChannelSet(senders)


def test_a_failing_channel_holds_up_neither_the_mail_nor_another_channel(store: Store) -> None:
    with smtp_server() as mail, webhook_server(fail_first=100) as broken, webhook_server() as working:
        settings = mail.settings(recipients=(READER,))
        notify, channels = _channels(broken, working)
        crawl(store, snapshot(1, "Tin cũ"), baseline=True)
        crawl(store, snapshot(2, "Tin mới"), snapshot(3, "Tin mới nữa"))
        assert len(queue_run_alerts(store, settings, notify)) == 3

        report = deliver_due(store, Mailer(settings), now=T0, channels=channels)

        assert (report.sent, report.failed, report.waiting) == (2, 1, 1)
        assert len(mail.messages) == 1 and len(working.accepted) == 1 and len(broken.hits) == 1
        assert "Tin mới" in working.accepted[0]["message"]
        by_recipient = {a.recipient: a for a in store.list_alerts()}
        failed = by_recipient[f"json://127.0.0.1:{broken.port}/hook0"]
        assert (failed.state, failed.attempts) == ("pending", 1) and "error=500" in (failed.last_error or "")
        assert failed.next_attempt_at == T0 + timedelta(minutes=1)


def test_an_alert_for_a_channel_no_longer_configured_waits_with_the_reason(store: Store) -> None:
    with webhook_server() as hook:
        notify, _ = _channels(hook)
        crawl(store, snapshot(1, "Tin cũ"), baseline=True)
        crawl(store, snapshot(2, "Tin mới"))
        queue_run_alerts(store, email_settings(), notify)

        report = deliver_due(store, None, now=T0, channels=ChannelSet())

        assert (report.sent, report.failed) == (0, 1)
        assert "is not configured (any more)" in report.errors[0] and hook.hits == []


# ---- the bar: one new article, once by mail and once to a webhook that fails twice -------------


@pytest.mark.e2e
def test_a_new_article_reaches_mail_and_a_twice_failing_webhook_exactly_once(
    tmp_path: Path, database_url: str
) -> None:
    with ReplicaServer(build_site(4, page_size=5, seed=8)) as replica, smtp_server() as mail, \
            webhook_server(fail_first=2) as hook:
        extra = (f'[email]\nsmtp_host = "{mail.host}"\nsmtp_port = {mail.port}\nrecipients = ["{READER}"]\n'
                 f'[notify]\nurls = ["json://newswatch:${{HOOK_TOKEN}}@127.0.0.1:{hook.port}/hook"]\n')
        nw = newswatch_for(tmp_path, database_url, replica, extra=extra)
        nw.env["HOOK_TOKEN"] = HOOK_TOKEN
        outputs = [nw.ok("crawl")]
        article = replica.site.add_article(title="Khuyến công Lào Cai hỗ trợ sản xuất chè")

        outputs.append(nw.ok("crawl"))  # mail sent; the webhook fails once …
        outputs.append(nw.run("alerts", "--retry"))  # … twice …
        assert outputs[-1].returncode == 1
        outputs.append(nw.ok("alerts", "--retry"))  # … and then accepts
        outputs.append(nw.ok("crawl"))  # nothing new, nothing waiting: nothing sent again
        listed = nw.json("alerts")

    assert [m["Subject"] for m in mail.messages] == [f"newswatch: 1 new — congthuong: {article.title}"]
    assert [h.status for h in hook.hits] == [500, 500, 200]
    [accepted] = hook.accepted
    assert article.title in accepted["message"] and replica.url(article) in accepted["message"]
    assert accepted["title"] == f"newswatch: 1 new — congthuong: {article.title}"
    credentials = base64.b64decode(hook.hits[-1].headers["Authorization"].split()[1]).decode()
    assert credentials == f"newswatch:{HOOK_TOKEN}", "the secret was expanded from the environment"
    masked = f"json://newswatch:****@127.0.0.1:{hook.port}/hook"
    assert sorted((a["recipient"], a["state"], a["attempts"]) for a in listed) == [
        (READER, "sent", 1), (masked, "sent", 3)]
    shown = "".join(o.stdout + o.stderr for o in outputs) + str(listed)
    assert HOOK_TOKEN not in shown
    if database_url.startswith("sqlite:///"):
        stored = Path(database_url.removeprefix("sqlite:///")).read_bytes()
        assert HOOK_TOKEN.encode() not in stored and masked.encode() in stored
