"""The supervisor's desk: give an open task to a named colleague, and see each officer's load.

A supervisor (head of unit) may assign any open task to a colleague who holds the task's role, is
active, and is not barred from it by the four-eyes rule (the same rule, in the same words, as the
worklist's). Each assignment is written to the assignment log (who assigned which task to whom,
and who held it before) and shown in the claim's history. The load is the number of open tasks
each officer holds, by role.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from fund.claims.claim_file import claim_process
from fund.claims.four_eyes import ReadyTask, four_eyes_bars
from fund.common.access import require_role
from fund.common.errors import Conflict, Invalid, NotFound
from fund.extensions import db
from fund.models import HumanTask, TaskAssignment, User, UserRole
from workflows.specs import ProcessSpec

SUPERVISOR = "supervisor"
# The roles whose tasks a supervisor hands out: the officers who work the process's tasks.
WORKING_ROLES = ("intake", "reviewer", "approver", "finance")


@dataclass(frozen=True)
class OfficerLoad:
    """One officer: their roles, and how many open tasks they hold, by role."""

    username: str
    full_name: str
    roles: tuple[str, ...]
    open_tasks: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.open_tasks.values())


def officer_load(user: User) -> list[OfficerLoad]:
    """Every active officer with a working role, and the open tasks each holds by role (one query
    for the counts), busiest first; supervisors only."""
    require_role(user, SUPERVISOR)
    officers = list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.active.is_(True), UserRole.role.in_(WORKING_ROLES))
            .distinct()
            .order_by(User.username)
        )
    )
    counts: dict[str, dict[str, int]] = {}
    for assignee, role, count in db.session.execute(
        select(HumanTask.assignee, HumanTask.role, func.count())
        .where(HumanTask.state == "open", HumanTask.assignee.is_not(None))
        .group_by(HumanTask.assignee, HumanTask.role)
    ):
        counts.setdefault(assignee, {})[role] = count
    loads = [
        OfficerLoad(
            officer.username,
            officer.full_name,
            tuple(role for role in WORKING_ROLES if role in officer.roles),
            counts.get(officer.username, {}),
        )
        for officer in officers
    ]
    return sorted(loads, key=lambda load: (-load.total, load.username))


def open_tasks_to_assign(user: User, role: str | None = None, limit: int = 200) -> list[HumanTask]:
    """Open tasks of the working roles (or one of them), oldest first; supervisors only."""
    require_role(user, SUPERVISOR)
    roles = [role] if role in WORKING_ROLES else list(WORKING_ROLES)
    return list(
        db.session.scalars(
            select(HumanTask)
            .where(HumanTask.state == "open", HumanTask.role.in_(roles))
            .order_by(HumanTask.created_at, HumanTask.id)
            .limit(limit)
        )
    )


def colleagues_for(tasks: list[HumanTask]) -> dict[str, list[User]]:
    """For each task (by id), the active staff who hold its role and whom four eyes does not bar
    from it; one query per role and one per colleague, however many tasks."""
    roles = sorted({task.role for task in tasks})
    holders: dict[str, list[User]] = {role: [] for role in roles}
    for user, role in db.session.execute(
        select(User, UserRole.role)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.active.is_(True), UserRole.role.in_(roles))
        .order_by(User.username)
    ):
        holders[role].append(user)
    bars: dict[str, set[str]] = {}  # username -> ids of the tasks four eyes bars them from
    for user in {user.username: user for users in holders.values() for user in users}.values():
        mine = [ReadyTask(t.id, t.claim_id, t.name, t.role) for t in tasks if user.has_role(t.role)]
        bars[user.username] = set(four_eyes_bars(user, mine))
    return {
        task.id: [user for user in holders[task.role] if task.id not in bars[user.username]] for task in tasks
    }


def assign_task(user: User, task_id: str, assignee_username: str, now: datetime) -> HumanTask:
    """Give an open task to ``assignee_username``, as a supervisor; one transaction.

    Refused with Invalid (naming the field ``assignee``) when the colleague does not exist, is not
    active, lacks the task's role or is barred by four eyes; NotFound for an unknown task; Conflict
    when the task is no longer open. The task may have been taken by someone else: the supervisor
    moves it, and the log keeps who held it before.
    """
    require_role(user, SUPERVISOR)
    task = db.session.get(HumanTask, task_id) if "\x00" not in task_id and len(task_id) <= 36 else None
    if task is None:
        raise NotFound(_("There is no task %(task)s.", task=task_id))
    if task.state != "open":
        raise Conflict(_("This task is no longer open: the claim moved on. Nothing was assigned."))
    username = (assignee_username or "").strip()
    assignee = db.session.scalar(select(User).where(User.username == username)) if username else None
    if assignee is None or not assignee.active:
        raise Invalid(
            _("Choose a colleague to give the task to."),
            {"assignee": [_("must be the user name of an active staff member")]},
        )
    if not assignee.has_role(task.role):
        raise Invalid(
            _("%(name)s cannot work this task.", name=assignee.username),
            {"assignee": [_("must hold the task's role: %(role)s", role=task.role)]},
        )
    barred = four_eyes_bars(assignee, [ReadyTask(task.id, task.claim_id, task.name, task.role)])
    if barred:
        raise Invalid(
            _("%(name)s may not do this task (four eyes).", name=assignee.username),
            {"assignee": [barred[task.id]]},
        )
    previous = task.assignee
    moved = db.session.execute(
        update(HumanTask)
        .where(HumanTask.id == task.id, HumanTask.state == "open")
        .values(assignee=assignee.username, assigned_at=now)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        db.session.rollback()
        raise Conflict(_("This task is no longer open: the claim moved on. Nothing was assigned."))
    db.session.add(
        TaskAssignment(
            claim_id=task.claim_id,
            task_id=task.id,
            task_name=task.name,
            assigned_by=user.username,
            assignee=assignee.username,
            previous_assignee=previous,
            assigned_at=now,
        )
    )
    db.session.commit()
    db.session.refresh(task)
    return task


def process_of(task: HumanTask) -> ProcessSpec:
    """The process version the task's claim runs on (to name its steps as the worklist does)."""
    return claim_process(task.claim_id)
