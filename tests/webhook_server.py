"""A webhook service on 127.0.0.1 for tests: answers 500 a given number of times, then accepts.

    with webhook_server(fail_first=2) as hook:
        url = f"json://127.0.0.1:{hook.port}/hook"    # an Apprise URL posting to it
        assert hook.accepted[0]["title"] == ...
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class WebhookState:
    fail_first: int = 0
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        state = self.server.state
        with state.lock:
            status = 500 if len(state.hits) < state.fail_first else 200
            state.hits.append(Hit(self.path, dict(self.headers.items()), body, status))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Silent: `hits` is the record tests read."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: WebhookState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


class WebhookServer:
    def __init__(self, server: _Server) -> None:
        self._server = server

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def hits(self) -> list[Hit]:
        return list(self._server.state.hits)

    @property
    def accepted(self) -> list[dict[str, Any]]:
        """The JSON bodies of the requests answered 200."""
        return [json.loads(hit.body) for hit in self.hits if hit.status == 200]


@contextmanager
def webhook_server(fail_first: int = 0) -> Iterator[WebhookServer]:
    server = _Server(WebhookState(fail_first))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield WebhookServer(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
