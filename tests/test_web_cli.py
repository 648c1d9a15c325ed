"""The real `newswatch` command for the web view and search: what it refuses, and JSON that is the
same from the command line and from the web view."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from monitor.web.app import create_app
from tests.harness import Newswatch, write_config
from tests.web_data import Newsroom, build_newsroom

pytestmark = pytest.mark.e2e

SITES = '[sites.moit]\nstart_urls = ["https://moit.example/tin-tuc"]\narticle_id_pattern = ""\n'
JSON = {"Accept": "application/json"}


@pytest.fixture
def room(database_url: str) -> Newsroom:
    return build_newsroom(database_url)


@pytest.fixture
def nw(tmp_path: Path, room: Newsroom) -> Newswatch:
    config = write_config(tmp_path / "newswatch.toml", room.database_url, SITES)
    return Newswatch(config, {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")})


def test_serve_refuses_other_addresses_without_a_token(nw: Newswatch) -> None:
    result = nw.run("serve", "--host", "0.0.0.0", "--port", "1", timeout=60)
    assert result.returncode == 2
    assert "NEWSWATCH_WEB_TOKEN" in result.stderr and "0.0.0.0" in result.stderr
    assert "Traceback" not in result.stderr

    nw.env["NEWSWATCH_WEB_TOKEN"] = "short"
    result = nw.run("serve", "--host", "0.0.0.0", "--port", "1", timeout=60)
    assert result.returncode == 2 and "too short" in result.stderr


def test_search_from_the_command_line(nw: Newswatch) -> None:
    found = nw.json("search", "BO CONG THUONG")
    assert [hit["title"] for hit in found] == ["Bộ Công Thương họp báo về giá xăng"]
    assert [found[0]["snippet"][s:e] for s, e in found[0]["snippet_marks"]] == ["Bộ", "Công", "Thương"]
    text = nw.ok("search", "duong sat").stdout
    assert "1. Đường sắt Bắc Nam" in text and "removed from the site" in text
    assert "nothing found for 'zzz'" in nw.ok("search", "zzz").stdout
    assert nw.json("search", "khuyen cong", "--site", "moit", "--since", "2025-03-01") != []
    unknown = nw.run("search", "x", "--site", "nope")
    assert unknown.returncode == 2 and "unknown site 'nope'" in unknown.stderr


def test_web_json_is_the_command_lines_json(nw: Newswatch, room: Newsroom) -> None:
    url = room.edited_url
    with TestClient(create_app(room.database_url), base_url="http://127.0.0.1") as web:
        def page(path: str, **params: object) -> object:
            return web.get(path, params=params, headers=JSON).json()

        assert page("/changes") == nw.json("changes")
        assert page("/changes", kind="edited", site="moit") == nw.json("changes", "--kind", "edited",
                                                                      "--site", "moit")
        assert page("/article", url=url) == nw.json("history", url)
        assert page("/article", url=url, version=1) == nw.json("show", url, "--version", "1")
        assert page("/article", url=url, **{"from": 1, "to": 2}) == nw.json("diff", url)
        assert page("/search", q="gia xang") == nw.json("search", "gia xang")
