"""The item pipeline: hands every record the spider yields to the run's sink, a batch at a time.

The sink is the crawler's own setting (SINK_SETTING), read in `from_crawler`; a crawler without
one has no pipeline (NotConfigured). Records are written in batches of BATCH_SIZE_SETTING records
or every BATCH_SECONDS_SETTING seconds, whichever comes first, and when the spider closes. A
batch that cannot be written (the database is down) stops the crawl: the error goes to the
crawler's stats (SINK_ERROR_STAT) and the spider closes with reason SINK_ERROR_REASON.
"""

from __future__ import annotations

import logging
from typing import Protocol

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from crawler.records import CrawlRecord

logger = logging.getLogger(__name__)

SINK_SETTING = "NEWSWATCH_SINK"
BATCH_SIZE_SETTING = "NEWSWATCH_BATCH_SIZE"
BATCH_SECONDS_SETTING = "NEWSWATCH_BATCH_SECONDS"
SINK_ERROR_STAT = "newswatch/sink_error"
LOST_STAT = "newswatch/records_not_stored"
SINK_ERROR_REASON = "sink_error"


class Sink(Protocol):
    """Where a run's records go: collected by `add`, written by `flush` (all of them or none)."""

    @property
    def pending(self) -> int: ...

    def add(self, record: CrawlRecord) -> None: ...

    def flush(self) -> None: ...


class SinkPipeline:
    def __init__(self, crawler: Crawler, sink: Sink, batch_size: int, batch_seconds: float) -> None:
        self.crawler = crawler
        self.sink = sink
        self.batch_size = batch_size
        self.batch_seconds = batch_seconds
        self.failed = False
        self._timer: task.LoopingCall | None = None

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

    def close_spider(self) -> None:
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        self._flush()

    def _flush(self) -> None:
        if self.failed or not self.sink.pending:
            return
        pending = self.sink.pending
        try:
            self.sink.flush()
        except Exception as exc:  # noqa: BLE001 - a sink failure (database down) ends the crawl
            logger.error("could not record %d records: %s", pending, exc)
            self.failed = True
            stats = self._stats()
            stats.set_value(SINK_ERROR_STAT, " ".join(str(exc).split()) or type(exc).__name__)
            stats.inc_value(LOST_STAT, pending)
            engine = self.crawler.engine
            if engine is not None and engine.spider is not None and engine.running:
                deferred_from_coro(engine.close_spider_async(reason=SINK_ERROR_REASON))

    def _stats(self) -> StatsCollector:
        assert self.crawler.stats is not None, "a crawler has its stats once it is configured"
        return self.crawler.stats
