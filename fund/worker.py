"""The worker's rounds: what ``fund worker`` does every interval, one function per job.

Each round is safe to run in several workers at once against one PostgreSQL database (rows are
claimed with ``FOR UPDATE SKIP LOCKED`` or made idempotent), and a failing round is logged and
left for the next one without stopping the others. ``fund worker`` only loops over them
(:func:`run_round`); tests call them one by one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from fund.audit.seals import SEAL_LAG, seal_history
from fund.claims.letter_issuing import issue_due_letters
from fund.claims.timers import fire_due_timers
from fund.common import idempotency_keys
from fund.common.system import system_user
from fund.extensions import db
from fund.notifications.queue import send_due_notifications
from fund.officers.service_level_digest import queue_daily_digest
from fund.operations.heartbeats import round_finished, round_started
from fund.recourse.cases import open_due_recourse_cases
from fund.reports.counts import recount_if_due

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass
class WorkerRound:
    """What one round did; ``None`` where a job failed (it was logged and is tried again next round)."""

    timers_fired: list[str] = field(default_factory=list)
    timers_failed: list[str] = field(default_factory=list)
    letters_issued: list[str] | None = None
    recourse_opened: list[str] | None = None
    notifications_sent: int | None = None
    sealed: bool | None = None
    dashboard_counted: bool | None = None
    idempotency_keys_pruned: int | None = None
    # Supervisors the day's service-levels digest was queued to; 0 when not due (or done already).
    digest_queued: int | None = 0

    def problems(self) -> str | None:
        """The jobs that failed in this round, for the worker's heartbeat (no personal data), or None."""
        failed = [f"timers of {len(self.timers_failed)} claim(s)"] if self.timers_failed else []
        jobs = {
            "letters": self.letters_issued,
            "recourse cases": self.recourse_opened,
            "notifications": self.notifications_sent,
            "daily seal": self.sealed,
            "dashboard figures": self.dashboard_counted,
            "idempotency keys": self.idempotency_keys_pruned,
            "service levels digest": self.digest_queued,
        }
        failed += [name for name, result in jobs.items() if result is None]
        return "failed: " + ", ".join(failed) if failed else None


def fire_timers(clock: Clock, should_stop: Callable[[], bool] | None = None) -> tuple[list[str], list[str]]:
    """Fire every due timer, each claim at the clock's time as it starts: (fired, failed) references.

    A claim whose timers fail is logged with its traceback and keeps its timers for the next round.
    """
    timers = fire_due_timers(clock, should_stop=should_stop)
    return timers.fired, timers.failed


def issue_letters(clock: Clock) -> list[str] | None:
    """Issue the letters commands made due and left to the worker (``FUND_LETTERS_BY_WORKER``, or a
    request that stopped between its two commits): their numbers."""
    try:
        return issue_due_letters(clock)
    except Exception:  # logged; the letters stay due for the next round
        db.session.rollback()
        log.exception("issuing letters failed")
        return None


def open_recourse_cases(now: datetime) -> list[str] | None:
    """Open the recourse cases (Art. 11) due since a payment was confirmed after its conviction."""
    try:
        return open_due_recourse_cases(now)
    except Exception:  # logged; the next round tries again (opening is idempotent)
        db.session.rollback()
        log.exception("opening recourse cases failed")
        return None


def send_notifications(now: datetime) -> int | None:
    """Send the due e-mails of the outbox (nothing is sent without FUND_SMTP_HOST)."""
    try:
        return send_due_notifications(now)
    except Exception:  # logged; unsent messages stay in the outbox for the next round
        db.session.rollback()
        log.exception("sending notifications failed")
        return None


def seal_if_due(now: datetime) -> bool | None:
    """Seal the history once a day, as of a minute ago: commands still in flight are not cut."""
    try:
        return seal_history(now - SEAL_LAG, system_user(), if_due=True) is not None
    except Exception:  # another worker sealed at the same moment: its seal stands
        db.session.rollback()
        log.warning("daily seal skipped", exc_info=True)
        return None


def count_dashboard(now: datetime) -> bool | None:
    """Count the dashboard's figures again once the last count is a few minutes old (the page
    reads them: counting at 1,000,000 claims takes seconds)."""
    try:
        return recount_if_due(now)
    except Exception:  # logged; the page counts itself if no worker has for a while
        db.session.rollback()
        log.exception("counting the dashboard failed")
        return None


def prune_idempotency_keys(now: datetime) -> int | None:
    """Forget the API's idempotency keys past their 24 hours."""
    try:
        return idempotency_keys.prune_expired(now)
    except Exception:  # logged; the next round prunes them
        db.session.rollback()
        log.exception("pruning idempotency keys failed")
        return None


def queue_service_level_digest(now: datetime) -> int | None:
    """Queue the supervisors' daily digest of the service levels, once per fund day (however many
    workers run): how many e-mails were queued (0 when not due)."""
    try:
        return queue_daily_digest(now) or 0
    except Exception:  # logged; the next round tries again (the day's digest is queued once)
        db.session.rollback()
        log.exception("queueing the service levels digest failed")
        return None


def run_round(clock: Clock, should_stop: Callable[[], bool] | None = None) -> WorkerRound:
    """One round of every job, in order: timers, letters, recourse cases, notifications, the daily
    seal, the dashboard's figures, the expired idempotency keys, the supervisors' daily digest."""
    done = WorkerRound()
    done.timers_fired, done.timers_failed = fire_timers(clock, should_stop)
    done.letters_issued = issue_letters(clock)
    done.recourse_opened = open_recourse_cases(clock())
    done.notifications_sent = send_notifications(clock())
    done.sealed = seal_if_due(clock())
    done.dashboard_counted = count_dashboard(clock())
    done.idempotency_keys_pruned = prune_idempotency_keys(clock())
    done.digest_queued = queue_service_level_digest(clock())
    return done


def run_recorded_round(
    worker_id: str, clock: Clock, should_stop: Callable[[], bool] | None = None
) -> WorkerRound:
    """:func:`run_round`, with the worker's heartbeat written as it starts and when it ends."""
    round_started(worker_id, clock())
    done = run_round(clock, should_stop)
    round_finished(worker_id, clock(), done.problems())
    return done
