"""The worker's job: fire due timers, one claim per transaction, never one timer twice."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from fund.claims.history import TIMERS_FIRED
from fund.claims.instances import lock_instance, run_engine_command
from fund.claims.letter_issuing import issue_letters_made_due
from fund.extensions import db
from fund.models import Claim, Timer, WorkflowInstance
from workflows import engine
from workflows.engine import Outcome

log = logging.getLogger(__name__)
WORKER_ACTOR = "worker"


class TimersFailed(Exception):
    """Firing one claim's due timers failed: nothing of it was kept, the claim keeps its timers."""

    def __init__(self, claim_id: int, reference: str) -> None:
        super().__init__(f"firing the due timers of claim {reference} failed")
        self.claim_id = claim_id
        self.reference = reference


@dataclass
class TimerRound:
    """What one round of the worker did: the claims whose timers fired, and those that failed."""

    fired: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def _lock_claim_with_due_timer(now: datetime, skip: Collection[int] = ()) -> int | None:
    """The id of a claim with a due timer, its instance locked for this transaction; None if none."""
    query = (
        select(WorkflowInstance.claim_id)
        .join(Timer, Timer.claim_id == WorkflowInstance.claim_id)
        .where(Timer.due_at <= now)
        .order_by(Timer.due_at)
        .limit(1)
        .with_for_update(of=WorkflowInstance, skip_locked=True)
    )
    if skip:
        query = query.where(WorkflowInstance.claim_id.not_in(list(skip)))
    return db.session.scalar(query)


def _has_due_timer(claim_id: int, now: datetime) -> bool:
    due = select(Timer.id).where(Timer.claim_id == claim_id, Timer.due_at <= now).limit(1)
    return db.session.scalar(due) is not None


def _fire_locked(claim: Claim, now: datetime) -> Outcome | None:
    """Lock the claim's instance and fire its due timers, committed; None (rolled back) if none is
    due any more once the lock is held (another worker fired them meanwhile)."""
    instance = lock_instance(claim)
    if not _has_due_timer(claim.id, now):
        db.session.rollback()
        return None
    outcome = run_engine_command(
        claim,
        TIMERS_FIRED,
        WORKER_ACTOR,
        now,
        {},
        lambda process, state, ctx: engine.fire_due_timers(process, state, ctx),
        instance=instance,
    )
    db.session.commit()
    return outcome


def _fire_next(now: datetime, skip: Collection[int]) -> tuple[int, str] | None:
    while True:
        claim_id = _lock_claim_with_due_timer(now, skip)
        if claim_id is None:
            db.session.rollback()
            return None
        claim = db.session.get(Claim, claim_id)
        reference = claim.reference
        try:
            outcome = _fire_locked(claim, now)  # SQLite: waits for a worker already on this claim
            if outcome is None:  # another worker fired them between our look and our lock
                continue
            issue_letters_made_due(now)
        except Exception as error:
            db.session.rollback()
            log.exception(
                "firing the due timers of claim %s failed; it keeps them for the next round", reference
            )
            raise TimersFailed(claim_id, reference) from error
        if any(timer.due_at <= now for timer in outcome.timers):
            # The process did not take a due timer: a defect to look at, not a loop. Next round.
            log.error("claim %s still has due timers after firing them", reference)
        log.info("fired the due timers of claim %s", reference)
        return claim_id, reference


def fire_next_due_timer(now: datetime, skip: Collection[int] = ()) -> str | None:
    """Fire the due timers of one claim (not one whose id is in ``skip``); returns its reference,
    or None when nothing is due. Raises :class:`TimersFailed` when firing them fails.

    A timer is due at any instant after its due time (SpiffWorkflow compares strictly).

    On PostgreSQL the claim's instance row is claimed with FOR UPDATE SKIP LOCKED: the same lock
    every command on the claim takes, so several workers never take the same claim, never wait for
    each other, and never deadlock with an officer's command. (Claiming a timer row instead did
    deadlock: two workers could each hold one of a claim's two due timers while waiting for the
    other's lock on the instance.) A worker that dies mid-way rolls back and another takes the work.
    """
    fired = _fire_next(now, skip)
    return fired[1] if fired else None


def fire_timers_of_claim(claim_id: int, now: datetime) -> bool:
    """Fire one claim's due timers now, as the worker would (an officer's retry after a failed
    round); True if any was due. Raises :class:`TimersFailed` when firing them fails again.
    """
    claim = db.session.get(Claim, claim_id)
    if claim is None or not _has_due_timer(claim_id, now):
        db.session.rollback()
        return False
    reference = claim.reference
    try:
        if _fire_locked(claim, now) is None:  # a worker fired them meanwhile
            return False
    except Exception as error:
        db.session.rollback()
        log.exception("firing the due timers of claim %s failed again", reference)
        raise TimersFailed(claim_id, reference) from error
    issue_letters_made_due(now)
    return True


def fire_due_timers(
    clock: Callable[[], datetime], limit: int | None = None, should_stop: Callable[[], bool] | None = None
) -> TimerRound:
    """Fire every due timer (up to ``limit`` claims, until ``should_stop()`` is true).

    Each claim is one transaction at its own time, read from ``clock`` as it starts: the worker
    passes the wall clock, so an event records when it really happened even late in a long round
    (and the daily seal never finds a just-committed event dated minutes before it).
    A claim whose timers fail to fire is logged with its reference, keeps its timers for the next
    round and does not stop the others.
    """
    done = TimerRound()
    skip: set[int] = set()  # fired or failed in this round: at most once per claim per round
    while limit is None or len(done.fired) < limit:
        if should_stop is not None and should_stop():
            break
        try:
            fired = _fire_next(clock(), skip)
        except TimersFailed as failure:
            skip.add(failure.claim_id)
            done.failed.append(failure.reference)
            continue
        if fired is None:
            break
        skip.add(fired[0])
        done.fired.append(fired[1])
    return done


def run_due_timers(now: datetime, limit: int | None = None) -> list[str]:
    """Fire every due timer (up to ``limit`` claims); returns the references fired."""
    return fire_due_timers(lambda: now, limit).fired
