"""newswatch site profiles (TOML) that point a crawl at a running replica."""

from __future__ import annotations

import json
from typing import Any

from replica.layout import LAYOUTS

PORTAL_SELECTORS = {
    "article_links": "ul.list-news a.news-title",
    "next_page": "a.page-next",
    "title": "div.block-core-a5 h1.article-title, h1.article-title",
    "published": "span.post-date",
    "lead": "div.article-brief",
    "body": "div.article-content",
    # the portal shows no author: the name is only in <meta name="DC.Creator" content=...>,
    # which extraction reads as page metadata ("" = no visible element for this site)
    "author": "",
    "related": "div.frame-tinlquan article.article-news div.article-title a",
    "category": ".breadcrumbs a:last-child",
    "drop": ".article-tags, .frame-tinlquan h3, script, style, noscript, iframe",
}


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


def _site_toml(name: str, settings: dict[str, Any], selectors: dict[str, str],
               listing: dict[str, Any] | None = None) -> str:
    lines = [f"[sites.{name}]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in settings.items()]
    lines += ["", f"[sites.{name}.selectors]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in selectors.items()]
    if listing:
        lines += ["", f"[sites.{name}.listing]"]
        lines += [f"{key} = {_toml_value(value)}" for key, value in listing.items()]
    return "\n".join(lines) + "\n"


def _builtin(name: str) -> dict[str, Any]:
    """A built-in site profile as TOML tables (parsed afresh: callers may change it)."""
    from monitor.config import builtin_sites

    site: dict[str, Any] = builtin_sites()[name]
    return site


def portal_profile_toml(base_url: str, name: str = "portal", *, listing: dict[str, Any] | None = None,
                        **settings: Any) -> str:
    """Profile for a portal-theme replica; keyword arguments add or override site settings."""
    base = {
        "start_urls": [base_url + LAYOUTS["portal"].section_path],
        "allowed_domains": ["127.0.0.1"],
        "max_pages": 3,
        "related_depth": 1,
        "article_id_pattern": "",
    }
    return _site_toml(name, base | settings, PORTAL_SELECTORS, listing)


def moit_listing(base_url: str, **overrides: Any) -> dict[str, Any]:
    """The built-in moit profile's JSON listing (monitor/defaults.toml), aimed at a replica."""
    listing = dict(_builtin("moit")["listing"])
    for key in ("url", "base_url"):
        listing[key] = listing[key].replace("https://moit.gov.vn", base_url)
    return listing | overrides


def congthuong_profile_toml(base_url: str, name: str = "congthuong", *,
                            listing: dict[str, Any] | None = None, **settings: Any) -> str:
    """The built-in congthuong profile aimed at a replica."""
    builtin = _builtin("congthuong")
    selectors = builtin.pop("selectors")
    builtin["start_urls"] = [base_url + LAYOUTS["congthuong"].section_path]
    builtin["allowed_domains"] = ["127.0.0.1"]
    return _site_toml(name, builtin | settings, selectors, listing)
