"""The dashboard's figures as counted: the worker counts them every few minutes, the page reads them.

Counting every figure reads every claim (by status and category, open claims' ages, decisions
with their tasks): about a second per 100,000 claims, far too slow for a page at 1,000,000. So the
worker counts all the periods the page offers in one pass (:func:`count_dashboards`, when the
last count is older than :data:`RECOUNT_AFTER`) and keeps them in ``dashboard_counts``, a row per
period; the page reads one row and says when it was counted. Should no worker have counted for
:data:`STALE_AFTER` (none is running, or the database is new), the page counts itself.

The figures are those of :mod:`fund.reports.dashboard`, kept as JSON: :func:`to_json` and
:func:`from_json` turn a :class:`~fund.reports.dashboard.Dashboard` into plain data and back,
unchanged (a test checks the round trip).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from fund.common.access import require_role
from fund.extensions import db
from fund.models import DashboardCount, User
from fund.reports.dashboard import (
    DASHBOARD_ROLES,
    DEFAULT_WEEKS,
    WEEK_CHOICES,
    AgeBand,
    Ages,
    Count,
    Dashboard,
    DecisionTimes,
    OverdueTask,
    SlaBreaches,
    StatusCategoryTable,
    TaskBreaches,
    TimeToDecision,
    Week,
    every_period,
)

log = logging.getLogger(__name__)

RECOUNT_AFTER = timedelta(minutes=5)  # the worker counts again when the last count is this old
STALE_AFTER = timedelta(minutes=15)  # the page counts itself when no worker has for this long


# --- figures as JSON ------------------------------------------------------------------------------


def _times_json(times: DecisionTimes) -> dict[str, Any]:
    return {
        "decisions": times.decisions,
        "median_days": times.median_days,
        "average_days": times.average_days,
        "shortest_days": times.shortest_days,
        "longest_days": times.longest_days,
    }


def to_json(board: Dashboard) -> dict[str, Any]:
    """The dashboard as plain JSON data (dates and times as ISO 8601 text)."""
    claims, ages, sla, ttd = board.claims, board.ages, board.sla, board.time_to_decision
    return {
        "now": board.now.isoformat(),
        "weeks": board.weeks,
        "period": [board.period_start.isoformat(), board.period_end.isoformat()],
        "claims": {
            "statuses": claims.statuses,
            "categories": claims.categories,
            "cells": [[status, category, n] for (status, category), n in claims.cells.items()],
            "by_status": [[c.code, c.count] for c in claims.by_status],
            "by_category": [[c.code, c.count] for c in claims.by_category],
            "total": claims.total,
        },
        "ages": {
            "open_claims": ages.open_claims,
            "bands": [[band.label, band.count] for band in ages.bands],
            "oldest": [ages.oldest_reference, ages.oldest_days],
        },
        "sla": {
            "total": sla.total,
            "by_task": [
                [t.task_name, t.task_title, t.role, t.count, t.oldest_due_at.isoformat()] for t in sla.by_task
            ],
            "most_overdue": [
                [
                    t.claim_reference,
                    t.task_name,
                    t.task_title,
                    t.role,
                    t.due_at.isoformat(),
                    t.days_overdue,
                    t.assignee,
                ]  # fmt: skip
                for t in sla.most_overdue
            ],
        },
        "decisions_per_week": [
            [w.start.isoformat(), w.approved, w.rejected] for w in board.decisions_per_week
        ],
        "time_to_decision": {
            "overall": _times_json(ttd.overall),
            "by_category": {code: _times_json(times) for code, times in ttd.by_category.items()},
            "not_measured": ttd.not_measured,
        },
    }


def from_json(data: dict[str, Any]) -> Dashboard:
    """The dashboard that :func:`to_json` wrote."""
    claims, ages, sla, ttd = data["claims"], data["ages"], data["sla"], data["time_to_decision"]
    first, last = (date.fromisoformat(day) for day in data["period"])
    return Dashboard(
        now=datetime.fromisoformat(data["now"]),
        weeks=data["weeks"],
        period_start=first,
        period_end=last,
        claims=StatusCategoryTable(
            statuses=claims["statuses"],
            categories=claims["categories"],
            cells={(status, category): n for status, category, n in claims["cells"]},
            by_status=[Count(code, n) for code, n in claims["by_status"]],
            by_category=[Count(code, n) for code, n in claims["by_category"]],
            total=claims["total"],
        ),
        ages=Ages(
            open_claims=ages["open_claims"],
            bands=[AgeBand(label, n) for label, n in ages["bands"]],
            oldest_reference=ages["oldest"][0],
            oldest_days=ages["oldest"][1],
        ),
        sla=SlaBreaches(
            total=sla["total"],
            by_task=[
                TaskBreaches(name, title, role, n, datetime.fromisoformat(oldest))
                for name, title, role, n, oldest in sla["by_task"]
            ],
            most_overdue=[
                OverdueTask(reference, name, title, role, datetime.fromisoformat(due), days, assignee)
                for reference, name, title, role, due, days, assignee in sla["most_overdue"]
            ],
        ),
        decisions_per_week=[
            Week(date.fromisoformat(start), approved, rejected)
            for start, approved, rejected in data["decisions_per_week"]
        ],
        time_to_decision=TimeToDecision(
            overall=DecisionTimes(**ttd["overall"]),
            by_category={code: DecisionTimes(**times) for code, times in ttd["by_category"].items()},
            not_measured=ttd["not_measured"],
        ),
    )


# --- counting and reading -------------------------------------------------------------------------


def count_dashboards(now: datetime) -> dict[int, Dashboard]:
    """Count every period's figures as of ``now`` and keep them (one transaction); the figures.

    Two workers counting at once both succeed or one gives way (its count is the same).
    """
    boards = every_period(now)
    try:
        db.session.execute(delete(DashboardCount))
        db.session.add_all(
            DashboardCount(weeks=weeks, counted_at=now, figures=to_json(board))
            for weeks, board in boards.items()
        )
        db.session.commit()
    except IntegrityError:  # another worker inserted the rows first: its count stands
        db.session.rollback()
        log.info("the dashboard was counted by another worker at the same time")
    return boards


def last_counted() -> datetime | None:
    """When the dashboard was last counted (None: never)."""
    return db.session.scalar(select(func.min(DashboardCount.counted_at)))


def recount_if_due(now: datetime) -> bool:
    """The worker's job: count again when the last count is :data:`RECOUNT_AFTER` old. Counted?"""
    counted = last_counted()
    if counted is not None and counted <= now < counted + RECOUNT_AFTER:
        return False
    count_dashboards(now)
    return True


def counted_dashboard(user: User, now: datetime, weeks: int = DEFAULT_WEEKS) -> Dashboard:
    """The dashboard as last counted, for approvers, administrators and auditors; counted now if
    the last count is older than :data:`STALE_AFTER` (or from the future: a clock was reset)."""
    require_role(user, *DASHBOARD_ROLES)
    if weeks not in WEEK_CHOICES:
        weeks = DEFAULT_WEEKS
    row = db.session.get(DashboardCount, weeks)
    if row is None or not row.counted_at <= now < row.counted_at + STALE_AFTER:
        return count_dashboards(now)[weeks]
    return from_json(row.figures)
