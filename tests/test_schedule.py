"""`newswatch schedule` runs crawl after crawl in one service process; one crawl per site at a time."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.config import ConfigError, load
from monitor.cron import cron_trigger
from monitor.locks import site_lock
from monitor.schedule import Service
from replica import ReplicaServer, build_site
from tests.harness import NEWSWATCH, Newswatch, newswatch_for

pytestmark = pytest.mark.e2e

EVERY_SECOND = '[schedule]\ncron = "* * * * * *"\ntimezone = "Asia/Ho_Chi_Minh"\n'


@pytest.fixture
def replica() -> Iterator[ReplicaServer]:
    with ReplicaServer(build_site(6, page_size=3, seed=11)) as server:
        yield server


@pytest.fixture
def nw(tmp_path: Path, replica: ReplicaServer) -> Newswatch:
    return newswatch_for(tmp_path, f"sqlite:///{tmp_path / 'nw.db'}", replica, extra=EVERY_SECOND)


def test_three_crawls_in_a_row_in_one_service_process(nw: Newswatch, replica: ReplicaServer) -> None:
    replica.site.fail("/khuyen-cong", status=500, times=2)  # a failing crawl must not stop the schedule
    result = nw.run("schedule", "--cycles", "3", timeout=180)
    assert result.returncode == 0, result.stderr
    finished = [line for line in result.stdout.splitlines() if line.startswith("crawl ")]
    assert [line.split()[1] for line in finished] == ["1", "2", "3"]
    assert "exit status 1" in finished[0] and "exit status 0" in finished[2]
    assert "stopped after 3 crawls" in result.stdout
    article = replica.site.listing()[0]
    assert nw.json("history", replica.url(article))[0]["times_seen"] == 2


def test_sigterm_stops_the_service_cleanly(nw: Newswatch) -> None:
    with subprocess.Popen([*NEWSWATCH, "--config", str(nw.config_path), "schedule"], env=nw.env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as service:
        assert service.stdout is not None
        for line in service.stdout:  # blocks until the service reports its first crawl
            if line.startswith("crawl 1 finished"):
                break
        service.send_signal(signal.SIGTERM)
        rest, errors = service.communicate(timeout=60)
    assert service.returncode == 0, errors
    assert "stopped after" in rest


def test_a_second_crawl_of_the_same_site_exits_at_once_with_a_clear_message(nw: Newswatch) -> None:
    with site_lock(f"sqlite:///{nw.config_path.parent / 'nw.db'}", "congthuong"):
        result = nw.run("crawl")
    assert result.returncode == 3
    assert "already being crawled by another newswatch process" in result.stderr
    assert nw.ok("crawl").returncode == 0


def test_cron_expressions_are_checked_when_the_config_loads(empty_config: str) -> None:
    assert cron_trigger("*/30 * * * *", "Asia/Ho_Chi_Minh")
    assert cron_trigger("*/5 * * * * *", "Asia/Ho_Chi_Minh")
    for bad in ("every half hour", "61 * * * *"):
        with pytest.raises(ConfigError, match=f"schedule.cron: {re.escape(repr(bad))}"):
            load(empty_config, env={"NEWSWATCH_SCHEDULE_CRON": bad})


def test_waiting_alerts_are_retried_between_crawls_and_never_during_one(empty_config: str) -> None:
    calls: list[bool] = []
    service: Service

    def retry() -> None:
        calls.append(service._lock.locked())  # held by this retry itself, never by a crawl

    config = load(empty_config, env={"NEWSWATCH_SCHEDULE_CRON": "* * * * * *"})
    service = Service(config, [sys.executable, "-c", "pass"], retry_alerts=retry, max_cycles=3,
                      alert_retry_seconds=0.2)
    service.run()
    assert service.cycles == 3
    assert calls and all(calls)
