"""Run the real `newswatch` command against a replica site, as a user would from a shell."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from replica import ReplicaServer, congthuong_profile_toml

NEWSWATCH = [sys.executable, "-m", "monitor.cli"]
# Politeness off against loopback so that a crawl takes a second, not minutes.
FAST_CRAWL = """
[crawl]
download_delay = 0
autothrottle = false
timeout = 10
retries = 1
"""


@dataclass
class Newswatch:
    """One configured newswatch installation: a config file, its database, its environment."""

    config_path: Path
    env: dict[str, str]

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*NEWSWATCH, "--config", str(self.config_path), *args],
            capture_output=True, text=True, timeout=timeout, env=self.env, check=False,
        )

    def ok(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = self.run(*args)
        assert result.returncode == 0, f"newswatch {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json").stdout)


def write_config(
    path: Path, database_url: str, sites_toml: str, *, extra: str = "", crawl: str = ""
) -> Path:
    """A config file; `crawl` holds more [crawl] keys, `extra` more tables."""
    path.write_text(
        f'[database]\nurl = "{database_url}"\n{FAST_CRAWL}{crawl}\n{extra}\n{sites_toml}',
        encoding="utf-8",
    )
    return path


def newswatch_for(
    tmp_path: Path, database_url: str, server: ReplicaServer, *, sites_toml: str | None = None,
    extra: str = "", crawl: str = "",
) -> Newswatch:
    sites = sites_toml if sites_toml is not None else congthuong_profile_toml(server.base_url)
    config = write_config(tmp_path / "newswatch.toml", database_url, sites, extra=extra, crawl=crawl)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}
    return Newswatch(config, env)
