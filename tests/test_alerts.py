"""E-mail alerts: a crawl's findings queued, composed into one digest per recipient and delivered
to a real SMTP server on loopback, through refusals and outages, exactly once."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest

from monitor.alerts import (
    DeliveryReport,
    deliver_due,
    digest_items,
    message_domain,
    queue_run_alerts,
    retry_delay,
)
from monitor.config import email_settings
from monitor.digest import DigestItem, compose_digest
from monitor.mailer import DeliveryError, Mailer
from storage import AlertRow, Snapshot, Store
from tests import records
from tests.smtp_server import SmtpServer, free_port, smtp_server

SITE = "congthuong"
T0 = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
READER = "doc.gia@example.vn"
SCRIPT_TITLE = "Giá điện <script>alert(1)</script> & thuế"


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with smtp_server() as running:
        yield running


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path / 'newswatch.db'}", clock=lambda: T0) as opened:
        yield opened


def snapshot(number: int, title: str, *, lead: str = "", body: str = "Nội dung.") -> Snapshot:
    return records.snapshot(
        SITE, f"{SITE}:{number}", f"https://congthuong.vn/bai-viet-{number}.html",
        records.fields(title, lead, body, published_at="2025-03-01T08:30:00+07:00"),
        at=T0, raw_html=f"<html>{title}</html>".encode(),
    )


def crawl(store: Store, *snapshots: Snapshot, baseline: bool = False, gone: tuple[str, ...] = ()) -> None:
    """One run that fetched `snapshots` and found the pages `gone` removed."""
    records.crawl(store, SITE, snapshots, gone=gone, baseline=baseline, clock=lambda: T0)


def baseline_then_news(store: Store) -> None:
    """A baseline knowing articles 1 and 2; then 1 edited, 2 removed, 3 and 4 new."""
    crawl(store, snapshot(1, "Bộ Công Thương họp với doanh nghiệp", lead="Sáng nay tại Hà Nội."),
          snapshot(2, "Tin sẽ bị gỡ"), baseline=True)
    crawl(store,
          snapshot(1, "Bộ Công Thương làm việc với doanh nghiệp", lead="Sáng nay tại Hà Nội."),
          snapshot(3, SCRIPT_TITLE, lead="Điều chỉnh giá bán lẻ điện bình quân."),
          snapshot(4, "Xuất khẩu nông sản tăng trưởng mạnh"),
          gone=(f"{SITE}:2",))


def only_alert(store: Store) -> AlertRow:
    [alert] = store.list_alerts()
    return alert


def parts(message: Any) -> dict[str, str]:
    return {part.get_content_type(): part.get_content() for part in message.iter_parts()}


# ---- the digest a reader receives -----------------------------------------------------------


def test_a_run_s_findings_arrive_as_one_digest_per_recipient(server: SmtpServer, store: Store) -> None:
    settings = server.settings(recipients=(READER,), alert_on=("new", "edited", "removed"))
    baseline_then_news(store)

    queued = queue_run_alerts(store, settings)
    report = deliver_due(store, Mailer(settings), now=T0 + timedelta(minutes=1))

    assert len(queued) == 1
    assert report == DeliveryReport(sent=1, failed=0, waiting=0, errors=[])
    [received] = server.received
    message = received.message
    alert = only_alert(store)
    assert received.rcpt_tos == [READER]
    assert message["Subject"] == "newswatch: 2 new, 1 edited, 1 removed — congthuong"
    assert message["Message-ID"] == alert.message_id
    assert message["From"] == "newswatch@example.org" and message["To"] == READER
    assert parsedate_to_datetime(message["Date"]) == T0 + timedelta(minutes=1)
    assert message.get_content_type() == "multipart/alternative"
    text, page = parts(message)["text/plain"], parts(message)["text/html"]
    # new first, then edited, then removed; Vietnamese intact
    order = [text.index(title) for title in ("Xuất khẩu nông sản", "Bộ Công Thương làm việc", "Tin sẽ bị gỡ")]
    assert order == sorted(order)
    assert "https://congthuong.vn/bai-viet-4.html" in text
    assert "Published: 2025-03-01T08:30:00+07:00" in text
    assert "Điều chỉnh giá bán lẻ điện bình quân." in text
    assert "Changed: title" in text
    assert "Bộ Công Thương [-họp-]{+làm việc+} với doanh nghiệp" in text
    assert SCRIPT_TITLE in text
    # the HTML part shows the same, with page text escaped
    assert "Giá điện &lt;script&gt;alert(1)&lt;/script&gt; &amp; thuế" in page
    assert "<script>" not in page
    assert "Bộ Công Thương [-họp-]{+làm việc+} với doanh nghiệp" in page
    assert '<a href="https://congthuong.vn/bai-viet-3.html">' in page
    sent = only_alert(store)
    assert (sent.state, sent.attempts, sent.sent_at) == ("sent", 1, T0 + timedelta(minutes=1))


def test_a_single_finding_puts_its_vietnamese_title_in_an_encoded_subject(
    server: SmtpServer, store: Store
) -> None:
    settings = server.settings(recipients=(READER,))
    crawl(store, snapshot(1, "Tin cũ"), baseline=True)
    crawl(store, snapshot(5, "Hội nghị xúc tiến thương mại Việt – Lào"))

    queue_run_alerts(store, settings)
    deliver_due(store, Mailer(settings), now=T0)

    [received] = server.received
    assert received.message["Subject"] == (
        "newswatch: 1 new — congthuong: Hội nghị xúc tiến thương mại Việt – Lào"
    )
    headers = received.raw.split(b"\r\n\r\n", 1)[0]
    assert b"=?utf-8?" in headers.lower()  # RFC 2047, never raw 8-bit in a header
    assert max(len(line) for line in received.raw.split(b"\r\n")) <= 998


def test_baseline_findings_are_never_alerted(server: SmtpServer, store: Store) -> None:
    settings = server.settings(recipients=(READER,), alert_on=("new", "edited", "removed"))
    crawl(store, snapshot(1, "Tin một"), snapshot(2, "Tin hai"), baseline=True)

    assert queue_run_alerts(store, settings) == []
    assert deliver_due(store, Mailer(settings), now=T0) == DeliveryReport()
    assert store.list_alerts() == [] and server.received == []


def test_without_recipients_events_are_consumed_not_saved_up(server: SmtpServer, store: Store) -> None:
    crawl(store, snapshot(1, "Tin một"), baseline=True)
    crawl(store, snapshot(2, "Tin hai"))

    assert queue_run_alerts(store, server.settings(recipients=())) == []
    assert queue_run_alerts(store, server.settings(recipients=(READER,))) == []
    assert store.list_alerts() == []


def test_digest_items_carry_the_edit_excerpt(store: Store) -> None:
    crawl(store, snapshot(1, "Bộ Công Thương họp với doanh nghiệp"), baseline=True)
    crawl(store, snapshot(1, "Bộ Công Thương làm việc với doanh nghiệp"))
    [alert_id] = store.queue_alerts({READER: ["edited"]}, message_domain="example.org")

    [item] = digest_items(store, alert_id)

    assert (item.kind, item.title, item.fields, item.site) == (
        "edited", "Bộ Công Thương làm việc với doanh nghiệp", ["title"], SITE,
    )
    assert item.excerpt == "title: Bộ Công Thương [-họp-]{+làm việc+} với doanh nghiệp"
    assert item.url == "https://congthuong.vn/bai-viet-1.html"


# ---- outages and retries --------------------------------------------------------------------


def test_delivery_survives_refusals_and_an_outage_and_sends_exactly_once(
    server: SmtpServer, store: Store
) -> None:
    settings = server.settings(recipients=(READER,))
    mailer = Mailer(settings)
    crawl(store, snapshot(1, "Tin cũ"), baseline=True)
    crawl(store, snapshot(2, "Tin mới"))
    queue_run_alerts(store, settings)

    server.mode = "tempfail"
    first = deliver_due(store, mailer, now=T0)
    alert = only_alert(store)
    assert (first.sent, first.failed, first.waiting) == (0, 1, 1)
    assert "451" in first.errors[0] and READER in first.errors[0]
    assert (alert.state, alert.attempts) == ("pending", 1)
    assert "451 4.3.0 Try again later" in (alert.last_error or "")
    assert alert.next_attempt_at == T0 + timedelta(minutes=1)

    assert deliver_due(store, mailer, now=T0 + timedelta(seconds=30)) == DeliveryReport()

    server.stop()
    second = deliver_due(store, mailer, now=alert.next_attempt_at)
    alert = only_alert(store)
    assert (second.sent, second.failed, second.waiting) == (0, 1, 1)
    assert "connection refused" in second.errors[0]
    assert (alert.state, alert.attempts) == ("pending", 2)
    assert alert.next_attempt_at == T0 + timedelta(minutes=1 + 2)

    server.mode = "ok"
    server.start()
    third = deliver_due(store, mailer, now=alert.next_attempt_at + timedelta(seconds=1))
    assert (third.sent, third.failed, third.waiting) == (1, 0, 0)
    assert deliver_due(store, mailer, now=alert.next_attempt_at + timedelta(hours=2)) == DeliveryReport()
    [message] = server.messages
    assert message["Message-ID"] == alert.message_id
    assert only_alert(store).state == "sent"


def test_a_refused_recipient_is_retried_later(server: SmtpServer, store: Store) -> None:
    settings = server.settings(recipients=(READER,))
    crawl(store, snapshot(1, "Tin cũ"), baseline=True)
    crawl(store, snapshot(2, "Tin mới"))
    queue_run_alerts(store, settings)
    server.mode = "tempfail_rcpt"

    report = deliver_due(store, Mailer(settings), now=T0)

    assert report.failed == 1 and "refused the recipient: 451 4.2.1" in report.errors[0]
    assert only_alert(store).attempts == 1 and server.received == []


def test_an_unreachable_server_is_tried_once_per_pass(server: SmtpServer, store: Store) -> None:
    settings = server.settings(recipients=(READER, "thu.ky@example.vn"))
    crawl(store, snapshot(1, "Tin cũ"), baseline=True)
    crawl(store, snapshot(2, "Tin mới"))
    queue_run_alerts(store, settings)
    server.stop()

    report = deliver_due(store, Mailer(settings), now=T0)

    assert (report.sent, report.failed, report.waiting) == (0, 1, 2)
    assert sorted(a.attempts for a in store.list_alerts()) == [0, 1]


def test_a_crash_after_sending_resends_the_same_message(server: SmtpServer, store: Store) -> None:
    settings = server.settings(recipients=(READER,))
    crawl(store, snapshot(1, "Tin cũ"), baseline=True)
    crawl(store, snapshot(2, "Tin mới"))
    queue_run_alerts(store, settings)

    class CrashBeforeMarkingSent:
        def __getattr__(self, name: str) -> Any:
            return getattr(store, name)

        def mark_sent(self, alert_id: int, at: datetime) -> None:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        deliver_due(CrashBeforeMarkingSent(), Mailer(settings), now=T0)  # type: ignore[arg-type]
    deliver_due(store, Mailer(settings), now=T0)

    first, second = server.messages
    assert first["Message-ID"] == second["Message-ID"] == only_alert(store).message_id


def test_retry_delay_doubles_up_to_an_hour() -> None:
    delays = [retry_delay(attempts) for attempts in range(9)]

    assert delays[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert delays[-1] == timedelta(hours=1) and max(delays) == timedelta(hours=1)


# ---- the mailer's failures, each a short reason --------------------------------------------


def _message(to: str = READER) -> Any:
    alert = AlertRow(id=1, recipient=to, message_id="<newswatch.alert.1.x@example.org>", state="pending",
                     attempts=0, last_error=None, created_at=T0, sent_at=None, next_attempt_at=T0,
                     event_count=1)
    item = DigestItem(kind="new", title="Tin mới", url="https://congthuong.vn/a-1.html", published_at=T0)
    return compose_digest(alert, [item], sender="newswatch@example.org", site_names=[SITE], sent_at=T0)


def test_connection_refused_is_a_delivery_error() -> None:
    settings = email_settings(smtp_host="127.0.0.1", smtp_port=free_port(), timeout=2)

    with pytest.raises(DeliveryError) as caught:
        Mailer(settings).send(_message())

    assert caught.value.reason.endswith("connection refused") and caught.value.unreachable


def test_a_tls_mismatch_is_a_delivery_error(server: SmtpServer) -> None:
    with pytest.raises(DeliveryError) as caught:
        Mailer(server.settings(ssl=True)).send(_message())

    assert "TLS error" in caught.value.reason


def test_starttls_on_a_server_without_it_is_a_delivery_error(server: SmtpServer) -> None:
    with pytest.raises(DeliveryError) as caught:
        Mailer(server.settings(starttls=True)).send(_message())

    assert "STARTTLS" in caught.value.reason and server.received == []


def test_a_permanent_rejection_names_code_and_text(server: SmtpServer) -> None:
    server.mode = "reject"

    with pytest.raises(DeliveryError) as caught:
        Mailer(server.settings()).send(_message())

    assert caught.value.reason.endswith("answered 554 5.7.1 Message refused")


def test_a_server_that_never_greets_times_out() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings = email_settings(smtp_host="127.0.0.1", smtp_port=silent.getsockname()[1], timeout=0.2)
        with pytest.raises(DeliveryError) as caught:
            Mailer(settings).send(_message())

    assert "timed out after 0.2 s" in caught.value.reason and caught.value.unreachable


def test_message_ids_live_under_the_sender_s_domain() -> None:
    assert message_domain("Newswatch <tin@moit.example.vn>") == "moit.example.vn"
    assert message_domain("newswatch") == "newswatch.local"
