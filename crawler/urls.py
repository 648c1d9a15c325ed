"""URL canonicalisation and article identity: one article, one identity, whatever link led to it."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Parameters that say how a reader arrived or which rendering they got, never which article.
_TRACKING_PREFIXES = ("utm_", "fb", "gclid", "dclid", "mc_", "_ga", "zarsrc", "gidzl")
_TRACKING_NAMES = frozenset(
    {"mobile", "amp", "ref", "source", "from", "zarsrc", "fbclid", "gclid", "igshid", "cmpid", "rss"}
)
_AMP_PATH = re.compile(r"(/amp)(?=/|$)|(\.amp)(?=\.html?$)")
_MOBILE_HOST = re.compile(r"^(m|mobile|amp)\.")


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_NAMES or lowered.startswith(_TRACKING_PREFIXES)


def joined_url(base: str, href: str) -> str | None:
    """`href` made absolute against `base`; None when it cannot be parsed (`http://[::1/`)."""
    try:
        return urljoin(base, href)
    except ValueError:
        return None


@lru_cache(maxsize=8192)  # pure; every article page repeats the same related and menu links
def canonical_url(url: str, base: str | None = None) -> str:
    """The one spelling of a page's URL: absolute, no fragment, no tracking, no mobile/AMP variant.

    ValueError for a URL that cannot be parsed: a bad port (`:99999`, `:abc`), a broken IPv6 host.
    """
    if base:
        url = urljoin(base, url.strip())
    parts = urlsplit(url.strip().replace("&amp;", "&"))
    host = _MOBILE_HOST.sub("", (parts.hostname or "").lower())
    if host.startswith("www."):
        host = host[4:]
    netloc = host if parts.port in (None, 80, 443) else f"{host}:{parts.port}"
    path = _AMP_PATH.sub("", parts.path) or "/"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not _is_tracking(k)])
    return canonicalize_url(urlunsplit((parts.scheme.lower(), netloc, path, query, "")))


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def article_identity(url: str, id_pattern: str = "") -> str:
    """Stable identity of the article at `url`: `host/id` where the site has numeric ids, else the URL.

    With ids, an edited headline that reshapes the slug still names the same article.
    """
    canonical = canonical_url(url)
    if id_pattern:
        parts = urlsplit(canonical)
        match = _compiled(id_pattern).search(parts.path)
        if match:
            return f"{parts.netloc}/{match.group(1)}"
    return canonical


def in_domains(url: str, allowed_domains: tuple[str, ...] | list[str]) -> bool:
    """True when the URL's host is one of the allowed domains or a subdomain of one."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in allowed_domains)
