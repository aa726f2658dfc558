"""The worker sends the outbox over SMTP: a real SMTP server (aiosmtpd) receives the messages.

Each message arrives once, in the claimant's language, with UTF-8 headers; a refused or failed
attempt is retried later with growing delays and given up after the last; without SMTP settings
nothing is sent; several workers at once never send one message twice.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from fund.extensions import db
from fund.models import Claim, Notification
from fund.notifications.queue import MAX_ATTEMPTS, RETRY_DELAYS, send_due_notifications
from tests.conftest import claim_body

MAIL_FROM = "noreply@vcf.example.kz"
SMTP_SETTINGS = ("FUND_SMTP_HOST", "FUND_SMTP_PORT", "FUND_SMTP_USER", "FUND_SMTP_PASSWORD",
                 "FUND_SMTP_STARTTLS", "FUND_MAIL_FROM")  # fmt: skip


class Mailbox:
    """An aiosmtpd handler: keeps every message it accepts, or refuses them with ``refuse_with``."""

    def __init__(self) -> None:
        self.received: list = []  # (envelope sender, recipients, raw bytes)
        self.refuse_with: str | None = None
        self.delay = 0.0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.refuse_with:
            return self.refuse_with
        with self.lock:
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list:
        return [message_from_bytes(raw, policy=default_policy) for _, _, raw in self.received]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def no_smtp(app, monkeypatch):
    """No SMTP settings at all, whatever the environment says."""
    for name in SMTP_SETTINGS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.setitem(app.config, name, None)


@pytest.fixture
def mail_server(app, no_smtp, monkeypatch):
    """A real SMTP server on a free local port, and the application configured to use it."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    mailbox.controller = controller
    monkeypatch.setitem(app.config, "FUND_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "FUND_SMTP_PORT", str(port))
    monkeypatch.setitem(app.config, "FUND_MAIL_FROM", MAIL_FROM)
    yield mailbox
    if controller.server is not None:
        controller.stop()


def outbox() -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).order_by(Notification.id)))


def submit_in(submit, language: str, email: str = "aigul@example.kz") -> str:
    return submit(claimant__language=language, claimant__email=email)["reference"]


NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the API clock of the ``clock`` fixture


@pytest.mark.parametrize(
    ("language", "sender_name", "greeting"),
    [
        ("kk", "Жәбірленушілерге өтемақы қоры", "Құрметті Айгүл Сәрсенова!"),
        ("ru", "Фонд компенсации потерпевшим", "Здравствуйте, Айгүл Сәрсенова!"),
        ("en", "Victims Compensation Fund", "Dear Айгүл Сәрсенова,"),
    ],
)
def test_the_worker_sends_the_message_in_the_claimants_language(
    submit, clock, mail_server, language, sender_name, greeting
):
    reference = submit_in(submit, language)
    (row,) = outbox()

    assert send_due_notifications(NOW) == 1

    ((envelope_from, recipients, raw),) = mail_server.received
    (message,) = mail_server.messages
    assert envelope_from == MAIL_FROM and recipients == ["aigul@example.kz"]
    assert message["To"] == "aigul@example.kz"
    # As a mail client reads it (RFC 2047: the space between two encoded words is not text;
    # Python's own address parser keeps it, so the raw header is decoded here).
    assert str(make_header(decode_header(message_from_bytes(raw)["From"]))) == f"{sender_name} <{MAIL_FROM}>"
    assert message["Subject"] == row.subject and reference in message["Subject"]
    body = message.get_content().replace("\r\n", "\n")  # SMTP carries lines ending in CRLF
    assert body == row.body and body.startswith(greeting)
    assert message.get_content_charset() == "utf-8"
    assert message["Content-Language"] == language
    assert message["Message-ID"] == f"<vcf-notification-{row.id}@vcf.example.kz>"
    # Headers travel as ASCII (RFC 2047 encoded words), whatever the language.
    headers = raw.split(b"\r\n\r\n", 1)[0]
    headers.decode("ascii")
    if language != "en":
        assert b"=?utf-8?" in headers
    (row,) = outbox()
    assert (row.state, row.attempts, row.sent_at, row.last_error) == ("sent", 1, NOW, None)


def test_a_sent_message_is_never_sent_again(submit, clock, mail_server):
    submit_in(submit, "kk")

    assert send_due_notifications(NOW) == 1
    assert send_due_notifications(NOW + timedelta(days=1)) == 0

    assert len(mail_server.received) == 1


def test_a_message_waits_for_its_time_and_the_limit_is_kept(submit, clock, mail_server):
    for _ in range(3):
        submit_in(submit, "ru")

    assert send_due_notifications(NOW - timedelta(seconds=1)) == 0
    assert send_due_notifications(NOW, limit=2) == 2
    assert [row.state for row in outbox()] == ["sent", "sent", "queued"]
    assert send_due_notifications(NOW) == 1


def test_a_refused_message_is_retried_later_and_then_sent(submit, clock, mail_server):
    submit_in(submit, "kk")
    mail_server.refuse_with = "451 4.3.0 Mail server temporarily rejected message"

    assert send_due_notifications(NOW) == 0

    (row,) = outbox()
    assert (row.state, row.attempts) == ("failed", 1)
    assert row.last_error == "451 4.3.0 Mail server temporarily rejected message"
    assert row.next_attempt_at == NOW + RETRY_DELAYS[0] == NOW + timedelta(minutes=1)
    assert mail_server.received == []

    mail_server.refuse_with = None
    assert send_due_notifications(NOW + timedelta(seconds=59)) == 0  # not yet
    assert outbox()[0].attempts == 1
    assert send_due_notifications(NOW + timedelta(minutes=1)) == 1

    (row,) = outbox()
    assert (row.state, row.attempts, row.sent_at) == ("sent", 2, NOW + timedelta(minutes=1))
    assert len(mail_server.received) == 1


def test_an_unreachable_mail_server_fails_one_attempt_and_ends_the_round(submit, clock, mail_server):
    for _ in range(3):
        submit_in(submit, "en")
    mail_server.controller.stop()

    assert send_due_notifications(NOW) == 0

    first, *others = outbox()
    assert first.state == "failed" and "ConnectionRefusedError" in first.last_error
    assert [(row.state, row.attempts) for row in others] == [("queued", 0), ("queued", 0)]


def test_a_refused_message_does_not_hold_up_the_next_one(submit, clock, mail_server):
    submit_in(submit, "kk", email="full@example.kz")
    submit_in(submit, "ru", email="ok@example.kz")

    class RefuseOne(Mailbox):
        async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
            if address == "full@example.kz":
                return "452 4.2.2 Mailbox full"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    mail_server.__class__ = RefuseOne

    assert send_due_notifications(NOW) == 1

    full, ok = outbox()
    assert full.state == "failed" and full.last_error == "recipient refused: 452 4.2.2 Mailbox full"
    assert ok.state == "sent" and mail_server.received[0][1] == ["ok@example.kz"]


def test_after_the_last_failed_attempt_the_message_is_given_up(submit, clock, mail_server):
    submit_in(submit, "kk", email="aigul@example.kz")
    mail_server.refuse_with = "451 4.3.0 Try again later"
    moment = NOW
    seen = []

    for delay in (*RETRY_DELAYS, None):
        assert send_due_notifications(moment) == 0
        (row,) = outbox()
        seen.append((row.state, row.attempts))
        if delay is not None:
            assert row.next_attempt_at == moment + delay
            moment += delay

    assert seen == [("failed", n) for n in range(1, MAX_ATTEMPTS)] + [("given_up", MAX_ATTEMPTS)]
    assert MAX_ATTEMPTS == 6 and [d.total_seconds() / 60 for d in RETRY_DELAYS] == [1, 5, 30, 120, 720]
    (row,) = outbox()
    assert row.next_attempt_at is None and row.last_error == "451 4.3.0 Try again later"
    mail_server.refuse_with = None
    assert send_due_notifications(moment + timedelta(days=30)) == 0  # given up: never by itself
    assert mail_server.received == []


def test_a_refusal_that_names_the_recipient_is_stored_with_the_address_masked(submit, clock, mail_server):
    submit_in(submit, "kk", email="aigul@example.kz")
    mail_server.refuse_with = "450 4.2.1 <aigul@example.kz>: mailbox busy"

    send_due_notifications(NOW)

    assert outbox()[0].last_error == "450 4.2.1 <a***@example.kz>: mailbox busy"


def test_without_smtp_settings_nothing_is_sent_and_messages_stay_queued(submit, clock, no_smtp):
    submit_in(submit, "kk")

    assert send_due_notifications(NOW + timedelta(days=1)) == 0

    (row,) = outbox()
    assert (row.state, row.attempts, row.last_attempt_at) == ("queued", 0, None)


def test_a_claimant_without_an_address_is_never_written_to(submit, clock, mail_server):
    body = claim_body()
    del body["claimant"]["email"]
    submit(claimant=body["claimant"])

    assert send_due_notifications(NOW) == 0

    assert outbox()[0].state == "no_address" and mail_server.received == []


def test_the_worker_command_sends_what_is_due_and_says_how_many(app, submit, mail_server):
    submit_in(submit, "ru")  # on the wall clock: due now

    result = app.test_cli_runner().invoke(args=["worker", "--once"])

    assert result.exit_code == 0, result.output
    assert "sent 1 notification(s)" in result.output
    assert len(mail_server.received) == 1 and outbox()[0].state == "sent"


def test_two_workers_sending_at_once_never_send_one_message_twice(app, submit, clock, mail_server):
    # PostgreSQL: SKIP LOCKED; SQLite: the database write lock. Both must hold.
    submit_in(submit, "kk")
    (first,) = outbox()
    for sequence in range(1000, 1029):  # 30 messages of one claim, all due
        db.session.add(
            Notification(
                claim_id=first.claim_id, event_sequence=sequence, kind=first.kind, language="kk",
                recipient=f"person{sequence}@example.kz", subject=first.subject, body=first.body,
                state="queued", attempts=0, next_attempt_at=NOW, created_at=NOW,
            )
        )  # fmt: skip
    db.session.commit()
    mail_server.delay = 0.02  # each send takes a while, so the two workers overlap
    counts: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            with app.app_context():
                start.wait()
                counts.append(send_due_notifications(NOW))
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sum(counts) == 30 and all(count > 0 for count in counts), counts
    message_ids = [message["Message-ID"] for message in mail_server.messages]
    assert len(message_ids) == 30 and len(set(message_ids)) == 30
    assert {(row.state, row.attempts) for row in outbox()} == {("sent", 1)}
    assert db.session.scalar(select(Claim.reference).where(Claim.id == first.claim_id))
