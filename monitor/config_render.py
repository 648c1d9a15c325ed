"""`newswatch config init` and `config show`: the key definitions and the effective values as TOML.

Both outputs are valid TOML that `newswatch` itself reads back, so either can start a newswatch.toml.
"""

from __future__ import annotations

import json
import re
from typing import Any

from monitor.config import Config, builtin_sites, env_name
from monitor.config_keys import SECRETS, SITE_TABLES, TABLES, Key, table_keys

MASK = "********"


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{_toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    text = str(value)
    # A literal string keeps regexes and selectors readable ('-(\d+)\.html$').
    if "'" not in text and "\n" not in text and all(c >= " " or c == "\t" for c in text):
        return f"'{text}'"
    return json.dumps(text, ensure_ascii=False)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _init_table(path: str, keys: tuple[Key, ...], values: dict[str, Any]) -> list[str]:
    lines = [f"[{path}]"]
    for key in keys:
        lines.append(f"# {key.doc}")
        lines.append(f"# {key.name} = {toml_value(values.get(key.name, key.default))}")
    return lines


def render_init() -> str:
    """A complete, commented newswatch.toml: every key with its default, commented out.

    Uncomment a line to change it; what stays commented follows newswatch's defaults as they improve.
    """
    out = [
        "# newswatch configuration: every key, its default, and what it does.",
        "# Each value can also be set from the environment as NEWSWATCH_<TABLE>_<KEY>, for example",
        "# NEWSWATCH_CRAWL_DOWNLOAD_DELAY=0.5 or NEWSWATCH_SITES_CONGTHUONG_MAX_PAGES=5.",
        f"# Secrets come only from the environment: {', '.join('$' + v for v in SECRETS.values())}.",
        "",
    ]
    for table, keys in TABLES.items():
        out += [*_init_table(table, keys, {}), ""]
    out += [
        "# Sites: a [sites] table here replaces the built-in list below; a site of a built-in name",
        "# refines the built-in profile key by key. Selectors are CSS; a group 'a, b' tries each in turn.",
        "",
    ]
    for name, site in builtin_sites().items():
        out += [*_init_table(f"sites.{name}", table_keys("sites.x"), site), ""]
        for table in SITE_TABLES:
            out += [*_init_table(f"sites.{name}.{table}", table_keys(f"sites.x.{table}"),
                                 site.get(table, {})), ""]
    return "\n".join(out).rstrip() + "\n"


def _secrets(config: Config) -> dict[str, dict[str, tuple[str, str]]]:
    """Secrets live only in the environment: shown masked, with the variable they come from."""
    found: dict[str, dict[str, tuple[str, str]]] = {}
    for dotted, variable in SECRETS.items():
        path, key = dotted.rsplit(".", 1)
        value = getattr(getattr(config, path), key, "")
        found.setdefault(path, {})[key] = (MASK if value else "", f"environment ${variable}")
    return found


def _shown(config: Config, path: str, key: str, value: Any) -> Any:
    """A channel URL written without ${VAR} may hold a secret itself: it is shown masked."""
    if (path, key) != ("notify", "urls"):
        return value
    names = {channel.template: channel.name for channel in config.notify.channels}
    return [url if "${" in url else names.get(url, MASK) for url in value]


def render_show(config: Config) -> str:
    """The effective configuration as TOML, each value with where it came from."""
    secrets = _secrets(config)
    out = [f"# effective configuration (config file: {config.source})", ""]
    for path, table in config.layers.items():
        out.append(f"[{path}]")
        lines = [(f"{key} = {toml_value(_shown(config, path, key, value))}", origin)
                 for key, (value, origin) in table.items()]
        width = min(max((len(line) for line, _ in lines), default=0), 70)
        out += [f"{line:<{width}}  # {origin}" for line, origin in lines]
        # commented out: a file holding a secret is refused
        out += [f"# {key} = {value or '(not set)'}  ({origin})" for key, (value, origin)
                in secrets.get(path, {}).items()]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def show_json(config: Config) -> dict[str, Any]:
    """{table: {key: {"value", "source", "env"}}}: what `render_show` prints, as data."""
    shown: dict[str, Any] = {
        path: {key: {"value": _shown(config, path, key, value), "source": origin,
                     "env": env_name(path, key)}
               for key, (value, origin) in table.items()}
        for path, table in config.layers.items()
    }
    for path, table in _secrets(config).items():
        for key, (value, origin) in table.items():
            shown[path][key] = {"value": value or None, "source": origin, "env": origin.split("$")[1]}
    return shown
