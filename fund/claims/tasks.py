"""Worklists and task completion."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from fund.claims.history import TASK_COMPLETED
from fund.claims.instances import lock_instance, run_engine_command
from fund.claims.process_versions import process_for_version
from fund.common.access import require_role
from fund.common.errors import Conflict, Forbidden, Invalid, NotFound
from fund.extensions import db
from fund.models import Claim, HumanTask, User, WorkflowInstance
from workflows import engine


def open_tasks(user: User, role: str | None = None, limit: int = 200) -> list[HumanTask]:
    """Ready tasks the user's roles may work (optionally one role), oldest first."""
    roles = user.roles if role is None else user.roles & {role}
    if not roles or not user.active:
        return []
    return list(
        db.session.scalars(
            select(HumanTask)
            .where(HumanTask.state == "open", HumanTask.role.in_(sorted(roles)))
            .order_by(HumanTask.created_at, HumanTask.id)
            .limit(limit)
        )
    )


def task_forms(tasks: list[HumanTask]) -> dict[str, dict[str, Any]]:
    """The JSON Schema form of each task, from the process version its claim runs on (one query)."""
    claim_ids = {task.claim_id for task in tasks}
    versions = (
        dict(
            db.session.execute(
                select(WorkflowInstance.claim_id, WorkflowInstance.process_version).where(
                    WorkflowInstance.claim_id.in_(claim_ids)
                )
            ).all()
        )
        if claim_ids
        else {}
    )
    return {task.id: process_for_version(versions[task.claim_id]).forms[task.form] for task in tasks}


def task_form(task: HumanTask) -> dict[str, Any]:
    """The JSON Schema form of a task, from the process version its claim runs on."""
    return task_forms([task])[task.id]


def complete_task(user: User, task_id: str, data: Any, now: datetime) -> Claim:
    """Complete a ready task with form data, as ``user``.

    Refused with Forbidden when the user lacks the task's role or the four-eyes rule forbids it,
    NotFound for an unknown task, Conflict when it is no longer ready, Invalid for bad form data.
    """
    # No task id holds U+0000, and PostgreSQL refuses to compare text that does.
    task = db.session.get(HumanTask, task_id) if "\x00" not in task_id else None
    if task is None:
        raise NotFound(f"no task {task_id}")
    require_role(user, task.role)
    if not isinstance(data, dict):
        raise Invalid("the form data must be an object with named fields", {"": ["must be a JSON object"]})
    claim = task.claim
    instance = lock_instance(claim)
    db.session.refresh(task)
    if task.state != "open":
        raise Conflict(f"task {task_id} was already {task.state}")
    if task.assignee not in (None, user.username):
        raise Conflict(
            f"task {task_id} is taken by {task.assignee}; only they can complete it until they release it"
        )
    try:
        run_engine_command(
            claim,
            TASK_COMPLETED,
            user.username,
            now,
            {"task_id": task_id, "data": data},
            lambda process, state, ctx: engine.complete_task(process, state, task_id, data, ctx),
            instance=instance,
            completed_task_id=task_id,
        )
    except engine.FourEyesViolation as error:
        db.session.rollback()
        raise Forbidden(f"four eyes: {error}") from error
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return claim
