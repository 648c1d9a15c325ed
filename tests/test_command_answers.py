"""What the read commands answer to odd questions, and that what they show is current: the
article's URL today, after a headline edit moved its slug."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.cli import main
from replica import ReplicaServer, build_site, congthuong_profile_toml
from storage import Store
from tests import records
from tests.harness import newswatch_for, write_config
from tests.smtp_server import SmtpServer, smtp_server

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
URL = "http://127.0.0.1:9/bo-cong-thuong-hop-bao-263055.html"


@pytest.fixture(autouse=True)
def _no_newswatch_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("NEWSWATCH_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def config(tmp_path: Path) -> str:
    """A configured site and a database holding two versions of one of its articles."""
    url = f"sqlite:///{tmp_path / 'newswatch.db'}"
    with Store(url, clock=lambda: T0) as store:
        run = store.start_run("congthuong", baseline=True)
        for number, title in enumerate(["Họp báo", "Họp báo thường kỳ"]):
            records.record(store, run, "congthuong", records.snapshot(
                "congthuong", "127.0.0.1:9/263055", URL, records.fields(title, body="Nội dung."),
                at=T0 + timedelta(hours=number), raw_html=title.encode(),
            ), baseline=True, clock=lambda: T0)
        store.finish_run(run, "completed", requests=2, pages=2, failures=0)
    path = write_config(tmp_path / "newswatch.toml", url, congthuong_profile_toml("http://127.0.0.1:9"))
    return str(path)


def _run(config: str, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        status = main(["--config", config, *argv])
    except SystemExit as exit_:  # argparse refuses before any command runs
        status = int(exit_.code or 0)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_version_numbers_start_at_one(config: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, _out, err = _run(config, capsys, "show", URL, "--version", "0")
    assert status == 2 and "argument --version: must be 1 or more, not 0" in err
    status, _out, err = _run(config, capsys, "show", URL, "--version", "7")
    assert (status, err) == (1, f"newswatch: {URL}: no version 7; stored: 1, 2\n")
    assert _run(config, capsys, "show", URL, "--version", "1")[1].startswith("Họp báo\n")


def test_version_and_at_together_are_refused(config: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(config, capsys, "show", URL, "--version", "1", "--at", "2025-03-01T16:00")
    assert status == 2 and out == ""
    assert "argument --at: not allowed with argument --version" in err


def test_a_time_before_the_first_version_says_so(config: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, _out, err = _run(config, capsys, "show", URL, "--at", "2025-01-01")
    assert (status, err) == (1, f"newswatch: {URL}: no version stored yet at 2025-01-01\n")


def test_changes_for_an_unknown_site_names_it(config: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(config, capsys, "changes", "--site", "congthuog")
    assert (status, out) == (2, "")
    assert err == "newswatch: unknown site 'congthuog'; known: congthuong\n"
    assert _run(config, capsys, "changes", "--site", "congthuong")[0] == 0


@pytest.mark.parametrize("argv", [
    ["changes", "--limit", "-1"], ["changes", "--limit", "0"], ["alerts", "--limit", "-5"],
    ["diff", URL, "--from", "0"], ["schedule", "--cycles", "-1"],
])
def test_counts_below_one_are_refused(
    config: str, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    status, out, err = _run(config, capsys, *argv)
    assert (status, out) == (2, "")
    assert "must be 1 or more" in err


# ---- the current URL, after a headline edit ----------------------------------------------------


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.mark.e2e
def test_after_a_headline_edit_every_command_and_the_mail_show_the_new_url(
    tmp_path: Path, database_url: str, smtp: SmtpServer
) -> None:
    email_toml = (f'[email]\nsmtp_host = "{smtp.host}"\nsmtp_port = {smtp.port}\n'
                  'recipients = ["analyst@example.org"]\ntimeout = 5.0\n')
    with ReplicaServer(build_site(6, page_size=10, seed=3)) as replica:
        nw = newswatch_for(tmp_path, database_url, replica, extra=email_toml)
        nw.ok("crawl")
        article = replica.site.listing()[2]
        old_url = replica.url(article)
        replica.site.edit_title(article.id, "Tiêu đề mới sau khi sửa")
        new_url = replica.url(article)
        assert new_url != old_url
        nw.ok("crawl")

        [edited] = [e for e in nw.json("changes") if e["kind"] == "edited"]
        assert edited["url"] == new_url
        assert nw.json("diff", old_url)["url"] == new_url
        assert nw.json("show", old_url)["url"] == new_url
        [mail] = smtp.messages
        text = mail.get_body(preferencelist=("plain",)).get_content()
        assert new_url in text and old_url not in text
