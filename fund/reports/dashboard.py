"""The heads of unit's dashboard: claims by status and category, ages, SLA breaches, decisions.

Every figure comes from the projections (claims, human tasks, workflow instances) with grouped
queries; no snapshot is loaded and no claim is read one by one. Each function takes ``now``, so a
figure can be computed as of any moment and tested at chosen times. Counting reads every claim, so
the page shows the figures as the worker last counted them (:mod:`fund.reports.counts`).

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
from array import array
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func, select

from fund.common.access import require_role
from fund.common.time import fund_date
from fund.common.wording import CATEGORY_LABELS, NO_CATEGORY
from fund.extensions import db
from fund.models import Claim, HumanTask, User, WorkflowInstance
from workflows.scripting import FUND_TIME_ZONE

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
    "withdrawn",
)
CATEGORY_ORDER = tuple(CATEGORY_LABELS)  # the categories of the rules, "to verify" and "ineligible" last
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


@dataclass
class _Decisions:
    """The decisions of a period, held compactly (a fund decides hundreds of thousands of claims a
    year): counted per Almaty day, and the days each took by category, with the day it was taken."""

    per_day: dict[date, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    timed: dict[str, tuple[array, array]] = field(default_factory=dict)  # day ordinals, days taken
    untimed: array = field(default_factory=lambda: array("l"))  # day ordinals

    def add(self, day: date, approved: bool, category: str, days: float | None) -> None:
        self.per_day[day][0 if approved else 1] += 1
        if days is None:  # no completed approver's task to time it by (imported data)
            self.untimed.append(day.toordinal())
            return
        ordinals, taken = self.timed.setdefault(category, (array("l"), array("d")))
        ordinals.append(day.toordinal())
        taken.append(days)


def _decisions(now: datetime, first: date, last: date) -> _Decisions:
    """The claims decided from ``first`` to ``last`` (and not after today), timed from submission to
    the approver's task that took the decision (the last one completed on or before the decision
    date, in Almaty).

    Reads one row per completed approver's task of those claims, streamed in claim order (a median
    cannot be computed portably in SQL, and the deciding task is matched to the decision date in
    Almaty time); what is kept is a few numbers per decision.
    """
    rows = db.session.execute(
        select(
            Claim.id,
            Claim.category,
            Claim.submitted_at,
            Claim.decision_date,
            Claim.amount_kzt.is_not(None),
            HumanTask.completed_at,
        )
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
        .order_by(Claim.id)
        .execution_options(yield_per=10_000)
    )
    decisions = _Decisions()
    ends: dict[date, datetime] = {}  # the decision day's end in Almaty, as a moment

    def add(claim: tuple | None, decided_at: datetime | None) -> None:
        if claim is not None:
            _, category, submitted_at, day, approved, _ = claim
            days = None if decided_at is None else max((decided_at - submitted_at).total_seconds(), 0) / 86400
            decisions.add(day, bool(approved), category or NO_CATEGORY, days)

    claim, decided_at = None, None
    for row in rows:
        if claim is None or row[0] != claim[0]:
            add(claim, decided_at)
            claim, decided_at = row, None
        completed_at, day = row[5], row[3]
        if day not in ends:
            ends[day] = datetime.combine(day + timedelta(days=1), time.min, tzinfo=FUND_TIME_ZONE)
        if completed_at is not None and completed_at < ends[day]:
            decided_at = completed_at if decided_at is None else max(decided_at, completed_at)
    add(claim, decided_at)
    return decisions


def _weeks(decisions: _Decisions, first: date, weeks: int) -> list[Week]:
    tally: dict[date, list[int]] = {first + timedelta(weeks=n): [0, 0] for n in range(weeks)}
    for day, (approved, rejected) in decisions.per_day.items():
        if day >= first:
            tally[week_start(day)][0] += approved
            tally[week_start(day)][1] += rejected
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


def _time_to_decision(decisions: _Decisions, first: date) -> TimeToDecision:
    since = first.toordinal()
    per_category = {
        category: [days for day, days in zip(ordinals, taken, strict=True) if day >= since]
        for category, (ordinals, taken) in decisions.timed.items()
    }
    per_category = {category: days for category, days in per_category.items() if days}
    return TimeToDecision(
        overall=_times([days for taken in per_category.values() for days in taken]),
        by_category={c: _times(per_category[c]) for c in _ordered(set(per_category), CATEGORY_ORDER)},
        not_measured=sum(1 for day in decisions.untimed if day >= since),
    )


def decisions_per_week(now: datetime, weeks: int = DEFAULT_WEEKS) -> list[Week]:
    """Decisions (approved and rejected) in each of the last ``weeks`` Almaty weeks, oldest first."""
    first, last = period(now, weeks)
    return _weeks(_decisions(now, first, last), first, weeks)


def time_to_decision(now: datetime, weeks: int = DEFAULT_WEEKS) -> TimeToDecision:
    """Days from submission to decision for the claims decided in the last ``weeks`` weeks."""
    first, last = period(now, weeks)
    return _time_to_decision(_decisions(now, first, last), first)


def every_period(now: datetime) -> dict[int, Dashboard]:
    """The dashboard as of ``now`` for each period of :data:`WEEK_CHOICES`, counted in one pass:
    the figures that do not depend on the period once, the decisions of the longest period once.
    """
    claims, ages, sla = claims_by_status_and_category(), open_claim_ages(now), sla_breaches(now)
    longest = max(WEEK_CHOICES)
    decisions = _decisions(now, *period(now, longest))
    boards = {}
    for weeks in WEEK_CHOICES:
        first, last = period(now, weeks)
        boards[weeks] = Dashboard(
            now=now,
            weeks=weeks,
            period_start=first,
            period_end=last,
            claims=claims,
            ages=ages,
            sla=sla,
            decisions_per_week=_weeks(decisions, first, weeks),
            time_to_decision=_time_to_decision(decisions, first),
        )
    return boards


def dashboard(user: User, now: datetime, weeks: int = DEFAULT_WEEKS) -> Dashboard:
    """Every figure of the dashboard, as of ``now``; for approvers, administrators and auditors."""
    require_role(user, *DASHBOARD_ROLES)
    if weeks not in WEEK_CHOICES:
        weeks = DEFAULT_WEEKS
    first, last = period(now, weeks)
    decisions = _decisions(now, first, last)
    return Dashboard(
        now=now,
        weeks=weeks,
        period_start=first,
        period_end=last,
        claims=claims_by_status_and_category(),
        ages=open_claim_ages(now),
        sla=sla_breaches(now),
        decisions_per_week=_weeks(decisions, first, weeks),
        time_to_decision=_time_to_decision(decisions, first),
    )
