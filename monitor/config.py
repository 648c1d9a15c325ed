"""Read, merge and validate newswatch's configuration once, into typed objects."""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cssselect import GenericTranslator, SelectorError

from crawler.profile import CrawlSettings, Selectors, SiteProfile

ENV_PREFIX = "NEWSWATCH_"
# Secrets never live in a file that may be committed or shared.
SECRET_ENV = {"password": "NEWSWATCH_SMTP_PASSWORD"}


class ConfigError(Exception):
    """A configuration problem, phrased as one line naming the key."""


@dataclass(frozen=True)
class ScheduleSettings:
    cron: str = "*/30 * * * *"
    timezone: str = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True)
class EmailSettings:
    smtp_host: str = "localhost"
    smtp_port: int = 25
    starttls: bool = False
    ssl: bool = False
    username: str = ""
    password: str = field(default="", repr=False)
    sender: str = "newswatch@localhost"
    recipients: tuple[str, ...] = ()
    alert_on: tuple[str, ...] = ("new", "edited")
    timeout: float = 30.0


@dataclass(frozen=True)
class Config:
    database_url: str
    crawl: CrawlSettings
    schedule: ScheduleSettings
    email: EmailSettings
    sites: dict[str, SiteProfile]
    source: str = "built-in defaults"


@lru_cache(maxsize=1)
def _defaults_text() -> str:
    return resources.files("monitor").joinpath("defaults.toml").read_text(encoding="utf-8")


def _defaults() -> dict[str, Any]:
    return tomllib.loads(_defaults_text())


def locate(path: str | None, env: Mapping[str, str]) -> Path | None:
    """--config, else $NEWSWATCH_CONFIG, else ./newswatch.toml, else None (built-in defaults)."""
    if path:
        return Path(path)
    if env.get("NEWSWATCH_CONFIG"):
        return Path(env["NEWSWATCH_CONFIG"])
    local = Path("newswatch.toml")
    return local if local.exists() else None


def _read_file(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc.strerror or exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc


def _merge(base: dict[str, Any], user: dict[str, Any]) -> dict[str, Any]:
    merged = {k: dict(v) if isinstance(v, dict) else v for k, v in base.items()}
    for table, values in user.items():
        if table == "sites" and isinstance(values, dict):
            merged[table] = {name: _merge_site(base["sites"].get(name), site)
                             for name, site in values.items()}
        elif not isinstance(values, dict) or table not in merged:
            merged[table] = values
        else:
            merged[table].update(values)
    return merged


def _merge_site(builtin: Any, user: Any) -> Any:
    """A user's [sites] replaces the built-in list; a site of the same name refines the built-in one."""
    if not isinstance(builtin, dict) or not isinstance(user, dict):
        return user
    selectors = {**builtin.get("selectors", {}), **user.get("selectors", {})}
    return {**builtin, **user, "selectors": selectors}


def _coerce(key: str, raw: str, template: Any) -> Any:
    """Turn an environment string into the type the key has in the defaults."""
    try:
        if isinstance(template, bool):
            if raw.strip().lower() in ("1", "true", "yes", "on"):
                return True
            if raw.strip().lower() in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(raw)
        if isinstance(template, int):
            return int(raw)
        if isinstance(template, float):
            return float(raw)
        if isinstance(template, list):
            raw = raw.strip()
            if raw.startswith("["):
                return json.loads(raw)
            return [part.strip() for part in raw.split(",") if part.strip()]
    except ValueError as exc:
        raise ConfigError(f"{key}: cannot use {raw!r} from the environment ({exc})") from exc
    return raw


def _apply_env(tree: dict[str, Any], env: Mapping[str, str]) -> None:
    """NEWSWATCH_<TABLE>_<KEY> (and NEWSWATCH_SITES_<NAME>_<KEY>) override file values."""
    for table, values in tree.items():
        if table == "sites":
            for name, site in values.items():
                if isinstance(site, dict):
                    _apply_env_table(f"sites.{name}", site, env, _defaults_site())
            continue
        if isinstance(values, dict):
            _apply_env_table(table, values, env, _defaults().get(table, {}))


def _defaults_site() -> dict[str, Any]:
    return next(iter(_defaults()["sites"].values()))


def _apply_env_table(
    prefix: str, values: dict[str, Any], env: Mapping[str, str], template: dict[str, Any]
) -> None:
    for key, default in template.items():
        if isinstance(default, dict):
            continue
        name = ENV_PREFIX + f"{prefix}.{key}".replace(".", "_").replace("-", "_").upper()
        if name in env:
            values[key] = _coerce(f"{prefix}.{key}", env[name], values.get(key, default))


def _check_keys(prefix: str, values: Any, allowed: dict[str, Any]) -> None:
    if not isinstance(values, dict):
        raise ConfigError(f"{prefix}: must be a table")
    for key in values:
        if key in SECRET_ENV:
            raise ConfigError(
                f"{prefix}.{key}: secrets are read only from the environment (${SECRET_ENV[key]})"
            )
        if key not in allowed:
            raise ConfigError(f"{prefix}.{key}: unknown key")


def _typed(prefix: str, key: str, value: Any, template: Any) -> Any:
    if isinstance(template, bool):
        ok = isinstance(value, bool)
    elif isinstance(template, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif isinstance(template, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(template, list):
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    else:
        ok = isinstance(value, str)
    if not ok:
        raise ConfigError(f"{prefix}.{key}: expected {type(template).__name__}, got {value!r}")
    if isinstance(template, int | float) and not isinstance(template, bool) and value < 0:
        raise ConfigError(f"{prefix}.{key}: must not be negative, got {value!r}")
    return float(value) if isinstance(template, float) else value


def _table(prefix: str, values: Any, template: dict[str, Any]) -> dict[str, Any]:
    _check_keys(prefix, values, template)
    out = {k: v for k, v in template.items() if not isinstance(v, dict)}
    for key, value in values.items():
        if not isinstance(template[key], dict):
            out[key] = _typed(prefix, key, value, template[key])
    return out


def _check_url(key: str, url: str) -> None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError as exc:
        raise ConfigError(f"{key}: not a valid URL: {url!r} ({exc})") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{key}: not an http(s) URL: {url!r}")


def _check_selector(key: str, selector: str) -> None:
    if not selector:
        return
    try:
        GenericTranslator().css_to_xpath(selector)
    except SelectorError as exc:
        raise ConfigError(f"{key}: bad CSS selector {selector!r} ({exc})") from exc


def _site(name: str, raw: Any) -> SiteProfile:
    template = _defaults_site()
    prefix = f"sites.{name}"
    values = _table(prefix, raw, template)
    if not values["start_urls"]:
        raise ConfigError(f"{prefix}.start_urls: at least one URL is needed")
    for url in values["start_urls"]:
        _check_url(f"{prefix}.start_urls", url)
    if not values["allowed_domains"]:
        values["allowed_domains"] = sorted({urlsplit(u).hostname or "" for u in values["start_urls"]})
    if values["article_id_pattern"]:
        _check_regex(f"{prefix}.article_id_pattern", values["article_id_pattern"])
    selector_raw = raw.get("selectors", {})
    _check_keys(f"{prefix}.selectors", selector_raw, {f: "" for f in Selectors.__dataclass_fields__})
    for key, value in selector_raw.items():
        if not isinstance(value, str):
            raise ConfigError(f"{prefix}.selectors.{key}: expected a CSS selector string")
        _check_selector(f"{prefix}.selectors.{key}", value)
    return SiteProfile(
        name=name,
        start_urls=tuple(values["start_urls"]),
        allowed_domains=tuple(values["allowed_domains"]),
        selectors=Selectors(**selector_raw),
        max_pages=values["max_pages"],
        related_depth=values["related_depth"],
        article_id_pattern=values["article_id_pattern"],
        revisit_days=values["revisit_days"],
        revisit_limit=values["revisit_limit"],
        revisit_rotation=values["revisit_rotation"],
        removal_after=max(1, values["removal_after"]),
    )


def _check_regex(key: str, pattern: str) -> None:
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise ConfigError(f"{key}: bad regular expression {pattern!r} ({exc})") from exc
    if compiled.groups != 1:
        raise ConfigError(f"{key}: needs exactly one capturing group for the article id")


def build(tree: dict[str, Any], env: Mapping[str, str], source: str) -> Config:
    defaults = _defaults()
    _check_keys("config", tree, defaults)
    database = _table("database", tree["database"], defaults["database"])
    crawl = _table("crawl", tree["crawl"], defaults["crawl"])
    schedule = _table("schedule", tree["schedule"], defaults["schedule"])
    email = _table("email", tree["email"], defaults["email"])
    for kind in email["alert_on"]:
        if kind not in ("new", "edited", "removed"):
            raise ConfigError(f"email.alert_on: unknown kind {kind!r} (new, edited, removed)")
    if not isinstance(tree["sites"], dict) or not tree["sites"]:
        raise ConfigError("sites: at least one [sites.NAME] table is needed")
    if not database["url"] or "://" not in database["url"]:
        raise ConfigError(f"database.url: not a database URL: {database['url']!r}")
    return Config(
        database_url=database["url"],
        crawl=CrawlSettings(**crawl),
        schedule=ScheduleSettings(**schedule),
        email=EmailSettings(
            **{**email, "recipients": tuple(email["recipients"]), "alert_on": tuple(email["alert_on"])},
            password=env.get(SECRET_ENV["password"], ""),
        ),
        sites={name: _site(name, raw) for name, raw in tree["sites"].items()},
        source=source,
    )


def load(path: str | None = None, env: Mapping[str, str] | None = None) -> Config:
    """The configuration newswatch runs with; raises ConfigError naming the bad key."""
    env = os.environ if env is None else env
    located = locate(path, env)
    tree = _defaults()
    if located is not None:
        tree = _merge(tree, _read_file(located))
    _apply_env(tree, env)
    return build(tree, env, str(located) if located else "built-in defaults")
