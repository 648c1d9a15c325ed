"""Shared fixtures: a database per test (SQLite, and PostgreSQL when NEWSWATCH_TEST_PG_URL is set)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_URL = os.environ.get("NEWSWATCH_TEST_PG_URL")


def _postgres_schema_url(base_url: str) -> Iterator[str]:
    """A URL whose connections use a fresh, private schema (alembic_version included)."""
    schema = f"t_{uuid.uuid4().hex}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("NEWSWATCH_TEST_PG_URL not set: PostgreSQL tests skipped")
    yield from _postgres_schema_url(PG_URL)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_url")
    return f"sqlite:///{tmp_path / 'data' / 'newswatch.db'}"


@pytest.fixture
def empty_config(tmp_path: Path) -> str:
    """A config file with nothing in it: the built-in defaults, whatever ./newswatch.toml holds."""
    path = tmp_path / "empty.toml"
    path.write_text("", encoding="utf-8")
    return str(path)
