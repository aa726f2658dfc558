"""The heads of unit's dashboard: claims by status and category, ages, SLA breaches, decisions.

Every figure comes from the projections (claims, human tasks, workflow instances) with grouped
queries; no snapshot is loaded and no claim is read one by one. Each function takes ``now``, so a
figure can be computed as of any moment and tested at chosen times.

Definitions (the page repeats them in words):

- **open claim**: its process has not ended (``workflow_instances.completed`` is false); a rejected
  claim is open while the claimant may still ask for reconsideration.
- **age** of an open claim: from ``submitted_at`` to ``now``.
- **SLA breach**: an open human task whose ``due_at`` is before ``now``.
- **decision**: a claim's ``decision_date`` (set when it is approved or rejected, in Almaty);
  approved when it has an ``amount_kzt``. A claim decided again after reconsideration counts once,
  in the week of its latest decision.
- **time to decision**: from ``submitted_at`` to the completion of the approver's task that took
  the decision (the last one completed on or before the decision date, in Almaty).
- **weeks** are Monday to Sunday in Asia/Almaty.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select

from fund.common.access import require_role
from fund.common.time import fund_date
from fund.common.wording import NO_CATEGORY
from fund.extensions import db
from fund.models import Claim, HumanTask, User, WorkflowInstance

DASHBOARD_ROLES = ("approver", "admin", "auditor")
WEEK_CHOICES = (4, 12, 26, 52)
DEFAULT_WEEKS = 12
# The approver's user tasks of bpmn/compensation_claim.bpmn whose completion decides a claim.
DECISION_TASKS = ("approval", "final_decision")
# Statuses in the order a claim moves through them (README); unknown ones follow, by name.
STATUS_ORDER = (
    "submitted",
    "documents_requested",
    "under_review",
    "awaiting_approval",
    "approved",
    "payment_failed",
    "paid",
    "rejected",
    "reconsideration",
    "closed_incomplete",
)
CATEGORY_ORDER = ("torture", "trafficking", "sexual_violence_minor", "grave_harm", "death", "ineligible")
# Age bands of open claims, in days: (label, more than, at most); the last has no upper bound.
AGE_BANDS = (
    ("up to 7 days", None, 7),
    ("8 to 30 days", 7, 30),
    ("31 to 90 days", 30, 90),
    ("91 to 180 days", 90, 180),
    ("over 180 days", 180, None),
)
OVERDUE_LIST_LIMIT = 20


@dataclass(frozen=True)
class Count:
    """How many claims (or tasks) have one code."""

    code: str
    count: int


@dataclass(frozen=True)
class StatusCategoryTable:
    """Claims by status (rows) and category (columns), with totals."""

    statuses: list[str]
    categories: list[str]
    cells: dict[tuple[str, str], int]
    by_status: list[Count]
    by_category: list[Count]
    total: int


@dataclass(frozen=True)
class AgeBand:
    label: str
    count: int


@dataclass(frozen=True)
class Ages:
    """Open claims by how long ago they were submitted."""

    open_claims: int
    bands: list[AgeBand]
    oldest_reference: str | None
    oldest_days: int | None


@dataclass(frozen=True)
class OverdueTask:
    """One SLA breach: an open task past its due time (no personal data)."""

    claim_reference: str
    task_name: str
    task_title: str
    role: str
    due_at: datetime
    days_overdue: int
    assignee: str | None


@dataclass(frozen=True)
class TaskBreaches:
    task_name: str
    task_title: str
    role: str
    count: int
    oldest_due_at: datetime


@dataclass(frozen=True)
class SlaBreaches:
    total: int
    by_task: list[TaskBreaches]
    most_overdue: list[OverdueTask]


@dataclass(frozen=True)
class Week:
    """Decisions in one Almaty week, Monday ``start`` to Sunday."""

    start: date
    approved: int
    rejected: int

    @property
    def total(self) -> int:
        return self.approved + self.rejected

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)


@dataclass(frozen=True)
class DecisionTimes:
    """Days from submission to decision, for the claims decided in a period."""

    decisions: int
    median_days: float | None
    average_days: float | None
    shortest_days: float | None
    longest_days: float | None


@dataclass(frozen=True)
class TimeToDecision:
    overall: DecisionTimes
    by_category: dict[str, DecisionTimes]
    not_measured: int  # decided claims without a completed approver's task (imported data)


@dataclass(frozen=True)
class Dashboard:
    now: datetime
    weeks: int
    period_start: date
    period_end: date
    claims: StatusCategoryTable
    ages: Ages
    sla: SlaBreaches
    decisions_per_week: list[Week]
    time_to_decision: TimeToDecision
    decisions_in_period: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "decisions_in_period", sum(week.total for week in self.decisions_per_week))


def _ordered(codes: set[str], order: tuple[str, ...]) -> list[str]:
    return [code for code in order if code in codes] + sorted(codes - set(order))


def claims_by_status_and_category() -> StatusCategoryTable:
    """Every claim counted by its status and its category (all statuses of the process shown)."""
    category = func.coalesce(Claim.category, NO_CATEGORY)
    rows = db.session.execute(select(Claim.status, category, func.count()).group_by(Claim.status, category))
    cells: dict[tuple[str, str], int] = {(status, cat): count for status, cat, count in rows}
    statuses = _ordered({status for status, _ in cells} | set(STATUS_ORDER), STATUS_ORDER)
    categories = _ordered({cat for _, cat in cells} | set(CATEGORY_ORDER), CATEGORY_ORDER)
    by_status = [Count(s, sum(cells.get((s, c), 0) for c in categories)) for s in statuses]
    by_category = [Count(c, sum(cells.get((s, c), 0) for s in statuses)) for c in categories]
    return StatusCategoryTable(statuses, categories, cells, by_status, by_category, sum(cells.values()))


def _open_claims(*columns):
    """``columns`` of the claims whose process has not ended (no instance yet counts as open)."""
    return (
        select(*columns)
        .select_from(Claim)
        .outerjoin(WorkflowInstance, WorkflowInstance.claim_id == Claim.id)
        .where(func.coalesce(WorkflowInstance.completed, False).is_(False))
    )


def open_claim_ages(now: datetime) -> Ages:
    """Open claims counted by age band, and the oldest of them."""
    bands = []
    for _, above, at_most in AGE_BANDS:
        conditions = []
        if above is not None:  # older than ``above`` days
            conditions.append(Claim.submitted_at < now - timedelta(days=above))
        if at_most is not None:  # at most ``at_most`` days old
            conditions.append(Claim.submitted_at >= now - timedelta(days=at_most))
        bands.append(func.coalesce(func.sum(case((db.and_(*conditions), 1), else_=0)), 0))
    counts = db.session.execute(_open_claims(func.count(), *bands)).one()
    oldest = db.session.execute(
        _open_claims(Claim.reference, Claim.submitted_at).order_by(Claim.submitted_at, Claim.id).limit(1)
    ).first()
    return Ages(
        open_claims=counts[0],
        bands=[AgeBand(band[0], int(n)) for band, n in zip(AGE_BANDS, counts[1:], strict=True)],
        oldest_reference=oldest.reference if oldest else None,
        oldest_days=(now - oldest.submitted_at).days if oldest else None,
    )


def sla_breaches(now: datetime, limit: int = OVERDUE_LIST_LIMIT) -> SlaBreaches:
    """Open tasks past their due time: counted by task, and the most overdue listed."""
    overdue = (HumanTask.state == "open", HumanTask.due_at.is_not(None), HumanTask.due_at < now)
    by_task = [
        TaskBreaches(name, title, role, count, oldest)
        for name, title, role, count, oldest in db.session.execute(
            select(HumanTask.name, HumanTask.title, HumanTask.role, func.count(), func.min(HumanTask.due_at))
            .where(*overdue)
            .group_by(HumanTask.name, HumanTask.title, HumanTask.role)
            .order_by(func.count().desc(), HumanTask.name)
        )
    ]
    most_overdue = [
        OverdueTask(
            claim_reference=reference,
            task_name=name,
            task_title=title,
            role=role,
            due_at=due_at,
            days_overdue=(now - due_at).days,
            assignee=assignee,
        )
        for reference, name, title, role, due_at, assignee in db.session.execute(
            select(
                Claim.reference,
                HumanTask.name,
                HumanTask.title,
                HumanTask.role,
                HumanTask.due_at,
                HumanTask.assignee,
            )  # fmt: skip
            .join(Claim, Claim.id == HumanTask.claim_id)
            .where(*overdue)
            .order_by(HumanTask.due_at, HumanTask.id)
            .limit(limit)
        )
    ]
    return SlaBreaches(sum(t.count for t in by_task), by_task, most_overdue)


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def period(now: datetime, weeks: int) -> tuple[date, date]:
    """The first and last day of the ``weeks`` Almaty weeks that end with the week of ``now``."""
    last_monday = week_start(fund_date(now))
    return last_monday - timedelta(weeks=weeks - 1), last_monday + timedelta(days=6)


def decisions_per_week(now: datetime, weeks: int = DEFAULT_WEEKS) -> list[Week]:
    """Decisions (approved and rejected) in each of the last ``weeks`` Almaty weeks, oldest first."""
    first, last = period(now, weeks)
    today = fund_date(now)
    approved = func.coalesce(func.sum(case((Claim.amount_kzt.is_not(None), 1), else_=0)), 0)
    rows = db.session.execute(
        select(Claim.decision_date, approved, func.count())
        .where(Claim.decision_date >= first, Claim.decision_date <= min(last, today))
        .group_by(Claim.decision_date)
    )
    tally: dict[date, list[int]] = {first + timedelta(weeks=n): [0, 0] for n in range(weeks)}
    for day, approved_count, count in rows:
        bucket = tally[week_start(day)]
        bucket[0] += int(approved_count)
        bucket[1] += int(count) - int(approved_count)
    return [Week(start, a, r) for start, (a, r) in sorted(tally.items())]


def _times(days: list[float]) -> DecisionTimes:
    if not days:
        return DecisionTimes(0, None, None, None, None)
    return DecisionTimes(
        decisions=len(days),
        median_days=round(statistics.median(days), 1),
        average_days=round(statistics.fmean(days), 1),
        shortest_days=round(min(days), 1),
        longest_days=round(max(days), 1),
    )


def time_to_decision(now: datetime, weeks: int = DEFAULT_WEEKS) -> TimeToDecision:
    """Days from submission to decision for the claims decided in the last ``weeks`` weeks.

    Reads one row per completed approver's task of those claims (a median cannot be computed
    portably in SQL, and the deciding task is matched to the decision date in Almaty time).
    """
    first, last = period(now, weeks)
    rows = db.session.execute(
        select(Claim.id, Claim.category, Claim.submitted_at, Claim.decision_date, HumanTask.completed_at)
        .outerjoin(
            HumanTask,
            db.and_(
                HumanTask.claim_id == Claim.id,
                HumanTask.name.in_(DECISION_TASKS),
                HumanTask.state == "completed",
                HumanTask.completed_at <= now,
            ),
        )
        .where(Claim.decision_date >= first, Claim.decision_date <= min(last, fund_date(now)))
    )
    decided: dict[int, tuple[str, datetime, datetime | None]] = {}
    for claim_id, category, submitted_at, decision_date, completed_at in rows:
        _, _, best = decided.get(claim_id, (None, None, None))
        if completed_at is not None and fund_date(completed_at) <= decision_date:
            if best is None or completed_at > best:
                best = completed_at
        decided[claim_id] = (category or NO_CATEGORY, submitted_at, best)
    overall: list[float] = []
    per_category: dict[str, list[float]] = defaultdict(list)
    not_measured = 0
    for category, submitted_at, decided_at in decided.values():
        if decided_at is None:
            not_measured += 1
            continue
        days = max((decided_at - submitted_at).total_seconds(), 0) / 86400
        overall.append(days)
        per_category[category].append(days)
    return TimeToDecision(
        overall=_times(overall),
        by_category={c: _times(per_category[c]) for c in _ordered(set(per_category), CATEGORY_ORDER)},
        not_measured=not_measured,
    )


def dashboard(user: User, now: datetime, weeks: int = DEFAULT_WEEKS) -> Dashboard:
    """Every figure of the dashboard, as of ``now``; for approvers, administrators and auditors."""
    require_role(user, *DASHBOARD_ROLES)
    if weeks not in WEEK_CHOICES:
        weeks = DEFAULT_WEEKS
    first, last = period(now, weeks)
    return Dashboard(
        now=now,
        weeks=weeks,
        period_start=first,
        period_end=last,
        claims=claims_by_status_and_category(),
        ages=open_claim_ages(now),
        sla=sla_breaches(now),
        decisions_per_week=decisions_per_week(now, weeks),
        time_to_decision=time_to_decision(now, weeks),
    )
