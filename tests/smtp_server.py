"""A real SMTP server on 127.0.0.1 for tests: collects what it accepts, can refuse or go away.

    with smtp_server() as server:
        Mailer(server.settings(recipients=("a@example.org",))).send(msg)
        assert server.messages[0]["Subject"] == ...
        server.mode = "tempfail"      # 451 to DATA
        server.stop()                 # connection refused on the same port
        server.start()
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, Literal

from aiosmtpd.controller import Controller

from monitor.config import EmailSettings, email_settings

Mode = Literal["ok", "tempfail", "tempfail_rcpt", "reject"]
HOST = "127.0.0.1"
# What the server answers in each failing mode, and at which step.
DATA_REPLIES = {"tempfail": "451 4.3.0 Try again later", "reject": "554 5.7.1 Message refused"}
RCPT_REPLIES = {"tempfail_rcpt": "451 4.2.1 Mailbox busy, try again later"}


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self._server = server

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        reply = RCPT_REPLIES.get(self._server.mode)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = DATA_REPLIES.get(self._server.mode)
        if reply:
            return reply
        raw = envelope.original_content or envelope.content
        message = message_from_bytes(raw, policy=policy.default)
        self._server.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), message, raw)
        )
        return "250 OK"


class SmtpServer:
    """aiosmtpd on a fixed loopback port, so stop() then start() looks like an outage."""

    def __init__(self, port: int | None = None) -> None:
        self.host = HOST
        self.port = port or free_port()
        self.mode: Mode = "ok"
        self.received: list[Received] = []
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        return [r.message for r in self.received]

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        if self._controller is None:
            controller = Controller(_Handler(self), hostname=self.host, port=self.port)
            controller.start()
            self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def settings(self, **overrides: Any) -> EmailSettings:
        """EmailSettings that deliver to this server (plain SMTP, short timeout)."""
        base = email_settings(smtp_host=self.host, smtp_port=self.port, timeout=5.0,
                              sender="newswatch@example.org")
        return replace(base, **overrides)


@contextmanager
def smtp_server() -> Iterator[SmtpServer]:
    """A started SmtpServer, stopped when the block ends."""
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
