"""Worklists and task completion."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, Table, and_, bindparam, or_, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload, load_only

from fund.claims.four_eyes import ReadyTask, four_eyes_bars, four_eyes_reason
from fund.claims.history import TASK_COMPLETED
from fund.claims.instances import lock_task, run_engine_command
from fund.claims.letter_issuing import issue_letters_made_due
from fund.claims.observations import observe
from fund.claims.prior_claims import compensation_rows, refusal_after_conflict
from fund.claims.process_versions import process_for_version
from fund.common.access import require_role
from fund.common.errors import Conflict, Forbidden, Invalid, NotFound
from fund.extensions import db
from fund.models import AWARDED_STATUSES, ROLES, Claim, HumanTask, ProcessVersion, User, WorkflowInstance
from workflows import engine


def open_tasks(
    user: User, role: str | None = None, limit: int = 200, after: tuple[datetime, str] | None = None
) -> list[HumanTask]:
    """Ready tasks the user's roles may work (optionally one role), oldest first, at most ``limit``;
    with ``after`` (a task's ``created_at`` and ``id``), those after it in that order (the next page).

    Each role's tasks are read in that order from ``ix_human_tasks_open_by_role``, ``limit`` at
    most, and merged: no query sorts all the open tasks, however many there are. Each task comes
    with its claim's reference (not the rest of the claim, nor its claimant).
    """
    return [task for task, _version in open_tasks_with_versions(user, role, limit, after)]


def open_tasks_with_versions(
    user: User, role: str | None = None, limit: int = 200, after: tuple[datetime, str] | None = None
) -> list[tuple[HumanTask, str]]:
    """:func:`open_tasks`, each with the process version its claim runs on, in the same query."""
    roles = sorted(user.roles if role is None else user.roles & {role})
    if not roles or not user.active:
        return []
    values: dict[str, Any] = {f"role_{n}": name for n, name in enumerate(roles)}
    values["limit"] = limit
    if after is not None:
        values["after_created_at"], values["after_id"] = after
    rows = db.session.execute(_open_tasks_statement(len(roles), after is not None), values)
    return [(task, version) for task, version in rows]


@cache
def _open_tasks_statement(role_count: int, paged: bool) -> Select:
    """The worklist's read for this many roles, after a given task or from the start: built once,
    its values bound (``role_<n>``, ``limit``, ``after_created_at``, ``after_id``)."""
    later = []
    if paged:
        created_at, task_id = bindparam("after_created_at"), bindparam("after_id")
        later.append(
            or_(
                HumanTask.created_at > created_at,
                and_(HumanTask.created_at == created_at, HumanTask.id > task_id),
            )
        )

    def oldest(role_number: int) -> Select:
        return (
            select(HumanTask.id)
            .where(HumanTask.state == "open", HumanTask.role == bindparam(f"role_{role_number}"), *later)
            .order_by(HumanTask.created_at, HumanTask.id)
            .limit(bindparam("limit"))
        )

    if role_count == 1:
        chosen = oldest(0).subquery()
    else:  # each role's ordered and limited read stays one (SQLite wants it in a subquery)
        chosen = union_all(*(select(oldest(n).subquery()) for n in range(role_count))).subquery()
    return (
        select(HumanTask, WorkflowInstance.process_version)
        .join(chosen, chosen.c.id == HumanTask.id)
        .join(WorkflowInstance, WorkflowInstance.claim_id == HumanTask.claim_id)
        .options(joinedload(HumanTask.claim).options(load_only(Claim.reference), lazyload(Claim.claimant)))
        .order_by(HumanTask.created_at, HumanTask.id)
        .limit(bindparam("limit"))
    )


def _claim_versions(tasks: list[HumanTask]) -> dict[int, str]:
    """The process version each task's claim runs on, by claim id (one query)."""
    claim_ids = {task.claim_id for task in tasks}
    if not claim_ids:
        return {}
    return dict(
        db.session.execute(
            select(WorkflowInstance.claim_id, WorkflowInstance.process_version).where(
                WorkflowInstance.claim_id.in_(claim_ids)
            )
        ).all()
    )


def form_id(version: str, form: str) -> str:
    """The id of a task form: its process version and file. A deployed version never changes, so
    what an id names never changes either, and a client may cache it for good."""
    return f"{version}/{form}.json"


def barred_tasks(user: User, ready: list[tuple[HumanTask, str]]) -> dict[str, str]:
    """Why the four-eyes rule bars ``user`` from each of these tasks (each with its claim's process
    version) that it bars, by task id; the same words as the worklist's and the refusal's
    (:mod:`fund.claims.four_eyes`). One query, and none when no task's step names an earlier one
    its doer may not also have done (an intake check, a review)."""
    may_be_barred = [
        ReadyTask(task.id, task.claim_id, task.name, task.role)
        for task, version in ready
        if (info := process_for_version(version).user_tasks.get(task.name)) is None or info.four_eyes_against
    ]
    return four_eyes_bars(user, may_be_barred)


_FORM_ID = re.compile(r"(?P<version>[0-9a-f]{64})/(?P<form>[a-z0-9_]+)\.json")


def form_by_id(user: User, form_id: str) -> dict[str, Any]:
    """The JSON Schema form that ``form_id`` names, for any staff member; NotFound for an unknown id."""
    require_role(user, *ROLES)
    match = _FORM_ID.fullmatch(form_id)
    if match is None or db.session.get(ProcessVersion, match["version"]) is None:
        raise NotFound(f"no form {form_id!r}: a form id is <process version>/<form>.json")
    form = process_for_version(match["version"]).forms.get(match["form"])
    if form is None:
        raise NotFound(f"no form {match['form']}.json in process version {match['version'][:12]}")
    return form


def task_form(task: HumanTask) -> dict[str, Any]:
    """The JSON Schema form of a task, from the process version its claim runs on."""
    return process_for_version(_claim_versions([task])[task.claim_id]).forms[task.form]


@dataclass(frozen=True)
class CompletedTask:
    """What a completed task answers: the claim and the status it is in now."""

    reference: str
    status: str


def complete_task(user: User, task_id: str, data: Any, now: datetime) -> CompletedTask:
    """Complete a ready task with form data, as ``user``.

    Refused with Forbidden when the user lacks the task's role or the four-eyes rule forbids it,
    NotFound for an unknown task, Conflict when it is no longer ready, Invalid for bad form data.
    An approval is refused (:class:`~fund.claims.prior_claims.CompensationRefused`, a Conflict) when
    another claim of the same victim and criminal case is already approved or paid.
    """
    # No task id holds U+0000, and PostgreSQL refuses to compare text that does.
    found = lock_task(task_id) if "\x00" not in task_id else None
    if found is None:
        db.session.rollback()
        raise NotFound(f"no task {task_id}")
    task, instance = found
    try:
        require_role(user, task.role)
    except Forbidden:
        db.session.rollback()
        raise
    if not isinstance(data, dict):
        db.session.rollback()
        raise Invalid("the form data must be an object with named fields", {"": ["must be a JSON object"]})
    claim = task.claim
    if task.state != "open":
        raise Conflict(f"task {task_id} was already {task.state}")
    if task.assignee not in (None, user.username):
        raise Conflict(
            f"task {task_id} is taken by {task.assignee}; only they can complete it until they release it"
        )
    status_before = claim.status
    victim_and_case = (claim.id, claim.victim_iin, claim.erdr_number)
    event_input: dict[str, Any] = {"task_id": task_id, "data": data}
    info = process_for_version(instance.process_version).user_tasks.get(task.name)
    observed = observe(claim, info.observes) if info is not None and info.observes else None
    if observed:
        event_input["observed"] = observed

    def compensation(outcome: engine.Outcome) -> list[tuple[Table, dict]]:
        """One payment per victim and case: recorded with the approval that awards it."""
        if outcome.status not in AWARDED_STATUSES or status_before in AWARDED_STATUSES:
            return []
        # No other claim of the victim and case was found just now: none to look for again.
        return compensation_rows(claim, now, look_first=(observed or {}).get("prior_claims") != "none")

    try:
        run_engine_command(
            claim,
            TASK_COMPLETED,
            user.username,
            now,
            event_input,
            lambda process, state, ctx: engine.complete_task(process, state, task_id, data, ctx, observed),
            instance=instance,
            completed_task_id=task_id,
            also=compensation,
        )
        done = CompletedTask(claim.reference, claim.status)  # the answer, read before the commit
    except engine.FourEyesViolation as error:
        db.session.rollback()
        # The engine names tasks by their codes; say it as the worklist and the task page do.
        raise Forbidden(four_eyes_reason(user, task) or f"four eyes: {error}") from error
    except IntegrityError as error:
        db.session.rollback()
        refusal = refusal_after_conflict(*victim_and_case)
        if refusal is None:
            raise
        raise refusal from error
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    issue_letters_made_due(now)
    return done
