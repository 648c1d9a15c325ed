"""The web view as one Starlette application: routes, templates, static files, the safety layers."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Sequence
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from monitor.present import LOCAL, local_iso
from monitor.web import pages
from monitor.web.auth import TokenGate
from monitor.web.security import SecurityHeaders
from storage.db import StorageError
from storage.store import Store

LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]", "::1"]
# Characters XML 1.0 forbids (stray control bytes in scraped text would make the feed invalid).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _finalize(value: Any) -> Any:
    return _NOT_XML.sub("", value) if type(value) is str else value


def _shown_time(value: Any) -> str:
    """A stored time as people here read it: Vietnamese time, to the minute."""
    if value is None:
        return ""
    return str(value.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M"))


def templates() -> Environment:
    environment = Environment(
        loader=PackageLoader("monitor.web", "templates"),
        autoescape=select_autoescape(["html", "xml"]),
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["shown"] = _shown_time
    environment.filters["iso"] = local_iso
    environment.globals["href"] = pages.href
    return environment


def create_app(
    database_url: str,
    *,
    article_id_patterns: Sequence[str] = (),
    token: str | None = None,
    allowed_hosts: Sequence[str] | None = None,
) -> Starlette:
    """The read-only web view of the database at `database_url`.

    `article_id_patterns` are the sites' article id patterns, so any form of an article's URL finds
    it (as `newswatch history` does). With `token`, every page but the login form needs it.
    `allowed_hosts` limits the Host header (default: loopback names when there is no token, which
    keeps other web sites from reading a local server through DNS rebinding).
    """
    store = Store(database_url, read_only=True)  # a view never writes, nor migrates
    context = pages.WebContext(store, tuple(p for p in article_id_patterns if p), templates(), token)
    hosts = list(allowed_hosts) if allowed_hosts is not None else (["*"] if token else LOOPBACK_NAMES)
    middleware = [Middleware(SecurityHeaders), Middleware(TrustedHostMiddleware, allowed_hosts=hosts)]
    routes = [
        Route("/", pages.changes),
        Route("/changes", pages.changes),
        Route("/article", pages.article),
        Route("/sites", pages.sites),
        Route("/search", pages.search),
        Route("/feeds/changes.atom", pages.changes_feed),
        Mount("/static", StaticFiles(packages=[("monitor.web", "static")]), name="static"),
    ]
    if token:
        middleware.append(Middleware(TokenGate, token=token))
        routes += [
            Route("/login", pages.login_page, methods=["GET"]),
            Route("/login", pages.login, methods=["POST"]),
            Route("/logout", pages.logout, methods=["POST"]),
        ]
    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        store.close()

    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={
            pages.BadRequest: _problem(400),
            pages.NotFound: _problem(404),
            StorageError: _problem(503),
        },
    )
    app.state.web = context
    return app


def _problem(status: int) -> Any:
    def handler(request: Request, exc: Exception) -> Response:
        return pages.problem(request, status, str(exc))

    return handler
