"""Notifications to claimants: queued with the command that changed the claim, sent by the worker.

Queueing. :func:`claimant_notification` gives the row that :func:`fund.claims.instances.
apply_command` writes with the command's other writes, in the same transaction as the status
change: if the command is rolled back, so is its message; if it commits, the message is in the
outbox. One command queues at most one message (what the claimant sees changed once), and the
unique key (claim, event sequence, kind) stops the
same event queuing twice. The subject and body are rendered at once in the claimant's language and
stored: what was sent is what is stored. Claimants without an e-mail address get a row in state
``no_address``: never sent, but visible to administrators.

What a message may say. E-mail is not a safe channel (it crosses servers the Fund does not
control, and mailboxes are shared or read by others), so a message carries the claimant's name
and the claim reference and nothing else about them: never the access code, the IIN, the bank
account, the amount, the category or the crime. It says what happened, what happens next and by
when, and points to the portal's status page, where the claimant signs in with the access code.

Sending: at most once. :func:`send_due_notifications` takes one due row at a time with a single
``UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING id`` that marks it
``sending`` and counts the attempt, and commits *before* talking to the mail server. Several
workers therefore never take the same row (PostgreSQL skips rows another worker holds; SQLite
runs the statement under its database write lock). After the send a second transaction marks it
``sent``, or ``failed`` with the next attempt scheduled (1, 5, 30 minutes, 2 and 12 hours), or
``given_up`` after the sixth failed attempt. A worker that dies between the send and that second
commit leaves the row in ``sending``: it is never sent again by itself (an administrator sees it
and may retry it). A claimant may thus miss an e-mail in that rare case, but never gets one twice
from our side; the portal and the letters remain the record. (When the server refuses or the
connection fails, SMTP says the message was not accepted, so retrying does not duplicate it.)
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from fund.common import logs
from fund.extensions import db
from fund.letters.service import public_url
from fund.models import Claim, Notification
from fund.notifications.render import RenderedMessage, render_message
from fund.notifications.smtp import (
    Outgoing,
    deliver,
    describe_failure,
    email_message,
    mask_recipient,
    server_unavailable,
    smtp_settings,
)
from workflows.engine import Outcome

log = logging.getLogger(__name__)

LETTER_MESSAGE_PREFIX = "letter_due_"
# After the 1st, 2nd, ... failed attempt, wait this long; after one more failure, give up.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
DUE_STATES = ("queued", "failed")

# What the claimant is told when the claim enters a status (see claimant_event for the special
# cases). None: a step inside the Fund that changes nothing the claimant needs to know or do.
ON_ENTERING_STATUS: dict[str, str | None] = {
    "submitted": "documents_received",  # back at intake after documents came; a new claim differs
    "documents_requested": "documents_requested",
    "under_review": "review_started",
    "awaiting_approval": None,  # the second officer's decision: still "being examined"
    "approved": "approved",
    "payment_failed": "payment_failed",
    "paid": "paid",
    "rejected": "rejected",
    "reconsideration": "reconsideration_started",
    "closed_incomplete": "closed_incomplete",
    "withdrawn": "claim_withdrawn",  # the claimant withdrew it (fund.claims.claimant_requests)
}


def claimant_event(
    previous_status: str | None, status: str | None, outcome: Outcome
) -> tuple[str, dict[str, Any]] | None:
    """The kind of message a command's outcome calls for, with what its text needs; or None.

    ``previous_status`` is None for the command that starts the claim.
    """
    letters = {
        message.name.removeprefix(LETTER_MESSAGE_PREFIX): dict(message.payload or {})
        for message in outcome.outbound
        if message.name.startswith(LETTER_MESSAGE_PREFIX)
    }
    if previous_status is None:
        return "claim_received", {}
    if "document_request" in letters:
        return "documents_requested", letters["document_request"]
    if status and status != previous_status:
        kind = ON_ENTERING_STATUS.get(status)
        if status == "submitted" and previous_status != "documents_requested":
            kind = None
        if status == "under_review" and previous_status not in ("submitted", "documents_requested"):
            kind = None  # returned by the approver for another look: the claimant sees no change
        if status == "approved" and previous_status == "payment_failed":
            kind = "payment_retried"
        if status == "rejected" and not letters.get("rejection", {}).get("reconsideration_until"):
            kind = "rejected_final"
        if kind is not None:
            details = letters.get("rejection", {}) if kind == "rejected" else {}
            if kind == "closed_incomplete":
                details = {"respond_by": outcome.data.get("respond_by")}
            return kind, details
    if "document_reminder" in letters:
        return "documents_reminder", letters["document_reminder"]
    return None


def claimant_notification(
    claim: Claim,
    previous_status: str | None,
    outcome: Outcome,
    event_sequence: int,
    now: datetime,
    status: str | None,
) -> dict[str, Any] | None:
    """The outbox row of the message this command calls for (if any), rendered in the claimant's
    language, as column values: the command inserts it with its other writes. None: no message.
    """
    event = claimant_event(previous_status, status, outcome)
    if event is None:
        return None
    kind, details = event
    # The event is new in this transaction: no message can exist for it yet (and the unique
    # constraint on claim, event and kind would refuse a second one), so nothing is read first.
    claimant = claim.claimant
    message = render_message(
        kind, claimant.language, claimant.full_name, claim.reference, details, public_url()
    )
    return outbox_row(claim.id, event_sequence, kind, message, claimant.email, now)


def outbox_row(
    claim_id: int | None,
    event_sequence: int,
    kind: str,
    message: RenderedMessage,
    recipient: str | None,
    now: datetime,
) -> dict[str, Any]:
    """An outbox row's column values: queued for ``recipient`` now, or ``no_address`` without one,
    with the id of the request that queued it (the worker's log lines about it carry it).

    ``event_sequence``: the process event that called for it; work not caused by an event keys its
    rows with a negative number of its own (a message's or a request's id) or 0 (a digest), so the
    unique key (claim, event, kind) still stops the same row being queued twice.
    """
    recipient = (recipient or "").strip() or None
    return {
        "claim_id": claim_id,
        "event_sequence": event_sequence,
        "kind": kind,
        "language": message.language,
        "recipient": recipient,
        "subject": message.subject,
        "body": message.body,
        "state": "queued" if recipient else "no_address",
        "attempts": 0,
        "next_attempt_at": now if recipient else None,
        "created_at": now,
        "request_id": logs.request_id.get(),
    }


MESSAGE_FROM_FUND = "message_from_fund"


def message_notification(claim: Claim, message_id: int, now: datetime) -> Notification:
    """The outbox row announcing a new message from the fund, in the claimant's language, not added.

    It says that there is a message and where to read it, never what the message says. Not caused
    by a process event: ``event_sequence`` holds the message's id, negated, so the unique key
    (claim, event, kind) still stops the same message being announced twice and never meets an event.
    """
    claimant = claim.claimant
    message = render_message(
        MESSAGE_FROM_FUND, claimant.language, claimant.full_name, claim.reference, {}, public_url()
    )
    return Notification(**outbox_row(claim.id, -message_id, MESSAGE_FROM_FUND, message, claimant.email, now))


def _take_next_due(now: datetime) -> tuple[Outgoing, int] | None:
    """Mark one due row ``sending`` (counting the attempt) and commit: what to send and the attempt.

    One statement that writes first: on SQLite it holds the write lock from the start (a read that
    later wants to write can fail at once when another writer is busy); on PostgreSQL the inner
    SELECT skips rows another worker has locked.
    """
    due = (
        select(Notification.id)
        .where(Notification.state.in_(DUE_STATES), Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    taken = db.session.execute(
        update(Notification)
        .where(Notification.id == due, Notification.state.in_(DUE_STATES))
        .values(state="sending", attempts=Notification.attempts + 1, last_attempt_at=now)
        .returning(
            Notification.id,
            Notification.language,
            Notification.recipient,
            Notification.subject,
            Notification.body,
            Notification.attempts,
            Notification.kind,
            Notification.request_id,
        )  # fmt: skip
        .execution_options(synchronize_session=False)
    ).one_or_none()
    db.session.commit()
    if taken is None:
        return None
    outgoing = Outgoing(
        taken.id, taken.language, taken.recipient or "", taken.subject, taken.body, taken.kind,
        taken.request_id,
    )  # fmt: skip
    return outgoing, taken.attempts


def _record_result(outgoing: Outgoing, attempt: int, now: datetime, error: Exception | None) -> None:
    """Write the attempt's result: one UPDATE of the row this worker holds in ``sending``."""
    if error is None:
        values = {"state": "sent", "sent_at": now, "next_attempt_at": None, "last_error": None}
    else:
        reason = describe_failure(error, outgoing.recipient, mask_recipient(outgoing.recipient))
        given_up = attempt >= MAX_ATTEMPTS
        values = {
            "state": "given_up" if given_up else "failed",
            "next_attempt_at": None if given_up else now + RETRY_DELAYS[attempt - 1],
            "last_error": reason,
        }
        log.warning(
            "notification %s (%s) attempt %s of %s failed%s: %s",
            outgoing.notification_id, outgoing.kind, attempt, MAX_ATTEMPTS, ", giving up" if given_up else "",
            reason,
        )  # fmt: skip
    db.session.execute(
        update(Notification)
        .where(Notification.id == outgoing.notification_id, Notification.state == "sending")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def send_due_notifications(now: datetime, limit: int = 100) -> int:
    """Send up to ``limit`` due messages; returns how many the mail server accepted.

    Without FUND_SMTP_HOST nothing is sent and every row stays queued. When the server cannot be
    reached, the round stops after that attempt (the others stay due for the next round). Safe to
    run in several workers at once: see the module's notes on "at most once".
    """
    settings = smtp_settings()
    if settings is None:
        return 0
    sent = 0
    for _ in range(limit):
        taken = _take_next_due(now)  # committed: no transaction stays open while we talk to SMTP
        if taken is None:
            break
        outgoing, attempt = taken
        # The log lines about this message carry the id of the request that queued it.
        with logs.bind(request_id=outgoing.request_id):
            try:
                deliver(email_message(outgoing, settings, now), settings)
            except Exception as error:  # every failure is recorded on the row and retried later
                _record_result(outgoing, attempt, now, error)
                if server_unavailable(error):
                    break  # the others would wait for the same dead server: next round
            else:
                _record_result(outgoing, attempt, now, None)
                log.info("notification %s (%s) sent", outgoing.notification_id, outgoing.kind)
                sent += 1
    return sent
