"""Incidents: the claims that cannot move on by themselves, each with the action that frees it.

No claim may stay stuck. The page lists, for intake, finance and administrators:

- ``payout_left_out``: an approved claim that payout builds leave out (its account is not a valid
  Kazakh IBAN). Action: finance asks intake to correct the account; the claim then waits in the
  "Correct bank details" task and is paid by a later batch.
- ``payout_blocked``: an approved claim whose amount disagrees with its recorded decision; every
  build is refused while it waits. Action: open the claim; an administrator must look into it.
- ``worker_failed``: a claim whose timers (deadlines, reminders) or letters were due more than
  ``FUND_WORKER_GRACE_MINUTES`` ago and that no worker round handled: the round failed on it (the
  worker logs why) or no worker runs. Action: retry now.
- ``treasury_wait``: a payment exported to the Treasury more than ``FUND_TREASURY_WAIT_DAYS`` days ago
  with no result. Action: import the Treasury's status file for its batch (or ask the Treasury).
- ``payment_failed_five``: a claim whose payment failed five times. On a process version with the
  reopen path it waits in "Reopen payment" (a finance officer), then "Approve reopening the
  payment" (a second finance officer): the action is a link to that task. A claim that ended on an
  earlier version (no reopen path) cannot take it: its instance is finished and moving a finished
  instance to a new version is not supported; the page says so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from fund.claims.letter_issuing import issue_claim_letters
from fund.claims.messages import deliver_message
from fund.claims.process_versions import process_for_version
from fund.claims.submission import get_claim
from fund.claims.timers import TimersFailed, fire_timers_of_claim
from fund.common.access import require_role
from fund.common.errors import Conflict
from fund.extensions import db
from fund.models import Claim, HumanTask, Letter, Payment, PayoutBatch, Timer, User, WorkflowInstance
from fund.payouts.batches import claims_stopping_builds

log = logging.getLogger(__name__)

INCIDENT_ROLES = ("intake", "finance", "admin")
REOPEN_TASKS = ("reopen_payment", "approve_reopen_payment")
KINDS = ("payout_left_out", "payout_blocked", "worker_failed", "treasury_wait", "payment_failed_five")
ACCOUNT_FAILURE_REASON = "the account is not a valid Kazakh IBAN (reported from the Incidents page)"
LIMIT = 200  # of each kind on the page


@dataclass(frozen=True)
class Incident:
    """One stuck claim: what is wrong, and what resolves it (``action``: a code the page turns into
    a link or a button; ``task_id``/``batch_id`` where the action points at one)."""

    kind: str
    reference: str
    why: str
    action: str
    since: datetime | None = None
    task_id: str | None = None
    task_role: str | None = None
    batch_id: int | None = None


@dataclass
class Incidents:
    treasury_wait_days: int
    worker_grace_minutes: int
    by_kind: dict[str, list[Incident]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(found) for found in self.by_kind.values())


def list_incidents(
    user: User, now: datetime, treasury_wait_days: int = 10, worker_grace_minutes: int = 60
) -> Incidents:
    """Every stuck claim by kind (at most 200 of each), oldest first; intake, finance, admin."""
    require_role(user, *INCIDENT_ROLES)
    found = Incidents(treasury_wait_days, worker_grace_minutes)
    found.by_kind["payout_left_out"] = []
    found.by_kind["payout_blocked"] = []
    for reference, kind, why in claims_stopping_builds()[: 2 * LIMIT]:
        if kind == "left_out":
            found.by_kind["payout_left_out"].append(Incident("payout_left_out", reference, why, "ask_intake"))
        else:
            why = f"{_('The amount disagrees with the decision the process recorded:')} {why}"
            found.by_kind["payout_blocked"].append(Incident("payout_blocked", reference, why, "open_claim"))
    found.by_kind["worker_failed"] = _worker_failures(now - timedelta(minutes=worker_grace_minutes))
    found.by_kind["treasury_wait"] = _treasury_waits(now - timedelta(days=treasury_wait_days))
    found.by_kind["payment_failed_five"] = _failed_five_times()
    return found


def _worker_failures(cutoff: datetime) -> list[Incident]:
    timers = db.session.execute(
        select(Claim.reference, func.min(Timer.due_at).label("due"))
        .join(Timer, Timer.claim_id == Claim.id)
        .where(Timer.due_at < cutoff)
        .group_by(Claim.reference)
        .order_by(func.min(Timer.due_at))
        .limit(LIMIT)
    )
    letters = db.session.execute(
        select(Claim.reference, func.min(Letter.due_at).label("due"))
        .join(Letter, Letter.claim_id == Claim.id)
        .where(Letter.status == "due", Letter.due_at < cutoff)
        .group_by(Claim.reference)
        .order_by(func.min(Letter.due_at))
        .limit(LIMIT)
    )
    fired = _("A deadline or reminder was due and did not fire.")
    issued = _("A letter was due and was not issued.")
    found = [Incident("worker_failed", row.reference, fired, "retry_timers", row.due) for row in timers]
    found += [Incident("worker_failed", row.reference, issued, "retry_letters", row.due) for row in letters]
    return sorted(found, key=lambda incident: incident.since)[:LIMIT]


def _treasury_waits(cutoff: datetime) -> list[Incident]:
    rows = db.session.execute(
        select(Claim.reference, PayoutBatch.id, PayoutBatch.reference.label("batch"), PayoutBatch.exported_at)
        .join(Payment, Payment.batch_id == PayoutBatch.id)
        .join(Claim, Claim.id == Payment.claim_id)
        .where(
            PayoutBatch.status == "exported", PayoutBatch.exported_at < cutoff, Payment.status == "in_batch"
        )
        .order_by(PayoutBatch.exported_at, Claim.id)
        .limit(LIMIT)
    )
    return [
        Incident("treasury_wait", row.reference,
                 _("Sent to the Treasury in batch %(batch)s; no result yet.", batch=row.batch),
                 "import_results", row.exported_at, batch_id=row.id)
        for row in rows
    ]  # fmt: skip


def _failed_five_times() -> list[Incident]:
    """Claims waiting to be reopened (new versions), and claims that ended unpaid on a version with
    no reopen path (closed by a finance officer's decision on a new version are not incidents)."""
    waiting = db.session.execute(
        select(Claim.reference, HumanTask.id, HumanTask.name, HumanTask.role, HumanTask.created_at)
        .join(HumanTask, HumanTask.claim_id == Claim.id)
        .where(HumanTask.state == "open", HumanTask.role == "finance", HumanTask.name.in_(REOPEN_TASKS))
        .order_by(HumanTask.created_at, HumanTask.id)
        .limit(LIMIT)
    )
    found = [
        Incident("payment_failed_five", row.reference,
                 _("The payment failed five times.") if row.name == "reopen_payment"
                 else _("A finance officer asked to pay again; a second finance officer must approve."),
                 row.name, row.created_at, task_id=row.id, task_role=row.role)
        for row in waiting
    ]  # fmt: skip
    ended = db.session.execute(
        select(Claim.reference, Claim.updated_at, WorkflowInstance.process_version)
        .join(WorkflowInstance, WorkflowInstance.claim_id == Claim.id)
        .where(Claim.status == "payment_failed", WorkflowInstance.completed.is_(True))
        .order_by(Claim.updated_at, Claim.id)
        .limit(LIMIT)
    )
    for row in ended:
        if "reopen_payment" in process_for_version(row.process_version).user_tasks:
            continue  # closed unpaid by a finance officer's decision, with a second one's say
        found.append(
            Incident("payment_failed_five", row.reference,
                     _("The payment failed five times and the claim ended on process version %(version)s, "
                       "which has no way to reopen the payment.", version=row.process_version[:12]),
                     "old_version", row.updated_at)
        )  # fmt: skip
    return found


# --- the actions -------------------------------------------------------------------------------------


def ask_intake_to_correct_account(user: User, reference: str, now: datetime) -> Claim:
    """Finance: tell the claim's process that its payment cannot be made to its account, so that
    intake gets the "Correct bank details" task; only for a claim that payout builds leave out."""
    require_role(user, "finance")
    left_out = {ref for ref, kind, _why in claims_stopping_builds() if kind == "left_out"}
    if reference not in left_out:
        raise Conflict(
            _("Claim %(reference)s is not left out of payout builds for its account: nothing was changed.",
              reference=reference)
        )  # fmt: skip
    return deliver_message(user, reference, "payment_failed", {"reason": ACCOUNT_FAILURE_REASON}, now)


def retry_worker_round(user: User, reference: str, now: datetime) -> tuple[bool, list[str]]:
    """Fire the claim's due timers and issue its due letters now: (timers fired, letter numbers).

    Conflict, saying which, when they fail again (the log has the traceback; nothing was kept of
    the failed step, and the claim keeps its timers and letters for the worker's next round).
    """
    require_role(user, *INCIDENT_ROLES)
    claim = get_claim(user, reference)
    claim_id, ref = claim.id, claim.reference
    try:
        fired = fire_timers_of_claim(claim_id, now)
    except TimersFailed as error:
        raise Conflict(
            _("Claim %(reference)s: its due timers failed again; the worker's log says why.", reference=ref)
        ) from error
    try:
        issued = issue_claim_letters(claim_id, now)
    except Exception as error:
        log.exception("claim %s: issuing its due letters failed again", ref)
        raise Conflict(
            _("Claim %(reference)s: its letters failed again; the worker's log says why.", reference=ref)
        ) from error
    return fired, issued
