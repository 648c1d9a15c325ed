"""The replica on a loopback port: a threaded HTTP server around a ReplicaSite."""

from __future__ import annotations

import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from replica.routes import Reply, respond
from replica.site import ReplicaArticle, ReplicaSite


class ReplicaError(RuntimeError):
    """The replica itself failed while answering; a bug in the test fixture, not in newswatch."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a crawl opens many short connections at once

    def __init__(self, site: ReplicaSite, port: int) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.site = site
        self.errors: list[BaseException] = []
        self.connections = 0  # every TCP connection accepted, whether or not it sent a request

    def get_request(self) -> tuple[socket.socket, Any]:
        accepted = super().get_request()
        self.connections += 1
        return accepted

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request: object, client_address: object) -> None:
        error = sys.exc_info()[1]
        # A client that hangs up early (timeouts, cancelled crawls) is normal; anything else is a bug.
        if error is not None and not isinstance(error, ConnectionError):
            self.errors.append(error)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "nginx"
    sys_version = ""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._serve("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve("HEAD")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def _serve(self, method: str) -> None:
        site = self.server.site
        held = site.holds.get(self.path.split("?")[0])
        if held is not None:
            held.reached.set()
            held.release.wait(timeout=60)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) if method == "POST" else b""
        with site.lock:
            site.in_flight += 1
            site.max_in_flight = max(site.max_in_flight, site.in_flight)
        try:
            if site.latency:
                time.sleep(site.latency)  # a slow server, not synchronisation
            reply = respond(site, method, self.path, self.headers, self.server.base_url, body)
        except Exception as error:  # recorded, raised again when the server stops
            self.server.errors.append(error)
            reply = Reply(500, [("Content-Type", "text/plain; charset=utf-8")], b"replica error")
        finally:
            with site.lock:
                site.in_flight -= 1
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        if reply.status != 304 and reply.content_length:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if method != "HEAD" and reply.body:
            self.wfile.write(reply.body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Silent: the site's request_log is the record tests read."""


class ReplicaServer:
    """`with ReplicaServer(site) as server:` serves `site` at `server.base_url` until the block ends."""

    def __init__(self, site: ReplicaSite, port: int = 0) -> None:
        self.site = site
        self.port = port  # 0: any free port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("ReplicaServer is not running")
        return self._server.base_url

    @property
    def errors(self) -> list[BaseException]:
        return self._server.errors if self._server else []

    @property
    def connections(self) -> int:
        """TCP connections accepted so far (a TLS hello or a bare connect counts too)."""
        return self._server.connections if self._server else 0

    def url(self, target: str | ReplicaArticle = "") -> str:
        """Absolute URL of a path, or of an article's current URL."""
        path = target.url_path if isinstance(target, ReplicaArticle) else target
        return self.base_url + path

    def start(self) -> ReplicaServer:
        self._server = _Server(self.site, self.port)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name="replica-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
        if exc_type is None and self.errors:
            raise ReplicaError(f"replica failed while serving: {self.errors[0]!r}") from self.errors[0]
