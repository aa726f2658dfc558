"""The notification outbox as administrators see it: what was sent, what waits, what failed.

Administrators only (checked here). The page shows each message's kind, language, state, attempts,
last error and times, the claim reference and the recipient's address masked (``a***@example.kz``);
never the message's body, which carries the claimant's name. A failed or given-up message can be
retried now; so can one left in ``sending`` for longer than :data:`INTERRUPTED_AFTER` (its worker
stopped mid-send, so it may or may not have arrived: the administrator decides, see the "at most
once" notes in :mod:`fund.notifications.queue`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from fund.common.access import require_role
from fund.common.errors import Conflict, Invalid, NotFound
from fund.extensions import db
from fund.models import NOTIFICATION_STATES, Claim, Notification, User
from fund.notifications.smtp import mask_recipient, smtp_settings

log = logging.getLogger(__name__)
ADMIN = "admin"
PAGE_SIZE = 50
INTERRUPTED_AFTER = timedelta(minutes=10)
RETRYABLE_STATES = ("failed", "given_up")


@dataclass(frozen=True)
class OutboxEntry:
    """One message as the outbox page lists it: no body, the recipient masked."""

    id: int
    claim_reference: str
    kind: str
    language: str
    recipient: str
    state: str
    attempts: int
    last_error: str | None
    created_at: datetime
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    sent_at: datetime | None
    interrupted: bool  # left in "sending" by a worker that stopped
    can_retry: bool


@dataclass(frozen=True)
class Outbox:
    """A page of the outbox, newest first, with the count of messages in each state."""

    entries: list[OutboxEntry]
    counts: dict[str, int]
    state: str | None
    page: int
    pages: int
    smtp_configured: bool


def _interrupted(row: Notification, now: datetime) -> bool:
    return row.state == "sending" and (row.last_attempt_at or row.created_at) <= now - INTERRUPTED_AFTER


def _can_retry(row: Notification, now: datetime) -> bool:
    return row.state in RETRYABLE_STATES or _interrupted(row, now)


def outbox(actor: User, now: datetime, state: str | None = None, page: int = 1) -> Outbox:
    """The outbox, filtered by ``state`` (one of NOTIFICATION_STATES, or None for all)."""
    require_role(actor, ADMIN)
    state = state or None
    if state is not None and state not in NOTIFICATION_STATES:
        raise Invalid(
            "the filter has errors", {"state": [f"must be one of: {', '.join(NOTIFICATION_STATES)}"]}
        )
    counted = dict(
        db.session.execute(select(Notification.state, func.count()).group_by(Notification.state)).all()
    )
    counts = {name: counted.get(name, 0) for name in NOTIFICATION_STATES}
    total = counts[state] if state else sum(counts.values())
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    query = (
        select(Notification, Claim.reference)
        .outerjoin(Claim, Claim.id == Notification.claim_id)  # a supervisors' digest has no claim
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    if state:
        query = query.where(Notification.state == state)
    entries = [
        OutboxEntry(
            id=row.id,
            claim_reference=reference or "",
            kind=row.kind,
            language=row.language,
            recipient=mask_recipient(row.recipient),
            state=row.state,
            attempts=row.attempts,
            last_error=row.last_error,
            created_at=row.created_at,
            last_attempt_at=row.last_attempt_at,
            next_attempt_at=row.next_attempt_at,
            sent_at=row.sent_at,
            interrupted=_interrupted(row, now),
            can_retry=_can_retry(row, now),
        )
        for row, reference in db.session.execute(query)
    ]
    return Outbox(entries, counts, state, page, pages, smtp_settings() is not None)


def retry_notification(actor: User, notification_id: int, now: datetime) -> Notification:
    """Queue a failed, given-up or interrupted message again, due now, with a fresh set of attempts.

    Refuses (Conflict) a message that is queued, sent, being sent, or has no address. Commits.
    """
    require_role(actor, ADMIN)
    row = db.session.get(Notification, notification_id)
    if row is None:
        raise NotFound(f"there is no message with id {notification_id} in the outbox")
    if not _can_retry(row, now):
        raise Conflict(
            f"message {notification_id} is {row.state.replace('_', ' ')}: only failed, given-up or "
            "interrupted messages can be retried"
        )
    previous = row.state
    # Only if no worker took it meanwhile (state and attempts as read): never two sends at once.
    changed = db.session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.state == previous,
            Notification.attempts == row.attempts,
        )
        .values(state="queued", attempts=0, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        db.session.rollback()
        raise Conflict(f"message {notification_id} changed meanwhile: reload the outbox and look again")
    db.session.commit()
    log.info("%s queued notification %s again (it was %s)", actor.username, notification_id, previous)
    return db.session.get(Notification, notification_id, populate_existing=True)
