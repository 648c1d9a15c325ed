"""Scrapy settings derived from newswatch's crawl settings: politeness on by default."""

from __future__ import annotations

from typing import Any

from crawler.politeness import GATE_SETTING, HostGate
from crawler.profile import CrawlSettings


def scrapy_settings(crawl: CrawlSettings) -> dict[str, Any]:
    """Settings for one process's crawlers; they share one HostGate, so per-host delay and
    concurrency hold across all sites of the run."""
    return {
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": crawl.obey_robots,
        # The HostGate spaces requests by download_delay per host across every crawler of the
        # run; Scrapy's own per-crawler delay would only add a second, random wait after it.
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrency,
        "CONCURRENT_REQUESTS": max(16, crawl.concurrency * 2),
        "AUTOTHROTTLE_ENABLED": crawl.autothrottle,
        # AutoThrottle starts no faster than the configured delay, and never slower than 5 s.
        "AUTOTHROTTLE_START_DELAY": min(max(crawl.download_delay, 0.1), 5.0),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(crawl.concurrency),
        "DOWNLOAD_TIMEOUT": crawl.timeout,
        "RETRY_ENABLED": crawl.retries > 0,
        "RETRY_TIMES": crawl.retries,
        # Scrapy applies both to the body as received and, in HttpCompressionMiddleware, to the
        # body as it is decompressed, so a gzip bomb stops at the limit too.
        "DOWNLOAD_MAXSIZE": crawl.max_size,
        "DOWNLOAD_WARNSIZE": crawl.warn_size,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        # Scrapy starts this many asyncio tasks for every response's output; both pipelines are
        # synchronous, so one does the work of the default 100, which cost about 0.4 ms a response.
        "CONCURRENT_ITEMS": 1,
        "LOG_LEVEL": "WARNING",
        # Scrapy checks each callback for `return value` inside a generator, by reading and parsing
        # its source; its cache holds bound methods weakly, so it did so for every response (~1 ms).
        "WARN_ON_GENERATOR_RETURN_VALUE": False,
        # crawl-health counts first, then the sink that stores
        "ITEM_PIPELINES": {"crawler.health_stats.HealthStatsPipeline": 50,
                           "crawler.pipeline.SinkPipeline": 100},
        "DOWNLOADER_MIDDLEWARES": {
            # before robots.txt (100) and Scrapy's own off-site check (50): nothing off-site is sent
            "crawler.middlewares.AllowedDomainsMiddleware": 40,
            # nearest the downloader: it sees a 429/503 before the retry middleware does
            "crawler.politeness.PolitenessMiddleware": 960,
        },
        # outermost, so it also catches what the other spider middlewares raise
        "SPIDER_MIDDLEWARES": {"crawler.middlewares.FailedResponseMiddleware": 10},
        GATE_SETTING: HostGate(crawl.download_delay, crawl.concurrency, crawl.max_retry_wait),
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        "DNS_TIMEOUT": min(crawl.timeout, 20.0),
    }
