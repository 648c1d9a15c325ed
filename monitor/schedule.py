"""The always-on service: crawls on a cron schedule, retries waiting alerts in between.

Scrapy's Twisted reactor cannot be restarted inside one process, so each crawl runs as a child
`newswatch crawl` — exactly what cron would run, with the same lock and the same exit codes. A
crash or leak in one crawl never takes the service down, and the service itself stays small.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from monitor.config import Config
from monitor.cron import cron_trigger

logger = logging.getLogger(__name__)

ALERT_RETRY_SECONDS = 120


@dataclass
class CycleResult:
    number: int
    exit_status: int
    started_at: datetime
    finished_at: datetime


class Service:
    def __init__(
        self,
        config: Config,
        crawl_command: Sequence[str],
        *,
        retry_alerts: Callable[[], Any] | None = None,
        max_cycles: int | None = None,
        on_cycle: Callable[[CycleResult], None] | None = None,
        alert_retry_seconds: float = ALERT_RETRY_SECONDS,
    ) -> None:
        self.config = config
        self.crawl_command = list(crawl_command)
        self.retry_alerts = retry_alerts
        self.max_cycles = max_cycles
        self.on_cycle = on_cycle
        self.alert_retry_seconds = alert_retry_seconds
        self.cycles = 0
        self._lock = threading.Lock()
        self.scheduler = BlockingScheduler(timezone=config.schedule.timezone)
        self.scheduler.add_listener(self._job_trouble, EVENT_JOB_ERROR | EVENT_JOB_MISSED)

    def cycle(self) -> None:
        with self._lock:  # never two crawls from this service at once; the site lock covers other processes
            started = datetime.now(UTC)
            status = subprocess.run(self.crawl_command, check=False).returncode
            self.cycles += 1
            result = CycleResult(self.cycles, status, started, datetime.now(UTC))
        log = logger.info if status == 0 else logger.warning
        log("crawl %d finished with exit status %d", result.number, status)
        if self.on_cycle:
            self.on_cycle(result)
        if self.max_cycles is not None and self.cycles >= self.max_cycles:
            self.stop()

    def _retry(self) -> None:
        if self.retry_alerts is None or not self._lock.acquire(blocking=False):
            return  # a crawl is running; it delivers alerts itself when it ends
        try:
            self.retry_alerts()
        except Exception:  # a failed retry must not stop the schedule; it is tried again later
            logger.exception("retrying waiting alerts failed")
        finally:
            self._lock.release()

    def _job_trouble(self, event: JobExecutionEvent) -> None:
        if event.exception is not None:
            logger.error("scheduled job %s failed: %s", event.job_id, event.exception)
        else:
            logger.warning("scheduled job %s missed its time; runs coalesced", event.job_id)

    def stop(self, *_: Any) -> None:
        # shutdown() from inside a job or a signal handler must not wait for that same job.
        threading.Thread(target=self.scheduler.shutdown, kwargs={"wait": False}, daemon=True).start()

    def run(self) -> None:
        trigger = cron_trigger(self.config.schedule.cron, self.config.schedule.timezone)
        self.scheduler.add_job(self.cycle, trigger, id="crawl", coalesce=True, max_instances=1,
                               misfire_grace_time=300)
        if self.retry_alerts is not None:
            every = IntervalTrigger(seconds=self.alert_retry_seconds)
            self.scheduler.add_job(self._retry, every, id="alerts", coalesce=True, max_instances=1)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self.stop)
        logger.info("schedule %r (%s); next crawl at %s", self.config.schedule.cron,
                    self.config.schedule.timezone, trigger.get_next_fire_time(None, datetime.now(UTC)))
        self.scheduler.start()


def crawl_command(config_path: str | None, sites: Sequence[str]) -> list[str]:
    command = [sys.executable, "-m", "monitor.cli"]
    if config_path:
        command += ["--config", config_path]
    command.append("crawl")
    for site in sites:
        command += ["--site", site]
    return command
