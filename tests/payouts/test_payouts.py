"""Payout batches: built from approved, unpaid claims by one finance officer, approved by another,
every amount checked against the claim's decision when built and again when approved; a claim is
never in two open batches, never paid twice.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from fund.common.errors import Conflict, Forbidden, Invalid
from fund.extensions import db
from fund.models import AccessLogEntry, Claim, Claimant, Payment, PayoutBatch
from fund.payouts.batches import (
    BatchFilters,
    approve_payout_batch,
    build_payout_batch,
    cancel_payout_batch,
    claims_left_out,
    parse_batch_filters,
)
from tests.payout_helpers import approved_claims, built_and_approved, claim_of, finance_officer, payments_of


@pytest.fixture
def three_approved(submit, officers, clock) -> list[str]:
    return approved_claims(submit, officers, 3)


def test_a_batch_takes_every_approved_unpaid_claim_with_its_decided_amount_and_account(
    staff, clock, three_approved, submit
):
    not_yet_decided = submit()["reference"]

    batch = build_payout_batch(finance_officer(staff, "farida"), BatchFilters(), clock.now)

    assert batch.status == "built"
    assert batch.reference == f"PB-2026-{batch.id:06d}"
    payments = payments_of(batch.id)
    assert [p.claim.reference for p in payments] == three_approved
    assert not_yet_decided not in {p.claim.reference for p in payments}
    # Torture under art. 146 part 3, decided in 2026: 40 MCI x 4,325 tenge.
    assert {p.amount_kzt for p in payments} == {173_000}
    assert batch.payment_count == 3 and batch.total_kzt == 3 * 173_000
    assert {p.creditor_iban for p in payments} == {"KZ86125KZT5004100100"}
    assert [p.end_to_end_id for p in payments] == [f"{r}-B{batch.id}" for r in three_approved]
    assert {p.status for p in payments} == {"in_batch"}


def test_building_copies_the_account_so_each_claims_access_log_says_who_built_the_batch(
    staff, clock, three_approved
):
    batch = build_payout_batch(finance_officer(staff, "farida"), BatchFilters(), clock.now)

    entries = db.session.scalars(select(AccessLogEntry).where(AccessLogEntry.username == "farida")).all()
    assert sorted(e.claim_id for e in entries) == sorted(claim_of(r).id for r in three_approved)
    assert {e.what for e in entries} == {f"payout batch {batch.reference}: built (account copied)"}
    assert {e.viewed_at for e in entries} == {clock.now}


def test_a_claim_in_a_batch_is_not_taken_by_the_next_batch(staff, clock, three_approved):
    build_payout_batch(finance_officer(staff, "farida"), BatchFilters(), clock.now)

    with pytest.raises(Conflict) as refused:
        build_payout_batch(finance_officer(staff, "fatima"), BatchFilters(), clock.now)

    assert refused.value.message == "no approved, unpaid claims match these filters; nothing was built"
    assert db.session.scalar(select(func.count()).select_from(PayoutBatch)) == 1


def test_the_filters_choose_claims_by_decision_date_and_category(submit, officers, staff, clock):
    (early,) = approved_claims(submit, officers, 1)  # decided on 2 March 2026
    clock.advance(days=7)
    (late,) = approved_claims(submit, officers, 1, first_serial=50)  # decided on 9 March 2026
    farida = finance_officer(staff, "farida")

    with pytest.raises(Conflict):
        build_payout_batch(farida, BatchFilters(category="trafficking"), clock.now)
    batch = build_payout_batch(farida, BatchFilters(date(2026, 3, 5), date(2026, 3, 9), "torture"), clock.now)

    assert [p.claim.reference for p in payments_of(batch.id)] == [late]
    assert (batch.decided_from, batch.decided_to, batch.category) == (
        date(2026, 3, 5),
        date(2026, 3, 9),
        "torture",
    )
    rest = build_payout_batch(farida, BatchFilters(decided_to=date(2026, 3, 2)), clock.now)
    assert [p.claim.reference for p in payments_of(rest.id)] == [early]


@pytest.mark.parametrize(
    ("form", "field", "problem"),
    [
        ({"decided_from": "02.03.2026"}, "decided_from", "must be a date as YYYY-MM-DD, e.g. 2026-03-02"),
        ({"decided_to": "tomorrow"}, "decided_to", "must be a date as YYYY-MM-DD, e.g. 2026-03-02"),
        (
            {"decided_from": "2026-03-09", "decided_to": "2026-03-02"},
            "decided_to",
            "must be on or after the 'decided from' date",
        ),
        ({"category": "robbery"}, "category", "must be empty (any) or one of: torture, trafficking, "
         "sexual_violence_minor, grave_harm, death"),
    ],
)  # fmt: skip
def test_wrong_filters_are_refused_naming_the_field(form, field, problem):
    with pytest.raises(Invalid) as refused:
        parse_batch_filters(form)

    assert refused.value.fields == {field: [problem]}


def test_empty_filters_mean_any():
    assert parse_batch_filters({"decided_from": "", "decided_to": " ", "category": ""}) == BatchFilters()


def test_only_finance_builds_approves_and_cancels(staff, clock, three_approved):
    approver = staff.user("alma", "approver")
    for action in (
        lambda: build_payout_batch(approver, BatchFilters(), clock.now),
        lambda: approve_payout_batch(approver, 1, clock.now),
        lambda: cancel_payout_batch(approver, 1, clock.now),
    ):
        with pytest.raises(Forbidden):
            action()
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0


def test_the_officer_who_built_a_batch_cannot_approve_it(staff, clock, three_approved):
    farida = finance_officer(staff, "farida")
    batch = build_payout_batch(farida, BatchFilters(), clock.now)

    with pytest.raises(Forbidden) as refused:
        approve_payout_batch(farida, batch.id, clock.now)

    assert "another finance officer must approve it (four eyes)" in refused.value.message
    db.session.expire_all()
    assert db.session.get(PayoutBatch, batch.id).status == "built"
    approved = approve_payout_batch(finance_officer(staff, "fatima"), batch.id, clock.now)
    assert (approved.status, approved.approved_by, approved.execution_date) == (
        "approved",
        "fatima",
        date(2026, 3, 2),
    )


def test_the_database_itself_refuses_an_approval_by_the_builder(staff, clock, three_approved):
    batch = build_payout_batch(finance_officer(staff, "farida"), BatchFilters(), clock.now)

    with pytest.raises(IntegrityError):
        db.session.execute(
            PayoutBatch.__table__.update().where(PayoutBatch.id == batch.id).values(approved_by="farida")
        )
        db.session.commit()
    db.session.rollback()


def test_an_amount_changed_after_building_refuses_the_approval_naming_the_claim(staff, clock, three_approved):
    batch = build_payout_batch(finance_officer(staff, "farida"), BatchFilters(), clock.now)
    tampered = three_approved[1]
    db.session.execute(
        Claim.__table__.update().where(Claim.reference == tampered).values(amount_kzt=1_730_000)
    )
    db.session.commit()

    with pytest.raises(Conflict) as refused:
        approve_payout_batch(finance_officer(staff, "fatima"), batch.id, clock.now)

    assert refused.value.fields == {
        "claims": [f"{tampered}: its amount 1730000 tenge differs from the decided 173000 tenge"]
    }
    assert tampered in refused.value.message and three_approved[0] not in refused.value.message
    db.session.expire_all()
    assert db.session.get(PayoutBatch, batch.id).status == "built"


def test_an_amount_that_disagrees_with_the_decision_stops_the_build_naming_the_claim(
    staff, clock, three_approved
):
    tampered = three_approved[0]
    db.session.execute(Claim.__table__.update().where(Claim.reference == tampered).values(amount_kzt=999))
    db.session.commit()

    with pytest.raises(Conflict) as refused:
        build_payout_batch(finance_officer(staff, "farida"), BatchFilters(), clock.now)

    assert refused.value.fields == {
        "claims": [f"{tampered}: its amount 999 tenge differs from the decided 173000 tenge"]
    }
    assert db.session.scalar(select(func.count()).select_from(PayoutBatch)) == 0
    assert db.session.scalar(select(func.count()).select_from(AccessLogEntry)) == 0


def with_account(reference: str, iban: str) -> None:
    """Give the claim's claimant another account, as a claim stored before accounts were checked."""
    claimant_id = claim_of(reference).claimant_id
    db.session.execute(Claimant.__table__.update().where(Claimant.id == claimant_id).values(iban=iban))
    db.session.commit()


def test_a_claim_whose_account_is_not_a_valid_iban_is_left_out_and_the_others_are_built(
    staff, clock, three_approved
):
    stuck = three_approved[1]
    with_account(stuck, "KZ18722S000012345679")  # one character mistyped: fails the mod-97 check
    farida = finance_officer(staff, "farida")

    batch = build_payout_batch(farida, BatchFilters(), clock.now)

    assert [p.claim.reference for p in payments_of(batch.id)] == [three_approved[0], three_approved[2]]
    assert (batch.payment_count, batch.total_kzt) == (2, 2 * 173_000)
    assert claims_left_out(farida, BatchFilters()) == [
        (
            stuck,
            "its account is not a valid Kazakh IBAN; it is left out of payout batches until its bank "
            "details are corrected (the payment_failed message asks intake for them)",
        )
    ]
    assert claim_of(stuck).status == "approved"


def test_when_no_claim_has_a_valid_account_nothing_is_built_and_each_is_named(staff, clock, three_approved):
    for reference in three_approved:
        with_account(reference, "KZ18722S000012345679")

    with pytest.raises(Conflict) as refused:
        build_payout_batch(finance_officer(staff, "farida"), BatchFilters(), clock.now)

    assert [line.split(":")[0] for line in refused.value.fields["claims"]] == three_approved
    assert "its account is not a valid Kazakh IBAN" in refused.value.message
    assert db.session.scalar(select(func.count()).select_from(PayoutBatch)) == 0


def test_a_claim_paid_outside_the_batch_refuses_its_approval(staff, clock, officers, three_approved):
    batch = build_payout_batch(finance_officer(staff, "farida"), BatchFilters(), clock.now)
    # Confirming it by hand is refused now that it is in a batch (test_payouts_results); should the
    # claim be settled some other way meanwhile, the approval still notices.
    settled = Claim.__table__.update().where(Claim.reference == three_approved[2]).values(status="paid")
    db.session.execute(settled)
    db.session.commit()

    with pytest.raises(Conflict) as refused:
        approve_payout_batch(finance_officer(staff, "fatima"), batch.id, clock.now)

    assert refused.value.fields == {
        "claims": [f"{three_approved[2]}: the claim is no longer waiting for payment (status paid)"]
    }


def test_only_a_built_batch_can_be_approved(staff, clock, three_approved):
    batch = built_and_approved(staff, clock.now)

    with pytest.raises(Conflict) as refused:
        approve_payout_batch(finance_officer(staff, "fatima"), batch.id, clock.now)

    assert refused.value.message == f"batch {batch.reference} is approved; only a built batch can be approved"


def test_a_cancelled_batch_frees_its_claims_for_the_next_batch(staff, clock, three_approved):
    farida = finance_officer(staff, "farida")
    first = build_payout_batch(farida, BatchFilters(), clock.now)

    cancelled = cancel_payout_batch(farida, first.id, clock.now)

    assert cancelled.status == "cancelled"
    assert {p.status for p in payments_of(first.id)} == {"cancelled"}
    second = build_payout_batch(farida, BatchFilters(), clock.now)
    assert [p.claim.reference for p in payments_of(second.id)] == three_approved
    with pytest.raises(Conflict):
        approve_payout_batch(finance_officer(staff, "fatima"), first.id, clock.now)


def test_the_database_holds_at_most_one_open_or_paid_payment_per_claim(staff, clock, three_approved):
    batch = build_payout_batch(finance_officer(staff, "farida"), BatchFilters(), clock.now)
    payment = payments_of(batch.id)[0]

    for status in ("in_batch", "paid"):
        with pytest.raises(IntegrityError):
            db.session.add(
                Payment(
                    claim_id=payment.claim_id,
                    batch_id=batch.id,
                    amount_kzt=payment.amount_kzt,
                    creditor_iban=payment.creditor_iban,
                    creditor_name=payment.creditor_name,
                    creditor_iin=payment.creditor_iin,
                    status=status,
                    paid_on=date(2026, 3, 3),
                    end_to_end_id=f"second-{status}",
                )
            )
            db.session.commit()
        db.session.rollback()
    # A failed or cancelled payment does not hold the claim.
    db.session.add(
        Payment(
            claim_id=payment.claim_id,
            batch_id=batch.id,
            amount_kzt=payment.amount_kzt,
            creditor_iban=payment.creditor_iban,
            creditor_name=payment.creditor_name,
            creditor_iin=payment.creditor_iin,
            status="failed",
            end_to_end_id="earlier-failure",
        )
    )
    db.session.commit()
