"""The notification outbox: messages to claimants, written with the command that caused them.

A row is queued in the same transaction as the status change it tells about, with its subject
and body already rendered in the claimant's language, so what was sent is what is stored. The
worker sends it later (see :mod:`fund.notifications.queue`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .claims import Claim
from .types import UtcDateTime

# queued: waiting to be sent (or waiting for SMTP to be configured); sending: a worker took it
# and is talking to the mail server; sent; failed: the last attempt failed, another is scheduled;
# given_up: every attempt failed; no_address: the claimant gave no e-mail address (never sent).
NOTIFICATION_STATES = ("queued", "sending", "sent", "failed", "given_up", "no_address")


class Notification(db.Model):
    """One message to a claimant about one event of their claim, or to a member of staff (a
    supervisor's daily digest of the service levels: no claim, ``claim_id`` None)."""

    __tablename__ = "notifications"
    __table_args__ = (
        # The same event of a claim never queues the same kind of message twice.
        UniqueConstraint("claim_id", "event_sequence", "kind", name="uq_notifications_claim_event_kind"),
        Index("ix_notifications_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"), index=True)
    event_sequence: Mapped[int]  # the claim's workflow event that caused it
    kind: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(2))
    recipient: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The id of the request that queued it, so that the worker's log lines about it carry it.
    request_id: Mapped[str | None] = mapped_column(String(100))

    claim: Mapped[Claim | None] = relationship()


class ServiceLevelDigest(db.Model):
    """The supervisors' daily digest of the service levels: one row per fund day (Asia/Almaty).

    The worker that inserts the day's row queues the e-mails in the same transaction; the primary
    key makes every other worker's insert fail, so a day has one digest however many workers run.
    Counts only: no claim and no person is named.
    """

    __tablename__ = "service_level_digests"

    fund_day: Mapped[date] = mapped_column(primary_key=True)
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recipients: Mapped[int]
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)
