"""The four-eyes rule in words: which ready tasks a user may not work, and why.

The BPMN names, for each deciding task, the tasks whose author may not also decide it
(``four_eyes_against``); the engine enforces it when a task is completed. This module says it
beforehand, in the same words everywhere: the worklist marks a barred task with the reason and
offers no Take; taking it, opening it and completing it are refused with that same reason. Steps
are named as the worklist names them (:func:`~fund.common.wording.task_labels` of the claim's
process version), so "Review: torture" on the worklist is "Review: torture" in the refusal.

One query for any number of tasks (a worklist page, the API's list): the tasks the user completed
on those claims, with the process version each claim runs on (its version column, never its
snapshot).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from fund.claims.process_versions import process_for_version
from fund.common.wording import ROLE_LABELS, task_labels
from fund.extensions import db
from fund.models import HumanTask, User, WorkflowInstance


@dataclass(frozen=True)
class ReadyTask:
    """What the rule needs of a task: its id, its claim and its name in the process."""

    task_id: str
    claim_id: int
    name: str
    role: str


def four_eyes_bars(user: User, ready: Iterable[ReadyTask]) -> dict[str, str]:
    """For each task that the four-eyes rule bars ``user`` from, why (by task id); one query.

    A task is barred when the user completed, on the same claim, one of the tasks that the
    task's process version names in its ``four_eyes_against``. Tasks not barred are left out.
    """
    ready = list(ready)
    claim_ids = {task.claim_id for task in ready}
    if not claim_ids:
        return {}
    done_by_user = db.session.execute(
        select(
            HumanTask.claim_id,
            HumanTask.name,
            HumanTask.title,
            WorkflowInstance.process_version,
        )
        .join(WorkflowInstance, WorkflowInstance.claim_id == HumanTask.claim_id)
        .where(
            HumanTask.claim_id.in_(claim_ids),
            HumanTask.state == "completed",
            HumanTask.completed_by == user.username,
        )
        .order_by(HumanTask.completed_at, HumanTask.id)
    ).all()
    if not done_by_user:
        return {}
    done: dict[int, list] = {}
    for row in done_by_user:
        done.setdefault(row.claim_id, []).append(row)
    bars = {}
    for task in ready:
        earlier_steps = done.get(task.claim_id)
        if not earlier_steps:
            continue
        process = process_for_version(earlier_steps[0].process_version)
        info = process.user_tasks.get(task.name)
        if info is None or not info.four_eyes_against:
            continue
        earlier = next((step for step in earlier_steps if step.name in info.four_eyes_against), None)
        if earlier is None:
            continue
        labels = task_labels(process)
        bars[task.task_id] = four_eyes_words(
            labels.get(earlier.name, earlier.title), labels.get(task.name, info.title), task.role
        )
    return bars


def four_eyes_words(earlier_step: str, step: str, role: str) -> str:
    """The reason, naming both steps as the worklist names them, in the page's language.

    The step and role names are the fund's English words (wording, BPMN), translated by the
    catalog as the worklist translates them.
    """
    return _(
        "You did the step '%(earlier_step)s' on this claim, so you may not do '%(step)s'. "
        "The four-eyes rule: a decision is taken by a second person who did not prepare it. "
        "Another %(role)s must do this task.",
        earlier_step=_(earlier_step),
        step=_(step),
        role=_(ROLE_LABELS.get(role, role)),
    )


def four_eyes_reason(user: User, task: HumanTask) -> str | None:
    """Why the four-eyes rule forbids ``user`` to complete ``task``, or None when it allows it."""
    return four_eyes_bars(user, [ReadyTask(task.id, task.claim_id, task.name, task.role)]).get(task.id)
