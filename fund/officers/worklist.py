"""The officer's worklist: ready tasks for the user's roles, and taking and releasing them.

The worklist reads only the projections (``human_tasks`` joined to ``claims`` and ``users``), in
one query per page, never a workflow snapshot: with 100,000 open tasks a page costs about what it
costs with ten. Each sort order has an index ``(state, role, <sort column>)``; each of the user's
roles is read from it in page order, a page at most, and the roles' rows are merged. Pages are
cut by keyset ("after this row"), not by offset, so page 2,000 is as quick as page 1, and the
count of matching tasks stops at :data:`COUNT_LIMIT`. A category is the claim's; each task row
keeps a copy of it (``human_tasks.category``, updated by the command that decides it), so the
category filter is a range of ``ix_human_tasks_open_by_category`` like any other filter, not a join
to every task's claim (benchmarks/reads.py measures it at 1,000,000 claims).

Taking a task marks it as the user's (``assignee``) so that colleagues do not work it twice; only
the person who took a task releases it, and nobody else may complete it meanwhile. Every function
here is one transaction and checks the user's roles itself: pages only decide what to show.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, union_all
from sqlalchemy.orm import InstrumentedAttribute

from fund.claims.claim_file import claim_view, reveal_personal_data
from fund.claims.claimant_messages import claims_with_unread
from fund.claims.four_eyes import ReadyTask, four_eyes_bars
from fund.claims.prior_claims import flags_of_claims
from fund.claims.process_versions import process_for_version
from fund.common.access import require_role
from fund.common.wording import CATEGORY_LABELS, task_labels
from fund.extensions import db
from fund.models import ROLES, Claim, HumanTask, ProcessVersion, User
from workflows.specs import ProcessSpec

__all__ = [  # claim_view and reveal_personal_data live with the rest of the claim file
    "claim_view",
    "reveal_personal_data",
    "worklist",
]

PAGE_SIZES = (25, 50, 100)
COUNT_LIMIT = 10_000  # beyond this the page says "more than 10,000": counting all would cost more
DUE_SOON = timedelta(days=2)
ASSIGNMENT_FILTERS = {"": "Anyone or nobody", "mine": "Taken by me", "free": "Not taken"}


@dataclass(frozen=True)
class SortOrder:
    """One way to order the worklist; ``column`` has an index after ``(state, role)``."""

    label: str
    column: InstrumentedAttribute
    descending: bool = False
    nullable: bool = False  # ascending only: tasks without the value come last


SORT_ORDERS = {
    "oldest": SortOrder("Oldest first", HumanTask.created_at),
    "newest": SortOrder("Newest first", HumanTask.created_at, descending=True),
    "due": SortOrder("Due date, soonest first", HumanTask.due_at, nullable=True),
    "claim": SortOrder("Claim reference", HumanTask.claim_id),  # references follow claim ids
}


@dataclass(frozen=True)
class WorklistFilters:
    """What the officer asked for; unknown values fall back to the defaults (see :meth:`clean`)."""

    category: str = ""
    task: str = ""
    assigned: str = ""
    sort: str = "oldest"
    after: str = ""  # keyset cursor: the page after this row
    before: str = ""  # keyset cursor: the page before this row
    per_page: int = PAGE_SIZES[0]
    page: int = 1  # shown to people only; the cursor decides which rows come

    def clean(self) -> WorklistFilters:
        return WorklistFilters(
            category=self.category if self.category in CATEGORY_LABELS else "",
            task=self.task[:100],
            assigned=self.assigned if self.assigned in ASSIGNMENT_FILTERS else "",
            sort=self.sort if self.sort in SORT_ORDERS else "oldest",
            after=self.after[:120],
            before=self.before[:120] if not self.after else "",
            per_page=self.per_page if self.per_page in PAGE_SIZES else PAGE_SIZES[0],
            page=max(1, min(self.page, 10**6)),
        )


@dataclass(frozen=True)
class WorklistRow:
    """One ready task as the worklist shows it (plain values, no ORM object)."""

    task_id: str
    task_name: str
    task_label: str
    role: str
    claim_reference: str
    category: str | None
    created_at: datetime
    due_at: datetime | None
    age: timedelta
    sla: str  # overdue, due_soon, on_time, none
    assignee: str | None
    assignee_name: str | None
    assigned_at: datetime | None
    mine: bool
    # duplicate_claim / already_compensated: another claim of the same victim and criminal case
    same_case_flag: str | None = None
    # Why the four-eyes rule bars the user from this task (shown instead of Take), or None.
    barred_because: str | None = None
    # The claimant wrote a message that no officer has read yet (opening the claim page reads it).
    unread_message: bool = False


@dataclass
class WorklistPage:
    """A page of the worklist with what is needed to draw its filters and its pager."""

    rows: list[WorklistRow]
    total: int  # at most COUNT_LIMIT
    more_than_counted: bool
    filters: WorklistFilters
    next_cursor: str | None
    previous_cursor: str | None
    task_choices: list[tuple[str, str]] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.filters.per_page))


def sla_state(due_at: datetime | None, now: datetime) -> str:
    """overdue (past its due time), due_soon (within two days), on_time, or none (no due date)."""
    if due_at is None:
        return "none"
    if due_at <= now:
        return "overdue"
    return "due_soon" if due_at - now <= DUE_SOON else "on_time"


def current_process() -> ProcessSpec | None:
    """The most recently deployed process (parsed once per process), for task names and labels."""
    version = db.session.scalar(
        select(ProcessVersion.version).order_by(ProcessVersion.deployed_at.desc()).limit(1)
    )
    return process_for_version(version) if version else None


# --- the worklist query --------------------------------------------------------------------------


def _filtered(statement: Select, user: User, filters: WorklistFilters, roles: list[str]) -> Select:
    statement = statement.where(HumanTask.state == "open", HumanTask.role.in_(roles))
    if filters.category:
        statement = statement.where(HumanTask.category == filters.category)
    if filters.task:
        statement = statement.where(HumanTask.name == filters.task)
    if filters.assigned == "mine":
        statement = statement.where(HumanTask.assignee == user.username)
    elif filters.assigned == "free":
        statement = statement.where(HumanTask.assignee.is_(None))
    return statement


def _decode_cursor(order: SortOrder, cursor: str) -> tuple[Any, str] | None:
    """(sort value, task id) from a cursor made by :func:`_encode_cursor`; None if it is not one."""
    value, separator, task_id = cursor.rpartition("~")
    if not separator or not task_id or len(task_id) > 36:
        return None
    if value == "" and order.nullable:
        return None, task_id
    try:
        if order.column is HumanTask.claim_id:
            return int(value), task_id
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return (moment, task_id) if moment.tzinfo is not None else None


def _encode_cursor(order: SortOrder, row: Any) -> str:
    value = getattr(row, order.column.key)
    shown = "" if value is None else value.isoformat() if isinstance(value, datetime) else str(value)
    return f"{shown}~{row.id}"


def _beyond(order: SortOrder, value: Any, task_id: str, backwards: bool):
    """Rows after (or, going backwards, before) the row (value, task_id) in the page order."""
    column, ids = order.column, HumanTask.id
    if order.nullable:  # ascending, tasks without a value last
        if not backwards:
            if value is None:
                return and_(column.is_(None), ids > task_id)
            return or_(column > value, and_(column == value, ids > task_id), column.is_(None))
        if value is None:
            return or_(column.is_not(None), and_(column.is_(None), ids < task_id))
        return or_(column < value, and_(column == value, ids < task_id))
    greater = order.descending == backwards
    if greater:
        return or_(column > value, and_(column == value, ids > task_id))
    return or_(column < value, and_(column == value, ids < task_id))


def _ordering(order: SortOrder, backwards: bool, column=None, ids=None) -> list:
    """ORDER BY for the page order (reversed going backwards), on the task table or a union."""
    column = order.column if column is None else column
    ids = HumanTask.id if ids is None else ids
    descending = order.descending != backwards
    ordered = column.desc() if descending else column.asc()
    if order.nullable:
        ordered = ordered.nulls_first() if descending else ordered.nulls_last()
    return [ordered, ids.desc() if descending else ids.asc()]


def worklist_statement(
    user: User, filters: WorklistFilters, backwards: bool = False, roles: list[str] | None = None
) -> Select:
    """The one SELECT behind a worklist page: projections only, filtered, ordered, limited.

    Each role is read in the page order from an index that starts with ``(state, role)``, at most
    a page plus one row; for an officer with several roles these few rows are merged (UNION ALL),
    so no query ever sorts all the open tasks. Exposed so that tests can check its plan.
    """
    filters = filters.clean()
    order = SORT_ORDERS[filters.sort]
    roles = sorted(user.roles) if roles is None else sorted(roles)
    cursor = _decode_cursor(order, filters.before if backwards else filters.after)
    limit = filters.per_page + 1

    def one_role(some_roles: list[str]) -> Select:
        statement = (
            select(
                HumanTask.id,
                HumanTask.name,
                HumanTask.role,
                HumanTask.claim_id,
                HumanTask.created_at,
                HumanTask.due_at,
                HumanTask.assignee,
                HumanTask.assigned_at,
                Claim.reference,
                Claim.category,
                User.full_name.label("assignee_name"),
            )
            .join(Claim, Claim.id == HumanTask.claim_id)
            .outerjoin(User, User.username == HumanTask.assignee)
        )
        statement = _filtered(statement, user, filters, some_roles)
        if cursor is not None:
            statement = statement.where(_beyond(order, *cursor, backwards=backwards))
        return statement.order_by(*_ordering(order, backwards)).limit(limit)

    if len(roles) <= 1:
        return one_role(roles)
    merged = union_all(*(select(one_role([role]).subquery()) for role in roles)).subquery("ready_tasks")
    sort_column = merged.c[order.column.key]
    return select(merged).order_by(*_ordering(order, backwards, sort_column, merged.c.id)).limit(limit)


def _roles_for(user: User, filters: WorklistFilters, process: ProcessSpec | None) -> list[str]:
    """The user's roles that can have tasks matching the filters (a task name implies its role)."""
    roles = set(user.roles)
    if filters.task and process is not None:
        info = process.user_tasks.get(filters.task)
        roles &= {info.role} if info is not None else set()
    return sorted(roles)


def worklist(user: User, filters: WorklistFilters, now: datetime) -> WorklistPage:
    """A page of the ready tasks that the user's roles may work, with how many match.

    Any staff member may look (auditors and administrators see an empty list: no process task
    is theirs). Six queries whatever the number of tasks: the version, this page, the count (it
    stops at :data:`COUNT_LIMIT` so that it stays cheap too), the page's claims that share
    their victim and criminal case with another claim (flagged on the row), and the tasks the
    user completed on the page's claims (a task the four-eyes rule bars them from is marked with
    the reason and cannot be taken); and one more, the page's claims with a claimant's message no
    officer has read (marked on the row).
    """
    require_role(user, *ROLES)
    filters = filters.clean()
    order = SORT_ORDERS[filters.sort]
    for cursor_field in ("after", "before"):
        cursor = getattr(filters, cursor_field)
        if cursor and _decode_cursor(order, cursor) is None:  # not one of ours: start from the top
            filters = replace(filters, **{cursor_field: "", "page": 1})
    process = current_process()
    labels = task_labels(process) if process else {}
    roles = _roles_for(user, filters, process)
    matching = _filtered(select(HumanTask.id), user, filters, roles)
    total = db.session.scalar(select(func.count()).select_from(matching.limit(COUNT_LIMIT + 1).subquery()))

    def page_rows(filters: WorklistFilters, backwards: bool) -> list:
        if not total:  # nothing matches: no page to look for
            return []
        return list(db.session.execute(worklist_statement(user, filters, backwards, roles)))

    backwards = bool(filters.before)
    rows = page_rows(filters, backwards)
    if backwards and len(rows) <= filters.per_page:
        # Went back past the start (tasks were completed meanwhile): show the first page.
        filters = replace(filters, before="", page=1)
        backwards = False
        rows = page_rows(filters, backwards)
    more = len(rows) > filters.per_page
    rows = rows[: filters.per_page]
    if backwards:
        rows.reverse()
    has_next = more if not backwards else True
    has_previous = (more if backwards else bool(filters.after)) and bool(rows)

    flags = flags_of_claims(row.claim_id for row in rows)  # one query for the page
    bars = four_eyes_bars(user, (ReadyTask(row.id, row.claim_id, row.name, row.role) for row in rows))
    unread = claims_with_unread(row.claim_id for row in rows)  # one query for the page
    return WorklistPage(
        rows=[
            replace(
                _row(row, labels, user, now, flags.get(row.claim_id), bars.get(row.id)),
                unread_message=row.claim_id in unread,
            )
            for row in rows
        ],
        total=min(total or 0, COUNT_LIMIT),
        more_than_counted=(total or 0) > COUNT_LIMIT,
        filters=filters,
        next_cursor=_encode_cursor(order, rows[-1]) if has_next and rows else None,
        previous_cursor=_encode_cursor(order, rows[0]) if has_previous else None,
        task_choices=sorted(
            (
                (name, labels.get(name, name))
                for name, info in (process.user_tasks.items() if process else [])
                if info.role in user.roles
            ),
            key=lambda choice: choice[1],
        ),
        roles=sorted(user.roles),
    )


def _row(
    row: Any, labels: dict[str, str], user: User, now: datetime, flag: str | None, barred: str | None
) -> WorklistRow:
    return WorklistRow(
        task_id=row.id,
        task_name=row.name,
        task_label=labels.get(row.name, row.name),
        role=row.role,
        claim_reference=row.reference,
        category=row.category,
        created_at=row.created_at,
        due_at=row.due_at,
        age=max(now - row.created_at, timedelta(0)),
        sla=sla_state(row.due_at, now),
        assignee=row.assignee,
        assignee_name=row.assignee_name or row.assignee,
        assigned_at=row.assigned_at,
        mine=row.assignee == user.username,
        same_case_flag=flag,
        barred_because=barred,
    )
