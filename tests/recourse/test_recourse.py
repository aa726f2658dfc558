"""Recourse (Art. 11): a recourse case opens for a paid claim whose criminal case has convicted
offenders, whichever of the two comes second; each offender owes the amount paid separately;
recovered payments are recorded against one offender, never beyond what may be recovered.

Claims are paid the way the payouts module pays them: built into a batch by one finance officer,
approved by another, exported, and confirmed by the Treasury's status file
(tests/payout_helpers.py and fund/payouts/results.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from fund.claims.history import verify_claim
from fund.common.errors import Forbidden, Invalid
from fund.extensions import db
from fund.models import (
    Claim,
    OffenderDebt,
    RecourseCase,
    RecoveredPayment,
    WorkflowEvent,
)
from fund.payouts.register import export_register_csv
from fund.payouts.results import import_payment_results
from fund.recourse import cases as recourse
from fund.recourse.rules import case_outstanding, debt_recoverable, owed_by_each_offender
from tests.conftest import make_iin
from tests.payout_helpers import built_and_approved, finance_officer, paid_rows, status_file

NOW = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)  # 11:00 in Almaty
ERDR = "251750010001234"  # the case of claim_body()
OTHER_ERDR = "251750010009999"
AWARD = 40 * 4325  # torture, art. 146 part 3, decided in 2026
OFFENDER_IIN = make_iin(date(1985, 7, 4), serial=7)


def approved_claim(submit, officers, erdr: str = ERDR, serial: int = 1, **crime) -> str:
    """A torture claim of the criminal case ``erdr``, checked, reviewed and approved (40 MCI)."""
    overrides = {f"crime__{name}": value for name, value in crime.items()}
    reference = submit(
        crime__erdr_number=erdr,
        claimant__iin=make_iin(date(1990, 1, 15), serial=serial, female=True),
        **overrides,
    )["reference"]
    officers.check_documents(reference)
    if crime.get("article") == "125":
        officers._step(reference, "review_trafficking", {"recommendation": "approve"}, "rita")
    else:
        officers.review(reference)
    officers.approve(reference)
    return reference


def pay_approved_claims(staff, paid_on: str = "2026-03-05", now: datetime = NOW) -> None:
    """Pay every approved claim: a batch built, approved (four eyes), exported, and the Treasury's
    status file imported, as finance does it."""
    batch = built_and_approved(staff, now)
    export_register_csv(finance_officer(staff, "farida"), batch.id, now)
    report = import_payment_results(
        finance_officer(staff, "farida"), status_file(*paid_rows(batch.id, paid_on)), now
    )
    assert not report.changed_nothing


def conviction(
    erdr: str = ERDR,
    verdict: str = "1-101/2026",
    *offenders: tuple[str, str],
    verdict_date: str = "2026-02-20",
):
    return recourse.ConvictionInput(
        erdr_number=erdr,
        court="Specialised inter-district criminal court of Almaty",
        verdict_date=verdict_date,
        verdict_number=verdict,
        offenders=[recourse.OffenderInput(name, iin) for name, iin in offenders]
        or [
            recourse.OffenderInput("Ерлан Жұмабаев", OFFENDER_IIN),
            recourse.OffenderInput("Бауыржан Сейітов", ""),
        ],
    )


def case_of(reference: str) -> RecourseCase | None:
    db.session.expire_all()
    return db.session.scalar(
        db.select(RecourseCase)
        .join(Claim, Claim.id == RecourseCase.claim_id)
        .where(Claim.reference == reference)
    )


def recovery(debt: OffenderDebt, amount: int | str, reference: str = "TR-2026-0001", on: str = "2026-03-09"):
    return recourse.RecoveryInput(str(debt.id), str(amount), on, reference)


@pytest.fixture
def farida(staff):
    return finance_officer(staff, "farida")


@pytest.fixture
def paid_case(app, clock, submit, officers, staff, farida) -> str:
    """A claim paid on 5 March 2026, then a conviction of two offenders in its case."""
    reference = approved_claim(submit, officers)
    pay_approved_claims(staff)
    recourse.record_conviction(farida, conviction(), NOW)
    return reference


# --- the rule -------------------------------------------------------------------------------------


def test_each_offender_owes_the_whole_amount_paid_but_the_fund_recovers_it_once():
    assert owed_by_each_offender(AWARD, 3) == AWARD
    assert case_outstanding(AWARD, 50_000) == AWARD - 50_000
    # Offender B paid nothing yet but may be asked only for what the case still lacks.
    assert debt_recoverable(AWARD, 0, AWARD - 50_000) == AWARD - 50_000
    assert case_outstanding(AWARD, AWARD) == 0 and debt_recoverable(AWARD, 0, 0) == 0


# --- opening, in both orders --------------------------------------------------------------------


def test_a_conviction_recorded_after_the_payment_opens_the_case_at_once(
    app, clock, submit, officers, staff, farida
):
    reference = approved_claim(submit, officers)
    pay_approved_claims(staff)
    assert case_of(reference) is None

    recourse.record_conviction(farida, conviction(), NOW)

    opened = case_of(reference)
    assert (opened.amount_paid_kzt, opened.paid_on, opened.state) == (AWARD, date(2026, 3, 5), "open")
    assert (opened.opened_at, opened.opened_by) == (NOW, "farida")
    assert [(d.offender.full_name, d.amount_owed_kzt) for d in opened.debts] == [
        ("Ерлан Жұмабаев", AWARD),
        ("Бауыржан Сейітов", AWARD),
    ]


def test_a_payment_confirmed_after_the_conviction_opens_the_case_when_the_worker_runs(
    app, clock, submit, officers, staff, farida
):
    reference = approved_claim(submit, officers)
    recourse.record_conviction(farida, conviction(), NOW)
    assert case_of(reference) is None  # convicted, but the fund has not paid yet

    pay_approved_claims(staff)
    assert recourse.open_due_recourse_cases(NOW) == [reference]

    assert case_of(reference).amount_paid_kzt == AWARD and case_of(reference).opened_by == "worker"
    assert len(case_of(reference).debts) == 2


def test_the_worker_command_opens_due_cases(app, clock, submit, officers, staff, farida):
    reference = approved_claim(submit, officers)
    recourse.record_conviction(farida, conviction(), NOW)
    pay_approved_claims(staff)

    result = app.test_cli_runner().invoke(args=["worker", "--once"])

    assert "opened or extended recourse cases of 1 claim(s)" in result.output, result.output
    assert case_of(reference) is not None


def test_opening_is_idempotent_and_a_claim_has_one_case(app, paid_case, farida):
    assert recourse.open_due_recourse_cases(NOW) == []
    assert recourse.open_due_recourse_cases(NOW) == []
    assert db.session.scalar(db.select(db.func.count()).select_from(RecourseCase)) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(OffenderDebt)) == 2

    existing = case_of(paid_case)
    db.session.add(
        RecourseCase(claim_id=existing.claim_id, erdr_number=ERDR, payment_id=existing.payment_id,
                     amount_paid_kzt=1, paid_on=date(2026, 3, 5), state="open", opened_at=NOW, opened_by="x")
    )  # fmt: skip
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_no_case_without_both_a_payment_and_a_conviction(app, clock, submit, officers, staff, farida):
    paid_unconvicted = approved_claim(submit, officers, erdr=OTHER_ERDR, serial=4)
    pay_approved_claims(staff)
    approved_unpaid = approved_claim(submit, officers, serial=8)
    recourse.record_conviction(farida, conviction(), NOW)

    assert recourse.open_due_recourse_cases(NOW) == []
    assert case_of(paid_unconvicted) is None and case_of(approved_unpaid) is None


def test_an_offender_convicted_by_a_later_verdict_gets_a_debt_on_the_open_case(app, paid_case, farida):
    recourse.record_conviction(farida, conviction(ERDR, "1-202/2026", ("Марат Оспанов", "")), NOW)

    names = [d.offender.full_name for d in case_of(paid_case).debts]
    assert names == ["Ерлан Жұмабаев", "Бауыржан Сейітов", "Марат Оспанов"]
    assert all(d.amount_owed_kzt == AWARD for d in case_of(paid_case).debts)


# --- recording a conviction ---------------------------------------------------------------------


def test_a_wrong_conviction_names_each_field_and_saves_nothing(app, paid_case, farida):
    wrong = recourse.ConvictionInput(
        erdr_number=OTHER_ERDR,
        court="",
        verdict_date="2026-12-31",
        verdict_number="1-303/2026",
        offenders=[recourse.OffenderInput("", "123456789012")],
    )
    with pytest.raises(Invalid) as refused:
        recourse.record_conviction(farida, wrong, NOW)
    assert refused.value.fields == {
        "erdr_number": ["no claim of the fund has this case number"],
        "court": ["is required"],
        "verdict_date": ["must not be after today (2026-03-10, Almaty)"],
        "offenders-0-full_name": ["is required when an IIN is given"],
        "offenders-0-iin": ["must be 12 digits with a valid check digit, or empty"],
    }
    with pytest.raises(Invalid) as again:
        recourse.record_conviction(farida, conviction(), NOW)
    assert list(again.value.fields) == ["verdict_number"]
    assert db.session.scalar(db.select(db.func.count()).select_from(OffenderDebt)) == 2


@pytest.mark.parametrize("roles", [("auditor",), ("approver",), ("admin",), ("intake",)])
def test_only_finance_records_convictions_and_recovered_payments(app, paid_case, staff, roles):
    someone = staff.user(f"not-finance-{roles[0]}", *roles)
    with pytest.raises(Forbidden):
        recourse.record_conviction(someone, conviction(ERDR, "1-999/2026"), NOW)
    with pytest.raises(Forbidden):
        recourse.record_recovered_payment(someone, paid_case, recovery(case_of(paid_case).debts[0], 1), NOW)
    assert db.session.scalar(db.select(db.func.count()).select_from(RecoveredPayment)) == 0


# --- recovered payments ---------------------------------------------------------------------------


def test_a_partial_recovery_lowers_the_case_and_caps_the_other_offender(app, paid_case, farida):
    first, second = case_of(paid_case).debts
    recourse.record_recovered_payment(farida, paid_case, recovery(first, 50_000), NOW)

    recovered_case = case_of(paid_case)
    assert recourse.recovered_on_case(recovered_case) == 50_000
    assert case_outstanding(recovered_case.amount_paid_kzt, 50_000) == AWARD - 50_000
    payment = recovered_case.debts[0].recoveries[0]
    assert (payment.amount_kzt, payment.received_on, payment.recorded_by) == (
        50_000,
        date(2026, 3, 9),
        "farida",
    )

    with pytest.raises(Invalid) as refused:  # the second offender owes 173,000 of their own, but...
        recourse.record_recovered_payment(farida, paid_case, recovery(second, AWARD, "TR-2026-0002"), NOW)
    assert refused.value.fields == {
        "amount_kzt": ["at most 123,000 tenge may still be recovered from this offender "
                       "(the case lacks 123,000 of 173,000 paid)"]
    }  # fmt: skip
    assert db.session.scalar(db.select(db.func.count()).select_from(RecoveredPayment)) == 1


def test_recovering_the_amount_paid_settles_the_case_and_nothing_more_is_taken(app, paid_case, farida):
    first, second = case_of(paid_case).debts
    recourse.record_recovered_payment(farida, paid_case, recovery(first, 100_000), NOW)
    recourse.record_recovered_payment(farida, paid_case, recovery(second, 73_000, "TR-2026-0002"), NOW)

    settled = case_of(paid_case)
    assert (settled.state, settled.settled_at) == ("settled", NOW)
    with pytest.raises(Invalid) as refused:
        recourse.record_recovered_payment(farida, paid_case, recovery(first, 1, "TR-2026-0003"), NOW)
    assert list(refused.value.fields) == ["amount_kzt"]


@pytest.mark.parametrize(
    ("amount", "on", "treasury", "field"),
    [
        ("0", "2026-03-09", "TR-9", "amount_kzt"),
        ("12.5", "2026-03-09", "TR-9", "amount_kzt"),
        ("-5", "2026-03-09", "TR-9", "amount_kzt"),
        ("1000", "2026-03-11", "TR-9", "received_on"),
        ("1000", "09.03.2026", "TR-9", "received_on"),
        ("1000", "2026-03-09", "", "treasury_reference"),
        ("1000", "2026-03-09", "TR-2026-0001", "treasury_reference"),  # recorded already
    ],
)
def test_a_wrong_recovered_payment_names_its_field(app, paid_case, farida, amount, on, treasury, field):
    debt = case_of(paid_case).debts[0]
    recourse.record_recovered_payment(farida, paid_case, recovery(debt, 1000), NOW)

    with pytest.raises(Invalid) as refused:
        recourse.record_recovered_payment(farida, paid_case, recovery(debt, amount, treasury, on), NOW)

    assert list(refused.value.fields) == [field]
    assert db.session.scalar(db.select(db.func.count()).select_from(RecoveredPayment)) == 1


def test_recourse_stays_out_of_the_claims_event_chain(app, paid_case, farida):
    claim_id = case_of(paid_case).claim_id
    events = db.session.scalar(db.select(db.func.count()).where(WorkflowEvent.claim_id == claim_id))
    recourse.record_recovered_payment(farida, paid_case, recovery(case_of(paid_case).debts[0], 1000), NOW)

    assert db.session.scalar(db.select(db.func.count()).where(WorkflowEvent.claim_id == claim_id)) == events
    assert verify_claim(db.session.get(Claim, claim_id)).ok


def test_a_later_paid_claim_of_a_convicted_case_gets_its_own_case(app, paid_case, submit, officers, staff):
    second = approved_claim(submit, officers, serial=12)
    pay_approved_claims(staff)

    assert recourse.open_due_recourse_cases(NOW) == [second]
    assert case_of(second).claim_id != case_of(paid_case).claim_id
    assert [d.amount_owed_kzt for d in case_of(second).debts] == [AWARD, AWARD]
