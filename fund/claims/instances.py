"""Applying an engine command to a claim: one transaction that writes state, event and projections.

Every change to a claim's process goes through :func:`apply_command`: lock the instance, run the
engine command, append the event (chained to the previous one by hash), store the snapshot, and
rewrite the projections the pages read (claim status and amounts, worklist tasks, timers, due
letters, the claimant's message) — all of it sent as one statement on PostgreSQL. The caller
commits; if anything fails, nothing of it is kept. The letters the command made due are rendered
after the commit (:mod:`fund.claims.letter_issuing`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value

from fund.claims.command_writes import CommandWrites
from fund.claims.history import GENESIS_HASH, event_hash, event_result, rates_to_json
from fund.claims.process_versions import process_for_version
from fund.claims.service_clocks import clock_changes
from fund.common import logs
from fund.common.errors import Conflict
from fund.common.metrics import record_command
from fund.extensions import db, warm_workflows
from fund.models import (
    Claim,
    HumanTask,
    Letter,
    MciRate,
    Notification,
    Timer,
    WorkflowEvent,
    WorkflowInstance,
)
from fund.notifications.queue import claimant_notification
from workflows import engine
from workflows.engine import CommandContext, Outcome
from workflows.specs import ProcessSpec

LETTER_MESSAGE_PREFIX = "letter_due_"
_LETTERS_MADE_DUE = "fund.claims_with_letters_made_due"  # key of the session's info: claim ids
Command = Callable[[ProcessSpec, str | None, CommandContext], Outcome]


def mci_rates() -> tuple[tuple, ...]:
    """The MCI table as the engine takes it: (effective date, tenge) pairs."""
    rows = db.session.execute(_statements()["mci_rates"])
    return tuple((day, kzt) for day, kzt in rows)


def lock_instance(claim: Claim) -> WorkflowInstance:
    """The claim's instance, locked for this transaction, read as last committed.

    PostgreSQL: FOR UPDATE on the instance row; a concurrent command on the same claim waits here.
    SQLite has no row locks: a write that changes nothing takes the database's write lock first,
    so a concurrent command waits here (busy_timeout) and then reads what the other one committed,
    instead of running on a stale snapshot and failing on the event sequence at commit.
    """
    values = {"locked_claim": claim.id}
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(_statements()["take_write_lock"], values)
    return db.session.scalar(_statements()["lock_instance"], values)


@cache
def _statements() -> dict[str, Any]:
    """The statements every command sends, built once with bound values: building a statement and
    its cache key anew for each command cost more than sending it. (The values are named apart
    from the columns: an UPDATE takes a value named as a column for its SET.)"""
    instances = WorkflowInstance.__table__
    claim_id, task_id = bindparam("locked_claim"), bindparam("locked_task")
    claim_of_task = select(HumanTask.claim_id).where(HumanTask.id == task_id).scalar_subquery()
    # A write that changes nothing takes SQLite's write lock.
    no_change = update(instances).values(version=instances.c.version)
    locked = select(WorkflowInstance).with_for_update().execution_options(populate_existing=True)
    return {
        "take_write_lock": no_change.where(instances.c.claim_id == claim_id),
        "lock_instance": locked.where(WorkflowInstance.claim_id == claim_id),
        "take_write_lock_of_task": no_change.where(instances.c.claim_id == claim_of_task),
        "lock_instance_of_task": locked.where(WorkflowInstance.claim_id == claim_of_task),
        "task": select(HumanTask).where(HumanTask.id == task_id).execution_options(populate_existing=True),
        "mci_rates": select(MciRate.effective_from, MciRate.amount_kzt).order_by(MciRate.effective_from),
    }


def claims_with_letters_made_due() -> set[int]:
    """The claims whose letters this session's commands made due since the last call (for issuing
    them after the commit: :mod:`fund.claims.letter_issuing`)."""
    return db.session.info.pop(_LETTERS_MADE_DUE, set())


def lock_task(task_id: str) -> tuple[HumanTask, WorkflowInstance] | None:
    """A task and its claim's instance, the instance locked for this transaction (as
    :func:`lock_instance` locks it), both read as last committed; None for an unknown task.

    The instance is found through the task in the locking statement itself, and the task (with its
    claim) is read after the lock is held: two statements, three on SQLite.
    """
    values = {"locked_task": task_id}
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(_statements()["take_write_lock_of_task"], values)
    instance = db.session.scalar(_statements()["lock_instance_of_task"], values)
    if instance is None:
        return None
    task = db.session.scalar(_statements()["task"], values)
    return task, instance


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
    also: Callable[[Outcome], list[tuple[Table, dict]]] | None = None,
) -> Outcome:
    """Run ``command`` on the claim's state and record everything it did (not committed).

    ``also`` gives further rows to insert that follow from the outcome (an approval's
    compensation: table and values); they are sent with the command's own, or it raises to refuse
    the command.

    Everything the command writes — its event, the instance's new state, the claim's projection,
    the worklist and timers by difference, the letters it made due and the claimant's message —
    is sent as one write (:class:`~fund.claims.command_writes.CommandWrites`): one statement on
    PostgreSQL, built once per shape of the writes.
    """
    started = time.perf_counter()  # its duration, by kind, for /metrics (a refused command is not timed)
    if instance is None and process_version is None:
        instance = lock_instance(claim)
    version = instance.process_version if instance is not None else process_version
    process = process_for_version(version)
    # The MCI is read only if the process reads it; the workflow is taken warm if this process has it.
    ctx = CommandContext(actor, now, mci_rates, warm=warm_workflows())
    outcome = command(process, instance.snapshot if instance is not None else None, ctx)

    recorded_input = dict(event_input)
    if outcome.used_mci_rates:
        recorded_input["mci_rates"] = rates_to_json(outcome.mci_rates)
    if instance is None:  # the claim's first command: its instance row is created with it
        instance = WorkflowInstance(
            claim_id=claim.id, process_version=version, snapshot=outcome.state, state_digest=outcome.digest,
            process_data=outcome.data, completed=outcome.completed, event_count=0,
            last_event_hash=GENESIS_HASH, updated_at=now,
        )  # fmt: skip
        db.session.add(instance)
        db.session.flush()
    previous_status = claim.status if instance.event_count else None  # None: the claim is new
    event, head = _event_row(claim, instance, event_type, actor, now, recorded_input, outcome.digest)
    event["result"] = event_result(outcome)
    instance_values = {
        "snapshot": outcome.state, "process_data": outcome.data, "completed": outcome.completed,
        "state_digest": outcome.digest, "updated_at": now, **head,
    }  # fmt: skip
    claim_values = _claim_projection(claim, outcome, now)
    claim_values.update(clock_changes(previous_status, claim_values["status"], outcome.completed, now))

    # Core statements on the tables, built once per shape (fund.claims.command_writes): the ORM
    # has nothing to add to them, only time.
    instances, claims = WorkflowInstance.__table__, Claim.__table__
    writes = CommandWrites()
    writes.insert(WorkflowEvent.__table__, event)
    where = {"id": instance.id, "version": instance.version}
    writes.update(instances, where, {**instance_values, "version": instance.version + 1})
    writes.update(claims, {"id": claim.id}, claim_values)
    _worklist_and_timers(writes, claim, outcome, now, actor, completed_task_id, claim_values.get("category"))
    letters = [
        {"claim_id": claim.id, "kind": message.name.removeprefix(LETTER_MESSAGE_PREFIX), "status": "due",
         "details": message.payload, "due_at": now, "request_id": logs.request_id.get()}
        for message in outcome.outbound
        if message.name.startswith(LETTER_MESSAGE_PREFIX)
    ]  # fmt: skip
    if letters:
        for letter in letters:
            writes.insert(Letter.__table__, letter)
        db.session.info.setdefault(_LETTERS_MADE_DUE, set()).add(claim.id)
    # The claimant's message about this change, in this same transaction (the outbox).
    status_now = claim_values.get("status", claim.status)
    message = claimant_notification(claim, previous_status, outcome, head["event_count"], now, status_now)
    if message is not None:
        writes.insert(Notification.__table__, message)

    for table, row in also(outcome) if also is not None else ():
        writes.insert(table, row)
    if not writes.send(counted=1):
        raise Conflict("someone else changed this claim at the same time; reload and try again")
    # The session's objects as the database now holds them (nothing left for the ORM to write).
    for name, value in {**instance_values, "version": instance.version + 1}.items():
        set_committed_value(instance, name, value)
    for name, value in claim_values.items():
        set_committed_value(claim, name, value)
    record_command(event_type, time.perf_counter() - started)
    return outcome


def _event_row(
    claim: Claim,
    instance: WorkflowInstance,
    event_type: str,
    actor: str,
    now: datetime,
    recorded_input: dict[str, Any],
    state_digest: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The next event of the claim's hash chain, as column values, and the instance's new head."""
    sequence = (instance.event_count or 0) + 1
    previous_hash = instance.last_event_hash if sequence > 1 else GENESIS_HASH
    occurred_at = now.isoformat()
    digest = event_hash(
        previous_hash, claim.reference, sequence, event_type, actor, occurred_at, recorded_input, state_digest
    )
    event = {
        "claim_id": claim.id, "sequence": sequence, "type": event_type, "actor": actor, "occurred_at": now,
        "input": recorded_input, "state_digest": state_digest, "previous_hash": previous_hash, "hash": digest,
    }  # fmt: skip
    return event, {"event_count": sequence, "last_event_hash": digest}


def append_event(
    claim: Claim,
    instance: WorkflowInstance,
    event_type: str,
    actor: str,
    now: datetime,
    recorded_input: dict[str, Any],
    state_digest: str,
    result: dict[str, Any],
) -> WorkflowEvent:
    """Append an event that is not a command (a letter issued) to the claim's hash chain and move
    the instance's head to it (not flushed). ``state_digest`` is the state the claim stays in."""
    row, head = _event_row(claim, instance, event_type, actor, now, recorded_input, state_digest)
    event = WorkflowEvent(**row, result=result)
    db.session.add(event)
    instance.state_digest = state_digest
    instance.event_count = head["event_count"]
    instance.last_event_hash = head["last_event_hash"]
    instance.updated_at = now
    return event


def _claim_projection(claim: Claim, outcome: Outcome, now: datetime) -> dict[str, Any]:
    """The claim's columns the pages read, as the command leaves them."""
    data = outcome.data
    values: dict[str, Any] = {"status": outcome.status or claim.status, "updated_at": now}
    for name in ("category", "eligibility_reason", "amount_mci"):
        if name in data:
            values[name] = data[name]
    if data.get("amount_kzt") is not None:
        values["amount_kzt"] = int(data["amount_kzt"])
    if data.get("decision_date"):
        values["decision_date"] = date.fromisoformat(data["decision_date"])
    return values


def _worklist_and_timers(
    writes: CommandWrites,
    claim: Claim,
    outcome: Outcome,
    now: datetime,
    actor: str,
    completed_task_id: str | None,
    category: str | None,
) -> None:
    """The worklist and the timers by difference, without reading them first, added to ``writes``.
    ``category`` is the claim's category as the command leaves it (``None``: unchanged)."""
    # Open tasks no longer ready close (the one completed; others cancelled, e.g. by a deadline);
    # the ready ones not there yet open. A task id is never reused, so the two never meet.
    tasks, timers = HumanTask.__table__, Timer.__table__
    ready_ids = [task.id for task in outcome.ready_tasks]
    writes.close_tasks(tasks, claim.id, ready_ids, completed_task_id, actor, now)
    if category is not None and category != claim.category:  # decided or changed: once or twice a claim
        writes.recategorize_open_tasks(tasks, claim.id, category)
    task_category = claim.category if category is None else category
    for task in outcome.ready_tasks:
        writes.insert_missing(
            tasks,
            {
                "id": task.id, "claim_id": claim.id, "name": task.name, "title": task.title,
                "role": task.role, "form": task.form, "state": "open", "category": task_category,
                "created_at": task.created_at, "due_at": task.due_at,
            },
        )  # fmt: skip
    # Timers likewise: a timer's due time never changes while it waits.
    writes.delete_others(timers, claim.id, [timer.task_id for timer in outcome.timers])
    for timer in outcome.timers:
        writes.insert_missing(
            timers, {"id": timer.task_id, "claim_id": claim.id, "name": timer.name, "due_at": timer.due_at}
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
