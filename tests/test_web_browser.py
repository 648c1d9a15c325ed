"""The web view in a real browser: Debian's Chromium driven by Playwright, against `newswatch serve`'s
server on a loopback port. Skipped, with the reason, where Chromium is not installed.

Chromium may resolve no name but 127.0.0.1, so nothing a page links to can leave this machine.
"""

from __future__ import annotations

import os
import re
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import feedparser
import pytest

from monitor import config as config_mod
from monitor.web.server import web_server
from tests.web_data import HOSTILE_TITLE, Newsroom, build_newsroom

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # belt and braces: no name resolves to anything but loopback, no DNS prefetching
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--dns-prefetch-disable",
]
PHONE = {"width": 390, "height": 844}

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


class _ImageHost(ThreadingHTTPServer):
    """Stands for the other sites article images live on; counts what the browser asked of it."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ImageHandler)
        self.requests: list[str] = []


class _ImageHandler(BaseHTTPRequestHandler):
    server: _ImageHost
    # a 1×1 transparent GIF
    GIF = bytes.fromhex(
        "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
    )

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.server.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.send_header("Content-Length", str(len(self.GIF)))
        self.end_headers()
        self.wfile.write(self.GIF)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Silent: `requests` is the record."""


@pytest.fixture(scope="module")
def images() -> Iterator[_ImageHost]:
    host = _ImageHost()
    thread = threading.Thread(target=host.serve_forever, daemon=True)
    thread.start()
    yield host
    host.shutdown()
    host.server_close()


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory, images: _ImageHost) -> Newsroom:
    database = tmp_path_factory.mktemp("web") / "newswatch.db"
    image_base = f"http://127.0.0.1:{images.server_address[1]}"
    return build_newsroom(f"sqlite:///{database}", image_base=image_base)


@pytest.fixture(scope="module")
def base_url(room: Newsroom, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real server of `newswatch serve`, on a socket bound before it starts: clients may
    connect at once, their connections wait in the backlog until uvicorn accepts them."""
    config_file = tmp_path_factory.mktemp("config") / "newswatch.toml"
    config_file.write_text(f'[database]\nurl = "{room.database_url}"\n', encoding="utf-8")
    config = config_mod.load(str(config_file), env={})
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    server = web_server(config, "127.0.0.1", sock.getsockname()[1])
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=30)
    sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium): browser tests skipped")
    with sync_api.sync_playwright() as playwright:
        # Playwright must not fetch a browser of its own: Debian's is the one under test.
        os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    context = browser.new_context(base_url=base_url, viewport=PHONE, java_script_enabled=True)
    page = context.new_page()
    yield page
    context.close()


def test_a_reader_follows_an_edit_from_timeline_to_diff_to_search_to_feed(page: Any, room: Newsroom) -> None:
    expect = sync_api.expect
    page.goto("/")
    expect(page.locator("h1")).to_have_text("Changes")
    expect(page.locator(".change")).to_have_count(7)

    page.get_by_role("link", name="Edited", exact=True).click()
    expect(page).to_have_url(re.compile(r"/changes\?kind=edited$"))
    expect(page.locator(".change .kind")).to_have_text(["edited"])

    page.get_by_role("link", name="Bộ Công Thương họp báo về giá xăng").click()
    expect(page.locator("h1")).to_have_text("Bộ Công Thương họp báo về giá xăng")
    expect(page.locator(".versions li")).to_have_count(2)

    page.locator("form.compare select[name=from]").select_option("1")
    page.locator("form.compare select[name=to]").select_option("2")
    page.locator("form.compare").get_by_role("button", name="Compare").click()
    expect(page.locator("#field-title .before del")).to_have_text("điện")
    expect(page.locator("#field-title .after ins")).to_have_text("xăng")
    expect(page.locator("#field-body .before del")).to_have_text("tăng 3%")
    expect(page.locator("#field-body .after ins")).to_have_text("giảm 2%")
    expect(page.locator(".changed-fields .field-name")).to_have_text(["title", "body"])
    related = page.locator(".not-an-edit #field-related ins")
    expect(related).to_have_text("Tin mới hơn (https://moit.example/tin-tuc/bai-8.html)")
    # side by side, yet readable on a phone: nothing wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.locator("header input[name=q]").fill("bo cong thuong gia xang")
    page.locator("header input[name=q]").press("Enter")
    first = page.locator(".result").first
    expect(first.locator(".title")).to_have_text("Bộ Công Thương họp báo về giá xăng")
    expect(first.locator(".title mark")).to_have_text(["Bộ", "Công", "Thương", "giá", "xăng"])

    page.goto("/changes?kind=edited")
    feed_href = page.locator("a.feed").get_attribute("href")
    assert feed_href == "/feeds/changes.atom?kind=edited"
    assert page.locator("link[rel=alternate][type='application/atom+xml']").get_attribute("href") == feed_href
    answer = page.request.get(feed_href)
    assert answer.ok and answer.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(answer.body())
    assert not feed.bozo
    [entry] = feed.entries
    assert entry.link == room.edited_url
    [diff_link] = [link.href for link in entry.links if link.rel == "related"]
    page.goto(diff_link)
    expect(page.locator("#field-title .after ins")).to_have_text("xăng")


def test_a_hostile_title_renders_as_text_and_runs_nothing(
    page: Any, room: Newsroom, images: _ImageHost
) -> None:
    expect = sync_api.expect
    before = len(images.requests)

    for path in ("/", f"/article?url={room.hostile_url}", "/search?q=tin+gia"):
        page.goto(path)
        expect(page.get_by_text(HOSTILE_TITLE).first).to_be_visible()
        assert page.evaluate("window.pwned") is None, path
        assert page.locator("main script, main [onerror], main [onclick]").count() == 0
    assert len(images.requests) == before  # the article's images are not loaded unasked

    page.goto(f"/article?url={room.hostile_url}&images=1")
    expect(page.locator(".body img")).to_have_count(1)
    page.wait_for_load_state("load")
    assert "/x.png" in images.requests[before:]
    assert page.evaluate("window.pwned") is None
