"""The fund's ledger: what was paid, by victim category and month; what came back by recourse;
what is still outstanding.

Definitions (the ledger page repeats them):

- **paid**: payments with status ``paid`` (the Treasury confirmed them), at their amount, in the
  month of their ``paid_on`` day (a day in Asia/Almaty: a payment at 23:30 on 31 December in
  Almaty is December's).
- **recovered**: recovered payments in the month of their ``received_on`` day (Almaty), by the
  category of the claim whose recourse case they belong to.
- **outstanding**: per open recourse case, the amount paid less what was recovered from any of its
  offenders (:func:`fund.recourse.rules.case_outstanding`): what is legally recoverable,
  never the sum of the offenders' separate debts. A balance as of now, not per month.

Totals only: no names, no personal data. Readers: finance, auditors, administrators and the
approvers who see the dashboard.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select

from fund.common.access import require_role
from fund.common.time import fund_date
from fund.common.wording import NO_CATEGORY
from fund.extensions import db
from fund.models import Claim, OffenderDebt, Payment, RecourseCase, RecoveredPayment, User
from fund.recourse.rules import case_outstanding

LEDGER_ROLES = ("finance", "auditor", "admin", "approver")
LEDGER_COLUMNS = (
    "month",
    "category",
    "payments",
    "paid_kzt",
    "recoveries",
    "recovered_kzt",
    "outstanding_kzt",
)


@dataclass
class Figures:
    """Money in one cell of the ledger: counts and integer tenge."""

    payments: int = 0
    paid_kzt: int = 0
    recoveries: int = 0
    recovered_kzt: int = 0


@dataclass
class LedgerMonth:
    month: date  # the first day of the month (Almaty calendar)
    total: Figures = field(default_factory=Figures)
    by_category: dict[str, Figures] = field(default_factory=dict)


@dataclass
class Ledger:
    months: list[LedgerMonth]  # oldest first, only months with money moving
    categories: list[str]  # the categories that appear, in a stable order
    total: Figures
    by_category: dict[str, Figures]
    outstanding_kzt: int
    outstanding_by_category: dict[str, int]
    open_cases: int
    as_of: date

    def month(self, day: date) -> LedgerMonth:
        """The ledger line of the month of ``day`` (empty if nothing moved then)."""
        first = day.replace(day=1)
        return next((m for m in self.months if m.month == first), LedgerMonth(first))

    def last_months(self, count: int = 12) -> list[LedgerMonth]:
        """The ``count`` months up to the current one (Almaty), oldest first, empty months included."""
        year, month = self.as_of.year, self.as_of.month
        firsts = []
        for _ in range(count):
            firsts.append(date(year, month, 1))
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return [self.month(first) for first in reversed(firsts)]


def fund_ledger(user: User, now: datetime) -> Ledger:
    """The ledger as of ``now``: paid by category and month, recovered by month, outstanding."""
    require_role(user, *LEDGER_ROLES)
    cells: dict[tuple[date, str], Figures] = defaultdict(Figures)
    paid = db.session.execute(
        select(Payment.paid_on, Claim.category, func.count(), func.sum(Payment.amount_kzt))
        .join(Claim, Claim.id == Payment.claim_id)
        .where(Payment.status == "paid")
        .group_by(Payment.paid_on, Claim.category)
    )
    for day, category, count, amount in paid:
        cell = cells[(day.replace(day=1), category or NO_CATEGORY)]
        cell.payments += count
        cell.paid_kzt += int(amount)
    recovered = db.session.execute(
        select(
            RecoveredPayment.received_on, Claim.category, func.count(), func.sum(RecoveredPayment.amount_kzt)
        )
        .join(OffenderDebt, OffenderDebt.id == RecoveredPayment.debt_id)
        .join(RecourseCase, RecourseCase.id == OffenderDebt.recourse_case_id)
        .join(Claim, Claim.id == RecourseCase.claim_id)
        .group_by(RecoveredPayment.received_on, Claim.category)
    )
    for day, category, count, amount in recovered:
        cell = cells[(day.replace(day=1), category or NO_CATEGORY)]
        cell.recoveries += count
        cell.recovered_kzt += int(amount)

    months: dict[date, LedgerMonth] = {}
    by_category: dict[str, Figures] = defaultdict(Figures)
    total = Figures()
    for (first, category), cell in sorted(cells.items()):
        line = months.setdefault(first, LedgerMonth(first))
        line.by_category[category] = cell
        for target in (line.total, by_category[category], total):
            target.payments += cell.payments
            target.paid_kzt += cell.paid_kzt
            target.recoveries += cell.recoveries
            target.recovered_kzt += cell.recovered_kzt

    recovered_per_case = (
        select(OffenderDebt.recourse_case_id, func.sum(RecoveredPayment.amount_kzt).label("recovered"))
        .join(RecoveredPayment, RecoveredPayment.debt_id == OffenderDebt.id)
        .group_by(OffenderDebt.recourse_case_id)
        .subquery()
    )
    open_cases = db.session.execute(
        select(Claim.category, RecourseCase.amount_paid_kzt, func.coalesce(recovered_per_case.c.recovered, 0))
        .join(Claim, Claim.id == RecourseCase.claim_id)
        .outerjoin(recovered_per_case, recovered_per_case.c.recourse_case_id == RecourseCase.id)
        .where(RecourseCase.state == "open")
    ).all()
    outstanding_by_category: dict[str, int] = defaultdict(int)
    for category, amount_paid, recovered_kzt in open_cases:
        outstanding_by_category[category or NO_CATEGORY] += case_outstanding(
            int(amount_paid), int(recovered_kzt)
        )
    categories = sorted(set(by_category) | set(outstanding_by_category))
    return Ledger(
        months=[months[first] for first in sorted(months)],
        categories=categories,
        total=total,
        by_category=dict(by_category),
        outstanding_kzt=sum(outstanding_by_category.values()),
        outstanding_by_category=dict(outstanding_by_category),
        open_cases=len(open_cases),
        as_of=fund_date(now),
    )


def ledger_csv(user: User, now: datetime) -> str:
    """The ledger as CSV (``LEDGER_COLUMNS``): a row per month and category (month ``YYYY-MM``,
    outstanding empty), then a row per category with month ``all`` and its outstanding balance,
    then the ``all``/``all`` total row.
    """
    ledger = fund_ledger(user, now)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(LEDGER_COLUMNS)

    def figures(cell: Figures) -> list[int]:
        return [cell.payments, cell.paid_kzt, cell.recoveries, cell.recovered_kzt]

    for line in ledger.months:
        for category, cell in sorted(line.by_category.items()):
            writer.writerow([f"{line.month:%Y-%m}", category, *figures(cell), ""])
    for category in ledger.categories:
        cell = ledger.by_category.get(category, Figures())
        writer.writerow(["all", category, *figures(cell), ledger.outstanding_by_category.get(category, 0)])
    writer.writerow(["all", "all", *figures(ledger.total), ledger.outstanding_kzt])
    return buffer.getvalue()
