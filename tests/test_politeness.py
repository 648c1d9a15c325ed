"""Politeness: Retry-After honoured on 429 and 503, and one pace per host across all sites of a run."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from crawler.politeness import HostClosed, HostGate, retry_after_seconds
from replica import ReplicaServer, build_site, congthuong_profile_toml
from tests.harness import newswatch_for

NOW = datetime(2026, 1, 29, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(("value", "seconds"), [
    ("120", 120.0), (" 5 ", 5.0), (format_datetime(NOW + timedelta(seconds=90), usegmt=True), 90.0),
    (format_datetime(NOW - timedelta(hours=1), usegmt=True), 0.0), ("soon", None), ("", None), (None, None),
])
def test_retry_after_reads_seconds_and_http_dates(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, NOW) == seconds


def _starts(gate: HostGate, hosts: list[str]) -> list[tuple[str, float]]:
    async def one(host: str) -> tuple[str, float]:
        await gate.enter(host)
        started = time.monotonic()
        await asyncio.sleep(0)
        gate.leave(host)
        return host, started

    async def every() -> list[tuple[str, float]]:
        return list(await asyncio.gather(*(one(h) for h in hosts)))

    return asyncio.run(every())


def test_the_gate_spaces_request_starts_per_host_not_per_caller() -> None:
    starts = _starts(HostGate(delay=0.1, concurrency=4, max_wait=60), ["a.vn", "a.vn", "a.vn", "b.vn"])

    on_a = sorted(t for host, t in starts if host == "a.vn")
    assert min(b - a for a, b in zip(on_a, on_a[1:], strict=False)) >= 0.095
    [on_b] = [t for host, t in starts if host == "b.vn"]
    assert on_b - min(on_a) < 0.09, "another host does not wait for this one"


def test_a_pause_longer_than_max_wait_closes_the_host_for_the_run() -> None:
    gate = HostGate(delay=0, concurrency=1, max_wait=60)

    assert gate.hold_off("a.vn", 0.05)
    assert not gate.hold_off("a.vn", 3600)
    with pytest.raises(HostClosed, match="asked to wait 3600 s"):
        _starts(gate, ["a.vn"])
    assert _starts(gate, ["b.vn"])


# ---- whole crawls ------------------------------------------------------------------------------


@pytest.mark.e2e
def test_a_429_with_retry_after_is_retried_after_the_pause(tmp_path: Path, database_url: str) -> None:
    with ReplicaServer(build_site(3, page_size=5, seed=6)) as replica:
        site = replica.site
        article = site.listing()[1]
        site.fail(article.url_path, 429, times=1, retry_after="1")
        nw = newswatch_for(tmp_path, database_url, replica,
                           sites_toml=congthuong_profile_toml(replica.base_url, related_depth=0))

        assert "3 pages fetched, 3 new versions, 0 failures" in nw.ok("crawl").stdout

        tries = [t for t, _, path in site.timeline if path == article.url_path]
        assert len(tries) == 2 and tries[1] - tries[0] >= 0.95


@pytest.mark.e2e
def test_a_retry_after_beyond_max_retry_wait_leaves_the_host_for_the_run(
    tmp_path: Path, database_url: str
) -> None:
    with ReplicaServer(build_site(3, page_size=5, seed=6)) as replica:
        site = replica.site
        nw = newswatch_for(tmp_path, database_url, replica,
                           sites_toml=congthuong_profile_toml(replica.base_url, related_depth=0))
        nw.ok("crawl")
        site.fail(site.section_path, 503, retry_after="3600")
        site.request_log.clear()
        nw.env["NEWSWATCH_CRAWL_CONCURRENCY"] = "1"  # the known articles' revisits queue behind

        result = nw.run("crawl")

        assert result.returncode == 1
        assert f"{replica.url(site.section_path)}: HTTP 503 (Retry-After 3600)" in result.stdout
        assert result.stdout.count("asked for a longer pause than max_retry_wait") == 3
        assert site.hits(site.section_path) == 1, "not retried: the host said an hour"
        assert [path for _, path, _ in site.request_log if path.endswith(".html")] == []


@pytest.mark.e2e
def test_two_sites_on_one_host_share_its_delay_and_concurrency(tmp_path: Path, database_url: str) -> None:
    with ReplicaServer(build_site(3, page_size=5, seed=6)) as one, \
            ReplicaServer(build_site(3, page_size=5, seed=7)) as other:
        sites = (congthuong_profile_toml(one.base_url, name="one", related_depth=0)
                 + congthuong_profile_toml(other.base_url, name="two", related_depth=0))
        nw = newswatch_for(tmp_path, database_url, one, sites_toml=sites)
        nw.env |= {"NEWSWATCH_CRAWL_DOWNLOAD_DELAY": "0.3", "NEWSWATCH_CRAWL_CONCURRENCY": "1"}
        for replica in (one, other):
            replica.site.latency = 0.05

        output = nw.ok("crawl").stdout

        assert "one (baseline): 3 pages fetched" in output and "two (baseline): 3 pages fetched" in output
        arrivals = sorted(t for replica in (one, other) for t, _, _ in replica.site.timeline)
        assert len(arrivals) >= 10
        # both servers are 127.0.0.1: one host, so one request at a time, 0.3 s apart (less
        # what connecting may add to one arrival and not to the next; without the shared gate
        # two sites' requests arrive milliseconds apart)
        assert min(b - a for a, b in zip(arrivals, arrivals[1:], strict=False)) >= 0.2
        assert one.site.max_in_flight == other.site.max_in_flight == 1
