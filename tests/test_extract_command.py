"""`newswatch extract` end to end: the real command on real saved pages and on a replica over loopback."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from replica import ReplicaServer, build_site, expected
from tests.harness import FAST_CRAWL, NEWSWATCH, Newswatch, newswatch_for
from tests.test_real_pages import ARTICLES, LISTING_FILE, LISTING_URL, REAL_PAGES

pytestmark = pytest.mark.e2e

real_pages = pytest.mark.skipif(not REAL_PAGES.is_dir(), reason=f"{REAL_PAGES} is absent (shared real pages)")
FIELD_KEYS = {"url", "version", "title", "lead", "body", "author", "category", "published_at", "modified_at",
              "images", "related", "first_seen", "last_seen"}


@pytest.fixture
def nw(tmp_path: Path) -> Newswatch:
    """The built-in sites (congthuong, moit) with a database of its own."""
    config = tmp_path / "newswatch.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "nw.db"}"\n{FAST_CRAWL}', encoding="utf-8")
    return Newswatch(config, {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")})


@real_pages
@pytest.mark.parametrize("truth", ARTICLES, ids=lambda t: t.file.split("-")[0])
def test_real_page_json_gives_every_field_and_its_source(nw: Newswatch, truth) -> None:
    data = nw.json("extract", str(REAL_PAGES / truth.file), "--url", truth.url)

    fields = data["fields"]
    assert set(fields) == FIELD_KEYS
    assert (fields["title"], fields["lead"], fields["author"]) == (truth.title, truth.lead, truth.author)
    assert fields["published_at"].startswith(truth.published.isoformat()[:16])
    assert fields["published_at"].endswith("+07:00")
    assert len(fields["related"]) == truth.related
    assert fields["url"] == truth.url
    for name in ("title", "lead", "body", "published_at"):
        assert data["sources"][name].startswith(("generic: ", "json-ld", "meta "))
    assert isinstance(data["warnings"], list)


@real_pages
def test_text_output_names_each_field_with_its_source(nw: Newswatch) -> None:
    truth = ARTICLES[1]
    out = nw.ok("extract", str(REAL_PAGES / truth.file), "--url", truth.url).stdout

    assert "profile       none (generic rules)" in out
    assert f"title         {truth.title}   [generic: title element]" in out
    assert "author        Nguyên Minh   [generic: author element]" in out
    assert "published_at  2026-03-07T08:47:00+07:00   [generic: date element]" in out
    assert "related       3   [generic: link box + related heading]" in out
    body = out[out.index("\nbody "):out.index("\nwarnings ")]
    assert "Diễn biến cổ phiếu AAT" not in body  # a caption, listed with the images
    assert out.rstrip().endswith("warnings      none")


@real_pages
def test_listing_prints_links_in_order_and_no_next_page(nw: Newswatch) -> None:
    data = nw.json("extract", str(REAL_PAGES / LISTING_FILE), "--url", LISTING_URL, "--listing")

    assert len(data["items"]) == 24
    assert set(data["items"][0]) == {"url", "title"}
    assert data["items"][-1]["title"] == "Quy định giám sát thi công Đề án thăm dò khoáng sản"
    assert data["next_page"] is None


@real_pages
def test_forcing_a_profile_reports_the_selectors_that_miss(nw: Newswatch) -> None:
    truth = ARTICLES[3]
    data = nw.json("extract", str(REAL_PAGES / truth.file), "--url", truth.url, "--site", "congthuong")

    assert data["fields"]["title"] == truth.title
    assert data["sources"]["title"] == "selector h1.article-title"  # the page's h1 has that class too
    assert any(w.startswith("profile selector 'body'") and "matched nothing" in w for w in data["warnings"])


@pytest.fixture
def replica(tmp_path: Path, database_url: str):
    with ReplicaServer(build_site(6, seed=4, page_size=4)) as server:
        yield server, newswatch_for(tmp_path, database_url, server)


def test_replica_page_reads_as_the_crawl_stores_it(replica) -> None:
    server, nw = replica
    nw.ok("crawl")
    article = server.site.listing()[0]
    before = len(server.site.request_log)

    data = nw.json("extract", server.url(article))

    stored = nw.json("show", server.url(article))
    for key in ("title", "lead", "body", "author", "category", "published_at", "images", "related"):
        assert data["fields"][key] == stored[key], key
    assert data["fields"]["related"] and [r["title"] for r in data["fields"]["related"]] == \
        expected(article)["related"]
    # the configured profile, chosen by the page's host, matched: no fallback, no warning
    assert data["sources"]["title"] == "selector h1.article-detail-title"
    assert data["warnings"] == []
    requests = server.site.request_log[before:]
    assert [r.path for r in requests] == [article.url_path]
    assert requests[0].headers["User-Agent"] == "newswatch/0.1 (+https://example.org/contact)"


def test_replica_listing_over_http(replica) -> None:
    server, nw = replica
    data = nw.json("extract", server.url("/khuyen-cong"), "--listing")

    assert [i["title"] for i in data["items"]] == [a.title for a in server.site.listing()[:4]]
    assert data["next_page"] == server.url("/khuyen-cong?BRSR=4&s_cond=")
    assert data["sources"] == {"items": "selector div.bx-cat-content h3.article-title a",
                               "next_page": "selector a.next-page"}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(
    ("source", "status", "message"),
    [
        ("missing.html", 1, "newswatch: cannot read missing.html: No such file or directory"),
        ("http://127.0.0.1:{closed}/a-1.html", 1, "connection refused"),
        ("empty.html", 1, "newswatch: extraction failed: "),
    ],
)
def test_errors_are_one_line_and_a_non_zero_status(nw: Newswatch, tmp_path: Path, source: str, status: int,
                                                   message: str) -> None:
    empty = "<html><body><p>Trang không tồn tại</p></body></html>"
    (tmp_path / "empty.html").write_text(empty, encoding="utf-8")
    source = source.format(closed=_closed_port())
    result = subprocess.run([*NEWSWATCH, "--config", str(nw.config_path), "extract", source], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, env=nw.env, check=False)

    assert result.returncode == status
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_site_is_a_usage_error(nw: Newswatch, tmp_path: Path) -> None:
    page = tmp_path / "a.html"
    page.write_text("<html><body><h1>x</h1></body></html>", encoding="utf-8")

    result = nw.run("extract", str(page), "--site", "nowhere")

    assert result.returncode == 2
    assert result.stderr.strip() == "newswatch: unknown site 'nowhere'; configured: congthuong, moit"
