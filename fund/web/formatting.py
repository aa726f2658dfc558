"""How staff pages write dates, times, numbers and the fund's codes (templates' helpers)."""

from __future__ import annotations

from datetime import date, datetime

from fund.common.wording import CATEGORY_LABELS, NO_CATEGORY, ROLE_LABELS, STATUS_LABELS, label


def short_label(code: str) -> str:
    """A code in few words, for chart axes ("awaiting_approval" -> "Awaiting approval")."""
    return code.replace("_", " ").capitalize()


def almaty(moment: datetime | None) -> str:
    """A stored UTC time as read in the fund: Almaty, day.month.year hours:minutes."""
    from workflows.scripting import FUND_TIME_ZONE

    return "" if moment is None else moment.astimezone(FUND_TIME_ZONE).strftime("%d.%m.%Y %H:%M")


def day(value: date | datetime | None) -> str:
    """A date as day.month.year (a time is first taken to Almaty)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        from workflows.scripting import FUND_TIME_ZONE

        value = value.astimezone(FUND_TIME_ZONE).date()
    return value.strftime("%d.%m.%Y")


def number(value: int | float | None) -> str:
    """1234 -> "1,234"; None -> "—" (nothing to measure)."""
    if value is None:
        return "—"
    return f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"


def template_helpers() -> dict:
    """Formatting and wording for the dashboard and administration templates."""
    return {
        "almaty": almaty,
        "day": day,
        "number": number,
        "status_label": lambda code: label(STATUS_LABELS, code),
        "category_label": lambda code: (
            label(CATEGORY_LABELS, code) if code != NO_CATEGORY else "None"
        ),
        "role_label": lambda code: label(ROLE_LABELS, code),
    }
