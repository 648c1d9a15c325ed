"""Storage trouble, as every command meets it: one line and a non-zero status, and a database that
is not this newswatch's to change is never changed.

Most cases call the command line in-process (`monitor.cli.main`: the same code the installed
command runs, without paying for a new interpreter per command); one test runs the real command.
"""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from monitor.cli import main
from replica import ReplicaServer, build_site, congthuong_profile_toml
from storage import StorageError, Store
from storage.db import make_engine
from storage.migrate import current_revision, head_revision, upgrade
from tests import records
from tests.harness import newswatch_for, write_config

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
ARTICLE_URL = "http://127.0.0.1:9/bo-cong-thuong-hop-bao-263055.html"
READ_COMMANDS = [
    ["history", ARTICLE_URL],
    ["show", ARTICLE_URL],
    ["diff", ARTICLE_URL],
    ["changes"],
    ["search", "họp báo"],
    ["alerts"],
]
# Commands that would write: each must refuse before it changes anything.
WRITE_COMMANDS = [["crawl"], ["alerts", "--retry"], ["schedule", "--cycles", "1"], ["db", "upgrade"]]


@pytest.fixture(autouse=True)
def _no_newswatch_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("NEWSWATCH_")]:
        monkeypatch.delenv(name)


def _config(tmp_path: Path, database_url: str) -> str:
    # the site answers nowhere (port 9, discard): a crawl that got past the database would fail
    sites = congthuong_profile_toml("http://127.0.0.1:9")
    extra = '[email]\nrecipients = ["analyst@example.org"]\nsmtp_port = 9\ntimeout = 1.0\n'
    return str(write_config(tmp_path / "newswatch.toml", database_url, sites, extra=extra))


def _run(config: str, argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(["--config", config, *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _assert_one_line_refusal(
    config: str, argv: list[str], capsys: pytest.CaptureFixture[str], *expected: str
) -> None:
    status, out, err = _run(config, argv, capsys)
    assert status == 1, (argv, out, err)
    assert len(err.strip().splitlines()) == 1, (argv, err)
    assert "Traceback" not in err
    for words in expected:
        assert words in err, (argv, err)


def _filled_database(url: str) -> None:
    """A current database holding one article, as a crawl would leave it."""
    with Store(url, clock=lambda: T0) as store:
        run = store.start_run("congthuong", baseline=True)
        records.record(store, run, "congthuong", records.snapshot(
            "congthuong", "127.0.0.1:9/263055", ARTICLE_URL,
            records.fields("Bộ Công Thương họp báo", body="Nội dung."), at=T0,
            raw_html=b"<html>...</html>",
        ), baseline=True, clock=lambda: T0)
        store.finish_run(run, "completed", requests=1, pages=1, failures=0)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _set_revision(url: str, revision: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# ---- a file that is not a database ------------------------------------------------------------


def test_a_garbage_file_is_one_line_in_every_command_and_stays_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    garbage = tmp_path / "newswatch.db"
    garbage.write_bytes(bytes(range(256)) * 64)
    config = _config(tmp_path, f"sqlite:///{garbage}")
    for argv in READ_COMMANDS + WRITE_COMMANDS:
        _assert_one_line_refusal(config, argv, capsys, "newswatch.db", "not a database")
    assert garbage.read_bytes() == bytes(range(256)) * 64


def test_the_installed_command_reports_a_garbage_file_in_one_line(tmp_path: Path) -> None:
    garbage = tmp_path / "data" / "newswatch.db"
    garbage.parent.mkdir()
    garbage.write_bytes(b"this is a spreadsheet, not a database\n" * 100)
    with ReplicaServer(build_site(3)) as server:
        nw = newswatch_for(tmp_path, f"sqlite:///{garbage}", server)
        for argv in (["crawl"], ["changes"]):
            result = nw.run(*argv)
            assert result.returncode == 1
            assert result.stderr.strip().splitlines() == [
                f"newswatch: database sqlite:///{garbage}: not a database (the file is not SQLite)"
            ]
        assert server.site.request_log == []


# ---- a schema from a newer newswatch -----------------------------------------------------------


def test_a_schema_newer_than_this_newswatch_is_named_and_never_touched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "newswatch.db"
    url = f"sqlite:///{path}"
    _filled_database(url)
    _set_revision(url, "0099_from_the_future")
    before = _digest(path)
    config = _config(tmp_path, url)
    for argv in READ_COMMANDS + WRITE_COMMANDS:
        _assert_one_line_refusal(config, argv, capsys, "'0099_from_the_future'", "upgrade newswatch")
    assert _digest(path) == before
    assert current_revision(make_engine(url)) == "0099_from_the_future"


def test_a_store_refuses_a_future_schema_before_migrating(database_url: str) -> None:
    _filled_database(database_url)
    _set_revision(database_url, "0099_from_the_future")
    with pytest.raises(StorageError, match="newer than this newswatch knows"):
        upgrade(database_url)
    with Store(database_url) as store, pytest.raises(StorageError, match="0099_from_the_future"):
        store.stats()
    engine = make_engine(database_url)
    assert current_revision(engine) == "0099_from_the_future"
    engine.dispose()


# ---- read commands never write -------------------------------------------------------------------


def test_a_read_only_current_database_answers_every_read_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "newswatch.db"
    url = f"sqlite:///{path}"
    _filled_database(url)
    before = _digest(path)
    path.chmod(0o444)
    config = _config(tmp_path, url)

    status, out, err = _run(config, ["history", ARTICLE_URL], capsys)
    assert (status, err) == (0, "")
    assert "v1" in out and "Bộ Công Thương họp báo" in out
    status, out, err = _run(config, ["changes"], capsys)
    assert (status, err) == (0, "")
    assert "new" in out and ARTICLE_URL in out
    for argv in (["show", ARTICLE_URL], ["alerts"]):
        assert _run(config, argv, capsys)[0] == 0
    assert _digest(path) == before


def test_a_write_to_a_read_only_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if os.geteuid() == 0:
        pytest.skip("running as root: file permissions do not stop root's writes")
    path = tmp_path / "newswatch.db"
    url = f"sqlite:///{path}"
    _filled_database(url)
    path.chmod(0o444)
    _assert_one_line_refusal(_config(tmp_path, url), ["crawl"], capsys, "readonly database")


def test_a_read_only_store_cannot_write_even_as_root(tmp_path: Path) -> None:
    """The read-only mode is SQLite's own (a `mode=ro` open), not the file's permission bits."""
    url = f"sqlite:///{tmp_path / 'newswatch.db'}"
    _filled_database(url)
    engine = make_engine(url, read_only=True)
    with pytest.raises(Exception, match="readonly database"), engine.begin() as connection:
        connection.execute(text("DELETE FROM events"))
    engine.dispose()
    with Store(url, read_only=True) as store:
        assert store.stats()["events"] == 1
        with pytest.raises(RuntimeError, match="read-only"):
            store.start_run("congthuong", baseline=False)


def test_postgres_read_only_store_runs_read_only_transactions(postgres_url: str) -> None:
    _filled_database(postgres_url)
    engine = make_engine(postgres_url, read_only=True)
    with pytest.raises(Exception, match="read-only transaction"), engine.begin() as connection:
        connection.execute(text("DELETE FROM events"))
    engine.dispose()
    with Store(postgres_url, read_only=True) as store:
        assert store.stats()["events"] == 1


def test_a_schema_behind_is_not_migrated_by_read_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "newswatch.db"
    url = f"sqlite:///{path}"
    upgrade(url, "0001")
    config = _config(tmp_path, url)
    for argv in READ_COMMANDS:
        _assert_one_line_refusal(config, argv, capsys, "'0001'", "run `newswatch db upgrade`")
    assert current_revision(make_engine(url)) == "0001"

    status, out, _err = _run(config, ["db", "upgrade"], capsys)
    assert status == 0 and "database at head" in out
    assert current_revision(make_engine(url)) == head_revision()
    assert _run(config, ["changes"], capsys)[:2] == (0, "no changes recorded\n")


def test_a_missing_database_file_is_not_created_by_a_read_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "nowhere" / "newswatch.db"
    config = _config(tmp_path, f"sqlite:///{path}")
    _assert_one_line_refusal(config, ["changes"], capsys, "no database file yet")
    assert not path.parent.exists()


# ---- a server that does not answer ---------------------------------------------------------------


@pytest.fixture
def closed_postgres_url() -> Iterator[str]:
    yield f"postgresql+psycopg://watcher:s3cret@127.0.0.1:{_closed_port()}/news"


def test_an_unreachable_postgres_is_one_line_in_every_command(
    tmp_path: Path, closed_postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, closed_postgres_url)
    for argv in READ_COMMANDS + WRITE_COMMANDS:
        status, _out, err = _run(config, argv, capsys)
        assert status == 1, (argv, err)
        assert len(err.strip().splitlines()) == 1, (argv, err)
        assert "Connection refused" in err and "s3cret" not in err
        assert "watcher:***@127.0.0.1" in err
