"""A retitled article on a site with slug URLs and no id pattern, crawled for real: the replica
moves it to a new slug (its old URL answering 301, or 404), and newswatch keeps it one article."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from replica import ReplicaServer, build_site, portal_profile_toml
from tests.harness import Newswatch, newswatch_for

pytestmark = pytest.mark.e2e
RETITLED = "Bộ Công Thương công bố kết quả xúc tiến thương mại năm 2026"


@pytest.fixture
def portal() -> Iterator[ReplicaServer]:
    with ReplicaServer(build_site(9, theme="portal", page_size=4, seed=5)) as server:
        yield server


@pytest.fixture
def nw(tmp_path: Path, database_url: str, portal: ReplicaServer) -> Newswatch:
    return newswatch_for(tmp_path, database_url, portal, sites_toml=portal_profile_toml(portal.base_url))


def news(nw: Newswatch) -> list[tuple[str, str, list[str]]]:
    return [(c["kind"], c["url"], c["fields"]) for c in nw.json("changes") if not c["baseline"]]


@pytest.mark.parametrize(("old_url", "canonical_old", "body_edited"), [
    ("404", False, False),  # the old URL just disappears; the same body names the article
    ("301", False, True),   # the old URL redirects to the new one
    ("404", True, True),    # the new page still declares the old URL canonical
], ids=["same-body", "redirect", "canonical"])
def test_a_retitled_article_is_one_edit_of_its_title_under_both_urls(
    nw: Newswatch, portal: ReplicaServer, old_url: str, canonical_old: bool, body_edited: bool
) -> None:
    nw.ok("crawl")
    article = portal.site.listing()[1]
    old = portal.url(article)
    portal.site.retitle(article.id, RETITLED, old_url=old_url, canonical_old=canonical_old)
    if body_edited:
        portal.site.edit_body(article.id)
    new = portal.url(article)
    assert new != old

    nw.ok("crawl")
    nw.ok("crawl")  # the old URL's second miss would remove it, were it an article of its own

    fields = ["title", "body"] if body_edited else ["title"]
    assert news(nw) == [("edited", new, fields)]
    versions = nw.json("history", new)
    assert [v["title"] for v in versions] == [nw.json("show", new, "--version", "1")["title"], RETITLED]
    assert nw.json("history", old) == versions
    assert nw.json("show", old)["title"] == RETITLED
    assert nw.json("show", old)["url"] == new
    assert "title" in nw.ok("diff", old).stdout
