"""How staff pages write dates, times, amounts and the fund's codes, in the page's language.

One place for every staff template: dates as day.month.year in Almaty's time, amounts grouped as
people in the page's language write them ("1 234 567" in Kazakh and Russian, "1,234,567" in
English), and the fund's codes (statuses, categories, roles, task titles, document kinds) in
words. The words of the codes are written in English in ``fund/common/wording.py``, in the BPMN
files and in the task forms; their Kazakh and Russian are in the "staff" catalog, looked up here
when a page is drawn (:func:`words`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from babel.dates import format_date
from babel.numbers import format_decimal
from flask import Flask
from flask_babel import get_locale, gettext

from fund.common.wording import CATEGORY_LABELS, NO_CATEGORY, ROLE_LABELS, STATUS_LABELS, label


def words(text: object) -> str:
    """English words from the fund's code lists (wording, BPMN, forms) in the page's language."""
    if text is None:
        return ""
    text = str(text)
    return gettext(text) if text else text


def short_label(code: str) -> str:
    """A code in few words, for chart axes ("awaiting_approval" -> "Awaiting approval")."""
    return words(code.replace("_", " ").capitalize())


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


def _locale() -> str:
    return str(get_locale() or "en")


def month(value: date | None) -> str:
    """A month as people name it in the page's language: "Mar 2026", "нау. 2026", "март 2026"."""
    return "" if value is None else format_date(value, "LLL yyyy", locale=_locale())


def number(value: int | float | None) -> str:
    """1234567 -> "1 234 567" (Kazakh, Russian) or "1,234,567" (English); None -> "—"."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return format_decimal(value, format="#,##0.0", locale=_locale())
    return format_decimal(value, locale=_locale())


def tenge(amount: int | None) -> str:
    """Money is whole tenge: 173000 -> "173 000" / "173,000" (the page adds the currency)."""
    return "" if amount is None else number(int(amount))


def age(delta: timedelta) -> str:
    """How long a task has waited, in the largest unit that says it."""
    if delta.days >= 1:
        if delta.days == 1:
            return gettext("1 day")
        return gettext("%(count)s days", count=delta.days)
    hours = delta.seconds // 3600
    if not hours:
        return gettext("under an hour")
    return gettext("1 hour") if hours == 1 else gettext("%(count)s hours", count=hours)


def crime_in_words(
    article: str, part: str | int, paragraph: int | None = None, by_criminal_group: bool | None = None
) -> str:
    """The crime as the law writes it, in the page's language ("art. 146 part 3", "146-баптың 3-бөлігі")."""
    if paragraph:
        text = gettext(
            "art. %(article)s, paragraph %(paragraph)s) of part %(part)s",
            article=article,
            paragraph=paragraph,
            part=part,
        )
    else:
        text = gettext("art. %(article)s part %(part)s", article=article, part=part)
    return gettext("%(crime)s, committed by a criminal group", crime=text) if by_criminal_group else text


def status_label(code: str | None) -> str:
    """A claim status in words."""
    return words(label(STATUS_LABELS, code))


def category_label(code: str | None) -> str:
    """A claim category in words ("None" for a claim the rules did not categorise)."""
    return gettext("None") if code == NO_CATEGORY else words(label(CATEGORY_LABELS, code))


def role_label(code: str | None) -> str:
    """A staff role in words."""
    return words(label(ROLE_LABELS, code))


def category_labels() -> dict[str, str]:
    """Every category in words, in the order of the fund's list (filters' choices)."""
    return {code: words(text) for code, text in CATEGORY_LABELS.items()}


def template_helpers() -> dict:
    """Formatting and wording for staff templates (also installed for every page by init_formatting)."""
    return {
        "almaty": almaty,
        "day": day,
        "number": number,
        "status_label": status_label,
        "category_label": category_label,
        "role_label": role_label,
    }


def init_formatting(app: Flask) -> None:
    """Install the helpers and filters in every template of the app."""
    app.jinja_env.globals.update(template_helpers())
    for name, function in (
        ("almaty_time", almaty),
        ("almaty_date", day),
        ("month", month),
        ("tenge", tenge),
        ("number", number),
        ("age", age),
        ("words", words),
        ("status_label", status_label),
        ("category_label", category_label),
        ("role_label", role_label),
    ):
        app.jinja_env.filters[name] = function
