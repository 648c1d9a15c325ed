"""Configuration: defaults, file over defaults, environment over file, one clear error per problem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from monitor.config import ConfigError, load


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "newswatch.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_built_in_defaults_point_at_congthuong(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load(None, env={})
    assert config.source == "built-in defaults"
    site = config.sites["congthuong"]
    assert site.start_urls[0].startswith("https://congthuong.vn/")
    assert site.article_id_pattern and site.selectors.title
    assert config.crawl.obey_robots and config.crawl.autothrottle and config.crawl.download_delay == 1.0


def test_file_then_environment_override(tmp_path: Path) -> None:
    path = _write(tmp_path, '[crawl]\nconcurrency = 8\n[sites.congthuong]\nmax_pages = 5\n')
    env = {
        "NEWSWATCH_CRAWL_DOWNLOAD_DELAY": "0",
        "NEWSWATCH_CRAWL_OBEY_ROBOTS": "false",
        "NEWSWATCH_EMAIL_RECIPIENTS": "a@example.org, b@example.org",
        "NEWSWATCH_SITES_CONGTHUONG_RELATED_DEPTH": "2",
        "NEWSWATCH_SMTP_PASSWORD": "s3cret",
    }
    config = load(path, env=env)
    assert config.crawl.concurrency == 8 and config.crawl.download_delay == 0.0
    assert config.crawl.obey_robots is False
    assert config.email.recipients == ("a@example.org", "b@example.org")
    assert config.email.password == "s3cret" and "s3cret" not in repr(config)
    site = config.sites["congthuong"]
    assert site.max_pages == 5 and site.related_depth == 2
    assert site.selectors.title, "a site of the built-in name keeps the built-in selectors"


def test_config_location_falls_back_to_env_then_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, '[database]\nurl = "sqlite:///here.db"\n')
    assert load(None, env={}).database_url == "sqlite:///here.db"
    other = tmp_path / "other.toml"
    other.write_text('[database]\nurl = "sqlite:///other.db"\n', encoding="utf-8")
    assert load(None, env={"NEWSWATCH_CONFIG": str(other)}).database_url == "sqlite:///other.db"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[crawl]\nspeed = 3\n", "crawl.speed: unknown key"),
        ("[crawl]\nconcurrency = \"four\"\n", "crawl.concurrency: expected int"),
        ("[crawl]\ndownload_delay = -1\n", "crawl.download_delay: must not be negative"),
        ("[email]\npassword = \"x\"\n", "email.password: secrets are read only from the environment"),
        ("[email]\nalert_on = [\"sometimes\"]\n", "email.alert_on: unknown kind"),
        ("[sites.x]\nstart_urls = [\"ftp://a\"]\n", "sites.x.start_urls: not an http(s) URL"),
        ("[sites.x]\nstart_urls = [\"https://a.vn/\"]\n[sites.x.selectors]\ntitle = \"h1[[\"\n",
         "sites.x.selectors.title: bad CSS selector"),
        ("[sites.x]\nstart_urls = [\"https://a.vn/\"]\narticle_id_pattern = \"(\"\n",
         "sites.x.article_id_pattern: bad regular expression"),
        ("[database]\nurl = \"nowhere\"\n", "database.url: not a database URL"),
        ("[crawl\n", "not valid TOML"),
    ],
)
def test_a_bad_config_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load(_write(tmp_path, text), env={})


def test_a_bad_environment_value_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="crawl.concurrency"):
        load(None, env={"NEWSWATCH_CRAWL_CONCURRENCY": "many", "NEWSWATCH_CONFIG": ""})
