"""Hands a finished message to the configured SMTP server (or a folder); every failure is a DeliveryError."""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

from monitor.config import EmailSettings

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    """The message was not accepted. `reason` is short enough for a log line and the alert row.

    `unreachable` is True when the server could not be talked to at all (refused, timed out, TLS,
    dropped connection): other messages sent now would fail the same way.
    """

    def __init__(self, reason: str, *, unreachable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.unreachable = unreachable


class Mailer:
    """SMTP delivery as configured: SMTP_SSL when `ssl`, else SMTP with optional STARTTLS and login."""

    def __init__(self, settings: EmailSettings, *, tls_context: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        self._tls_context = tls_context

    def send(self, msg: EmailMessage) -> None:
        if self.settings.save_to:
            self._save(msg, Path(self.settings.save_to))
            return
        try:
            self._send(msg)
        except smtplib.SMTPResponseException as exc:
            reply = _reply_reason(exc.smtp_code, exc.smtp_error)
            raise DeliveryError(f"{self._where} answered {reply}") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()), (0, b""))
            raise DeliveryError(f"{self._where} refused the recipient: {_reply_reason(code, text)}") from exc
        except smtplib.SMTPServerDisconnected as exc:
            # smtplib turns a read that timed out into "Connection unexpectedly closed"
            if isinstance(exc.__context__, TimeoutError):
                raise self._timed_out() from exc
            raise DeliveryError(f"{self._where}: server disconnected ({exc})", unreachable=True) from exc
        except smtplib.SMTPException as exc:
            raise DeliveryError(f"{self._where}: {exc}") from exc
        except UnicodeEncodeError as exc:
            # smtplib sends AUTH credentials as ASCII only
            raise DeliveryError(f"{self._where}: the SMTP username and password must be ASCII") from exc
        except ssl.SSLError as exc:
            raise DeliveryError(f"{self._where}: TLS error ({exc.reason or exc})", unreachable=True) from exc
        except TimeoutError as exc:
            raise self._timed_out() from exc
        except ConnectionRefusedError as exc:
            raise DeliveryError(f"{self._where}: connection refused", unreachable=True) from exc
        except OSError as exc:
            raise DeliveryError(f"{self._where}: {exc.strerror or exc}", unreachable=True) from exc

    def _save(self, msg: EmailMessage, folder: Path) -> None:
        """The message as a .eml file, named by its Message-ID so a re-sent alert overwrites itself."""
        name = re.sub(r"[^\w.@-]+", "_", str(msg["Message-ID"] or "message").strip("<>")) + ".eml"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            partial = folder / f".{name}.part"
            partial.write_bytes(msg.as_bytes())
            partial.replace(folder / name)  # whole or not at all
        except OSError as exc:
            raise DeliveryError(f"cannot write {folder / name}: {exc.strerror or exc}") from exc

    def _timed_out(self) -> DeliveryError:
        return DeliveryError(f"{self._where}: timed out after {self.settings.timeout:g} s", unreachable=True)

    @property
    def _where(self) -> str:
        return f"{self.settings.smtp_host}:{self.settings.smtp_port}"

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.ssl:
            return smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.timeout, context=self._context())
        return smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout)

    def _context(self) -> ssl.SSLContext:
        return self._tls_context or ssl.create_default_context()

    def _send(self, msg: EmailMessage) -> None:
        s = self.settings
        smtp = self._connect()
        try:
            if s.starttls and not s.ssl:
                smtp.starttls(context=self._context())
            if s.username:
                smtp.login(s.username, s.password)
            refused = smtp.send_message(msg)
        finally:
            self._quit(smtp)
        # Some recipients took it: retrying would send them a second copy, so only log the rest.
        for recipient, (code, text) in refused.items():
            logger.warning("%s refused %s: %s", self._where, recipient, _reply_reason(code, text))

    def _quit(self, smtp: smtplib.SMTP) -> None:
        # After the message was accepted a failing QUIT changes nothing; before, the real error
        # is already on its way up. Either way it must not replace what happened.
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError) as exc:
            logger.debug("%s: closing the connection failed: %s", self._where, exc)
            smtp.close()


def _reply_reason(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}".strip()
