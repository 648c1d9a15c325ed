"""STARTTLS and login against a real aiosmtpd server with its own certificate."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from monitor.mailer import DeliveryError, Mailer
from tests.smtp_server import HOST, free_port

USER, PASSWORD = "newswatch", "s3cret-pass"


def _certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]), False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class _Collect:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(), PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[Controller, _Collect, ssl.SSLContext, int]]:
    cert, key = _certificate(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    client_context = ssl.create_default_context(cafile=str(cert))
    handler, port = _Collect(), free_port()
    controller = Controller(handler, hostname=HOST, port=port, tls_context=server_context,
                            require_starttls=True, authenticator=_authenticate, auth_require_tls=True)
    controller.start()
    try:
        yield controller, handler, client_context, port
    finally:
        controller.stop()


def _settings(port: int, **overrides: Any) -> Any:
    from monitor.config import email_settings

    base = dict(smtp_host=HOST, smtp_port=port, starttls=True, username=USER, password=PASSWORD,
                sender="newswatch@example.org", recipients=("analyst@example.org",), timeout=5.0)
    return email_settings(**{**base, **overrides})


def _message() -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "newswatch@example.org", "analyst@example.org", "Tin mới"
    msg.set_content("Bộ Công Thương")
    return msg


def test_starttls_and_login_deliver(tls_server: Any) -> None:
    _controller, handler, context, port = tls_server
    Mailer(_settings(port), tls_context=context).send(_message())
    assert len(handler.messages) == 1


def test_a_wrong_password_is_a_delivery_error_naming_the_reply(tls_server: Any) -> None:
    _controller, handler, context, port = tls_server
    with pytest.raises(DeliveryError, match="535"):
        Mailer(_settings(port, password="sai"), tls_context=context).send(_message())
    assert handler.messages == []


def test_an_untrusted_certificate_is_a_tls_error(tls_server: Any) -> None:
    _controller, handler, _context, port = tls_server
    with pytest.raises(DeliveryError, match="TLS error"):
        Mailer(_settings(port)).send(_message())
    assert handler.messages == []


def test_a_non_ascii_password_is_a_clear_delivery_error(tls_server: Any) -> None:
    _controller, _handler, context, port = tls_server
    with pytest.raises(DeliveryError, match="must be ASCII"):
        Mailer(_settings(port, password="mật-khẩu"), tls_context=context).send(_message())
