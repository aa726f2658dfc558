"""Time at the edges: the wall clock is read here (by web and CLI), never by the engine."""

from __future__ import annotations

from datetime import UTC, date, datetime

from workflows.scripting import FUND_TIME_ZONE


def utc_now() -> datetime:
    """Now, in UTC. The only place the application reads the wall clock."""
    return datetime.now(UTC)


def fund_date(moment: datetime) -> date:
    """The calendar date of ``moment`` in the fund's time zone (Asia/Almaty)."""
    return moment.astimezone(FUND_TIME_ZONE).date()
