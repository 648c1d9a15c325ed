"""A redesign between two crawls: the profile's selectors stop matching, the fallbacks read the
fields, and the articles are not reported as edited for it — nor when the old markup returns."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from replica import ReplicaServer, build_site
from tests.harness import Newswatch, newswatch_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def replica() -> Iterator[ReplicaServer]:
    with ReplicaServer(build_site(12, page_size=6, seed=11)) as server:
        yield server


@pytest.fixture
def nw(tmp_path: Path, database_url: str, replica: ReplicaServer) -> Newswatch:
    return newswatch_for(tmp_path, database_url, replica)


def _kinds(nw: Newswatch) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(e["kind"], e["title"], tuple(e["fields"])) for e in nw.json("changes") if not e["baseline"]]


def _versions(nw: Newswatch, replica: ReplicaServer) -> int:
    return sum(len(nw.json("history", replica.url(a))) for a in replica.site.listing())


def test_a_redesign_and_its_restore_are_no_edits_but_a_real_edit_still_is(
    nw: Newswatch, replica: ReplicaServer
) -> None:
    site = replica.site
    nw.ok("crawl")
    before = _versions(nw, replica)

    site.redesign()
    redesigned = nw.ok("crawl")
    assert "0 failures" in redesigned.stdout
    assert _versions(nw, replica) > before  # the fallbacks read some fields differently: stored
    assert _kinds(nw) == []
    # what the versions differ in is an edit field (the date, read from the wrong element now):
    # without the source rule these would be edits
    moved = {d["field"] for a in site.listing() if len(nw.json("history", replica.url(a))) > 1
             for d in nw.json("diff", replica.url(a))["fields"] if d["edit"]}
    assert moved == {"published_at"}

    site.redesign({})
    nw.ok("crawl")
    assert _kinds(nw) == []

    edited = site.listing()[2]
    site.edit_body(edited.id)
    nw.ok("crawl")
    assert _kinds(nw) == [("edited", edited.title, ("body",))]
