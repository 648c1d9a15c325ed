"""Broken and hostile sites: whatever a page holds, the crawl stores the rest, reports what it could
not take, and never leaves the allowed domains. Real crawls of replicas on loopback."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.urls import canonical_url
from replica import ReplicaServer, build_site, congthuong_profile_toml
from tests.harness import Newswatch, newswatch_for

pytestmark = pytest.mark.e2e

HTML = [("Content-Type", "text/html; charset=utf-8")]
MALFORMED = [
    "http://127.0.0.1:99999/bai-viet-cong-sai-263001.html",  # port out of range
    "http://[::1/bai-viet-ipv6-hong-263002.html",  # IPv6 host never closed
    "http://127.0.0.1:abc/bai-viet-cong-chu-263003.html",  # port not a number
]


@pytest.fixture
def replica() -> Iterator[ReplicaServer]:
    with ReplicaServer(build_site(10, page_size=20, seed=11)) as server:
        yield server


@pytest.fixture
def nw(tmp_path: Path, database_url: str, replica: ReplicaServer) -> Newswatch:
    return newswatch_for(tmp_path, database_url, replica)


def _stored_titles(nw: Newswatch) -> set[str]:
    return {e["title"] for e in nw.json("changes") if e["kind"] == "new"}


# ---- links that cannot be parsed ----------------------------------------------------------------


def test_malformed_links_on_a_listing_cost_none_of_the_good_ones(
    nw: Newswatch, replica: ReplicaServer
) -> None:
    replica.site.add_stray_links(MALFORMED, where="listing")

    result = nw.run("crawl")

    assert result.returncode == 0, result.stderr
    assert "10 pages fetched, 10 new versions, 0 failures" in result.stdout
    listing = replica.url(replica.site.section_path)
    dropped = [line for line in result.stdout.splitlines() if line.startswith("  dropped link: ")]
    assert len(dropped) == 3
    for link in MALFORMED:
        assert any(repr(link) in line and listing in line for line in dropped), (link, dropped)
        assert link in result.stderr  # the warning as it happens, naming the page and the link
    assert _stored_titles(nw) == {a.title for a in replica.site.listing()}
    assert nw.json("history", replica.url(replica.site.listing()[4]))[0]["version"] == 1


def test_a_malformed_link_in_a_related_block_costs_no_article(
    nw: Newswatch, replica: ReplicaServer
) -> None:
    replica.site.add_stray_links(MALFORMED[:1], where="related")

    result = nw.run("crawl")

    assert result.returncode == 0, result.stderr
    assert "10 pages fetched, 10 new versions, 0 failures" in result.stdout
    dropped = [line for line in result.stdout.splitlines() if line.startswith("  dropped link: ")]
    assert len(dropped) == 10 and all(repr(MALFORMED[0]) in line for line in dropped)  # one a page
    for article in replica.site.listing():
        related = nw.json("show", replica.url(article))["related"]
        assert len(related) == 5 and all("99999" not in r["url"] for r in related)


def test_a_page_that_cannot_be_read_is_a_reported_failure(tmp_path: Path, database_url: str) -> None:
    site = build_site(8, page_size=4, seed=2)
    with ReplicaServer(site) as paged:
        sites = congthuong_profile_toml(paged.base_url, related_depth=0)
        nw = newswatch_for(tmp_path, database_url, paged, sites_toml=sites)
        second = site.listing_url(2)
        site.serve_fixed(second, 200, HTML, b"   ")  # an empty listing page 2

        result = nw.run("crawl")

    assert result.returncode == 0, result.stderr
    assert "4 pages fetched, 4 new versions, 1 failures" in result.stdout
    assert f"failed: {canonical_url(paged.url(second))}: empty page" in result.stdout


def test_a_crawl_whose_listing_yields_no_article_is_no_baseline(
    nw: Newswatch, replica: ReplicaServer
) -> None:
    section = replica.site.section_path
    replica.site.serve_fixed(section, 200, HTML, b"<html><body><h1>Khuyen cong</h1></body></html>")

    empty = nw.run("crawl")

    assert empty.returncode == 1
    assert "listing pages yielded no article" in empty.stderr
    replica.site.unfix(section)
    first = nw.ok("crawl")
    assert "congthuong (baseline): 10 pages fetched" in first.stdout
    assert all(e["baseline"] for e in nw.json("changes"))


def test_a_start_url_with_a_bad_port_is_a_one_line_config_error(
    nw: Newswatch, replica: ReplicaServer, tmp_path: Path
) -> None:
    text = nw.config_path.read_text(encoding="utf-8")
    port = urlsplit(replica.base_url).port
    nw.config_path.write_text(text.replace(f"127.0.0.1:{port}/", "127.0.0.1:99999/", 1), encoding="utf-8")

    result = nw.run("crawl")

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "newswatch: config error: sites.congthuong.start_urls: not a valid URL: "
        "'http://127.0.0.1:99999/khuyen-cong' (Port out of range 0-65535)"
    ]
    assert not (tmp_path / "data").exists() or nw.run("changes").stdout == "no changes recorded\n"


# ---- redirects off the allowed domains ----------------------------------------------------------


@pytest.fixture
def elsewhere() -> Iterator[ReplicaServer]:
    """Another site, reached as `localhost`: a host that allowed_domains ("127.0.0.1") do not name."""
    with ReplicaServer(build_site(3, seed=4)) as server:
        yield server


def _elsewhere_url(server: ReplicaServer, path: str, scheme: str = "http") -> str:
    return f"{scheme}://localhost:{urlsplit(server.base_url).port}{path}"


def test_a_redirect_to_another_host_is_a_failure_and_never_requested(
    nw: Newswatch, replica: ReplicaServer, elsewhere: ReplicaServer
) -> None:
    direct, chained, secure, kept = replica.site.listing()[:4]
    site = replica.site
    site.serve_fixed(direct.url_path, 302, [("Location", _elsewhere_url(elsewhere, direct.url_path))])
    # a chain: first a hop on the allowed host, then off it
    site.serve_fixed(chained.url_path, 301, [("Location", "/chuyen-huong-tam")])
    site.serve_fixed("/chuyen-huong-tam", 302, [("Location", _elsewhere_url(elsewhere, "/a.html"))])
    # a scheme change on the way off the site
    site.serve_fixed(secure.url_path, 302, [("Location", _elsewhere_url(elsewhere, "/", "https"))])

    result = nw.run("crawl")

    assert result.returncode == 0, result.stderr
    assert "7 pages fetched, 7 new versions, 3 failures" in result.stdout
    for article in (direct, chained, secure):
        assert (f"failed: {replica.url(article)}: redirect to a host outside allowed_domains: localhost"
                in result.stdout)
    assert elsewhere.connections == 0 and elsewhere.site.request_log == []
    assert kept.title in _stored_titles(nw)


def test_an_off_site_redirect_never_counts_toward_removal(
    nw: Newswatch, replica: ReplicaServer, elsewhere: ReplicaServer
) -> None:
    nw.ok("crawl")
    article = replica.site.listing()[2]
    replica.site.serve_fixed(article.url_path, 302, [("Location", _elsewhere_url(elsewhere, "/gone"))])

    for _ in range(2):  # removal_after is 2
        result = nw.ok("crawl")
        assert "redirect to a host outside allowed_domains: localhost" in result.stdout

    assert [e for e in nw.json("changes") if e["kind"] == "removed"] == []
    assert elsewhere.connections == 0


# ---- pages too big, and bombs ------------------------------------------------------------------


def _gzip_bomb(inflated: int) -> bytes:
    """A gzip body that inflates to `inflated` bytes of one HTML page (zeros after the start)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * (1 << 20)
    parts = [packer.compress(b"<!DOCTYPE html><html><body><p>")]
    parts += [packer.compress(chunk) for _ in range(inflated // len(chunk))]
    return b"".join(parts) + packer.flush()


def test_a_gzip_bomb_stops_at_the_default_limit(nw: Newswatch, replica: ReplicaServer) -> None:
    bomb = _gzip_bomb(64 << 20)  # 64 MiB inflated, past the default 16 MiB
    assert len(bomb) < 100_000
    article = replica.site.listing()[0]
    replica.site.serve_fixed(article.url_path, 200, [*HTML, ("Content-Encoding", "gzip")], bomb)

    result = nw.run("crawl")

    assert result.returncode == 0, result.stderr
    assert "9 pages fetched, 9 new versions, 1 failures" in result.stdout
    assert (f"failed: {replica.url(article)}: page larger than the 16,777,216-byte limit "
            "([crawl] max_size) once decompressed") in result.stdout


def test_a_page_over_the_configured_limit_is_a_failure_whether_announced_or_not(
    tmp_path: Path, database_url: str, replica: ReplicaServer
) -> None:
    nw = newswatch_for(tmp_path, database_url, replica, crawl="max_size = 1_000_000\nwarn_size = 300_000\n")
    announced, streamed, big_but_allowed = replica.site.listing()[:3]
    page = b"<!DOCTYPE html><html><body>" + b"<p>x</p>" * 200_000 + b"</body></html>"
    replica.site.serve_fixed(announced.url_path, 200, HTML, page)
    replica.site.serve_fixed(streamed.url_path, 200, HTML, page, content_length=False)
    # under max_size, over warn_size: stored
    long_body = [f"Đoạn văn số {i} của một bài rất dài." * 20 for i in range(600)]
    replica.site.edit_body(big_but_allowed.id, long_body)

    result = nw.run("crawl")

    assert result.returncode == 0, result.stderr
    assert "8 pages fetched, 8 new versions, 2 failures" in result.stdout
    for article in (announced, streamed):
        assert (f"failed: {replica.url(article)}: page larger than the 1,000,000-byte limit "
                "([crawl] max_size)") in result.stdout
    body = nw.json("show", replica.url(big_but_allowed))["body"]
    assert len(body.encode()) > 300_000


def test_extract_of_a_page_over_the_limit_is_one_line(tmp_path: Path, replica: ReplicaServer) -> None:
    nw = newswatch_for(tmp_path, f"sqlite:///{tmp_path / 'nw.db'}", replica, crawl="max_size = 100_000\n")
    article = replica.site.listing()[0]
    replica.site.serve_fixed(article.url_path, 200, HTML, b"<html><body>" + b"<p>x</p>" * 20_000)

    result = nw.run("extract", replica.url(article))

    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"newswatch: cannot fetch {replica.url(article)}: page larger than the 100,000-byte limit "
        "([crawl] max_size)"
    ]
