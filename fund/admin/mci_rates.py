"""Administration of the MCI rates: the monthly calculation index in tenge, from a date.

For administrators only (checked here), one transaction each. An approval uses the rate in force
on its decision date; adding a rate never changes an amount already decided.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from fund.admin.accounts import ADMIN
from fund.common.access import require_role
from fund.common.errors import Invalid
from fund.common.time import fund_date
from fund.extensions import db
from fund.models import Claim, MciRate, User

log = logging.getLogger(__name__)
MAX_MCI_KZT = 1_000_000  # a typo guard: the MCI of 2026 is 4,325 tenge


@dataclass(frozen=True)
class MciRateRow:
    """One MCI rate, the period it is the rate in force, and how many approvals used it."""

    effective_from: date
    amount_kzt: int
    until: date | None  # the day before the next rate; None for the latest
    in_force_today: bool
    approvals: int


@dataclass(frozen=True)
class AddedMciRate:
    rate: MciRate
    # Approvals already decided on or after the new rate's date: they keep the amount decided.
    approvals_kept: int
    # A later rate already in force: the new rate is the rate in force only until the day before it.
    next_rate_from: date | None
    # Its date is today or earlier: decisions from now on may use it at once.
    in_force_already: bool


def list_mci_rates(actor: User, now: datetime) -> list[MciRateRow]:
    """The MCI table, latest first, with the approvals decided while each rate was in force."""
    require_role(actor, ADMIN)
    rates = list(
        db.session.execute(
            select(MciRate.effective_from, MciRate.amount_kzt).order_by(MciRate.effective_from)
        )
    )
    approvals_by_day = dict(
        db.session.execute(
            select(Claim.decision_date, func.count())
            .where(Claim.decision_date.is_not(None), Claim.amount_kzt.is_not(None))
            .group_by(Claim.decision_date)
        ).all()
    )
    today = fund_date(now)
    rows = []
    for index, (effective_from, amount) in enumerate(rates):
        next_from = rates[index + 1][0] if index + 1 < len(rates) else None
        used = sum(
            count
            for day, count in approvals_by_day.items()
            if day >= effective_from and (next_from is None or day < next_from)
        )
        until = date.fromordinal(next_from.toordinal() - 1) if next_from else None
        in_force = effective_from <= today and (next_from is None or today < next_from)
        rows.append(MciRateRow(effective_from, amount, until, in_force, used))
    return list(reversed(rows))


def _parse_rate(effective_from: str | date, amount_kzt: str | int) -> tuple[date | None, int | None, dict]:
    problems: dict[str, list[str]] = {}
    day = None
    if isinstance(effective_from, date):
        day = effective_from
    elif not (effective_from or "").strip():
        problems["effective_from"] = ["is required: the first day the rate is in force, e.g. 2027-01-01"]
    else:
        try:
            day = date.fromisoformat(effective_from.strip())
        except ValueError:
            problems["effective_from"] = ["must be a date written as year-month-day, e.g. 2027-01-01"]
    amount = None
    text = amount_kzt if isinstance(amount_kzt, str) else str(amount_kzt)
    text = text.strip()
    if isinstance(amount_kzt, bool) or not text:
        problems["amount_kzt"] = ["is required: the MCI in whole tenge, e.g. 4325"]
    elif text.lstrip("+-").isdigit() and text.isascii():
        amount = int(text)
        if amount <= 0:
            problems["amount_kzt"] = ["must be greater than 0 tenge"]
        elif amount > MAX_MCI_KZT:
            problems["amount_kzt"] = [f"must be at most {MAX_MCI_KZT:,} tenge: check the number"]
    elif _is_number(text):
        problems["amount_kzt"] = ["must be a whole number of tenge, without fractions (e.g. 4325)"]
    else:
        problems["amount_kzt"] = ["must be a whole number of tenge, digits only (e.g. 4325)"]
    return day, amount, problems


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True


def add_mci_rate(
    actor: User, effective_from: str | date, amount_kzt: str | int, now: datetime
) -> AddedMciRate:
    """Add an MCI rate in force from ``effective_from``; rates are never changed or deleted.

    A decision records the rate it used when it is taken (and replay uses the recorded one), so a
    new rate changes no decision already taken, even when its date is in the past: it is used only
    by decisions taken after it is added whose decision date falls in its period.
    """
    require_role(actor, ADMIN)
    day, amount, problems = _parse_rate(effective_from, amount_kzt)
    if day is not None and "effective_from" not in problems:
        existing = db.session.scalar(select(MciRate).where(MciRate.effective_from == day))
        if existing is not None:
            problems["effective_from"] = [
                f"a rate in force from {day.isoformat()} exists already ({existing.amount_kzt:,} tenge); "
                "rates are never changed: choose another date"
            ]
    if problems:
        raise Invalid("the MCI rate was not added", problems)
    next_rate_from = db.session.scalar(
        select(func.min(MciRate.effective_from)).where(MciRate.effective_from > day)
    )
    kept = select(func.count()).where(Claim.decision_date >= day, Claim.amount_kzt.is_not(None))
    if next_rate_from is not None:
        kept = kept.where(Claim.decision_date < next_rate_from)
    approvals_kept = db.session.scalar(kept.select_from(Claim))
    rate = MciRate(effective_from=day, amount_kzt=amount)
    db.session.add(rate)
    db.session.commit()
    log.info("admin %s added the MCI rate %s tenge from %s", actor.username, amount, day)
    return AddedMciRate(rate, approvals_kept, next_rate_from, day <= fund_date(now))
