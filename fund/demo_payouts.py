"""Demo payouts and recourse, made the way the fund makes them.

The demo's paid claims are paid through payout batches: built by one finance officer, approved by
a second (four eyes), exported, and settled by the Treasury's status file, whose rows confirm a
payment or fail it with the Treasury's reason. One paid claim's criminal case then gets a
conviction of two offenders, which opens its recourse case, and one offender pays part back.

Each batch takes exactly its demo claims: the build filters on their decision dates, and a batch
that would take any other claim is cancelled and the demo stops (see :func:`pay_batch`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy import select

from fund.common.time import fund_date, utc_now
from fund.payouts.batches import (
    BatchFilters,
    approve_payout_batch,
    batch_payments,
    build_payout_batch,
    cancel_payout_batch,
)
from fund.payouts.register import export_register_csv
from fund.payouts.results import STATUS_FILE_COLUMNS, import_payment_results
from fund.recourse.cases import (
    ConvictionInput,
    OffenderInput,
    RecoveryInput,
    record_conviction,
    record_recovered_payment,
)

from .extensions import db
from .models import Claim, OffenderDebt, RecourseCase, User

BUILDER, SECOND_OFFICER = "finance", "finance2"


@dataclass(frozen=True)
class Payout:
    """A scenario step: the claim is paid in the demo batch ``batch`` (claims naming the same batch
    go in it together); with a ``reason`` the Treasury fails the payment instead.
    """

    batch: str
    reason: str | None = None


@dataclass(frozen=True)
class Recourse:
    """A scenario step after a payment: the claim's criminal case ends with ``offenders`` (name,
    IIN) convicted; later the first offender pays ``recovered_kzt`` back.
    """

    offenders: tuple[tuple[str, str], ...]
    recovered_kzt: int


class DemoClaim(Protocol):
    """What the demo's driver of one claim offers: its reference, its simulated clock, the users."""

    reference: str
    now: datetime
    staff: dict[str, User]

    def later(self, days: float = 1) -> datetime: ...


def _in_the_past(moment: datetime) -> datetime:
    if moment >= utc_now():
        raise RuntimeError(f"demo data would be recorded in the future ({moment.isoformat()})")
    return moment


def _status_file(rows: list[tuple[str, str, int, str, str]]) -> bytes:
    lines = [",".join(STATUS_FILE_COLUMNS)] + [",".join(str(value) for value in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def pay_batch(members: list[tuple[DemoClaim, Payout]]) -> str:
    """Pay ``members`` in one batch as finance does; their clocks move to the import of results.

    Built half a day after the last member's decision, approved by the second finance officer two
    hours later, exported two hours after that; the Treasury pays the next day and its status
    file is imported the day after. Returns the batch's reference.
    """
    staff = members[0][0].staff
    builder, second = staff[BUILDER], staff[SECOND_OFFICER]
    references = {claim.reference for claim, _ in members}
    decided: list[date] = sorted(
        db.session.scalars(select(Claim.decision_date).where(Claim.reference.in_(references)))
    )
    built_at = _in_the_past(max(claim.now for claim, _ in members) + timedelta(days=0.5))
    batch = build_payout_batch(builder, BatchFilters(decided[0], decided[-1]), built_at)
    payments = {payment.claim.reference: payment for payment in batch_payments(batch)}
    if set(payments) != references:
        cancel_payout_batch(second, batch.id, built_at)
        raise RuntimeError(
            f"demo batch {batch.reference} would pay {sorted(payments)}, not {sorted(references)}: "
            "load the demo into an empty database"
        )
    approve_payout_batch(second, batch.id, built_at + timedelta(hours=2))
    export_register_csv(builder, batch.id, built_at + timedelta(hours=4))
    paid_on = fund_date(built_at + timedelta(days=1)).isoformat()
    imported_at = _in_the_past(built_at + timedelta(days=2))
    rows = []
    for claim, payout in members:
        payment = payments[claim.reference]
        if payout.reason:
            rows.append((payment.end_to_end_id, "failed", payment.amount_kzt, "", payout.reason))
        else:
            rows.append((payment.end_to_end_id, "paid", payment.amount_kzt, paid_on, ""))
    report = import_payment_results(builder, _status_file(rows), imported_at)
    if report.refused or len(report.applied) != len(rows):
        raise RuntimeError(f"demo batch {batch.reference}: the status file was not applied: {report}")
    for claim, _ in members:
        claim.now = imported_at
    return batch.reference


def record_recourse(claim: DemoClaim, step: Recourse) -> None:
    """The claim's criminal case ends with a verdict (three days after the claim's last step), which
    opens its recourse case; four days later the first offender's payment is recorded.
    """
    finance = claim.staff[BUILDER]
    erdr_number = db.session.scalar(select(Claim.erdr_number).where(Claim.reference == claim.reference))
    convicted_at = _in_the_past(claim.later(3))
    record_conviction(
        finance,
        ConvictionInput(
            erdr_number=erdr_number,
            court="Specialised inter-district criminal court of Almaty",
            verdict_date=fund_date(convicted_at - timedelta(days=1)).isoformat(),
            verdict_number=f"1-{erdr_number[-4:]}/{fund_date(convicted_at).year}",
            offenders=[OffenderInput(name, iin) for name, iin in step.offenders],
        ),
        convicted_at,
    )
    first_debt = db.session.scalar(
        select(OffenderDebt.id)
        .join(RecourseCase, RecourseCase.id == OffenderDebt.recourse_case_id)
        .join(Claim, Claim.id == RecourseCase.claim_id)
        .where(Claim.reference == claim.reference)
        .order_by(OffenderDebt.id)
        .limit(1)
    )
    recovered_at = _in_the_past(claim.later(4))
    record_recovered_payment(
        finance,
        claim.reference,
        RecoveryInput(
            debt_id=str(first_debt),
            amount_kzt=str(step.recovered_kzt),
            received_on=fund_date(recovered_at - timedelta(days=1)).isoformat(),
            treasury_reference=f"TR-DEMO-{claim.reference[-6:]}",
        ),
        recovered_at,
    )
