"""The pages of the web view. Each answers HTML, or JSON in the shapes of the command line's --json
when asked with `Accept: application/json`. Nothing here writes to the database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from monitor.articles import find_article
from monitor.diff import FieldDiff, diff_document, diff_versions, excerpt, side_by_side
from monitor.highlight import highlighted
from monitor.present import (
    change_json,
    history_json,
    parse_when,
    run_json,
    search_json,
    status_json,
    version_json,
)
from monitor.web import auth, feeds
from monitor.web.sanitize import origin, sanitise
from monitor.web.security import content_security_policy
from storage.records import EVENT_KINDS, AlertEventRow, EventKind, RunSummary
from storage.store import Store

PAGE_SIZE = 50
SEARCH_PAGE_SIZE = 20
RUNS_PER_SITE = 10
REMOVED_NOTE = "No longer on the site; newswatch keeps its last version."


class BadRequest(Exception):
    """A query parameter newswatch cannot use; the message says which and why."""


class NotFound(Exception):
    """Nothing stored under what was asked for."""


@dataclass
class WebContext:
    """What every page needs, made once by create_app."""

    store: Store
    article_id_patterns: tuple[str, ...]
    templates: Environment
    token: str | None = None
    _summaries: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # Versions never change once stored, so a summary computed once stays true.
        self._summaries = lru_cache(maxsize=2048)(self._summary)

    def summary(self, row: AlertEventRow) -> str:
        return str(self._summaries(row.identity, row.kind, tuple(row.fields), row.version,
                                   row.previous_version))

    def _summary(self, identity: str, kind: str, fields: tuple[str, ...], version: int | None,
                 previous: int | None) -> str:
        if kind == "removed":
            return REMOVED_NOTE
        current = self.store.get_version(identity, version) if version else None
        if kind == "new":
            return current.fields.lead if current else ""
        changed = f"Changed: {', '.join(fields) or 'not known'}."
        before = self.store.get_version(identity, previous) if previous else None
        if current is None or before is None:
            return changed
        shown = excerpt(diff_versions(before.fields, current.fields))
        return f"{changed} {shown}" if shown else changed


@dataclass(frozen=True)
class SiteRuns:
    """One site on the /sites page. `health` is its crawl health (`status --json`'s verdict,
    problems, last_run and selectors): None until a run of it was assessed."""

    site: str
    runs: list[RunSummary]
    health: dict[str, Any] | None = None


def web(request: Request) -> WebContext:
    context: WebContext = request.app.state.web
    return context


def wants_json(request: Request) -> bool:
    """True when the client prefers application/json to text/html (browsers list html first)."""
    weights: dict[str, float] = {}
    for part in request.headers.get("accept", "").split(","):
        media, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        weights[media.strip().lower()] = quality
    json_weight = weights.get("application/json", 0.0)
    return json_weight > 0 and json_weight >= weights.get("text/html", 0.0)


# ---- query parameters -------------------------------------------------------------------------


def _text(request: Request, name: str) -> str | None:
    value = request.query_params.get(name, "").strip()
    return value or None


def _number(request: Request, name: str, *, default: int | None = None) -> int | None:
    value = _text(request, name)
    if value is None:
        return default
    if not value.isdigit() or int(value) < 1:
        raise BadRequest(f"{name}: expected a whole number from 1, got {value!r}")
    return int(value)


def _kind(request: Request) -> EventKind | None:
    kind = _text(request, "kind")
    for known in EVENT_KINDS:
        if kind == known:
            return known
    if kind is not None:
        raise BadRequest(f"kind: expected one of {', '.join(EVENT_KINDS)}, got {kind!r}")
    return None


def _since(request: Request) -> datetime | None:
    value = _text(request, "since")
    if value is None:
        return None
    try:
        return parse_when(value)
    except ValueError as exc:
        raise BadRequest(f"since: not an ISO date or datetime: {value!r}") from exc


def _page(request: Request) -> int:
    return _number(request, "page", default=1) or 1


def href(path: str, **params: Any) -> str:
    """A link to one of these pages; empty parameters are left out."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "", False)})
    return f"{path}?{query}" if query else path


# ---- answers ----------------------------------------------------------------------------------


def render(
    request: Request,
    template: str,
    values: dict[str, Any],
    *,
    status: int = 200,
    image_origins: Sequence[str] = (),
) -> Response:
    context = web(request)
    signed_in = context.token is not None and auth.authorised(request, context.token)
    html = context.templates.get_template(template).render(
        request=request, signed_in=signed_in, **values
    )
    headers = {"Vary": "Accept"}
    if image_origins:
        headers["Content-Security-Policy"] = content_security_policy(image_origins)
    return HTMLResponse(html, status_code=status, headers=headers)


def answer_json(data: Any, *, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(data, headers={"Vary": "Accept", **(headers or {})})


def problem(request: Request, status: int, message: str) -> Response:
    if wants_json(request):
        return JSONResponse({"error": message}, status_code=status, headers={"Vary": "Accept"})
    return render(request, "error.html", {"status": status, "message": message}, status=status)


def _pager(request: Request, page: int, more: bool) -> dict[str, str | None]:
    def at(number: int) -> str:
        params = dict(request.query_params)
        params["page"] = str(number)
        return href(request.url.path, **params)

    return {"newer": at(page - 1) if page > 1 else None, "older": at(page + 1) if more else None}


# ---- pages ------------------------------------------------------------------------------------


def changes(request: Request) -> Response:
    """The change timeline, newest first: `/` and `/changes?kind=&site=&since=&page=`."""
    kind, site, since, page = _kind(request), _text(request, "site"), _since(request), _page(request)
    rows = web(request).store.changes_with_versions(
        since=since, kind=kind, site=site, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
    )
    more, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
    pager = _pager(request, page, more)
    if wants_json(request):
        link = {"Link": f'<{pager["older"]}>; rel="next"'} if pager["older"] else {}
        return answer_json([change_json(row) for row in rows], headers=link)
    return render(request, "changes.html", {
        "rows": rows, "kind": kind, "site": site, "since": _text(request, "since"), "page": page,
        "pager": pager, "sites": web(request).store.site_names(),
        "feed": href("/feeds/changes.atom", kind=kind, site=site),
    })


def article(request: Request) -> Response:
    """`/article?url=URL`: the versions; `&version=N` one of them; `&from=N&to=M` two compared."""
    context = web(request)
    url = _text(request, "url")
    if url is None:
        raise BadRequest("url: the article's address is needed, e.g. /article?url=https://…")
    identity = find_article(context.store, context.article_id_patterns, url)
    if identity is None:
        raise NotFound(f"no stored article for {url}")
    versions = context.store.history(identity)
    if _text(request, "from") or _text(request, "to"):
        return _compare(request, identity, [v.version for v in versions])
    number = _number(request, "version")
    detail = context.store.get_version(identity, number) if versions else None
    if number is not None and detail is None:
        raise NotFound(f"{url}: no version {number}")
    if wants_json(request):
        return answer_json(version_json(detail) if number and detail else history_json(versions))
    images = bool(_text(request, "images"))
    body = sanitise(detail.fields.body_html, detail.url, images=images) if detail else None
    image_origins = set(body.image_origins) if body else set()
    if detail is not None and images:
        image_origins |= {o for o in (origin(i.url) for i in detail.fields.images) if o}
    return render(request, "article.html", {
        "url": url, "versions": versions, "detail": detail, "body": body, "images": images,
        "image_hosts": sorted(image_origins),
    }, image_origins=sorted(image_origins) if images else ())


def _compare(request: Request, identity: str, numbers: list[int]) -> Response:
    store, url = web(request).store, _text(request, "url")
    if not numbers:
        raise NotFound(f"{url}: no version stored yet")
    new_number = _number(request, "to", default=numbers[-1]) or numbers[-1]
    old_number = _number(request, "from", default=max(1, new_number - 1)) or 1
    old, new = store.get_version(identity, old_number), store.get_version(identity, new_number)
    if old is None or new is None:
        missing = old_number if old is None else new_number
        raise NotFound(f"{url}: no version {missing}; stored: {', '.join(map(str, numbers))}")
    diffs = diff_versions(old.fields, new.fields)
    if wants_json(request):
        return answer_json(diff_document(old, new, diffs))
    return render(request, "compare.html", {
        "url": url, "old": old, "new": new, "numbers": numbers,
        "edits": _sides([d for d in diffs if d.edit]),
        "context_changes": _sides([d for d in diffs if not d.edit]),
    })


def _sides(diffs: list[FieldDiff]) -> list[dict[str, Any]]:
    return [{"field": d.field, "sides": side_by_side(d)} for d in diffs]


def sites(request: Request) -> Response:
    """`/sites`: each site's recent runs, newest first, and its health verdict once there is one."""
    grouped: dict[str, list[RunSummary]] = {}
    for run in web(request).store.recent_runs(RUNS_PER_SITE):
        grouped.setdefault(run.site, []).append(run)
    verdicts = {h.site: _health_json(status_json(h)) for h in web(request).store.site_health()}
    listed = [SiteRuns(site, runs, verdicts.get(site)) for site, runs in grouped.items()]
    if wants_json(request):
        return answer_json([
            {"site": s.site, "health": s.health, "runs": [run_json(run) for run in s.runs]} for s in listed
        ])
    return render(request, "sites.html", {"sites": listed, "run_json": run_json})


def _health_json(status: dict[str, Any]) -> dict[str, Any]:
    """A site's crawl health on /sites: as `status --json` gives it, less the site's name."""
    return {key: value for key, value in status.items() if key != "site"}


def search(request: Request) -> Response:
    """`/search?q=&site=&since=&page=`: best matches first, matched words in <mark>."""
    query, site, since, page = _text(request, "q"), _text(request, "site"), _since(request), _page(request)
    found, more = [], False
    if query is not None:
        hits = web(request).store.search(
            query, site=site, since=since, limit=SEARCH_PAGE_SIZE + 1,
            offset=(page - 1) * SEARCH_PAGE_SIZE,
        )
        more = len(hits) > SEARCH_PAGE_SIZE
        found = highlighted(hits[:SEARCH_PAGE_SIZE], query)
    if wants_json(request):
        return answer_json([search_json(item) for item in found])
    return render(request, "search.html", {
        "q": query or "", "site": site, "since": _text(request, "since"), "found": found,
        "page": page, "pager": _pager(request, page, more), "sites": web(request).store.site_names(),
    })


def changes_feed(request: Request) -> Response:
    """`/feeds/changes.atom?kind=&site=`: the newest events (baseline left out, as in alerts)."""
    context = web(request)
    kind, site = _kind(request), _text(request, "site")
    rows = context.store.changes_with_versions(kind=kind, site=site, baseline=False,
                                               limit=feeds.FEED_ENTRIES)
    base = str(request.base_url).rstrip("/")
    self_url = base + href("/feeds/changes.atom", kind=kind, site=site)
    tag, modified = feeds.etag(rows, self_url), feeds.last_modified(rows)
    headers = {"ETag": tag, "Last-Modified": feeds.http_date(modified), "Cache-Control": "no-cache"}
    if feeds.not_modified(request.headers, tag, modified):
        return Response(status_code=304, headers=headers)
    entries = [_feed_entry(context, row, base) for row in rows]
    xml = context.templates.get_template("changes.atom.xml").render(
        entries=entries, self_url=self_url, updated=modified, kind=kind, site=site,
        alternate=base + href("/changes", kind=kind, site=site),
    )
    return Response(xml, media_type="application/atom+xml; charset=utf-8", headers=headers)


def _feed_entry(context: WebContext, row: AlertEventRow, base: str) -> feeds.FeedEntry:
    if row.kind == "edited" and row.version and row.previous_version:
        view = href("/article", url=row.url, **{"from": row.previous_version, "to": row.version})
    else:
        view = href("/article", url=row.url)
    return feeds.FeedEntry(
        id=feeds.entry_id(row),
        kind=row.kind,
        title=row.title or row.url,
        updated=row.detected_at,
        article_url=row.url,
        view_url=base + view,
        fields=list(row.fields),
        summary=context.summary(row),
        site=row.site,
    )


# ---- signing in (only when the server has a token) ------------------------------------------


def login_page(request: Request) -> Response:
    return render(request, "login.html", {"next": auth.safe_next(request.query_params.get("next")),
                                          "wrong": False})


async def login(request: Request) -> Response:
    token = web(request).token
    values = await auth.login_form_values(request)
    target = auth.safe_next(values.get("next"))
    if token is None or not auth.token_matches(values.get("token", ""), token):
        return render(request, "login.html", {"next": target, "wrong": True}, status=401)
    return auth.signed_in(RedirectResponse(target, status_code=303), request, token)


def logout(request: Request) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(auth.COOKIE, httponly=True, samesite="strict")
    return response
