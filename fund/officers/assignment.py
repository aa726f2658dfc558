"""Who works a task: taking and releasing it, and who may complete it (roles and four eyes).

The rules are checked here, in the service, whatever page or API call asks.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from fund.claims import four_eyes
from fund.common.access import require_role
from fund.common.errors import Conflict, Forbidden, NotFound
from fund.extensions import db
from fund.models import HumanTask, User
from workflows.scripting import FUND_TIME_ZONE


def display_name(username: str | None) -> str:
    """A staff member's full name with the user name, as pages name colleagues."""
    if not username:
        return ""
    full_name = db.session.scalar(select(User.full_name).where(User.username == username))
    return f"{full_name} ({username})" if full_name and full_name != username else username


def get_task(user: User, task_id: str) -> HumanTask:
    """The task, if the user holds its role; NotFound or Forbidden otherwise."""
    # No task id holds U+0000, and PostgreSQL refuses to compare text that does.
    task = db.session.get(HumanTask, task_id) if "\x00" not in task_id and len(task_id) <= 36 else None
    if task is None:
        raise NotFound(f"there is no task {task_id}")
    require_role(user, task.role)
    return task


def closed_message(task: HumanTask) -> str:
    """Why a task can no longer be worked, in words (times in Almaty, as pages show them)."""
    if task.state == "completed":
        when = (
            task.completed_at.astimezone(FUND_TIME_ZONE).strftime(" on %d.%m.%Y at %H:%M")
            if task.completed_at
            else ""
        )
        return (
            f"This task was already completed by {display_name(task.completed_by)}{when}. "
            "Nothing you sent was saved; open the claim to see what was decided."
        )
    return (
        "This task is no longer waiting: the claim moved on without it (a deadline passed or the "
        "claim was changed). Nothing you sent was saved; open the claim to see where it is now."
    )


def four_eyes_reason(user: User, task: HumanTask) -> str | None:
    """Why the four-eyes rule forbids ``user`` to complete ``task``, or None when it allows it.

    The rule and its words are :mod:`fund.claims.four_eyes`'s, the same that mark the task on the
    worklist; the engine enforces it on completion, this explains it beforehand.
    """
    return four_eyes.four_eyes_reason(user, task)


def ensure_may_complete(user: User, task_id: str) -> HumanTask:
    """Check, before the form is sent to the engine, that ``user`` may complete the task now.

    Forbidden for a missing role or the four-eyes rule; Conflict when the task is closed or
    someone else took it. ``tasks.complete_task`` checks the same under the claim's lock.
    """
    task = get_task(user, task_id)
    if task.state != "open":
        raise Conflict(closed_message(task))
    if task.assignee not in (None, user.username):
        raise Conflict(
            f"{display_name(task.assignee)} took this task; only they can complete it until they release it."
        )
    reason = four_eyes_reason(user, task)
    if reason:
        raise Forbidden(reason)
    return task


def take_task(user: User, task_id: str, now: datetime) -> HumanTask:
    """Mark the task as the user's, so colleagues see it is being worked. One transaction.

    Taking a task one already holds changes nothing. Refused with Conflict when the task is
    closed or someone else took it first, Forbidden without the role or when four eyes forbids.
    """
    task = get_task(user, task_id)
    if task.state != "open":
        raise Conflict(closed_message(task))
    reason = four_eyes_reason(user, task)
    if reason:
        raise Forbidden(reason)
    # One conditional UPDATE: of two officers taking the same task at once, exactly one wins.
    taken = db.session.execute(
        update(HumanTask)
        .where(HumanTask.id == task_id, HumanTask.state == "open", HumanTask.assignee.is_(None))
        .values(assignee=user.username, assigned_at=now)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount == 1:
        db.session.commit()
        db.session.refresh(task)
        return task
    db.session.rollback()
    task = db.session.get(HumanTask, task_id)
    if task.state != "open":
        raise Conflict(closed_message(task))
    if task.assignee == user.username:
        return task
    raise Conflict(f"{display_name(task.assignee)} took this task already; ask them to release it.")


def release_task(user: User, task_id: str) -> HumanTask:
    """Give a task one took back to the worklist. One transaction; releasing a free task is a no-op.

    Only the person who took the task can release it (Forbidden for anyone else).
    """
    task = get_task(user, task_id)
    if task.state != "open":
        raise Conflict(closed_message(task))
    if task.assignee is None:
        return task
    if task.assignee != user.username:
        raise Forbidden(f"{display_name(task.assignee)} took this task; only they can release it.")
    db.session.execute(
        update(HumanTask)
        .where(HumanTask.id == task_id, HumanTask.assignee == user.username)
        .values(assignee=None, assigned_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.refresh(task)
    return task
