"""Recourse (Art. 11), the commands: record a conviction, open the recourse cases that are due,
record money recovered from an offender. One transaction each.

When a recourse case opens: when a claim has a payment with status ``paid`` *and* its criminal
case (the claim's ERDR number) has a recorded conviction, whichever comes second.

- A conviction recorded after the payment: the case opens in the conviction's own transaction.
- A payment confirmed after the conviction: the payouts module is another team's, so the case is
  opened by :func:`open_due_recourse_cases`, which the worker (``fund worker``) runs every round;
  the payouts service may also call it right after confirming payments. It is idempotent: one
  case per claim (unique ``recourse_cases.claim_id``) and one debt per offender and case (unique
  ``offender_debts``); running it twice, or on two workers at once, opens nothing twice.

An offender convicted by a later verdict in the same criminal case is added to the open cases of
that criminal case the same way. What each offender owes, and what may still be recovered, is
decided in :mod:`fund.recourse.rules` only.

Roles: finance records (conviction, recovered payments); auditors read; administrators read the
ledger's totals only (:mod:`fund.recourse.ledger`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from fund.common.access import require_role
from fund.common.errors import Invalid, NotFound
from fund.common.time import fund_date
from fund.common.validation import is_valid_erdr_number, is_valid_iin
from fund.extensions import db
from fund.models import (
    Claim,
    ConvictedOffender,
    Conviction,
    OffenderDebt,
    Payment,
    RecourseCase,
    RecoveredPayment,
    User,
)
from fund.recourse.rules import case_outstanding, debt_recoverable, owed_by_each_offender

log = logging.getLogger(__name__)

RECORDING_ROLES = ("finance",)
READING_ROLES = ("finance", "auditor")
WORKER_ACTOR = "worker"
MAX_OFFENDERS = 10
T = TypeVar("T")


@dataclass(frozen=True)
class OffenderInput:
    """One convicted person as typed in: the name, and the IIN when it is known ('' if not)."""

    full_name: str = ""
    iin: str = ""


@dataclass(frozen=True)
class ConvictionInput:
    """The verdict of a criminal case, as a finance officer records it (texts as typed)."""

    erdr_number: str = ""
    court: str = ""
    verdict_date: str = ""  # ISO date, 2026-03-02
    verdict_number: str = ""
    offenders: list[OffenderInput] = field(default_factory=list)


@dataclass(frozen=True)
class RecoveryInput:
    """Money an offender paid back, from the Treasury's document (texts as typed)."""

    debt_id: str = ""
    amount_kzt: str = ""
    received_on: str = ""  # ISO date, the day on the Treasury document
    treasury_reference: str = ""


def _retry_once_on_race(command: Callable[[], T]) -> T:
    """Run ``command``; if a concurrent transaction inserted the same unique row first, roll back
    and run it once more (it then sees the other's rows and adds only what is still missing).
    """
    try:
        return command()
    except IntegrityError:
        db.session.rollback()
        log.info("recourse: a concurrent transaction opened the same case; trying again")
        return command()


def _day(value: str, name: str, today: date, errors: dict[str, list[str]]) -> date | None:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        errors[name] = ["must be a date as YYYY-MM-DD"]
        return None
    if day > today:
        errors[name] = [f"must not be after today ({today.isoformat()}, Almaty)"]
        return None
    return day


def _text(value: str, name: str, longest: int, errors: dict[str, list[str]]) -> str:
    value = " ".join(value.split())
    if not value:
        errors[name] = ["is required"]
    elif len(value) > longest:
        errors[name] = [f"must be at most {longest} characters"]
    return value


# --- a conviction ----------------------------------------------------------------------------------


def record_conviction(user: User, form: ConvictionInput, now: datetime) -> Conviction:
    """Record that a criminal case ended with convicted offenders; open the recourse cases now due.

    Invalid (naming each field) when a field is wrong, when no claim of the fund has the ERDR
    number, or when the verdict was already recorded; nothing is saved then.
    """
    require_role(user, *RECORDING_ROLES)
    errors: dict[str, list[str]] = {}
    erdr_number = form.erdr_number.strip()
    if not is_valid_erdr_number(erdr_number):
        errors["erdr_number"] = ["must be the case's 15-digit number in the ERDR"]
    elif db.session.scalar(select(Claim.id).where(Claim.erdr_number == erdr_number).limit(1)) is None:
        errors["erdr_number"] = ["no claim of the fund has this case number"]
    court = _text(form.court, "court", 200, errors)
    verdict_number = _text(form.verdict_number, "verdict_number", 60, errors)
    verdict_date = _day(form.verdict_date, "verdict_date", fund_date(now), errors)
    offenders: list[tuple[str, str | None]] = []
    for index, offender in enumerate(form.offenders[:MAX_OFFENDERS]):
        name = " ".join(offender.full_name.split())
        iin = offender.iin.strip()
        if not name and not iin:
            continue  # an empty row of the form
        if not name:
            errors[f"offenders-{index}-full_name"] = ["is required when an IIN is given"]
        elif len(name) > 200:
            errors[f"offenders-{index}-full_name"] = ["must be at most 200 characters"]
        if iin and not is_valid_iin(iin):
            errors[f"offenders-{index}-iin"] = ["must be 12 digits with a valid check digit, or empty"]
        offenders.append((name, iin or None))
    if not offenders and not any(key.startswith("offenders-") for key in errors):
        errors["offenders-0-full_name"] = ["at least one convicted offender is required"]
    if not errors and db.session.scalar(
        select(Conviction.id).where(
            Conviction.erdr_number == erdr_number, Conviction.verdict_number == verdict_number
        )
    ):
        errors["verdict_number"] = [f"this verdict of case {erdr_number} is already recorded"]
    if errors:
        raise Invalid("the conviction has errors", errors)

    def record() -> Conviction:
        conviction = Conviction(
            erdr_number=erdr_number,
            court=court,
            verdict_date=verdict_date,
            verdict_number=verdict_number,
            recorded_by=user.username,
            recorded_at=now,
        )
        conviction.offenders = [ConvictedOffender(full_name=name, iin=iin) for name, iin in offenders]
        db.session.add(conviction)
        db.session.flush()
        _open_due(now, user.username, erdr_number)
        db.session.commit()
        return conviction

    try:
        return _retry_once_on_race(record)
    except IntegrityError as error:  # the same verdict, recorded by a colleague at this moment
        db.session.rollback()
        raise Invalid(
            "the conviction has errors",
            {"verdict_number": [f"this verdict of case {erdr_number} is already recorded"]},
        ) from error


# --- opening recourse cases ------------------------------------------------------------------------


def _due_claims(erdr_number: str | None) -> list[tuple[Claim, Payment]]:
    """Paid claims of convicted cases that lack a recourse case or a debt of one of the offenders."""
    debt_missing = (
        select(ConvictedOffender.id)
        .join(Conviction, Conviction.id == ConvictedOffender.conviction_id)
        .where(
            Conviction.erdr_number == Claim.erdr_number,
            ~select(OffenderDebt.id)
            .where(
                OffenderDebt.offender_id == ConvictedOffender.id,
                OffenderDebt.recourse_case_id == RecourseCase.id,
            )
            .correlate(ConvictedOffender, RecourseCase)
            .exists(),
        )
        .correlate(Claim, RecourseCase)
        .exists()
    )
    query = (
        select(Claim, Payment)
        .join(Payment, and_(Payment.claim_id == Claim.id, Payment.status == "paid"))
        .outerjoin(RecourseCase, RecourseCase.claim_id == Claim.id)
        .where(or_(RecourseCase.id.is_(None), RecourseCase.state == "open"), debt_missing)
        .order_by(Claim.id)
    )
    if erdr_number is not None:
        query = query.where(Claim.erdr_number == erdr_number)
    return [(claim, payment) for claim, payment in db.session.execute(query)]


def _open_due(now: datetime, actor: str, erdr_number: str | None = None) -> list[str]:
    opened: list[str] = []
    for claim, payment in _due_claims(erdr_number):
        recourse_case = db.session.scalar(select(RecourseCase).where(RecourseCase.claim_id == claim.id))
        if recourse_case is None:
            recourse_case = RecourseCase(
                claim_id=claim.id,
                erdr_number=claim.erdr_number,
                payment_id=payment.id,
                amount_paid_kzt=payment.amount_kzt,
                paid_on=payment.paid_on,
                state="open",
                opened_at=now,
                opened_by=actor,
            )
            db.session.add(recourse_case)
            db.session.flush()
        offenders = list(
            db.session.scalars(
                select(ConvictedOffender)
                .join(Conviction, Conviction.id == ConvictedOffender.conviction_id)
                .where(Conviction.erdr_number == claim.erdr_number)
                .order_by(ConvictedOffender.id)
            )
        )
        owing = {debt.offender_id for debt in recourse_case.debts}
        owed = owed_by_each_offender(recourse_case.amount_paid_kzt, len(offenders))
        for offender in offenders:
            if offender.id not in owing:
                db.session.add(
                    OffenderDebt(
                        recourse_case_id=recourse_case.id,
                        offender_id=offender.id,
                        amount_owed_kzt=owed,
                        opened_at=now,
                    )
                )
        db.session.flush()
        db.session.expire(recourse_case, ["debts"])
        opened.append(claim.reference)
    return opened


def open_due_recourse_cases(now: datetime, actor: str = WORKER_ACTOR) -> list[str]:
    """Open every recourse case that is due (and add debts of newly convicted offenders); commit.

    Returns the references of the claims whose case opened or gained a debt. Idempotent, and
    safe on several workers at once (a race on the unique constraints is retried once).
    """

    def run() -> list[str]:
        opened = _open_due(now, actor)
        db.session.commit()
        return opened

    try:
        return _retry_once_on_race(run)
    except Exception:
        db.session.rollback()
        raise


# --- recovered payments ----------------------------------------------------------------------------


def lock_recourse_case(reference: str) -> RecourseCase:
    """The recourse case of the claim, locked for this transaction, read as last committed.

    PostgreSQL: FOR UPDATE; SQLite: a write that changes nothing takes the database's write lock.
    Two officers recording recoveries on one case at once are thus serialised, and the second
    sees the first's payment before checking for over-recovery.
    """
    case_id = db.session.scalar(
        select(RecourseCase.id)
        .join(Claim, Claim.id == RecourseCase.claim_id)
        .where(Claim.reference == reference)
    )
    if case_id is None:
        raise NotFound(f"claim {reference} has no recourse case")
    if db.session.get_bind().dialect.name == "sqlite":
        cases = RecourseCase.__table__
        db.session.execute(cases.update().where(cases.c.id == case_id).values(state=cases.c.state))
    recourse_case = db.session.scalar(
        select(RecourseCase)
        .where(RecourseCase.id == case_id)
        .with_for_update(of=RecourseCase)  # not the claim joined in (the nullable side of a join)
        .execution_options(populate_existing=True)
    )
    for debt in recourse_case.debts:
        db.session.refresh(debt, ["recoveries"])
    return recourse_case


def recovered_on_case(recourse_case: RecourseCase) -> int:
    """Everything recovered on the case so far, from any of its offenders, in tenge."""
    return sum(payment.amount_kzt for debt in recourse_case.debts for payment in debt.recoveries)


def record_recovered_payment(
    user: User, reference: str, form: RecoveryInput, now: datetime
) -> RecoveredPayment:
    """Record money one offender paid back on the claim's recourse case (finance only).

    Refused, naming the field, when the amount is not a positive whole number of tenge or is more
    than may still be recovered from that offender (over-recovery), when the date is in the future,
    or when the Treasury document was already recorded. The case is settled when the amount paid
    has come back in full.
    """
    require_role(user, *RECORDING_ROLES)
    try:
        recourse_case = lock_recourse_case(reference)
        payment = _record_recovery(user, recourse_case, form, now)
        db.session.commit()
    except IntegrityError as error:  # the same Treasury document, recorded by a colleague just now
        db.session.rollback()
        raise Invalid(
            "the payment has errors",
            {"treasury_reference": ["this Treasury document is already recorded"]},
        ) from error
    except Exception:
        db.session.rollback()
        raise
    return payment


def _record_recovery(user: User, recourse_case: RecourseCase, form: RecoveryInput, now: datetime):
    errors: dict[str, list[str]] = {}
    debts = {str(debt.id): debt for debt in recourse_case.debts}
    debt = debts.get(form.debt_id.strip())
    if debt is None:
        errors["debt_id"] = ["choose one of the case's offenders"]
    amount_text = form.amount_kzt.strip().replace(" ", "").replace(",", "")
    # ASCII digits only: str.isdigit() also takes "²", which int() then refuses.
    amount = int(amount_text) if amount_text.isascii() and amount_text.isdigit() else None
    if amount is None or amount <= 0:
        errors["amount_kzt"] = ["must be a positive whole number of tenge"]
    received_on = _day(form.received_on, "received_on", fund_date(now), errors)
    treasury_reference = _text(form.treasury_reference, "treasury_reference", 60, errors)
    if treasury_reference and "treasury_reference" not in errors:
        already = db.session.scalar(
            select(RecourseCase.claim_id)
            .join(OffenderDebt, OffenderDebt.recourse_case_id == RecourseCase.id)
            .join(RecoveredPayment, RecoveredPayment.debt_id == OffenderDebt.id)
            .where(func.lower(RecoveredPayment.treasury_reference) == treasury_reference.lower())
        )
        if already is not None:
            errors["treasury_reference"] = ["this Treasury document is already recorded"]
    if debt is not None and amount is not None and amount > 0:
        outstanding = case_outstanding(recourse_case.amount_paid_kzt, recovered_on_case(recourse_case))
        own = sum(p.amount_kzt for p in debt.recoveries)
        recoverable = debt_recoverable(debt.amount_owed_kzt, own, outstanding)
        if amount > recoverable:
            errors["amount_kzt"] = [
                f"at most {recoverable:,} tenge may still be recovered from this offender "
                f"(the case lacks {outstanding:,} of {recourse_case.amount_paid_kzt:,} paid)"
            ]
    if errors:
        raise Invalid("the payment has errors", errors)
    payment = RecoveredPayment(
        debt_id=debt.id,
        amount_kzt=amount,
        received_on=received_on,
        treasury_reference=treasury_reference,
        recorded_by=user.username,
        recorded_at=now,
    )
    db.session.add(payment)
    db.session.flush()
    db.session.refresh(debt, ["recoveries"])
    if case_outstanding(recourse_case.amount_paid_kzt, recovered_on_case(recourse_case)) == 0:
        recourse_case.state = "settled"
        recourse_case.settled_at = now
    return payment
