"""Hands every record the spider yields to the sink the caller gave it; the caller decides what to keep."""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)


class SinkPipeline:
    def process_item(self, item: Any, spider: Any) -> Any:
        try:
            spider.sink(item)
        except Exception as exc:  # noqa: BLE001 - a sink failure (database down) ends the crawl
            logger.error("could not record %s: %s", type(item).__name__, exc)
            spider.sink_error = exc
            spider.crawler.engine.close_spider(spider, "sink_error")
        return item
