"""Reading article pages beside the crawl: extraction in worker processes.

A crawl's one process fetches, schedules and records on one core (Python's GIL); reading a page
(lxml and the field rules) is the largest part of its work and needs nothing but the page, so
`ArticleReader(n)` hands it to `n` worker processes and the spider awaits the result while the
process goes on fetching. `ArticleReader(0)` reads in the calling process, with the same interface.

What a worker logs while it reads is sent back with the article and logged again here, under the
same logger names, so `-v` and the log filters see the same lines either way. A worker that dies
(a page that crashes libxml2, the memory killer) takes down the pages it had in hand: each is read
once more by fresh workers, and a page that kills them again is a failure of that page alone.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.context import BaseContext

from crawler.extract import log_notices, read_article_notices
from crawler.profile import Selectors
from crawler.records import Article, ExtractionError

logger = logging.getLogger(__name__)


class ReadFailed(Exception):
    """Reading a page failed for another reason than the page itself (`reason` says why)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class _Read:
    """What a worker hands back: the article, or why there is none, and what it logged."""

    article: Article | None
    notices: list[tuple[int, str]]
    logged: list[tuple[str, int, str]]  # (logger name, level, message)
    error: str | None = None  # ExtractionError's reason
    crash: str | None = None  # any other exception, as "Type: message"


class ArticleReader:
    """Reads article pages, in `workers` processes (0: in this one). One per crawl run, shared by
    its spiders; `close` when the run ends."""

    def __init__(self, workers: int, *, task: Callable[[str, str, Selectors, datetime], _Read] | None = None,
                 ) -> None:
        self.workers = workers
        # what a worker runs on each page; a module-level function, since workers may be spawned
        self._task = task or _read_page
        self._pool: ProcessPoolExecutor | None = None
        if workers > 0:
            # The first workers are forked before the reactor or any thread starts, so they start at
            # once with everything imported; workers replacing dead ones start afresh (spawn),
            # since forking a process with threads running can copy a lock some thread holds.
            self._pool = self._start(_first_context())

    def _start(self, context: BaseContext) -> ProcessPoolExecutor:
        level = logging.getLogger("crawler").getEffectiveLevel()
        pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_worker_started,
                                   initargs=(os.getpid(), level))
        for _ in range(self.workers):
            pool.submit(_ready)  # start the processes now, while Scrapy starts up
        return pool

    async def read(self, html: str, url: str, selectors: Selectors, now: datetime) -> Article:
        """The article on `html`, its notices logged; ExtractionError when the page has none,
        ReadFailed when the page could not be read at all."""
        if self._pool is None:
            article, notices = read_article_notices(html, url, selectors, now=now)
            log_notices(notices)
            return article
        for attempt in (1, 2):
            pool = self._pool
            try:
                read = await asyncio.wrap_future(pool.submit(self._task, html, url, selectors, now))
            except BrokenProcessPool:
                self._replace(pool)
                if attempt == 2:
                    raise ReadFailed("the page stopped the process reading it twice "
                                     "(it crashed the HTML parser or ran out of memory)") from None
                continue
            return _unpacked(read, url)
        raise AssertionError("unreachable")

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        if self._pool is broken:  # the first of the pages it failed replaces it
            logger.warning("a page-reading process died; starting a new one")
            broken.shutdown(wait=False, cancel_futures=True)
            self._pool = self._start(multiprocessing.get_context("spawn"))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _first_context() -> BaseContext:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _unpacked(read: _Read, url: str) -> Article:
    for name, level, message in read.logged:
        logging.getLogger(name).log(level, "%s", message)
    log_notices(read.notices)
    if read.error is not None:
        raise ExtractionError(url, read.error)
    if read.crash is not None:
        raise ReadFailed(read.crash)
    assert read.article is not None
    return read.article


# ---- in the worker processes ----------------------------------------------------------------


class _Collector(logging.Handler):
    """Keeps what the extraction logs during one page, to be logged again by the crawl."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


_collector = _Collector()


def _worker_started(parent: int, level: int) -> None:
    # Ctrl-C reaches the whole process group: the crawl decides how to stop, not its workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a forked worker must not run Scrapy's handler
    root = logging.getLogger()
    root.handlers[:] = [_collector]
    root.setLevel(level)
    _exit_with(parent)


def _exit_with(parent: int) -> None:
    """A worker outlives nothing: killed with its crawl (kill -9 included), it would hold the
    crawl's output pipes open, and a forked one the crawl's database connection."""
    if sys.platform == "linux":
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
        if os.getppid() != parent:  # the crawl died before the call above
            os._exit(1)
        return

    def watch() -> None:
        while os.getppid() == parent:
            threading.Event().wait(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _ready() -> None:
    return None


def _read_page(html: str, url: str, selectors: Selectors, now: datetime) -> _Read:
    _collector.records = []
    try:
        article, notices = read_article_notices(html, url, selectors, now=now)
    except ExtractionError as exc:
        return _Read(None, [], _collector.records, error=exc.reason)
    except Exception as exc:  # noqa: BLE001 - any failure of one page is that page's failure
        return _Read(None, [], _collector.records, crash=" ".join(f"{type(exc).__name__}: {exc}".split()))
    return _Read(article, notices, _collector.records)

