"""The worker's job: fire due timers, one claim per transaction, never one timer twice."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from workflows import engine

from ..extensions import db
from ..models import Claim, Timer
from .history import TIMERS_FIRED
from .instances import lock_instance, run_engine_command

log = logging.getLogger(__name__)
WORKER_ACTOR = "worker"


def fire_next_due_timer(now: datetime) -> str | None:
    """Fire the due timers of one claim; returns its reference, or None when nothing is due.

    A timer is due at any instant after its due time (SpiffWorkflow compares strictly).

    On PostgreSQL the timer row is claimed with FOR UPDATE SKIP LOCKED, so several workers never
    take the same claim; a worker that dies mid-way rolls back and another takes the work.
    """
    timer = db.session.scalar(
        select(Timer)
        .where(Timer.due_at <= now)
        .order_by(Timer.due_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if timer is None:
        db.session.rollback()
        return None
    claim = db.session.get(Claim, timer.claim_id)
    try:
        instance = lock_instance(claim)
        run_engine_command(
            claim,
            TIMERS_FIRED,
            WORKER_ACTOR,
            now,
            {},
            lambda process, state, ctx: engine.fire_due_timers(process, state, ctx),
            instance=instance,
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("firing timers failed for claim %s", claim.reference)
        raise
    return claim.reference


def run_due_timers(now: datetime, limit: int | None = None) -> list[str]:
    """Fire every due timer (up to ``limit`` claims); returns the references handled."""
    handled: list[str] = []
    while limit is None or len(handled) < limit:
        reference = fire_next_due_timer(now)
        if reference is None:
            break
        if reference in handled:
            # Its timers were due but the process did not take them: a defect to look at, not a loop.
            log.error("claim %s still has due timers after firing them; leaving it for now", reference)
            break
        handled.append(reference)
    return handled
