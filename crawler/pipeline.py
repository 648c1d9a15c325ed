"""Hands every record the spider yields to the sink the caller gave it; the caller decides what to keep."""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)


class SinkPipeline:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> SinkPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        spider = self.crawler.spider
        try:
            spider.sink(item)
        except Exception as exc:  # noqa: BLE001 - a sink failure (database down) ends the crawl
            logger.error("could not record %s: %s", type(item).__name__, exc)
            spider.sink_error = exc
            self.crawler.engine.close_spider(spider, "sink_error")
        return item
