"""The item pipeline: hands every record the spider yields to the run's sink, a batch at a time.

The sink is the crawler's own setting (SINK_SETTING), read in `from_crawler`; a crawler without
one has no pipeline (NotConfigured). Records are written in batches of BATCH_SIZE_SETTING records
or every BATCH_SECONDS_SETTING seconds, whichever comes first, and when the spider closes. A
batch is written on a thread, off the reactor, while the next collects (so compression and the
database's own work overlap the crawl); batches are written one at a time, in order, whatever
the number of crawlers. A batch that cannot be written (the database is down)
stops the crawl: the error goes to the crawler's stats (SINK_ERROR_STAT) and the spider closes
with reason SINK_ERROR_REASON.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task, threads
from twisted.internet.defer import Deferred, DeferredLock
from twisted.python.failure import Failure

from crawler.records import CrawlRecord

logger = logging.getLogger(__name__)

SINK_SETTING = "NEWSWATCH_SINK"
BATCH_SIZE_SETTING = "NEWSWATCH_BATCH_SIZE"
BATCH_SECONDS_SETTING = "NEWSWATCH_BATCH_SECONDS"
SINK_ERROR_STAT = "newswatch/sink_error"
LOST_STAT = "newswatch/records_not_stored"
SINK_ERROR_REASON = "sink_error"

# Batches are written on a thread of the reactor's pool, one at a time across every crawler of the
# process (the sites of one run share the store), in the order they were started.
_WRITES = DeferredLock()


class Sink(Protocol):
    """Where a run's records go: collected by `add`, handed over by `take` (both on the reactor
    thread), and a batch so taken written by `write` (all of it or none) on the writer thread,
    while `add` goes on."""

    @property
    def pending(self) -> int: ...

    def add(self, record: CrawlRecord) -> None: ...

    def take(self) -> list[Any]: ...

    def write(self, batch: list[Any]) -> object: ...


class SinkPipeline:
    def __init__(self, crawler: Crawler, sink: Sink, batch_size: int, batch_seconds: float) -> None:
        self.crawler = crawler
        self.sink = sink
        self.batch_size = batch_size
        self.batch_seconds = batch_seconds
        self.failed = False
        self._timer: task.LoopingCall | None = None
        self._writing: Deferred[object] | None = None  # the batch on the writer thread, if any

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SinkPipeline:
        sink = crawler.settings.get(SINK_SETTING)
        if sink is None:
            raise NotConfigured(f"no {SINK_SETTING} in the settings")
        return cls(crawler, sink, crawler.settings.getint(BATCH_SIZE_SETTING, 200),
                   crawler.settings.getfloat(BATCH_SECONDS_SETTING, 0.5))

    def open_spider(self) -> None:
        if self.batch_seconds > 0:
            self._timer = task.LoopingCall(self._flush)
            self._timer.start(self.batch_seconds, now=False)

    def process_item(self, item: CrawlRecord) -> CrawlRecord:
        if not self.failed:
            self.sink.add(item)
            if self.sink.pending >= self.batch_size:
                self._flush()
        return item

    def close_spider(self) -> Deferred[None]:
        """Fires once everything collected is written (or the sink failed)."""
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        done: Deferred[None] = Deferred()

        def last(_: object = None) -> None:
            if self._writing is not None:  # a batch still on the writer thread: after it
                self._writing.addBoth(last)
                return
            flushing = self._flush()
            if flushing is None:
                done.callback(None)
            else:
                flushing.addBoth(last)

        last()
        return done

    def _flush(self) -> Deferred[object] | None:
        """Start writing what the sink holds; None when there is nothing to start. While a batch is
        being written the next one keeps collecting, so at most one is on the writer thread."""
        if self.failed or self._writing is not None or not self.sink.pending:
            return None
        batch = self.sink.take()  # here, on the reactor thread: `add` never races the hand-over
        pending = len(batch)

        def write() -> Deferred[object]:
            return threads.deferToThread(self.sink.write, batch)

        writing = _WRITES.run(write)
        self._writing = writing

        def written(result: object) -> None:
            self._writing = None

        def failed(failure: Failure) -> None:
            self._writing = None
            self._failed(failure.value, pending + self.sink.pending)

        writing.addCallbacks(written, failed)
        return writing

    def _failed(self, exc: BaseException, lost: int) -> None:
        logger.error("could not record %d records: %s", lost, exc)
        self.failed = True
        stats = self._stats()
        stats.set_value(SINK_ERROR_STAT, " ".join(str(exc).split()) or type(exc).__name__)
        stats.inc_value(LOST_STAT, lost)
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None and engine.running:
            deferred_from_coro(engine.close_spider_async(reason=SINK_ERROR_REASON))

    def _stats(self) -> StatsCollector:
        assert self.crawler.stats is not None, "a crawler has its stats once it is configured"
        return self.crawler.stats
