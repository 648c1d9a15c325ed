"""Read, merge and validate newswatch's configuration once, into typed objects.

Layers, each over the one before: the key definitions' defaults (`config_keys`), the built-in site
profiles (`defaults.toml`), the user's file, the environment. Every value remembers which layer it
came from, for `newswatch config show`.
"""

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

from crawler.profile import CrawlSettings, ListingSource, Selectors, SiteProfile
from monitor.config_keys import LISTING_KEYS, SECRETS, SITE_TABLES, TABLES, Key, table_keys
from monitor.health import HealthRules

ENV_PREFIX = "NEWSWATCH_"
DEFAULT = "default"
BUILT_IN = "built-in profile"


class ConfigError(Exception):
    """A configuration problem, phrased as one line naming the key."""


@dataclass(frozen=True)
class ScheduleSettings:
    cron: str
    timezone: str


@dataclass(frozen=True)
class EmailSettings:
    smtp_host: str
    smtp_port: int
    starttls: bool
    ssl: bool
    username: str
    sender: str
    recipients: tuple[str, ...]
    alert_on: tuple[str, ...]
    timeout: float
    save_to: str
    password: str = field(default="", repr=False)


@dataclass(frozen=True)
class Channel:
    """One Apprise channel. `name` is its URL with every secret masked: the alert queue, the logs
    and `newswatch alerts` know the channel by it. `url` (secrets expanded) is only ever handed to
    Apprise."""

    name: str
    template: str  # as configured, ${VAR} unexpanded
    url: str = field(repr=False)
    secrets: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class NotifySettings:
    channels: tuple[Channel, ...]
    alert_on: tuple[str, ...]
    more_url: str


# table path ("crawl", "sites.NAME", "sites.NAME.selectors") → key → (value, where it came from)
Layers = dict[str, dict[str, tuple[Any, str]]]


@dataclass(frozen=True)
class Config:
    database_url: str
    crawl: CrawlSettings
    schedule: ScheduleSettings
    email: EmailSettings
    sites: dict[str, SiteProfile]
    notify: NotifySettings
    health: HealthRules
    source: str = "built-in defaults"
    layers: Layers = field(default_factory=dict, repr=False, compare=False)


@lru_cache(maxsize=1)
def _builtin_sites_text() -> str:
    return resources.files("monitor").joinpath("defaults.toml").read_text(encoding="utf-8")


def builtin_sites() -> dict[str, Any]:
    """The site profiles newswatch ships, as TOML tables."""
    sites: dict[str, Any] = tomllib.loads(_builtin_sites_text())["sites"]
    return sites


def defaults(table: str) -> dict[str, Any]:
    """The default value of every key of a table ("crawl", "email" …)."""
    return {key.name: key.default for key in TABLES[table]}


def notify_settings(channels: tuple[Channel, ...] = (), **values: Any) -> NotifySettings:
    """Channel settings: the defaults with `values` (alert_on, more_url) laid over them."""
    merged = {key: value for key, value in defaults("notify").items() if key != "urls"} | values
    return NotifySettings(channels, tuple(merged["alert_on"]), merged["more_url"])


def listing_source(**values: Any) -> ListingSource:
    """A site's listing: the defaults with `values` laid over them; `form` a mapping or pairs."""
    merged = {key.name: key.default for key in LISTING_KEYS} | values
    form = merged["form"]
    return ListingSource(**{**merged, "form": tuple(form.items() if isinstance(form, dict) else form)})


def health_rules(**values: Any) -> HealthRules:
    """Crawl-health thresholds: the defaults with `values` laid over them."""
    return HealthRules(**(defaults("health") | values))


def email_settings(**values: Any) -> EmailSettings:
    """Mail settings: the defaults with `values` laid over them (the password, too, is a value here)."""
    merged = {**defaults("email"), **values}
    return EmailSettings(**{**merged, "recipients": tuple(merged["recipients"]),
                            "alert_on": tuple(merged["alert_on"])})


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
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc


def _overlay(layers: Layers, path: str, values: Any, origin: str) -> None:
    """Lay one table of raw values over `layers`, refusing unknown keys and secrets."""
    if not isinstance(values, dict):
        raise ConfigError(f"{path}: must be a table")
    known = {key.name for key in table_keys(path)}
    table = layers.setdefault(path, {})
    for name, value in values.items():
        if f"{path}.{name}" in SECRETS:
            raise ConfigError(f"{path}.{name}: secrets are read only from the environment "
                              f"(${SECRETS[f'{path}.{name}']})")
        if path.startswith("sites.") and path.count(".") == 1 and name in SITE_TABLES:
            _overlay(layers, f"{path}.{name}", value, origin)
        elif name not in known:
            raise ConfigError(f"{path}.{name}: unknown key")
        else:
            table[name] = (value, origin)


def _site_layers(layers: Layers, name: str, builtin: Any, user: Any, origin: str) -> None:
    """A site of a built-in name refines the built-in profile key by key."""
    for path in (f"sites.{name}", *(f"sites.{name}.{table}" for table in SITE_TABLES)):
        layers[path] = {key.name: (key.default, DEFAULT) for key in table_keys(path)}
    if builtin is not None:
        _overlay(layers, f"sites.{name}", builtin, BUILT_IN)
    if user is not None:
        _overlay(layers, f"sites.{name}", user, origin)


def _layers(user: dict[str, Any], origin: str) -> Layers:
    layers: Layers = {table: {key.name: (key.default, DEFAULT) for key in keys}
                      for table, keys in TABLES.items()}
    for table, values in user.items():
        if table not in TABLES and table != "sites":
            raise ConfigError(f"{table}: unknown table (known: {', '.join([*TABLES, 'sites'])})")
        if table in TABLES:
            _overlay(layers, table, values, origin)
    builtin = builtin_sites()
    if "sites" in user:
        # A user's [sites] replaces the built-in list.
        if not isinstance(user["sites"], dict) or not user["sites"]:
            raise ConfigError("sites: at least one [sites.NAME] table is needed")
        for name, site in user["sites"].items():
            _site_layers(layers, name, builtin.get(name), site, origin)
    else:
        for name, site in builtin.items():
            _site_layers(layers, name, site, None, origin)
    return layers


def env_name(path: str, key: str) -> str:
    """NEWSWATCH_<TABLE>_<KEY>, e.g. NEWSWATCH_SITES_CONGTHUONG_MAX_PAGES."""
    return ENV_PREFIX + f"{path}.{key}".replace(".", "_").replace("-", "_").upper()


def _from_env(where: str, name: str, raw: str, key: Key) -> Any:
    """An environment string as the type the key is defined with (never the type a file gave it)."""
    text = raw.strip()
    try:
        if key.kind is bool:
            if text.lower() in ("1", "true", "yes", "on"):
                return True
            if text.lower() in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(text)
        if key.kind is int:
            return int(text)
        if key.kind is float:
            return float(text)  # "10" is a float here too: the key's type decides, not the file's value
        if key.kind is list:
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        if key.kind is dict:
            return json.loads(text)
    except ValueError as exc:
        expected = {int: "an integer", float: "a number", bool: "true or false",
                    dict: "a JSON object"}.get(key.kind, "a list")
        raise ConfigError(f"{where}: cannot use {raw!r} from ${name} (expected {expected})") from exc
    return raw


def _apply_env(layers: Layers, env: Mapping[str, str]) -> None:
    for path, table in layers.items():
        for key in table_keys(path):
            name = env_name(path, key.name)
            if name in env:
                value = _from_env(f"{path}.{key.name}", name, env[name], key)
                table[key.name] = (value, f"environment ${name}")


def _valid(path: str, key: Key, value: Any) -> Any:
    """The value as its key's type, or ConfigError naming the key and what is wrong."""
    where = f"{path}.{key.name}"
    if key.kind is bool:
        ok = isinstance(value, bool)
    elif key.kind is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif key.kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif key.kind is list:
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    elif key.kind is dict:
        ok = isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    else:
        ok = isinstance(value, str)
    if not ok:
        names: dict[type, str] = {list: "a list of strings", dict: "a table of strings"}
        expected = names.get(key.kind, key.kind.__name__)
        raise ConfigError(f"{where}: expected {expected}, got {value!r}")
    if key.kind in (int, float):
        if key.minimum is not None and value < key.minimum:
            if key.minimum == 0:
                raise ConfigError(f"{where}: must not be negative, got {value!r}")
            raise ConfigError(f"{where}: must be at least {key.minimum:g}, got {value!r}")
        if key.maximum is not None and value > key.maximum:
            raise ConfigError(f"{where}: must be at most {key.maximum:g}, got {value!r}")
    if key.check is not None:
        problem = key.check(value)
        if problem:
            raise ConfigError(f"{where}: {problem}")
    return float(value) if key.kind is float else value


def _values(layers: Layers, path: str) -> dict[str, Any]:
    return {key.name: _valid(path, key, layers[path][key.name][0]) for key in table_keys(path)}


def _site(layers: Layers, name: str) -> SiteProfile:
    values = _values(layers, f"sites.{name}")
    if not values["start_urls"]:
        raise ConfigError(f"sites.{name}.start_urls: at least one URL is needed")
    if not values["allowed_domains"]:
        hosts = sorted({urlsplit(u).hostname or "" for u in values["start_urls"]})
        values["allowed_domains"] = hosts
        layers[f"sites.{name}"]["allowed_domains"] = (hosts, "default (the start URLs' hosts)")
    tuples = {k: tuple(v) for k, v in values.items() if isinstance(v, list)}
    selectors = Selectors(**_values(layers, f"sites.{name}.selectors"))
    return SiteProfile(name=name, selectors=selectors, listing=_listing(layers, name),
                       **{**values, **tuples})


# What each listing kind cannot do without.
_LISTING_NEEDS = {"json": ("url", "items", "link"), "rss": ("url",), "sitemap": ("url",)}


def _listing(layers: Layers, site: str) -> ListingSource:
    path = f"sites.{site}.listing"
    values = _values(layers, path)
    for key in _LISTING_NEEDS.get(values["kind"], ()):
        if not values[key]:
            raise ConfigError(f"{path}.{key}: needed for a {values['kind']} listing")
    if values["form"] and values["method"] != "POST":
        raise ConfigError(f"{path}.form: a form is only sent with method = \"POST\"")
    return listing_source(**values)


_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand(template: str, env: Mapping[str, str], where: str) -> tuple[str, tuple[str, ...]]:
    """`template` with each ${VAR} replaced from the environment, and the values put in (secrets)."""
    secrets: list[str] = []

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if not env.get(name):
            raise ConfigError(f"{where}: ${{{name}}} is not set in the environment")
        secrets.append(env[name])
        return env[name]

    return _VARIABLE.sub(value, template), tuple(secrets)


def _notify(layers: Layers, env: Mapping[str, str]) -> NotifySettings:
    values = _values(layers, "notify")
    channels: list[Channel] = []
    if values["urls"]:
        from monitor.channels import ChannelError, channel_name  # Apprise loads only when configured

        for template in values["urls"]:
            url, secrets = expand(template, env, "notify.urls")
            try:
                name = channel_name(url, secrets)
            except ChannelError as exc:
                raise ConfigError(f"notify.urls: {exc}") from exc
            if any(name == other.name for other in channels):
                raise ConfigError(f"notify.urls: two channels are the same once masked: {name}")
            channels.append(Channel(name, template, url, secrets))
    return notify_settings(tuple(channels), alert_on=values["alert_on"], more_url=values["more_url"])


def _health(layers: Layers) -> HealthRules:
    rules = health_rules(**_values(layers, "health"))
    if rules.selector_below >= rules.selector_was:
        raise ConfigError(f"health.selector_below: must be below health.selector_was "
                          f"({rules.selector_was:g}), got {rules.selector_below:g}")
    if rules.failures_broken < rules.failures_degraded:
        raise ConfigError(f"health.failures_broken: must not be below health.failures_degraded "
                          f"({rules.failures_degraded:g}), got {rules.failures_broken:g}")
    return rules


def build(layers: Layers, env: Mapping[str, str], source: str) -> Config:
    site_names = [path.split(".")[1] for path in layers if path.startswith("sites.") and path.count(".") == 1]
    return Config(
        database_url=_values(layers, "database")["url"],
        crawl=CrawlSettings(**_values(layers, "crawl")),
        schedule=ScheduleSettings(**_values(layers, "schedule")),
        email=email_settings(**_values(layers, "email"), password=env.get(SECRETS["email.password"], "")),
        sites={name: _site(layers, name) for name in site_names},
        notify=_notify(layers, env),
        health=_health(layers),
        source=source,
        layers=layers,
    )


def load(path: str | None = None, env: Mapping[str, str] | None = None) -> Config:
    """The configuration newswatch runs with; raises ConfigError naming the bad key."""
    env = os.environ if env is None else env
    located = locate(path, env)
    user = _read_file(located) if located is not None else {}
    layers = _layers(user, f"file {located}")
    _apply_env(layers, env)
    return build(layers, env, str(located) if located else "built-in defaults")
