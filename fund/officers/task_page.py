"""A task page: the task, its form (the JSON Schema of its process version), who holds it, the
four-eyes rule, and the claim beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fund.claims.claim_file import ClaimView, CompletedTask, claim_process, claim_view
from fund.claims.tasks import task_form
from fund.common.wording import task_labels
from fund.models import User
from fund.officers.assignment import closed_message, display_name, four_eyes_reason, get_task
from fund.officers.worklist import sla_state


@dataclass
class TaskView:
    """A task page: the task, its form (JSON Schema), who holds it, four eyes, and the claim."""

    task_id: str
    name: str
    label: str
    role: str
    state: str
    created_at: datetime
    due_at: datetime | None
    sla: str
    assignee: str | None
    assignee_name: str
    mine: bool
    form: dict[str, Any]
    four_eyes: str | None
    checked_steps: list[CompletedTask]
    closed: str | None
    claim: ClaimView

    @property
    def taken_by_other(self) -> bool:
        return self.assignee is not None and not self.mine

    @property
    def may_submit(self) -> bool:
        return self.closed is None and not self.taken_by_other and self.four_eyes is None


def task_view(user: User, task_id: str, now: datetime) -> TaskView:
    """What the task page shows, for a holder of the task's role (Forbidden otherwise).

    ``checked_steps`` are the earlier steps this task must be independent of under the four-eyes
    rule (for an approver: who reviewed the claim and what they recommended).
    """
    task = get_task(user, task_id)
    process = claim_process(task.claim_id)
    info = process.user_tasks.get(task.name)
    claim = claim_view(user, task.claim.reference, now, with_diagram=False)
    against = set(info.four_eyes_against) if info else set()
    return TaskView(
        task_id=task.id,
        name=task.name,
        label=task_labels(process).get(task.name, task.title),
        role=task.role,
        state=task.state,
        created_at=task.created_at,
        due_at=task.due_at,
        sla=sla_state(task.due_at, now) if task.state == "open" else "none",
        assignee=task.assignee,
        assignee_name=display_name(task.assignee),
        mine=task.assignee == user.username,
        form=task_form(task),
        four_eyes=four_eyes_reason(user, task) if task.state == "open" else None,
        checked_steps=[step for step in claim.completed_tasks if step.name in against],
        closed=closed_message(task) if task.state != "open" else None,
        claim=claim,
    )
