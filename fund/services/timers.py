"""The worker's job: fire due timers, one claim per transaction, never one timer twice."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from workflows import engine

from ..extensions import db
from ..models import Claim, Timer, WorkflowInstance
from .history import TIMERS_FIRED
from .instances import lock_instance, run_engine_command

log = logging.getLogger(__name__)
WORKER_ACTOR = "worker"


def _lock_claim_with_due_timer(now: datetime) -> int | None:
    """The id of a claim with a due timer, its instance locked for this transaction; None if none."""
    return db.session.scalar(
        select(WorkflowInstance.claim_id)
        .join(Timer, Timer.claim_id == WorkflowInstance.claim_id)
        .where(Timer.due_at <= now)
        .order_by(Timer.due_at)
        .limit(1)
        .with_for_update(of=WorkflowInstance, skip_locked=True)
    )


def _has_due_timer(claim_id: int, now: datetime) -> bool:
    due = select(Timer.id).where(Timer.claim_id == claim_id, Timer.due_at <= now).limit(1)
    return db.session.scalar(due) is not None


def fire_next_due_timer(now: datetime) -> str | None:
    """Fire the due timers of one claim; returns its reference, or None when nothing is due.

    A timer is due at any instant after its due time (SpiffWorkflow compares strictly).

    On PostgreSQL the claim's instance row is claimed with FOR UPDATE SKIP LOCKED: the same lock
    every command on the claim takes, so several workers never take the same claim, never wait for
    each other, and never deadlock with an officer's command. (Claiming a timer row instead did
    deadlock: two workers could each hold one of a claim's two due timers while waiting for the
    other's lock on the instance.) A worker that dies mid-way rolls back and another takes the work.
    """
    while True:
        claim_id = _lock_claim_with_due_timer(now)
        if claim_id is None:
            db.session.rollback()
            return None
        claim = db.session.get(Claim, claim_id)
        try:
            instance = lock_instance(claim)  # SQLite: waits here for a worker already on this claim
            if not _has_due_timer(claim_id, now):
                # Another worker fired them between our look and our lock: nothing to record.
                db.session.rollback()
                continue
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
