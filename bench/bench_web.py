"""Benchmark the web view's answer times on 100,000 versions (SQLite, and PostgreSQL when configured).

    python bench/bench_web.py [--pages 20000] [--versions 5] [--repeat 30]

Fills a fresh database as bench_queries.py does (20,000 pages x 5 versions, one event per version;
the search index is built by its triggers as the versions go in), serves it with the real server
of `newswatch serve` (uvicorn, in this process, on a loopback port) and prints the median and 95th
percentile of whole HTTP requests, against the stylesheet as the baseline: the same server,
routing and middleware, no database.
"""

from __future__ import annotations

import http.client
import random
import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import uvicorn  # noqa: E402
from bench_queries import _identity, fill, on_each_database  # noqa: E402

from monitor.web.app import create_app  # noqa: E402

TARGET_MS = 200.0


class Client:
    """A new connection per request, as curl makes. (Python's http.client on a kept-alive connection
    to uvicorn waits about 40 ms per request for a delayed ACK, which would swamp the figures.)"""

    def __init__(self, port: int) -> None:
        self.port = port
        self.last_etag = ""

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        self.last_etag = response.getheader("ETag") or ""
        return response.status, body


def timings(request: Callable[[], tuple[int, bytes]], repeat: int, expect: int = 200) -> list[float]:
    status, _ = request()  # warm: compiled statements, templates, page cache
    assert status == expect, f"status {status}"
    measured = []
    for _ in range(repeat):
        started = time.perf_counter()
        status, _ = request()
        measured.append((time.perf_counter() - started) * 1000)
        assert status == expect, f"status {status}"
    return measured


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(len(values) * 0.95) - 1)]


def serve(url: str) -> tuple[uvicorn.Server, threading.Thread, int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    server = uvicorn.Server(uvicorn.Config(create_app(url), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    return server, thread, sock.getsockname()[1]


def bench(url: str, label: str, pages: int, versions: int, repeat: int) -> None:
    started = time.perf_counter()
    fill(url, pages, versions)
    print(f"\n{label}: filled {pages * versions:,} versions (search index by trigger) in "
          f"{time.perf_counter() - started:.1f} s")
    server, thread, port = serve(url)
    client = Client(port)
    pick = random.Random(7)
    json = {"Accept": "application/json"}

    def article(headers: dict[str, str] | None = None, **params: object) -> Callable[[], tuple[int, bytes]]:
        def request() -> tuple[int, bytes]:
            page = pick.randrange(pages)
            return client.get("/article?" + urlencode({"url": _identity(page), **params}), headers)
        return request

    def path(target: str, headers: dict[str, str] | None = None) -> Callable[[], tuple[int, bytes]]:
        return lambda: client.get(target, headers)

    first_feed = time.perf_counter()
    _, feed = client.get("/feeds/changes.atom")  # no diff excerpt cached yet
    first_feed_ms = (time.perf_counter() - first_feed) * 1000
    tag = client.last_etag

    cases: dict[str, tuple[Callable[[], tuple[int, bytes]], int]] = {
        "baseline: GET /static/style.css": (path("/static/style.css"), 200),
        "timeline /": (path("/"), 200),
        "timeline / as JSON": (path("/", json), 200),
        "timeline ?kind=edited&site=moit": (path("/changes?kind=edited&site=moit"), 200),
        "timeline ?page=200 (offset 9,950)": (path("/changes?page=200"), 200),
        "article ?url= (latest version, 5 listed)": (article(), 200),
        "article ?url=&from=4&to=5 (diff)": (article(**{"from": 4, "to": 5}), 200),
        "article ?url=&from=1&to=5 as JSON": (article(json, **{"from": 1, "to": 5}), 200),
        "search ?q=noi+dung (all 20,000 match)": (path("/search?q=noi+dung"), 200),
        "search ?q=tin+so+12345 (one matches)": (path("/search?q=tin+so+12345"), 200),
        "search ?q=ban+5&site=moit as JSON": (path("/search?q=ban+5&site=moit", json), 200),
        "feed /feeds/changes.atom (summaries cached)": (path("/feeds/changes.atom"), 200),
        "feed with If-None-Match (304)": (path("/feeds/changes.atom", {"If-None-Match": tag}), 304),
    }
    print(f"  feed, first request of a filter (50 diff excerpts computed): {first_feed_ms:.0f} ms "
          f"({len(feed):,} bytes)")
    print(f"  {'request (whole HTTP round trip)':<46} {'median':>8} {'p95':>8} {'× baseline':>11}")
    baseline = 0.0
    slowest = 0.0
    for name, (request, expect) in cases.items():
        measured = timings(request, repeat, expect)
        median = statistics.median(measured)
        baseline = baseline or median
        if not name.startswith(("baseline", "feed")):
            slowest = max(slowest, _p95(measured))
        print(f"  {name:<46} {median:8.1f} {_p95(measured):8.1f} {median / baseline:10.1f}×")
    verdict = "met" if slowest < TARGET_MS else "NOT met"
    print(f"  slowest timeline/article/search p95: {slowest:.1f} ms (target < {TARGET_MS:.0f} ms: {verdict})")
    server.should_exit = True
    thread.join(timeout=30)
    server.config.app.state.web.store.close()


if __name__ == "__main__":
    on_each_database(__doc__.splitlines()[0], bench)
