"""Chat and webhook channels through Apprise: each channel known by its masked URL, secrets never shown."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from urllib.parse import quote

import apprise

from monitor.channel_digest import Rendered
from monitor.mailer import DeliveryError

logger = logging.getLogger(__name__)

MASK = "****"
NAME_CHARS = 300  # the alert queue's recipient column holds 320


class ChannelError(Exception):
    """A channel URL Apprise cannot use; the message holds no secret."""


def scrub(text: str, secrets: Sequence[str]) -> str:
    """`text` with every secret, raw or URL-encoded, replaced by a mask."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, MASK).replace(quote(secret, safe=""), MASK)
    return text


class _Scrub(logging.Filter):
    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = scrub(record.getMessage(), self.secrets), ()
        return True


@contextmanager
def scrubbed_logs(secrets: Sequence[str]) -> Iterator[None]:
    """Apprise's own log lines may quote a URL: while it works, they pass through the mask."""
    apprise_logger = logging.getLogger("apprise")
    scrubber = _Scrub(secrets)
    apprise_logger.addFilter(scrubber)
    try:
        yield
    finally:
        apprise_logger.removeFilter(scrubber)


def _plugin(url: str, secrets: Sequence[str]) -> apprise.plugins.NotifyBase:
    with scrubbed_logs(secrets):
        plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        raise ChannelError(f"not a URL Apprise can send to: {scrub(url, secrets)}")
    return plugin


def channel_name(url: str, secrets: Sequence[str]) -> str:
    """The channel's URL as Apprise prints it with privacy on, without its query string: stable
    from run to run, distinct per channel, and free of the secrets."""
    masked = _plugin(url, secrets).url(privacy=True).split("?", 1)[0]
    return scrub(masked, secrets)[:NAME_CHARS]


def _formats(plugin: apprise.plugins.NotifyBase) -> tuple[str, ...]:
    # Apprise 1.x names one format per service, 2.x a tuple, preferred first.
    value = plugin.notify_format
    formats = value if isinstance(value, tuple | list) else (value,)
    return tuple(str(getattr(f, "value", f)) for f in formats)


class ChannelSender:
    """Sends rendered digests to one channel; a failure is a DeliveryError with a masked reason."""

    def __init__(self, url: str, secrets: Sequence[str], name: str) -> None:
        self.name = name
        self._secrets = tuple(secrets)
        self._plugin = _plugin(url, secrets)
        self._url = url

    @property
    def markdown(self) -> bool:
        """Markdown when the service shows rich text (Apprise turns it into HTML where needed)."""
        return _formats(self._plugin)[0] in ("markdown", "html")

    @property
    def body_limit(self) -> int:
        return int(getattr(self._plugin, "body_maxlen", 0) or 0)

    @property
    def title_limit(self) -> int:
        return int(getattr(self._plugin, "title_maxlen", 0) or 0)

    def send(self, message: Rendered) -> None:
        sender = apprise.Apprise()
        body_format = apprise.NotifyFormat.MARKDOWN if message.markdown else apprise.NotifyFormat.TEXT
        capture = apprise.LogCapture(level=logging.WARNING, fmt="%(message)s")
        with scrubbed_logs(self._secrets), capture as captured:
            sender.add(self._url)
            ok = sender.notify(body=message.body, title=message.title, body_format=body_format)
        if not ok:
            said = " ".join(scrub(captured.getvalue(), self._secrets).split())
            raise DeliveryError(f"{self.name}: not delivered ({said[-300:] or 'no reason given'})")
