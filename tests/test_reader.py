"""Article pages read in worker processes (crawler.reader): the same articles, logs and failures as
reading them in the crawl itself, a dead worker replaced, and no worker outliving its crawl."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.statscollectors import StatsCollector
from scrapy.utils.test import get_crawler

from crawler.middlewares import FailedResponseMiddleware
from crawler.profile import Selectors
from crawler.reader import ArticleReader, ReadFailed, _Read, _read_page
from crawler.records import ExtractionError, FetchFailed
from replica import ReplicaServer, build_site
from tests.harness import NEWSWATCH, Newswatch, newswatch_for
from tests.test_extract import ARTICLE_URL, FETCHED, PORTAL, builtin, fixture

# A page holding this makes the test task below end its worker as a crash would.
DEADLY = "<!-- ends the process reading it -->"
BROKEN_JSON_LD = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": </script>'


def _dies_on_deadly(html: str, url: str, selectors: Selectors, now: datetime) -> _Read:
    if DEADLY in html:
        os._exit(70)
    return _read_page(html, url, selectors, now)


@pytest.fixture
def replica() -> Iterator[ReplicaServer]:
    with ReplicaServer(build_site(6, page_size=3, seed=3)) as server:
        yield server


@pytest.fixture
def nw(tmp_path: Path, database_url: str, replica: ReplicaServer) -> Newswatch:
    return newswatch_for(tmp_path, database_url, replica)


@pytest.fixture
def worker() -> Iterator[ArticleReader]:
    reader = ArticleReader(1)
    yield reader
    reader.close()


def _read(reader: ArticleReader, html: str, selectors: Selectors, url: str = ARTICLE_URL) -> object:
    return asyncio.run(reader.read(html, url, selectors, FETCHED))


def _with_broken_json_ld(html: str) -> str:
    return html.replace("</head>", BROKEN_JSON_LD + "</head>", 1)


@pytest.mark.parametrize("name", ["congthuong-263055.html", "congthuong-byline.html", "moit-portal.html"])
def test_a_worker_reads_the_same_article_as_the_crawl_itself(worker: ArticleReader, name: str) -> None:
    selectors = PORTAL if name.startswith("moit") else builtin("congthuong")
    html = fixture(name)
    inline = _read(ArticleReader(0), html, selectors)
    assert _read(worker, html, selectors) == inline
    assert inline.title  # type: ignore[attr-defined]


def test_what_a_worker_logs_is_logged_by_the_crawl_under_the_same_names(
    worker: ArticleReader, caplog: pytest.LogCaptureFixture
) -> None:
    html = _with_broken_json_ld(fixture("congthuong-263055.html"))
    selectors = builtin("congthuong")
    logged = []
    for reader in (ArticleReader(0), worker):
        caplog.clear()
        with caplog.at_level(logging.DEBUG, logger="crawler"):
            _read(reader, html, selectors)
        logged.append([(r.name, r.levelno, r.getMessage()) for r in caplog.records])
    assert logged[0] == logged[1]
    assert ("crawler.metadata", logging.WARNING) in {(name, level) for name, level, _ in logged[1]}
    assert any(message.startswith(f"Unreadable JSON-LD on {ARTICLE_URL}") for _, _, message in logged[1])


def test_a_page_without_an_article_fails_in_a_worker_as_it_does_in_the_crawl(worker: ArticleReader) -> None:
    html = "<html><head><title>Trang chủ</title></head><body><p>Không có bài viết.</p></body></html>"
    reasons = []
    for reader in (ArticleReader(0), worker):
        with pytest.raises(ExtractionError) as failed:
            _read(reader, html, builtin("congthuong"))
        reasons.append((failed.value.url, failed.value.reason))
    assert reasons[0] == reasons[1]
    assert reasons[0][0] == ARTICLE_URL and reasons[0][1]


def test_a_page_that_kills_its_worker_fails_alone_and_the_next_pages_are_read(
    caplog: pytest.LogCaptureFixture,
) -> None:
    reader = ArticleReader(1, task=_dies_on_deadly)
    selectors = builtin("congthuong")
    html = fixture("congthuong-263055.html")
    try:
        with caplog.at_level(logging.WARNING, logger="crawler.reader"):
            with pytest.raises(ReadFailed, match="stopped the process reading it twice"):
                _read(reader, html + DEADLY, selectors)
        assert "a page-reading process died; starting a new one" in caplog.messages
        assert _read(reader, html, selectors) == _read(ArticleReader(0), html, selectors)
    finally:
        reader.close()


@pytest.mark.parametrize("workers", [1, 2])
def test_the_pages_a_dying_worker_had_in_hand_are_read_and_only_the_deadly_one_fails(
    workers: int, caplog: pytest.LogCaptureFixture,
) -> None:
    selectors = builtin("congthuong")
    pages = [fixture(name) for name in ("congthuong-263055.html", "congthuong-byline.html")] * 2
    pages.insert(1, pages[0] + DEADLY)
    reader = ArticleReader(workers, task=_dies_on_deadly)

    async def read_all() -> list[object]:
        return await asyncio.gather(*(reader.read(html, ARTICLE_URL, selectors, FETCHED) for html in pages),
                                    return_exceptions=True)

    try:
        with caplog.at_level(logging.WARNING, logger="crawler.reader"):
            results = asyncio.run(read_all())
    finally:
        reader.close()
    inline = ArticleReader(0)
    assert isinstance(results[1], ReadFailed) and "reading it twice" in results[1].reason
    for html, result in zip(pages, results, strict=True):
        if DEADLY not in html:
            assert result == _read(inline, html, selectors)
    # the deadly page killed a worker on each of its two tries, and nothing else killed one
    assert caplog.messages.count("a page-reading process died; starting a new one") == 2


def test_pages_larger_than_the_pipe_are_read_without_the_crawl_and_worker_waiting_on_each_other() -> None:
    # Real article pages run to half a megabyte, and their articles back as much: were the crawl
    # to hand a worker a page while the worker hands back the last, both would wait for ever.
    selectors = builtin("congthuong")
    html = fixture("congthuong-263055.html")
    big = html.replace("</p>", " Nội dung rất dài của bài viết." * 20_000 + "</p>", 1)
    assert len(big.encode("utf-8")) > 500_000
    pages = [big, big, html, big]
    reader = ArticleReader(1)
    results: list[object] = []

    def read_all() -> None:
        async def gathered() -> list[object]:
            return await asyncio.gather(*(reader.read(p, ARTICLE_URL, selectors, FETCHED) for p in pages))
        results.extend(asyncio.run(gathered()))

    thread = threading.Thread(target=read_all, daemon=True)
    thread.start()
    thread.join(timeout=60)
    try:
        assert not thread.is_alive(), "the crawl and its reader are waiting on each other"
    finally:
        if not thread.is_alive():
            reader.close()
    inline = ArticleReader(0)
    assert results == [_read(inline, p, selectors) for p in pages]


def test_a_broken_worker_is_replaced_and_the_page_read_again(worker: ArticleReader) -> None:
    selectors = builtin("congthuong")
    html = fixture("congthuong-263055.html")
    [pid] = worker.pids  # a worker the memory killer might pick
    os.kill(pid, signal.SIGKILL)
    assert _read(worker, html, selectors) == _read(ArticleReader(0), html, selectors)
    assert worker.pids != [pid]


@pytest.mark.e2e
def test_a_crawl_killed_with_sigkill_leaves_no_reader_behind(nw: Newswatch, replica: ReplicaServer) -> None:
    held = replica.site.hold(replica.site.listing()[-1].url_path)
    with subprocess.Popen([*NEWSWATCH, "--config", str(nw.config_path), "crawl"], env=nw.env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as crawl:
        try:
            assert held.reached.wait(timeout=60)
            children = Path(f"/proc/{crawl.pid}/task/{crawl.pid}/children")
            if children.exists():
                assert children.read_text().split(), "the crawl started no reader process"
            crawl.send_signal(signal.SIGKILL)
            # a reader still alive would hold the crawl's output pipes open: this would time out
            crawl.communicate(timeout=30)
        finally:
            held.release.set()
            replica.site.holds.clear()
    assert crawl.returncode == -signal.SIGKILL


def test_a_page_no_worker_could_read_is_reported_as_that_pages_failure() -> None:
    crawler = get_crawler()
    crawler.stats = StatsCollector(crawler)
    request = Request(ARTICLE_URL, meta={"identity": "263055"})
    response = HtmlResponse(ARTICLE_URL, body=b"<html></html>", request=request)
    reason = "the page stopped the process reading it twice (it crashed the HTML parser or ran out of memory)"
    [failed] = FailedResponseMiddleware(crawler).process_spider_exception(response, ReadFailed(reason))
    assert failed == FetchFailed(ARTICLE_URL, reason, "263055")
    assert crawler.stats.get_value("newswatch/callback_errors") == 1
