"""Applying an engine command to a claim: one transaction that writes state, event and projections.

Every change to a claim's process goes through :func:`apply_command`: lock the instance, run the
engine command, append the event (chained to the previous one by hash), store the snapshot, and
rewrite the projections the pages read (claim status and amounts, worklist tasks, timers, due
letters). The caller commits; if anything fails, nothing of it is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm.exc import StaleDataError

from fund.claims.history import GENESIS_HASH, event_hash, event_result, rates_to_json
from fund.claims.process_versions import process_for_version
from fund.common.errors import Conflict
from fund.extensions import db
from fund.letters.service import issue_due_letters
from fund.models import Claim, HumanTask, Letter, MciRate, Timer, WorkflowEvent, WorkflowInstance
from fund.notifications.queue import queue_claimant_notification
from workflows import engine
from workflows.engine import CommandContext, Outcome
from workflows.specs import ProcessSpec

LETTER_MESSAGE_PREFIX = "letter_due_"
Command = Callable[[ProcessSpec, str | None, CommandContext], Outcome]


def mci_rates() -> tuple[tuple, ...]:
    """The MCI table as the engine takes it: (effective date, tenge) pairs."""
    rows = db.session.execute(
        select(MciRate.effective_from, MciRate.amount_kzt).order_by(MciRate.effective_from)
    )
    return tuple((day, kzt) for day, kzt in rows)


def lock_instance(claim: Claim) -> WorkflowInstance:
    """The claim's instance, locked for this transaction, read as last committed.

    PostgreSQL: FOR UPDATE on the instance row; a concurrent command on the same claim waits here.
    SQLite has no row locks: a write that changes nothing takes the database's write lock first,
    so a concurrent command waits here (busy_timeout) and then reads what the other one committed,
    instead of running on a stale snapshot and failing on the event sequence at commit.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        instances = WorkflowInstance.__table__
        db.session.execute(
            instances.update().where(instances.c.claim_id == claim.id).values(version=instances.c.version)
        )
    return db.session.scalar(
        select(WorkflowInstance)
        .where(WorkflowInstance.claim_id == claim.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def apply_command(
    claim: Claim,
    event_type: str,
    actor: str,
    now: datetime,
    event_input: dict[str, Any],
    command: Command,
    instance: WorkflowInstance | None = None,
    process_version: str | None = None,
    completed_task_id: str | None = None,
) -> Outcome:
    """Run ``command`` on the claim's state and record everything it did (not committed)."""
    if instance is None and process_version is None:
        instance = lock_instance(claim)
    version = instance.process_version if instance is not None else process_version
    process = process_for_version(version)
    ctx = CommandContext(actor, now, mci_rates())
    outcome = command(process, instance.snapshot if instance is not None else None, ctx)

    recorded_input = dict(event_input)
    if outcome.used_mci_rates:
        recorded_input["mci_rates"] = rates_to_json(ctx.mci_rates)
    sequence = (instance.event_count if instance is not None else 0) + 1
    previous_hash = instance.last_event_hash if instance is not None else GENESIS_HASH
    occurred_at = now.isoformat()
    digest = event_hash(
        previous_hash,
        claim.reference,
        sequence,
        event_type,
        actor,
        occurred_at,
        recorded_input,
        outcome.digest,
    )
    db.session.add(
        WorkflowEvent(
            claim_id=claim.id,
            sequence=sequence,
            type=event_type,
            actor=actor,
            occurred_at=now,
            input=recorded_input,
            result=event_result(outcome),
            state_digest=outcome.digest,
            previous_hash=previous_hash,
            hash=digest,
        )
    )
    if instance is None:
        instance = WorkflowInstance(claim_id=claim.id, process_version=version)
        db.session.add(instance)
    instance.snapshot = outcome.state
    instance.state_digest = outcome.digest
    instance.process_data = outcome.data
    instance.completed = outcome.completed
    instance.event_count = sequence
    instance.last_event_hash = digest
    instance.updated_at = now
    previous_status = claim.status if sequence > 1 else None  # None: the claim is new
    _project(claim, outcome, now, actor, completed_task_id)
    try:
        db.session.flush()
    except StaleDataError as error:
        raise Conflict("someone else changed this claim at the same time; reload and try again") from error
    issue_due_letters(claim, now)
    # The claimant's message about this change, in this same transaction (the outbox).
    queue_claimant_notification(claim, previous_status, outcome, sequence, now)
    return outcome


def _project(
    claim: Claim, outcome: Outcome, now: datetime, actor: str, completed_task_id: str | None
) -> None:
    data = outcome.data
    claim.status = outcome.status or claim.status
    claim.category = data.get("category", claim.category)
    claim.eligibility_reason = data.get("eligibility_reason", claim.eligibility_reason)
    claim.amount_mci = data.get("amount_mci", claim.amount_mci)
    if data.get("amount_kzt") is not None:
        claim.amount_kzt = int(data["amount_kzt"])
    if data.get("decision_date"):
        from datetime import date

        claim.decision_date = date.fromisoformat(data["decision_date"])
    claim.updated_at = now

    open_tasks = {
        task.id: task
        for task in db.session.scalars(
            select(HumanTask).where(HumanTask.claim_id == claim.id, HumanTask.state == "open")
        )
    }
    ready_ids = {task.id for task in outcome.ready_tasks}
    for task_id, row in open_tasks.items():
        if task_id not in ready_ids:
            row.state = "completed" if task_id == completed_task_id else "cancelled"
            row.completed_at = now
            row.completed_by = actor if task_id == completed_task_id else None
    for task in outcome.ready_tasks:
        if task.id not in open_tasks:
            db.session.add(
                HumanTask(
                    id=task.id,
                    claim_id=claim.id,
                    name=task.name,
                    title=task.title,
                    role=task.role,
                    form=task.form,
                    state="open",
                    created_at=task.created_at,
                    due_at=task.due_at,
                )
            )

    db.session.execute(delete(Timer).where(Timer.claim_id == claim.id))
    for timer in outcome.timers:
        db.session.add(Timer(id=timer.task_id, claim_id=claim.id, name=timer.name, due_at=timer.due_at))

    for message in outcome.outbound:
        if message.name.startswith(LETTER_MESSAGE_PREFIX):
            db.session.add(
                Letter(
                    claim_id=claim.id,
                    kind=message.name.removeprefix(LETTER_MESSAGE_PREFIX),
                    status="due",
                    details=message.payload,
                    due_at=now,
                )
            )


def run_engine_command(
    claim: Claim,
    event_type: str,
    actor: str,
    now: datetime,
    event_input: dict[str, Any],
    command: Command,
    **kwargs: Any,
) -> Outcome:
    """:func:`apply_command`, with the engine's refusals turned into the fund's errors."""
    from fund.common.errors import Invalid, NotFound

    try:
        return apply_command(claim, event_type, actor, now, event_input, command, **kwargs)
    except engine.FormInvalid as error:
        raise Invalid("the form has errors", error.errors) from error
    except engine.TaskNotFound as error:
        raise NotFound(str(error)) from error
    except (engine.TaskNotReady, engine.NotWaitingForMessage) as error:
        raise Conflict(str(error)) from error
