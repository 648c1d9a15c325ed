"""Configuration: defaults, file over defaults, environment over file, one clear error per problem."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from monitor.config import ConfigError, load
from monitor.config_keys import SITE_KEYS, TABLES
from monitor.config_render import render_init, render_show, show_json


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


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ("[email]\nsmtp_port = 99999\n", {}, "email.smtp_port: must be at most 65535"),
        ("[schedule]\ntimezone = \"Mars/Olympus\"\n", {},
         "schedule.timezone: unknown time zone 'Mars/Olympus'"),
        ("[schedule]\ncron = \"61 * * * *\"\n", {}, "schedule.cron: '61 * * * *' is not a valid cron"),
        ("[sites.x]\nstart_urls = [\"http://127.0.0.1:99999/tin\"]\n", {},
         "sites.x.start_urls: not a valid URL: 'http://127.0.0.1:99999/tin'"),
        ("[sites.x]\nstart_urls = [\"https://a.vn/\"]\nremoval_after = 0\n", {},
         "sites.x.removal_after: must be at least 1"),
        ("[crawl]\nconcurrency = 2\n", {"NEWSWATCH_CRAWL_OBEY_ROBOTS": "perhaps"},
         "crawl.obey_robots: cannot use 'perhaps' from $NEWSWATCH_CRAWL_OBEY_ROBOTS "
         "(expected true or false)"),
        ("[telemetry]\non = true\n", {}, "telemetry: unknown table"),
    ],
)
def test_every_value_is_checked_when_the_config_loads(
    tmp_path: Path, text: str, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load(_write(tmp_path, text), env=env)


def test_an_environment_override_is_typed_by_the_key_not_by_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "[crawl]\ntimeout = 10\ndownload_delay = 0\n")
    config = load(path, env={"NEWSWATCH_CRAWL_TIMEOUT": "2.5", "NEWSWATCH_CRAWL_DOWNLOAD_DELAY": "0.5"})
    assert config.crawl.timeout == 2.5 and config.crawl.download_delay == 0.5
    assert isinstance(load(path, env={}).crawl.timeout, float)


def test_selectors_can_be_overridden_from_the_environment(tmp_path: Path, empty_config: str) -> None:
    env = {"NEWSWATCH_SITES_CONGTHUONG_SELECTORS_TITLE": "h1.x"}
    config = load(empty_config, env=env)
    assert config.sites["congthuong"].selectors.title == "h1.x"
    assert config.sites["congthuong"].selectors.body, "the other built-in selectors stay"


def test_config_init_prints_every_key_and_reads_back_as_the_defaults(
    tmp_path: Path, empty_config: str
) -> None:
    text = render_init()
    for table, keys in [*TABLES.items(), ("sites.congthuong", SITE_KEYS)]:
        for key in keys:
            assert re.search(rf"^# {key.name} = ", text, re.M), f"{table}.{key.name} missing from config init"
    assert tomllib.loads(text)  # valid TOML
    from_template = load(_write(tmp_path, text), env={})
    defaults = load(empty_config, env={})
    assert from_template.crawl == defaults.crawl and from_template.email == defaults.email
    assert from_template.sites == defaults.sites


def test_config_show_names_where_each_value_came_from_and_masks_secrets(tmp_path: Path) -> None:
    path = _write(tmp_path, "[crawl]\nconcurrency = 8\n")
    env = {"NEWSWATCH_CRAWL_TIMEOUT": "2.5", "NEWSWATCH_SMTP_PASSWORD": "s3cret"}
    config = load(path, env=env)
    shown = show_json(config)
    assert shown["crawl"]["concurrency"] == {"value": 8, "source": f"file {path}",
                                             "env": "NEWSWATCH_CRAWL_CONCURRENCY"}
    assert shown["crawl"]["timeout"]["source"] == "environment $NEWSWATCH_CRAWL_TIMEOUT"
    assert shown["crawl"]["retries"]["source"] == "default"
    assert shown["sites.congthuong"]["start_urls"]["source"] == "built-in profile"
    assert shown["email"]["password"]["value"] == "********"
    text = render_show(config)
    assert "s3cret" not in text and "s3cret" not in json.dumps(shown)
    again = load(_write(tmp_path, text), env={})  # the output is a config file of its own
    assert again.crawl == config.crawl and again.sites == config.sites


@pytest.mark.e2e
def test_config_commands_from_the_command_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}
    run = [sys.executable, "-m", "monitor.cli"]
    init = subprocess.run([*run, "config", "init"], capture_output=True, text=True, env=env, check=True)
    (tmp_path / "newswatch.toml").write_text(init.stdout, encoding="utf-8")
    shown = subprocess.run([*run, "config", "show", "--json", "--config", str(tmp_path / "newswatch.toml")],
                           capture_output=True, text=True, env=env, check=True)
    assert json.loads(shown.stdout)["database"]["url"]["value"] == "sqlite:///newswatch.db"


# ---- listing sources and channels --------------------------------------------------------------


def test_the_built_in_moit_profile_lists_through_the_portal_s_json_endpoint(empty_config: str) -> None:
    listing = load(empty_config, env={}).sites["moit"].listing

    assert (listing.kind, listing.method) == ("json", "POST")
    assert listing.url == "https://moit.gov.vn/api/Content/Article/selectAll"
    assert dict(listing.form)["pageNo"] == "{page}" and dict(listing.form)["type"] == "Article.News"
    assert (listing.items, listing.link, listing.title, listing.published) == (
        "items", "rewriteURL", "title", "publishTime")


def test_a_listing_table_and_its_form_are_read_and_overridden_from_the_environment(tmp_path: Path) -> None:
    path = _write(tmp_path, '[sites.sct]\nstart_urls = ["https://sct.vn/tin"]\n'
                            '[sites.sct.listing]\nkind = "json"\nurl = "https://sct.vn/api?p={page}"\n'
                            'items = "data.rows"\nlink = "url"\n')
    env = {"NEWSWATCH_SITES_SCT_LISTING_METHOD": "POST",
           "NEWSWATCH_SITES_SCT_LISTING_FORM": '{"page": "{page}", "size": "10"}'}

    listing = load(path, env=env).sites["sct"].listing

    assert (listing.kind, listing.method, listing.items) == ("json", "POST", "data.rows")
    assert listing.form == (("page", "{page}"), ("size", "10"))
    assert load(path, env={}).sites["sct"].listing.form == ()


@pytest.mark.parametrize(
    ("listing", "env", "message"),
    [
        ('kind = "atom"', {}, "sites.x.listing.kind: must be one of html, json, rss, sitemap, got 'atom'"),
        ('kind = "json"\nurl = "https://a.vn/api"\nlink = "u"', {},
         "sites.x.listing.items: needed for a json"),
        ('kind = "rss"', {}, "sites.x.listing.url: needed for a rss listing"),
        ('kind = "json"\nurl = "https://a.vn/api"\nitems = "i"\nlink = "u"\nform = { p = "{page}" }', {},
         'sites.x.listing.form: a form is only sent with method = "POST"'),
        ('form = { p = 1 }', {}, "sites.x.listing.form: expected a table of strings"),
        ('method = "PUT"', {}, "sites.x.listing.method: must be one of GET, POST"),
        ('url = "ftp://a.vn/{page}"', {}, "sites.x.listing.url: not an http(s) URL"),
        ('kind = "rss"', {"NEWSWATCH_SITES_X_LISTING_FORM": "[1]"}, "sites.x.listing.form: expected a table"),
        ('kind = "rss"', {"NEWSWATCH_SITES_X_LISTING_FORM": "{"},
         "sites.x.listing.form: cannot use '{' from $NEWSWATCH_SITES_X_LISTING_FORM "
         "(expected a JSON object)"),
        ('feed = "x"', {}, "sites.x.listing.feed: unknown key"),
    ],
)
def test_a_bad_listing_names_the_key(tmp_path: Path, listing: str, env: dict[str, str], message: str) -> None:
    text = f'[sites.x]\nstart_urls = ["https://a.vn/"]\n[sites.x.listing]\n{listing}\n'
    with pytest.raises(ConfigError, match=re.escape(message)):
        load(_write(tmp_path, text), env=env)


def test_config_init_and_show_carry_listing_and_notify_tables_through_a_round_trip(tmp_path: Path) -> None:
    text = render_init()
    assert "[sites.moit.listing]" in text and "[notify]" in text
    assert "# form = { pageNo = '{page}'," in text

    path = _write(tmp_path, '[notify]\nurls = ["json://127.0.0.1:9/h"]\nalert_on = ["new"]\n')
    config = load(path, env={})
    shown = render_show(config)
    again = load(_write(tmp_path, shown), env={})
    assert again.sites == config.sites and again.notify == config.notify
    assert again.sites["moit"].listing.form == config.sites["moit"].listing.form
