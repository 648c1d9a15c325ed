"""Reading article pages beside the crawl: extraction in worker processes.

A crawl's one process fetches, schedules and records on one core (Python's GIL); reading a page
(lxml and the field rules) is the largest part of its work and needs nothing but the page, so
`ArticleReader(n)` hands it to `n` worker processes and the spider awaits the result while the
process goes on fetching. `ArticleReader(0)` reads in the calling process, with the same interface.

Each worker has a pipe to the crawl, watched by the crawl's event loop: a page goes out and its
article comes back with no thread in between (a process pool's two hand-off threads cost the
crawl's one core more than pickling does). A busy worker may hold one more page, if it is small
(see `_hand_out`).

What a worker logs while it reads is sent back with the article and logged again here, under the
same logger names, so `-v` and the log filters see the same lines either way. A worker that dies
(a page that crashes libxml2, the memory killer) is replaced; it reads its pages in order, so the
first one it had not answered is the page it died on: that page is read once more, the others as
if new, and a page that kills a second worker is a failure of that page alone.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from multiprocessing.context import ForkContext, SpawnContext
from multiprocessing.reduction import ForkingPickler

from crawler.extract import log_notices, read_article_notices
from crawler.profile import Selectors
from crawler.records import Article, ExtractionError, one_line

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


# What a worker runs on each page: (html, url, selectors, fetch time) -> _Read
Task = Callable[[str, str, Selectors, datetime], _Read]


class ArticleReader:
    """Reads article pages, in `workers` processes (0: in this one). One per crawl run, shared by
    its spiders; `close` when the run ends."""

    def __init__(self, workers: int, *, task: Task | None = None) -> None:
        self.workers = workers
        # a module-level function, since workers may be spawned
        self._task = task or _read_page
        self._level = logging.getLogger("crawler").getEffectiveLevel()
        self._processes: list[_Worker] = []
        self._queue: deque[_Job] = deque()  # pages not yet handed to a worker
        self._loop: asyncio.AbstractEventLoop | None = None
        # The first workers are forked before the reactor or any thread starts, so they start at
        # once with everything imported; workers replacing dead ones start afresh (spawn), since
        # forking a process with threads running can copy a lock some thread holds.
        context = _first_context()
        for _ in range(workers):
            self._processes.append(_Worker(context, self._task, self._level))

    @property
    def pids(self) -> list[int]:
        """The worker processes' ids (none reading in this process)."""
        return [worker.pid for worker in self._processes]

    async def read(self, html: str, url: str, selectors: Selectors, now: datetime) -> Article:
        """The article on `html`, its notices logged; ExtractionError when the page has none,
        ReadFailed when the page could not be read at all."""
        if self.workers == 0:
            article, notices = read_article_notices(html, url, selectors, now=now)
            log_notices(notices)
            return article
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # the reactor's loop; tests run one loop per call
            self._loop = loop
            for worker in self._processes:
                self._watch(worker)
        job = _Job((html, url, selectors, now), loop.create_future())
        self._queue.append(job)
        self._hand_out()
        return _unpacked(await job.future, url)

    def _watch(self, worker: _Worker) -> None:
        assert self._loop is not None
        self._loop.add_reader(worker.conn.fileno(), self._answered, worker)
        self._loop.add_reader(worker.process.sentinel, self._died, worker)

    def _hand_out(self) -> None:
        """Pages to the workers: to an idle one, and a second small page to a busy one, so that it
        need not wait for the crawl between pages.

        Never a second large page: the crawl's send of a page larger than the pipe holds returns
        only once the worker takes it, and a worker that is handing back an article larger than
        the pipe holds takes nothing until the crawl reads it. Both would wait for ever."""
        while self._queue:
            worker = min(self._processes, key=lambda w: len(w.reading))
            job = self._queue[0]
            if job.future.cancelled():
                self._queue.popleft()
                continue
            if job.payload is None:
                job.payload = bytes(ForkingPickler.dumps(job.args))
            if worker.reading and (len(worker.reading) > 1 or len(job.payload) > _SMALL_PAGE):
                return
            try:
                worker.conn.send_bytes(job.payload)
            except OSError:  # it just died: its sentinel says so next
                return
            self._queue.popleft()
            job.payload = None  # a big page's copy is not kept while it is read
            worker.reading.append(job)

    def _answered(self, worker: _Worker) -> None:
        try:
            _take_answers(worker)
        except (EOFError, OSError):
            self._died(worker)
            return
        self._hand_out()

    def _died(self, worker: _Worker) -> None:
        if worker not in self._processes:
            return  # both its pipe and its sentinel said so
        logger.warning("a page-reading process died; starting a new one")
        assert self._loop is not None
        self._loop.remove_reader(worker.conn.fileno())
        self._loop.remove_reader(worker.process.sentinel)
        try:  # what it answered before it died, when its end came first
            _take_answers(worker)
        except (EOFError, OSError):
            pass
        worker.stop()
        # A worker reads its pages in order: the first it had not answered is the one it died
        # on. That page gets one more try; the others are read again as if new.
        reading = list(worker.reading)
        if reading:
            culprit = reading[0]
            culprit.tries += 1
            if culprit.tries > _TRIES:
                reading.pop(0)
                if not culprit.future.cancelled():
                    culprit.future.set_exception(ReadFailed(
                        "the page stopped the process reading it twice "
                        "(it crashed the HTML parser or ran out of memory)"))
        self._queue.extendleft(reversed(reading))
        replacement = _Worker(multiprocessing.get_context("spawn"), self._task, self._level)
        self._processes[self._processes.index(worker)] = replacement
        self._watch(replacement)
        self._hand_out()

    def close(self) -> None:
        for worker in self._processes:
            if self._loop is not None and not self._loop.is_closed():
                self._loop.remove_reader(worker.conn.fileno())
                self._loop.remove_reader(worker.process.sentinel)
            worker.stop(wait=True)
        self._processes = []
        for job in self._queue:
            job.future.cancel()
        self._queue.clear()


# A page this small (pickled) may wait in a busy worker's pipe: far below what the pipe holds
# (208 KiB by default on Linux). Tries of a page whose worker dies.
_SMALL_PAGE = 64 * 1024
_TRIES = 2


@dataclass
class _Job:
    args: tuple[str, str, Selectors, datetime]
    future: asyncio.Future[_Read]
    tries: int = 1
    payload: bytes | None = None  # the args pickled, once


class _Worker:
    """One reading process, and the crawl's end of the pipe it reads pages from."""

    def __init__(self, context: ForkContext | SpawnContext, task: Task, level: int) -> None:
        self.conn, theirs = context.Pipe()
        self.process = context.Process(target=_serve, args=(theirs, task, os.getpid(), level),
                                       name="newswatch-reader", daemon=True)
        self.process.start()
        theirs.close()
        self.reading: deque[_Job] = deque()  # handed to it, in order, not answered yet

    @property
    def pid(self) -> int:
        assert self.process.pid is not None
        return self.process.pid

    def stop(self, *, wait: bool = False) -> None:
        """Ends the worker (None says so: its pipe never closes, later workers forked holding
        this end too); one that does not end soon is killed."""
        try:
            self.conn.send(None)
        except OSError:
            pass  # dead already
        self.conn.close()
        self.process.join(timeout=10 if wait else 0)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def _take_answers(worker: _Worker) -> None:
    """The articles waiting in a worker's pipe, each to the page it answers (they come in order);
    EOFError or OSError once the worker is gone."""
    while worker.conn.poll():
        read = worker.conn.recv()
        job = worker.reading.popleft()
        if not job.future.cancelled():
            job.future.set_result(read)


def _first_context() -> ForkContext | SpawnContext:
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


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


def _serve(conn: Connection, task: Task, parent: int, level: int) -> None:
    """A worker's life: pages in, reads out, in order, until the crawl says stop (None)."""
    _worker_started(parent, level)
    while True:
        try:
            args = conn.recv()
        except (EOFError, OSError):
            return
        if args is None:
            return
        read = task(*args)
        try:
            conn.send(read)
        except (EOFError, OSError):
            return
        except Exception as exc:  # noqa: BLE001 - what was read could not be sent back (pickling)
            conn.send(_Read(None, [], read.logged, crash=one_line(exc)))


def _read_page(html: str, url: str, selectors: Selectors, now: datetime) -> _Read:
    _collector.records = []
    try:
        article, notices = read_article_notices(html, url, selectors, now=now)
    except ExtractionError as exc:
        return _Read(None, [], _collector.records, error=exc.reason)
    except Exception as exc:  # noqa: BLE001 - any failure of one page is that page's failure
        return _Read(None, [], _collector.records, crash=one_line(exc))
    return _Read(article, notices, _collector.records)

