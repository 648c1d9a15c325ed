"""Politeness across every site of one run: one pace and one concurrency limit per host, and the
host's Retry-After honoured on 429 and 503.

Scrapy keeps its download slots per crawler, and newswatch runs one crawler per site, so two sites
on one host would each get the full rate. The `HostGate` is shared by all crawlers of the process
(it goes into the settings, which Scrapy copies per crawler; copies share it), and the downloader
middleware makes every request pass it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Self
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response

logger = logging.getLogger(__name__)

GATE_SETTING = "NEWSWATCH_HOST_GATE"
RETRY_AFTER_STATUSES = (429, 503)
_ENTERED = "newswatch_host_gate"  # request.meta key: the host whose slot the request holds


class HostClosed(IgnoreRequest):
    """The host asked for a longer pause than newswatch waits within one run."""


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds from `now`: delta-seconds or an HTTP-date (RFC 9110 10.2.3)."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)


@dataclass
class _Host:
    next_start: float = 0.0
    paused_until: float = 0.0
    closed: str = ""  # why the host is left alone for the rest of the run
    slots: asyncio.Semaphore | None = None


@dataclass
class HostGate:
    """Request starts per host at least `delay` seconds apart, at most `concurrency` in flight."""

    delay: float
    concurrency: int
    max_wait: float
    clock: Callable[[], float] = time.monotonic
    _hosts: dict[str, _Host] = field(default_factory=dict)

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self  # one gate for every crawler of the process: that is its job

    def _host(self, host: str) -> _Host:
        state = self._hosts.setdefault(host, _Host())
        if state.slots is None:  # created inside the running event loop
            state.slots = asyncio.Semaphore(self.concurrency)
        return state

    async def enter(self, host: str) -> None:
        state = self._host(host)
        assert state.slots is not None
        await state.slots.acquire()
        try:
            while True:
                if state.closed:
                    raise HostClosed(state.closed)
                now = self.clock()
                start = max(state.next_start, state.paused_until)
                if start <= now:
                    state.next_start = now + self.delay
                    return
                await asyncio.sleep(start - now)
        except BaseException:
            state.slots.release()
            raise

    def leave(self, host: str) -> None:
        state = self._hosts.get(host)
        if state is not None and state.slots is not None:
            state.slots.release()

    def hold_off(self, host: str, seconds: float) -> bool:
        """The host asked for a pause: every request to it waits. A pause longer than `max_wait`
        closes the host for this run instead (False): its requests fail with the reason."""
        state = self._host(host)
        if seconds > self.max_wait:
            state.closed = (f"{host} asked to wait {seconds:g} s (Retry-After), more than "
                            f"max_retry_wait ({self.max_wait:g} s): not fetched again in this run")
            return False
        state.paused_until = max(state.paused_until, self.clock() + seconds)
        return True


class PolitenessMiddleware:
    """Downloader middleware: every request passes the shared HostGate; Retry-After pauses the host.

    It sits nearest the downloader, so it sees a 429/503 before the retry middleware retries it:
    the retry then waits out the pause like every other request to that host.
    """

    def __init__(self, gate: HostGate) -> None:
        self.gate = gate

    @classmethod
    def from_crawler(cls, crawler: Any) -> Self:
        gate = crawler.settings.get(GATE_SETTING)
        if gate is None:
            raise NotConfigured(f"no {GATE_SETTING} in the settings")
        return cls(gate)

    # `spider` is optional: Scrapy 2.13 passes it, later versions do not.
    async def process_request(self, request: Request, spider: Any = None) -> None:
        host = urlsplit(request.url).hostname or ""
        await self.gate.enter(host)
        request.meta[_ENTERED] = host

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        self._leave(request)
        if response.status in RETRY_AFTER_STATUSES:
            header = response.headers.get(b"Retry-After")
            seconds = retry_after_seconds(header.decode("latin-1") if header else None, datetime.now(UTC))
            if seconds is not None:
                host = urlsplit(request.url).hostname or ""
                logger.info("%s answered %d with Retry-After %g s", host, response.status, seconds)
                if not self.gate.hold_off(host, seconds):
                    request.meta["dont_retry"] = True
        return response

    def process_exception(self, request: Request, exception: BaseException, spider: Any = None) -> None:
        self._leave(request)

    def _leave(self, request: Request) -> None:
        host = request.meta.pop(_ENTERED, None)
        if host is not None:
            self.gate.leave(host)
