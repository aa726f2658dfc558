"""E-mail over SMTP for the notification outbox: settings, the message, one delivery attempt.

Settings come from the application's config, else the environment: FUND_SMTP_HOST (unset: e-mail
is not configured, nothing is sent), FUND_SMTP_PORT (25), FUND_SMTP_USER and FUND_SMTP_PASSWORD
(log in only when a user is given), FUND_SMTP_STARTTLS (1/true/yes: upgrade the connection with
STARTTLS before logging in), FUND_MAIL_FROM (the sender address; default noreply@ the host of
FUND_PUBLIC_URL), FUND_SMTP_TIMEOUT (seconds, 20).
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urlsplit

from flask import current_app, has_app_context

from fund.letters.texts import FUND_NAME

DEFAULT_PORT = 25
DEFAULT_TIMEOUT_SECONDS = 20.0
_TRUE = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send: read by :func:`smtp_settings`."""

    host: str
    port: int
    user: str | None
    password: str | None
    starttls: bool
    mail_from: str
    timeout: float


def _setting(name: str) -> str | None:
    value = current_app.config.get(name) if has_app_context() else None
    if value is None:
        value = os.environ.get(name)
    return None if value is None or str(value).strip() == "" else str(value).strip()


def smtp_settings() -> SmtpSettings | None:
    """The SMTP settings, or None when FUND_SMTP_HOST is not set (e-mail is not configured)."""
    host = _setting("FUND_SMTP_HOST")
    if host is None:
        return None
    public_host = urlsplit(_setting("FUND_PUBLIC_URL") or "http://localhost").hostname or "localhost"
    return SmtpSettings(
        host=host,
        port=int(_setting("FUND_SMTP_PORT") or DEFAULT_PORT),
        user=_setting("FUND_SMTP_USER"),
        password=_setting("FUND_SMTP_PASSWORD"),
        starttls=(_setting("FUND_SMTP_STARTTLS") or "").lower() in _TRUE,
        mail_from=_setting("FUND_MAIL_FROM") or f"noreply@{public_host}",
        timeout=float(_setting("FUND_SMTP_TIMEOUT") or DEFAULT_TIMEOUT_SECONDS),
    )


@dataclass(frozen=True)
class Outgoing:
    """What one delivery needs, read from the outbox row before any network I/O."""

    notification_id: int
    language: str
    recipient: str
    subject: str
    body: str
    kind: str = ""
    request_id: str | None = None  # the request that queued it: the worker's log lines carry it


def email_message(outgoing: Outgoing, settings: SmtpSettings, now: datetime) -> EmailMessage:
    """The e-mail: UTF-8 subject and body, the Fund's name in the claimant's language as sender.

    The Message-ID is the same on every attempt of one notification, so a mail client shows a
    message that did arrive twice (see "at most once" in :mod:`fund.notifications.queue`) once.
    """
    local_part, _, domain = settings.mail_from.rpartition("@")
    message = EmailMessage()
    message["Subject"] = outgoing.subject
    message["From"] = Address(display_name=FUND_NAME.get(outgoing.language, FUND_NAME["en"]),
                              username=local_part, domain=domain)  # fmt: skip
    message["To"] = outgoing.recipient
    message["Date"] = format_datetime(now)
    message["Message-ID"] = f"<vcf-notification-{outgoing.notification_id}@{domain or 'localhost'}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    message.set_content(outgoing.body, charset="utf-8")
    message["Content-Language"] = outgoing.language  # after set_content, which clears Content-*
    return message


def deliver(message: EmailMessage, settings: SmtpSettings) -> None:
    """Hand the message to the SMTP server; raises ``smtplib.SMTPException`` or ``OSError``."""
    with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.user:
            smtp.login(settings.user, settings.password or "")
        smtp.send_message(message)


def server_unavailable(error: Exception) -> bool:
    """Whether the failure is the server's, not the message's: no connection, timeout, refused login.

    Then every other message would fail the same way (each after the timeout), so the worker stops
    this round instead of holding up its other work.
    """
    if isinstance(error, (smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected)):
        return True
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return True
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)


def describe_failure(error: Exception, recipient: str, masked_recipient: str) -> str:
    """A short, loggable reason for a failed attempt, without the recipient's address."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(error.recipients.values()), (0, b""))
        text = f"recipient refused: {code} {_decoded(reply)}"
    elif isinstance(error, smtplib.SMTPResponseException):
        text = f"{error.smtp_code} {_decoded(error.smtp_error)}"
    else:
        text = f"{type(error).__name__}: {error}"
    return text.replace(recipient, masked_recipient)[:500]


def _decoded(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def mask_recipient(address: str | None) -> str:
    """An e-mail address as staff see it in the outbox: ``a***@example.kz``."""
    if not address:
        return ""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"
