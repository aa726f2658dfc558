"""`fund demo`: its payouts, recourse case and ledger are made the way the fund makes them, so that
what officers see on the Payouts, Recourse and Ledger pages is real.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from fund.common.time import fund_date
from fund.extensions import db
from fund.models import Claim, Payment, PayoutBatch, RecourseCase, User
from fund.payouts.batches import BatchFilters, batch_payments, build_payout_batch
from fund.recourse.ledger import fund_ledger


@pytest.fixture
def demo_output(app) -> str:
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return result.output


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def payments_of(claim: Claim) -> list[Payment]:
    return list(db.session.scalars(select(Payment).where(Payment.claim_id == claim.id).order_by(Payment.id)))


def claims_in(status: str) -> list[Claim]:
    return list(db.session.scalars(select(Claim).where(Claim.status == status).order_by(Claim.id)))


def test_every_demo_claim_ends_in_the_state_the_demo_prints(demo_output):
    printed = re.findall(r"claim (VCF-\S+)  access code \S+  (\w+)", demo_output)
    assert len(printed) == db.session.query(Claim).count()
    recorded = {
        reference: status for reference, status in db.session.execute(select(Claim.reference, Claim.status))
    }
    assert dict(printed) == recorded


def test_paid_demo_claims_were_paid_by_exported_batches_approved_by_a_second_officer(demo_output):
    batches = list(db.session.scalars(select(PayoutBatch).order_by(PayoutBatch.id)))
    assert batches and all(batch.status == "exported" for batch in batches)
    assert all({batch.created_by, batch.approved_by} == {"finance", "finance2"} for batch in batches)
    assert all(f"payout batch {batch.reference} exported" in demo_output for batch in batches)
    assert any(batch.payment_count > 1 for batch in batches)
    now = datetime.now(UTC)
    assert all(batch.created_at < batch.approved_at < batch.exported_at < now for batch in batches)

    for claim in claims_in("paid"):
        paid = [payment for payment in payments_of(claim) if payment.status == "paid"]
        assert len(paid) == 1 and paid[0].amount_kzt == claim.amount_kzt, claim.reference
        assert claim.decision_date < paid[0].paid_on <= fund_date(now)
    for claim in claims_in("payment_failed"):
        last = payments_of(claim)[-1]
        assert (last.status, last.failure_reason) == ("failed", "account closed")


def test_a_failed_demo_payment_is_paid_to_the_corrected_account_in_a_later_batch(demo_output):
    corrected = [c for c in claims_in("paid") if [p.status for p in payments_of(c)] == ["failed", "paid"]]
    assert corrected, "one paid demo claim first failed"
    failed, paid = payments_of(corrected[0])
    assert failed.batch_id < paid.batch_id
    assert failed.creditor_iban != paid.creditor_iban == "KZ18722S000012345678"


def test_approved_demo_claims_wait_unbatched_and_finance_can_batch_them(demo_output):
    waiting = claims_in("approved")
    assert waiting and not any(payments_of(claim) for claim in waiting)

    batch = build_payout_batch(user("finance"), BatchFilters(), datetime.now(UTC))
    assert [payment.claim.reference for payment in batch_payments(batch)] == [c.reference for c in waiting]


def test_demo_recourse_case_has_two_offenders_and_a_partial_recovery_and_the_ledger_adds_up(demo_output):
    recourse_case = db.session.scalar(select(RecourseCase))
    assert recourse_case.state == "open" and recourse_case.claim.status == "paid"
    assert [debt.amount_owed_kzt for debt in recourse_case.debts] == [recourse_case.amount_paid_kzt] * 2
    recovered = [payment.amount_kzt for debt in recourse_case.debts for payment in debt.recoveries]
    assert len(recovered) == 1 and 0 < recovered[0] < recourse_case.amount_paid_kzt

    ledger = fund_ledger(user("auditor"), datetime.now(UTC))
    paid_claims = claims_in("paid")
    assert ledger.total.payments == len(paid_claims)
    assert ledger.total.paid_kzt == sum(claim.amount_kzt for claim in paid_claims)
    assert (ledger.total.recoveries, ledger.total.recovered_kzt) == (1, recovered[0])
    assert ledger.open_cases == 1
    assert ledger.outstanding_kzt == recourse_case.amount_paid_kzt - recovered[0]
    assert len(ledger.months) >= 2, "the demo's payments fall in more than one month"


def test_the_demo_has_contact_points_in_three_regions_clearly_marked_as_demo(demo_output):
    from fund.models import ContactPoint

    points = list(db.session.scalars(select(ContactPoint).order_by(ContactPoint.position)))
    assert [point.region_code for point in points] == ["astana", "almaty", "shymkent"]
    for point in points:
        assert f"contact point {point.region_code} (demo data)" in demo_output
        assert "демо-деректер" in point.address_kk and "демо-данные" in point.address_ru
        assert "demo data" in point.address_en
        assert point.email.endswith(".invalid") and point.active and point.updated_by == "admin"
