"""What BPMN scripts and DMN cells may call: a small set of named functions, no imports.

SpiffWorkflow does not sandbox scripts; bpmn/ is reviewed like code. Still, the environment
offers no ``__import__`` and only the builtins listed here, so a script cannot reach files,
the network or the wall clock by accident.
"""

from __future__ import annotations

import builtins
from calendar import isleap
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from .clock import current_mci_rates, current_time

FUND_TIME_ZONE = ZoneInfo("Asia/Almaty")

_SAFE_BUILTINS = {
    name: getattr(builtins, name)
    for name in (
        "abs",
        "all",
        "any",
        "bool",
        "dict",
        "enumerate",
        "filter",
        "float",
        "int",
        "isinstance",
        "len",
        "list",
        "map",
        "max",
        "min",
        "range",
        "round",
        "set",
        "sorted",
        "str",
        "sum",
        "tuple",
        "zip",
        "True",
        "False",
        "None",
        "ValueError",
    )
}


def add_years(start: date, years: int) -> date:
    """The same calendar day ``years`` later (29 February becomes 28 February)."""
    target_year = start.year + years
    if start.month == 2 and start.day == 29 and not isleap(target_year):
        return start.replace(year=target_year, day=28)
    return start.replace(year=target_year)


def add_days(start: date, days: int) -> date:
    """The day ``days`` after ``start``."""
    return start + timedelta(days=days)


def years_between(start: date, end: date) -> int:
    """Full years from ``start`` to ``end`` (an age on a date)."""
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years


def today() -> date:
    """Today's date in the fund's time zone, on the engine's clock."""
    return current_time().astimezone(FUND_TIME_ZONE).date()


def end_of_day(day: date) -> str:
    """The instant a deadline of ``day`` passes: the next midnight in Asia/Almaty, as ISO UTC.

    Letters name a day ("until 24 December"); the claimant has all of that day in the fund's time
    zone. A timer on this instant fires at any moment after it.
    """
    midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), FUND_TIME_ZONE)
    return midnight.astimezone(UTC).isoformat()


def now_utc() -> datetime:
    """The engine's clock, in UTC."""
    return current_time().astimezone(UTC)


class MciRateMissing(LookupError):
    """No MCI rate is in force on the date asked for."""


def mci_on(day: date) -> int:
    """The monthly calculation index (tenge) in force on ``day``."""
    in_force = [tenge for effective, tenge in current_mci_rates() if effective <= day]
    if not in_force:
        raise MciRateMissing(f"no MCI rate is in force on {day.isoformat()}")
    return in_force[-1]


SCRIPT_FUNCTIONS = {
    "mci_on": mci_on,
    "add_years": add_years,
    "add_days": add_days,
    "years_between": years_between,
    "today": today,
    "end_of_day": end_of_day,
    "now_utc": now_utc,
    "Decimal": Decimal,
    "date": date,
}


class FundScriptEnvironment(TaskDataEnvironment):
    """Task-data environment with the fund's named functions and restricted builtins."""

    def __init__(self) -> None:
        super().__init__({"__builtins__": _SAFE_BUILTINS, **SCRIPT_FUNCTIONS})


def create_script_engine() -> PythonScriptEngine:
    """A script engine for running the fund's processes and decision tables."""
    return PythonScriptEngine(environment=FundScriptEnvironment())
