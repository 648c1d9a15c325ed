"""What a re-crawl costs and what it still checks: paging stops early, known articles are revisited,
conditional requests save bytes, and unreachable sites or databases fail loudly."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from replica import ReplicaServer, build_site, congthuong_profile_toml
from tests.harness import Newswatch, newswatch_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def replica() -> Iterator[ReplicaServer]:
    with ReplicaServer(build_site(15, page_size=5, seed=13)) as server:
        yield server


@pytest.fixture
def nw(tmp_path: Path, database_url: str, replica: ReplicaServer) -> Newswatch:
    return newswatch_for(tmp_path, database_url, replica)


def _listing_requests(replica: ReplicaServer) -> int:
    return sum(1 for method, path, _ in replica.site.request_log if path.split("?")[0] == "/khuyen-cong")


def test_a_recrawl_stops_paging_at_known_headlines_but_revisits_recent_articles(
    nw: Newswatch, replica: ReplicaServer
) -> None:
    nw.ok("crawl")
    assert _listing_requests(replica) == 3
    replica.site.request_log.clear()
    oldest = replica.site.listing()[-1]
    replica.site.edit_body(oldest.id)  # on page 3, which the re-crawl no longer pages to
    nw.ok("crawl")
    assert _listing_requests(replica) == 1
    assert replica.site.hits(oldest.url_path) == 1
    assert [v["version"] for v in nw.json("history", replica.url(oldest))] == [1, 2]


def test_conditional_requests_answered_304_count_as_seen(nw: Newswatch, replica: ReplicaServer) -> None:
    replica.site.conditional = True
    nw.ok("crawl")
    replica.site.request_log.clear()
    result = nw.ok("crawl")
    assert "0 new versions" in result.stdout
    validated = [h for _, path, h in replica.site.request_log if path.endswith(".html")]
    assert validated and all(h.get("If-None-Match") for h in validated)
    article = replica.site.listing()[0]
    assert nw.json("history", replica.url(article))[0]["times_seen"] == 2


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_site_fails_the_crawl_with_one_clear_line(tmp_path: Path, database_url: str) -> None:
    base = f"http://127.0.0.1:{_closed_port()}"
    with ReplicaServer(build_site(1)) as unused:
        nw = newswatch_for(tmp_path, database_url, unused, sites_toml=congthuong_profile_toml(base))
    result = nw.run("crawl")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"newswatch: nothing could be crawled for congthuong: {base}/khuyen-cong: connection refused"
    ]
    assert "Traceback" not in result.stdout + result.stderr


def test_an_unwritable_database_fails_the_crawl(tmp_path: Path, replica: ReplicaServer) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the database directory should be")
    nw = newswatch_for(tmp_path, f"sqlite:///{blocker / 'nw.db'}", replica)
    result = nw.run("crawl")
    assert result.returncode == 1
    assert "database" in result.stderr and "Traceback" not in result.stderr


def _article_requests(replica: ReplicaServer) -> int:
    return sum(1 for method, path, _ in replica.site.request_log if path.endswith(".html"))


@pytest.mark.parametrize(("settings", "refetched"), [
    ({}, 15),  # everything is recent: all revisited
    # only listing page 1 (5) and their related blocks (the 5 newest others: one more)
    ({"revisit_days": 0, "revisit_rotation": 0}, 6),
    ({"revisit_days": 0, "revisit_rotation": 20}, 15),  # the slow rotation reaches the rest
])
def test_revisit_window_and_rotation_decide_what_a_recrawl_fetches(
    tmp_path: Path, replica: ReplicaServer, settings: dict[str, int], refetched: int
) -> None:
    sites = congthuong_profile_toml(replica.base_url, **settings)
    nw = newswatch_for(tmp_path, f"sqlite:///{tmp_path / 'nw.db'}", replica, sites_toml=sites)
    nw.ok("crawl")
    replica.site.request_log.clear()
    nw.ok("crawl")
    assert _article_requests(replica) == refetched
