"""`newswatch serve`: check the safety settings, bring the schema up to date, run uvicorn."""

from __future__ import annotations

import socket
from collections.abc import Callable

import uvicorn
from starlette.applications import Starlette

from monitor.config import Config
from monitor.web.app import create_app
from monitor.web.auth import check_settings
from storage.migrate import upgrade

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def app_for(config: Config, *, token: str | None = None) -> Starlette:
    """The web application over the configured database, with the configured sites' id patterns."""
    patterns = [site.article_id_pattern for site in config.sites.values()]
    return create_app(config.database_url, article_id_patterns=patterns, token=token)


def web_server(
    config: Config, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *, token: str | None = None
) -> uvicorn.Server:
    """A uvicorn server for the web view, not yet started. Raises TokenError when `host` is
    reachable from other machines without a token, StorageError when the database is unusable."""
    check_settings(host, token)
    upgrade(config.database_url)  # migrations may write; the pages never do
    app = app_for(config, token=token)
    return uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                         proxy_headers=False, server_header=False))


def serve(
    config: Config,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    token: str | None = None,
    announce: Callable[[str], None] = print,
) -> None:
    """Serve the web view on `host`:`port` until interrupted (Ctrl-C, SIGTERM).

    The socket is bound before `announce` says where: whoever reads the line can connect at once.
    """
    server = web_server(config, host, port, token=token)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listening = socket.socket(family, socket.SOCK_STREAM)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind((host, port))
    except OSError as exc:
        listening.close()
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    listening.listen(128)
    announce(f"http://{host}:{listening.getsockname()[1]}/")
    server.run(sockets=[listening])


class ServeError(Exception):
    """The web view cannot start (the address is taken, or not this machine's)."""
