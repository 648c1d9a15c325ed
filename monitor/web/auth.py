"""Who may read: anyone on this machine when bound to loopback; elsewhere only holders of the token
($NEWSWATCH_WEB_TOKEN), sent as `Authorization: Bearer …` or as the cookie the login form sets."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from urllib.parse import parse_qs, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

COOKIE = "newswatch_session"
MIN_TOKEN_LENGTH = 16
COOKIE_MAX_AGE = 30 * 24 * 3600
MAX_FORM_BYTES = 4096
# Reachable without the token: the login form itself and the stylesheet it uses.
OPEN_PATHS = ("/login", "/static/")


class TokenError(ValueError):
    """The server may not start with these settings; the message says what to set."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_settings(host: str, token: str | None) -> None:
    """Refuse a server other machines could reach without a token, and tokens easy to guess."""
    if token is None or token == "":
        if not is_loopback(host):
            raise TokenError(
                f"--host {host} can be reached from other machines: set NEWSWATCH_WEB_TOKEN "
                f"(at least {MIN_TOKEN_LENGTH} characters) so that readers need it"
            )
        return
    if len(token) < MIN_TOKEN_LENGTH:
        raise TokenError(f"NEWSWATCH_WEB_TOKEN is too short: use at least {MIN_TOKEN_LENGTH} characters")


def session_value(token: str) -> str:
    """What the cookie holds: derived from the token, so the token itself is never stored in it."""
    return hmac.new(token.encode(), b"newswatch web session", hashlib.sha256).hexdigest()


def token_matches(given: str, token: str) -> bool:
    """Constant-time comparison, so response times give nothing of the token away."""
    return hmac.compare_digest(given.encode(), token.encode())


def authorised(request: Request, token: str) -> bool:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token_matches(credentials.strip(), token):
        return True
    cookie = request.cookies.get(COOKIE)
    return cookie is not None and token_matches(cookie, session_value(token))


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this server, never another site."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


class TokenGate:
    """ASGI middleware: without the token, pages redirect to the login form, the rest get 401."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(OPEN_PATHS):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if authorised(request, self.token):
            await self.app(scope, receive, send)
            return
        await self._refuse(request)(scope, receive, send)

    @staticmethod
    def _refuse(request: Request) -> Response:
        accept = request.headers.get("accept", "")
        if request.method in ("GET", "HEAD") and "text/html" in accept:
            here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?{urlencode({'next': here})}", status_code=303)
        headers = {"WWW-Authenticate": 'Bearer realm="newswatch"'}
        if "application/json" in accept:
            return JSONResponse({"error": "token required"}, status_code=401, headers=headers)
        return PlainTextResponse("newswatch: token required\n", status_code=401, headers=headers)


async def login_form_values(request: Request) -> dict[str, str]:
    """The posted login form (url-encoded, small): field name → first value."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: values[0] for name, values in parsed.items()}


def signed_in(response: Response, request: Request, token: str) -> Response:
    response.set_cookie(
        COOKIE,
        session_value(token),
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response
