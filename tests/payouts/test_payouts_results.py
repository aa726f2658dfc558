"""The Treasury's status file: each paid payment confirms its claim, each failed one records the
reason and asks intake to correct the bank details; the claim can then go into a later batch.
The file is checked whole before anything is applied; importing it again changes nothing.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fund.common.errors import Conflict, Forbidden, Invalid
from fund.extensions import db
from fund.models import PayoutBatch, WorkflowEvent
from fund.payouts.batches import BatchFilters, build_payout_batch
from fund.payouts.register import export_register_csv
from fund.payouts.results import import_payment_results
from tests.conftest import error_of, stored_claim
from tests.payout_helpers import (
    MALFORMED,
    approved_claims,
    built_and_approved,
    claim_of,
    finance_officer,
    malformed_status_file,
    paid_rows,
    payments_of,
    status_file,
)


@pytest.fixture
def exported_batch(submit, officers, staff, clock) -> PayoutBatch:
    approved_claims(submit, officers, 3)
    batch = built_and_approved(staff, clock.now)
    export_register_csv(finance_officer(staff, "farida"), batch.id, clock.now)
    return batch


def messages_of(reference: str) -> list[str]:
    db.session.expire_all()
    claim = claim_of(reference)
    events = db.session.scalars(
        select(WorkflowEvent)
        .where(WorkflowEvent.claim_id == claim.id, WorkflowEvent.type == "message_delivered")
        .order_by(WorkflowEvent.sequence)
    )
    return [event.input["message"] for event in events]


def test_paid_rows_confirm_each_claim_and_failed_rows_record_the_reason(
    exported_batch, staff, clock, officers
):
    paid, failed, later = payments_of(exported_batch.id)
    content = status_file(
        (paid.end_to_end_id, "paid", 173000, "2026-03-02", ""),
        (failed.end_to_end_id, "failed", 173000, "", "account closed"),
    )

    report = import_payment_results(finance_officer(staff, "farida"), content, clock.now)

    assert [(r.claim_reference, r.outcome) for r in report.applied] == [
        (paid.claim.reference, "payment_confirmed"),
        (failed.claim.reference, "payment_failed"),
    ]
    assert report.already_applied == [] and report.refused == []
    assert claim_of(paid.claim.reference).status == "paid"
    assert claim_of(failed.claim.reference).status == "payment_failed"
    assert claim_of(later.claim.reference).status == "approved"  # not in the file: still waiting
    paid_now, failed_now, later_now = payments_of(exported_batch.id)
    assert (paid_now.status, str(paid_now.paid_on), paid_now.result_recorded_by) == (
        "paid",
        "2026-03-02",
        "farida",
    )
    assert (failed_now.status, failed_now.failure_reason, failed_now.paid_on) == (
        "failed",
        "account closed",
        None,
    )
    assert later_now.status == "in_batch"
    # The failure asks intake for the right account.
    assert officers.task(failed.claim.reference, "correct_bank_details", "ivan")
    event = db.session.scalars(
        select(WorkflowEvent)
        .where(WorkflowEvent.claim_id == failed.claim_id)
        .order_by(WorkflowEvent.sequence.desc())
    ).first()
    assert event.input["payload"] == {
        "batch": exported_batch.reference,
        "end_to_end_id": failed.end_to_end_id,
        "amount_kzt": 173000,
        "reason": "account closed",
    }


def test_importing_the_same_file_again_changes_nothing_and_says_so(exported_batch, staff, clock):
    content = status_file(*paid_rows(exported_batch.id, "2026-03-02"))
    farida = finance_officer(staff, "farida")
    import_payment_results(farida, content, clock.now)
    references = [p.claim.reference for p in payments_of(exported_batch.id)]
    before = [stored_claim(r) for r in references]

    again = import_payment_results(farida, content, clock.advance(days=1))

    assert again.changed_nothing
    assert [(r.claim_reference, r.outcome) for r in again.already_applied] == [
        (r, "already paid on 2026-03-02") for r in references
    ]
    assert [stored_claim(r) for r in references] == before
    assert all(messages_of(r) == ["payment_confirmed"] for r in references)


def test_a_file_with_a_wrong_row_is_refused_whole_naming_each_row_and_field(exported_batch, staff, clock):
    first, second, third = payments_of(exported_batch.id)
    content = status_file(
        (first.end_to_end_id, "paid", 173000, "2026-03-02", ""),
        ("VCF-2026-999999-B1", "paid", 173000, "2026-03-02", ""),
        (second.end_to_end_id, "paid", 17300, "2026-03-02", ""),
        (third.end_to_end_id, "failed", 173000, "", ""),
        (first.end_to_end_id, "paid", 173000, "2026-03-02", ""),
    )
    before = [stored_claim(p.claim.reference) for p in (first, second, third)]

    with pytest.raises(Invalid) as refused:
        import_payment_results(finance_officer(staff, "farida"), content, clock.now)

    assert refused.value.message == "the status file was refused; nothing was applied"
    assert refused.value.fields == {
        "row 3": ["end_to_end_id: no payment VCF-2026-999999-B1 was exported by the fund"],
        "row 4": [
            f"amount_kzt: 17300 differs from the 173000 tenge of {second.end_to_end_id} "
            f"in batch {exported_batch.reference}"
        ],
        "row 5": ["reason: a failed row needs the reason the Treasury gave"],
        "row 6": [f"end_to_end_id: {first.end_to_end_id} is already in row 2"],
    }
    assert [stored_claim(p.claim.reference) for p in (first, second, third)] == before
    assert {p.status for p in payments_of(exported_batch.id)} == {"in_batch"}


NO_PAYMENT_X = "end_to_end_id: no payment X was exported by the fund"  # every problem of a row is named


@pytest.mark.parametrize(
    ("content", "field", "problems"),
    [
        (b"\xff\xfe not utf-8", "file", ["must be UTF-8 text (CSV)"]),
        (b"end_to_end_id,status\r\nX,paid\r\n", "file",
         ["the header row must name the columns end_to_end_id, status, amount_kzt, paid_on, reason; "
          "missing: amount_kzt, paid_on, reason"]),
        (b"end_to_end_id,status,amount_kzt,paid_on,reason\r\n", "file", ["has no rows after the header"]),
        (b"end_to_end_id,status,amount_kzt,paid_on,reason\r\nX,sent,1,,\r\n", "row 2",
         [NO_PAYMENT_X, "status: must be paid or failed"]),
        (b"end_to_end_id,status,amount_kzt,paid_on,reason\r\nX,paid,1.5,2026-03-02,\r\n", "row 2",
         [NO_PAYMENT_X, "amount_kzt: must be whole tenge, digits only, more than 0, e.g. 173000"]),
        (b"end_to_end_id,status,amount_kzt,paid_on,reason\r\nX,paid,1,02.03.2026,\r\n", "row 2",
         [NO_PAYMENT_X, "paid_on: a paid row needs the date as YYYY-MM-DD, e.g. 2026-03-05"]),
        (b"end_to_end_id,status,amount_kzt,paid_on,reason\r\nX,paid,1,2026-03-09,\r\n", "row 2",
         [NO_PAYMENT_X, "paid_on: 2026-03-09 is after today"]),
    ],
)  # fmt: skip
def test_a_malformed_status_file_is_refused_naming_the_problem(staff, clock, content, field, problems):
    with pytest.raises(Invalid) as refused:
        import_payment_results(finance_officer(staff, "farida"), content, clock.now)

    assert refused.value.fields == {field: problems}


def test_every_mistake_of_every_row_is_named(exported_batch, staff, clock):
    first, second, _ = payments_of(exported_batch.id)
    content = status_file(
        (first.end_to_end_id, "paid", 17300, "2026-03-09", ""),
        (second.end_to_end_id, "sent", 1730, "", ""),
    )

    with pytest.raises(Invalid) as refused:
        import_payment_results(finance_officer(staff, "farida"), content, clock.now)

    assert refused.value.fields == {
        "row 2": [
            f"amount_kzt: 17300 differs from the 173000 tenge of {first.end_to_end_id} "
            f"in batch {exported_batch.reference}",
            "paid_on: 2026-03-09 is after today",
        ],
        "row 3": [
            "status: must be paid or failed",
            f"amount_kzt: 1730 differs from the 173000 tenge of {second.end_to_end_id} "
            f"in batch {exported_batch.reference}",
        ],
    }
    assert {p.status for p in payments_of(exported_batch.id)} == {"in_batch"}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_file_no_treasury_would_send_is_refused_naming_the_row_and_nothing_is_applied(
    exported_batch, staff, clock, case
):
    first, second, _ = payments_of(exported_batch.id)
    content, problem = malformed_status_file(case, first.end_to_end_id, second.end_to_end_id)

    with pytest.raises(Invalid) as refused:
        import_payment_results(finance_officer(staff, "farida"), content, clock.now)

    assert refused.value.message == "the status file was refused; nothing was applied"
    assert refused.value.fields == {"row 3": [problem]}
    assert {p.status for p in payments_of(exported_batch.id)} == {"in_batch"}  # not even row 2
    assert claim_of(first.claim.reference).status == "approved"


def test_a_result_contradicting_the_recorded_one_is_refused(exported_batch, staff, clock):
    farida = finance_officer(staff, "farida")
    payment = payments_of(exported_batch.id)[0]
    import_payment_results(
        farida, status_file((payment.end_to_end_id, "paid", 173000, "2026-03-02", "")), clock.now
    )

    with pytest.raises(Invalid) as refused:
        import_payment_results(
            farida, status_file((payment.end_to_end_id, "failed", 173000, "", "account closed")), clock.now
        )

    assert refused.value.fields == {
        "row 2": [
            f"status: {payment.end_to_end_id} is already recorded as paid on 2026-03-02; the file says failed"
        ]
    }
    assert claim_of(payment.claim.reference).status == "paid"


def test_results_for_a_batch_not_exported_are_refused(submit, officers, staff, clock):
    approved_claims(submit, officers, 1)
    batch = built_and_approved(staff, clock.now)

    with pytest.raises(Invalid) as refused:
        import_payment_results(finance_officer(staff, "farida"), status_file(*paid_rows(batch.id)), clock.now)

    assert refused.value.fields == {
        "row 2": [f"end_to_end_id: batch {batch.reference} is approved, not exported"]
    }


def test_only_finance_imports_results(exported_batch, staff, clock):
    with pytest.raises(Forbidden):
        import_payment_results(
            staff.user("ivan", "intake"), status_file(*paid_rows(exported_batch.id)), clock.now
        )


def test_after_a_failure_and_a_corrected_account_the_claim_goes_into_a_later_batch_and_is_paid(
    exported_batch, staff, clock, officers
):
    farida = finance_officer(staff, "farida")
    failed = payments_of(exported_batch.id)[0]
    reference = failed.claim.reference
    import_payment_results(
        farida, status_file((failed.end_to_end_id, "failed", 173000, "", "account closed")), clock.now
    )
    with pytest.raises(Conflict):  # waiting for corrected bank details: not payable yet
        build_payout_batch(farida, BatchFilters(), clock.now)
    correction = officers.task(reference, "correct_bank_details", "ivan")
    assert (
        officers.complete(correction["id"], {"iban": "KZ77 0701 05KZ T000 0001"}, "ivan").status_code == 200
    )

    clock.advance(days=1)
    later = built_and_approved(staff, clock.now)
    (payment,) = payments_of(later.id)
    assert payment.claim.reference == reference
    assert payment.creditor_iban == "KZ77070105KZT0000001"  # the corrected account, not the old one
    export_register_csv(farida, later.id, clock.now)
    report = import_payment_results(farida, status_file(*paid_rows(later.id, "2026-03-03")), clock.now)

    assert [r.outcome for r in report.applied] == ["payment_confirmed"]
    assert claim_of(reference).status == "paid"
    assert messages_of(reference) == ["payment_failed", "payment_confirmed"]


def test_a_payment_in_a_batch_is_confirmed_or_failed_only_by_the_batchs_status_file(
    exported_batch, staff, clock, officers
):
    payment = payments_of(exported_batch.id)[0]
    reference = payment.claim.reference
    before = stored_claim(reference)

    for message, payload in (
        ("payment_confirmed", {"batch": exported_batch.reference}),
        ("payment_failed", {"batch": exported_batch.reference, "reason": "account closed"}),
    ):
        error = error_of(officers.deliver(reference, message, payload, "farida"), 409)
        assert error["message"] == (
            f"the payment of claim {reference} is in payout batch {exported_batch.reference} (exported): "
            f"only the Treasury's status file for {exported_batch.reference} can confirm or fail it"
        )
    assert stored_claim(reference) == before
    assert payments_of(exported_batch.id)[0].status == "in_batch"

    report = import_payment_results(
        finance_officer(staff, "farida"), status_file(*paid_rows(exported_batch.id)[:1]), clock.now
    )

    assert [(r.claim_reference, r.outcome) for r in report.applied] == [(reference, "payment_confirmed")]
    assert claim_of(reference).status == "paid"
    assert payments_of(exported_batch.id)[0].status == "paid"
    assert messages_of(reference) == ["payment_confirmed"]


def test_a_payment_in_a_batch_not_yet_exported_is_not_confirmed_by_hand_either(
    submit, officers, staff, clock
):
    (reference,) = approved_claims(submit, officers, 1)
    batch = build_payout_batch(finance_officer(staff, "farida"), BatchFilters(), clock.now)

    response = officers.deliver(reference, "payment_confirmed", {"batch": batch.reference}, "farida")

    assert error_of(response, 409)["message"] == (
        f"the payment of claim {reference} is in payout batch {batch.reference} (built): "
        f"only the Treasury's status file for {batch.reference} can confirm or fail it; "
        "cancel the batch to take the claim out of it"
    )
    assert claim_of(reference).status == "approved"


def test_a_paid_claim_never_enters_another_batch(exported_batch, staff, clock):
    farida = finance_officer(staff, "farida")
    import_payment_results(farida, status_file(*paid_rows(exported_batch.id)), clock.now)

    with pytest.raises(Conflict) as refused:
        build_payout_batch(farida, BatchFilters(), clock.now)

    assert refused.value.message == "no approved, unpaid claims match these filters; nothing was built"
