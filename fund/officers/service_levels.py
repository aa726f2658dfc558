"""Service levels: how long claimants wait for a decision and for their payment, against targets.

The targets are configuration, in days (fund days, Asia/Almaty):

``FUND_SLA_DECISION_DAYS`` (default 20)
    A complete claim is decided within this many days (the clock: :mod:`fund.claims.service_clocks`).
``FUND_SLA_PAYMENT_DAYS`` (default 10)
    An approved claim is paid within this many days of its approval.
``FUND_SLA_WARNING_DAYS`` (default 3)
    A claim whose target falls within this many days is "about to breach" it.

Why these defaults: the compensation is meant as first help, paid "in the first month" after the
claim (DOMAIN.md, the fund's announcement), and delays hurt the people it is for. Twenty days to
decide and ten to pay keep a complete claim within that month; three days' warning leaves a
supervisor a working day or two to move the work. They are a working assumption until the fund
sets its own (the law leaves the terms to the fund's rules): change them in the environment, no
code. The officers' own tasks keep the due dates the processes give them (``due_days`` in the
BPMN files, shown on the worklist): this page counts the ones overdue by role, it does not change
them.

Reads stay bounded at any size: each target is two counts and one page over a partial index of
the claims still waiting (``ix_claims_awaiting_decision``, ``ix_claims_awaiting_payment``); the
tasks are counted over ``ix_human_tasks_open_by_due``. Supervisors only (checked here).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app, has_app_context
from sqlalchemy import and_, func, select

from fund.common.access import require_role
from fund.common.time import fund_date
from fund.extensions import db
from fund.models import Claim, HumanTask, User
from fund.officers.supervision import SUPERVISOR, WORKING_ROLES
from fund.officers.worklist import DUE_SOON
from workflows.scripting import FUND_TIME_ZONE

DEFAULT_DECISION_DAYS = 20
DEFAULT_PAYMENT_DAYS = 10
DEFAULT_WARNING_DAYS = 3
PAGE_SIZE = 50
MAX_DAYS = 3650  # a target longer than ten years is a typing error: the default is kept


def _days(name: str, default: int, least: int) -> int:
    """A whole number of days from the configuration (else the environment); the default when
    unset, not a number, or out of range (a typing error must not hide every breach)."""
    value = current_app.config.get(name) if has_app_context() else None
    if value is None:
        value = os.environ.get(name)
    try:
        days = int(str(value).strip()) if value is not None and str(value).strip() else default
    except ValueError:
        return default
    return days if least <= days <= MAX_DAYS else default


@dataclass(frozen=True)
class Target:
    """One service level: its code, how many days it allows, and the claim column its clock is in."""

    code: str  # decision, payment
    days: int

    @property
    def since(self):
        return Claim.awaiting_decision_since if self.code == "decision" else Claim.awaiting_payment_since


def targets() -> tuple[Target, Target]:
    """The decision and payment targets as configured."""
    return (
        Target("decision", _days("FUND_SLA_DECISION_DAYS", DEFAULT_DECISION_DAYS, 1)),
        Target("payment", _days("FUND_SLA_PAYMENT_DAYS", DEFAULT_PAYMENT_DAYS, 1)),
    )


def warning_days() -> int:
    """``FUND_SLA_WARNING_DAYS``: how many days before its target a claim is "about to breach"."""
    return _days("FUND_SLA_WARNING_DAYS", DEFAULT_WARNING_DAYS, 0)


def _start_of(day: date) -> datetime:
    """The first moment of a fund day, as a time the database compares (UTC-aware)."""
    return datetime.combine(day, time.min, tzinfo=FUND_TIME_ZONE)


@dataclass(frozen=True)
class WatchedClaim:
    """A claim breaching or about to breach a target: no personal data, its reference only."""

    reference: str
    status: str
    since: datetime
    due_on: date
    days_left: int  # negative: days over the target; 0: due today

    @property
    def breaching(self) -> bool:
        return self.days_left < 0

    @property
    def days_over(self) -> int:
        return -self.days_left


@dataclass(frozen=True)
class TargetWatch:
    """One target: how many claims breach it and how many are about to, and the first of them."""

    target: Target
    breaching: int
    about_to_breach: int
    claims: list[WatchedClaim]  # the longest waiting first, at most PAGE_SIZE
    page: int
    pages: int

    @property
    def total(self) -> int:
        return self.breaching + self.about_to_breach


@dataclass(frozen=True)
class OverdueTasks:
    """Open tasks of one role past their due date, and due within DUE_SOON."""

    role: str
    overdue: int
    due_soon: int


@dataclass(frozen=True)
class ServiceLevels:
    """What the supervisors' page shows, as of ``today`` (a fund day)."""

    today: date
    warning_days: int
    watches: list[TargetWatch]
    tasks: list[OverdueTasks]


def _count(target: Target, before: datetime, on_or_after: datetime | None = None) -> int:
    query = select(func.count()).select_from(Claim).where(target.since.is_not(None), target.since < before)
    if on_or_after is not None:
        query = query.where(target.since >= on_or_after)
    return db.session.scalar(query) or 0


def _limits(target: Target, today: date, warning: int) -> tuple[datetime, datetime]:
    """(breaching before, about to breach before): a clock started before the first moment is
    past its target; one started before the second is due within the warning days."""
    breaching = _start_of(today - timedelta(days=target.days))
    watched = _start_of(today + timedelta(days=warning - target.days + 1))
    return breaching, watched


def watch_target(target: Target, now: datetime, page: int = 1, warning: int | None = None) -> TargetWatch:
    """The claims breaching ``target`` or about to, longest waiting first, a page of them."""
    today = fund_date(now)
    warning = warning_days() if warning is None else warning
    breaching_before, watched_before = _limits(target, today, warning)
    breaching = _count(target, breaching_before)
    about = _count(target, watched_before, breaching_before)
    pages = max(1, -(-(breaching + about) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = db.session.execute(
        select(Claim.reference, Claim.status, target.since.label("since"))
        .where(and_(target.since.is_not(None), target.since < watched_before))
        .order_by(target.since, Claim.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    claims = []
    for row in rows:
        due_on = fund_date(row.since) + timedelta(days=target.days)
        claims.append(WatchedClaim(row.reference, row.status, row.since, due_on, (due_on - today).days))
    return TargetWatch(target, breaching, about, claims, page, pages)


def overdue_tasks(now: datetime) -> list[OverdueTasks]:
    """Open tasks past their due date and due within two days, by working role (one query each)."""

    def by_role(*conditions) -> dict[str, int]:
        return dict(
            db.session.execute(
                select(HumanTask.role, func.count())
                .where(HumanTask.state == "open", HumanTask.role.in_(WORKING_ROLES), *conditions)
                .group_by(HumanTask.role)
            ).all()
        )

    overdue = by_role(HumanTask.due_at <= now)
    soon = by_role(HumanTask.due_at > now, HumanTask.due_at <= now + DUE_SOON)
    return [OverdueTasks(role, overdue.get(role, 0), soon.get(role, 0)) for role in WORKING_ROLES]


def service_levels(user: User, now: datetime, pages: dict[str, int] | None = None) -> ServiceLevels:
    """The supervisors' page: each target's breaches and near breaches, and overdue tasks by role.

    ``pages`` gives the page of each target's list (``{"decision": 2}``); supervisors only.
    """
    require_role(user, SUPERVISOR)
    pages = pages or {}
    warning = warning_days()
    watches = [watch_target(target, now, pages.get(target.code, 1), warning) for target in targets()]
    return ServiceLevels(fund_date(now), warning, watches, overdue_tasks(now))


def digest_counts(now: datetime) -> dict[str, int]:
    """The figures of the supervisors' daily digest: counts only, no claim and no person named."""
    today = fund_date(now)
    warning = warning_days()
    counts: dict[str, int] = {}
    for target in targets():
        breaching_before, watched_before = _limits(target, today, warning)
        counts[f"{target.code}_days"] = target.days
        counts[f"{target.code}_breaching"] = _count(target, breaching_before)
        counts[f"{target.code}_about_to_breach"] = _count(target, watched_before, breaching_before)
    tasks = overdue_tasks(now)
    counts["tasks_overdue"] = sum(task.overdue for task in tasks)
    counts["tasks_due_soon"] = sum(task.due_soon for task in tasks)
    counts["warning_days"] = warning
    return counts
