"""Every path a compensation claim can take, as the claimant and the fund's officers see it.

The claim is driven through the engine's public commands only; what is asserted is what a
person would notice: the claim's status, whose worklist has the next task and with which form,
which letters the fund must send, the amount awarded, and when the claim is closed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.engine_helpers import (
    APPROVER,
    CATEGORIES,
    INTAKE,
    REVIEW_TASKS,
    REVIEWER,
    SECOND_REVIEWER,
    Claim,
    approve,
    bank_details,
    claim_facts,
    documents_missing,
    drive_longest_claim,
    drive_to_approval,
    drive_to_payment,
    drive_to_rejection,
    reject,
    return_to_review,
    review_form,
)
from workflows.engine import SPIFF_MAX_TASK_DEPTH, FormInvalid, FourEyesViolation, ProcessFailed

ALMATY = ZoneInfo("Asia/Almaty")


# --- the straight path: approved and paid ----------------------------------------------------


def test_a_new_claim_is_acknowledged_and_waits_for_the_intake_officer() -> None:
    claim = Claim(claim_facts("torture"))

    assert claim.status == "submitted" and not claim.completed
    assert [letter.name for letter in claim.letters] == ["letter_due_acknowledgement"]
    task = claim.task("intake_check")
    assert (task.role, task.form) == ("intake", "intake_check")
    assert task.due_at == task.created_at + timedelta(days=10)
    assert claim.data["required_documents"] == [
        "identity_document",
        "victim_recognition_decision",
        "forensic_medical_report",
    ]


def test_an_approved_claim_is_paid_when_the_treasury_confirms_payment() -> None:
    claim = Claim(claim_facts("torture"))
    claim.intake()
    assert claim.status == "under_review" and claim.task("review_torture").role == "reviewer"
    claim.later(days=1).review("approve")
    assert claim.status == "awaiting_approval" and claim.task("approval").role == "approver"

    claim.later(days=1).decide(approve())
    assert claim.status == "approved" and claim.ready == []
    assert sorted(claim.outcome.waiting_messages) == ["payment_confirmed", "payment_failed"]
    assert len(claim.letters_named("letter_due_approval")) == 1

    claim.later(days=7).payment_confirmed()
    assert claim.completed and claim.status == "paid"
    assert claim.ready == [] and claim.outcome.timers == [] and claim.outcome.waiting_messages == []


# --- rejection and reconsideration -----------------------------------------------------------


def test_a_rejection_letter_gives_the_reasons_and_30_days_to_ask_for_reconsideration() -> None:
    claim = drive_to_rejection(Claim(claim_facts("torture")))

    (letter,) = claim.letters_named("letter_due_rejection")
    decided_on = claim.now.astimezone(ALMATY).date()
    assert letter["reasons"] == ["documents_inconsistent"]
    assert letter["decision_date"] == decided_on.isoformat()
    assert letter["reconsideration_until"] == (decided_on + timedelta(days=30)).isoformat()
    assert claim.outcome.waiting_messages == ["reconsideration_requested"]


def test_a_rejected_claim_closes_as_rejected_when_30_days_pass_without_a_request() -> None:
    claim = drive_to_rejection(Claim(claim_facts("torture")))

    claim.later(days=31, minutes=1).fire_timers()

    assert claim.completed and claim.status == "rejected"
    assert claim.outcome.waiting_messages == [] and claim.ready == []


def test_a_reconsideration_request_within_30_days_is_reviewed_again_and_can_end_paid() -> None:
    claim = drive_to_rejection(Claim(claim_facts("torture")))

    claim.later(days=29).request_reconsideration()
    assert claim.status == "reconsideration" and not claim.completed
    task = claim.task("reconsideration_review")
    assert (task.role, task.form) == ("reviewer", "review")
    assert claim.outcome.timers == []

    claim.later(days=1)
    claim.complete("reconsideration_review", review_form("reconsideration_review"), SECOND_REVIEWER)
    assert claim.status == "awaiting_approval"
    claim.later(days=1).decide(approve())
    assert claim.status == "approved"
    claim.later(days=5).payment_confirmed()
    assert claim.completed and claim.status == "paid"


def test_a_second_rejection_after_reconsideration_is_final() -> None:
    claim = drive_to_rejection(Claim(claim_facts("torture")))
    claim.later(days=3).request_reconsideration()
    claim.later(days=1).complete(
        "reconsideration_review", review_form("reconsideration_review", "reject"), SECOND_REVIEWER
    )

    claim.later(days=1).decide(reject("false_information"))

    first, second = claim.letters_named("letter_due_rejection")
    assert first["reconsideration_until"] is not None
    assert second["reasons"] == ["false_information"]
    assert second["reconsideration_until"] is None
    assert claim.completed and claim.status == "rejected"
    assert claim.outcome.waiting_messages == [] and claim.outcome.timers == []


# --- documents -------------------------------------------------------------------------------


def test_missing_documents_are_requested_reminded_at_day_20_and_checked_again_when_submitted() -> None:
    claim = Claim(claim_facts("torture"))
    claim.request_documents("forensic_medical_report", "identity_document")

    (request,) = claim.letters_named("letter_due_document_request")
    assert request["missing_documents"] == ["forensic_medical_report", "identity_document"]
    assert request["round"] == 1
    assert claim.status == "documents_requested"
    assert claim.outcome.waiting_messages == ["documents_submitted"] and claim.ready == []

    claim.later(days=20, minutes=1).fire_timers()
    (reminder,) = claim.letters_named("letter_due_document_reminder")
    assert reminder["missing_documents"] == ["forensic_medical_report", "identity_document"]
    assert claim.status == "documents_requested" and claim.outcome.waiting_messages == ["documents_submitted"]

    claim.later(days=2).submit_documents("forensic_medical_report", "identity_document")
    assert claim.status == "submitted"
    assert claim.task("intake_check").role == "intake"
    assert claim.outcome.timers == []


def test_a_claim_whose_documents_never_come_closes_as_incomplete_after_day_30() -> None:
    claim = Claim(claim_facts("torture"))
    claim.request_documents("forensic_medical_report")

    claim.later(days=30).fire_timers()
    assert claim.status == "documents_requested" and not claim.completed

    claim.later(days=1, minutes=1).fire_timers()
    assert claim.completed and claim.status == "closed_incomplete"
    assert claim.outcome.waiting_messages == [] and claim.ready == []


def test_after_five_document_requests_an_incomplete_claim_goes_to_review_anyway() -> None:
    claim = Claim(claim_facts("torture"))
    for _ in range(5):
        claim.request_documents("forensic_medical_report").later(days=10).submit_documents().later(days=1)

    claim.request_documents("forensic_medical_report")

    requests = claim.letters_named("letter_due_document_request")
    assert [letter["round"] for letter in requests] == [1, 2, 3, 4, 5]
    assert claim.status == "under_review" and claim.ready == ["review_torture"]
    assert claim.outcome.waiting_messages == [] and claim.outcome.timers == []


# --- payment ---------------------------------------------------------------------------------


def test_a_failed_payment_asks_intake_to_correct_the_bank_details_and_waits_again() -> None:
    claim = drive_to_payment(Claim(claim_facts("torture")))

    claim.later(days=5).payment_failed()
    assert claim.status == "payment_failed" and not claim.completed
    task = claim.task("correct_bank_details")
    assert (task.role, task.form) == ("intake", "correct_bank_details")

    claim.later(days=1).complete("correct_bank_details", bank_details(), INTAKE)
    assert claim.status == "approved" and claim.ready == []
    assert sorted(claim.outcome.waiting_messages) == ["payment_confirmed", "payment_failed"]

    claim.later(days=5).payment_confirmed()
    assert claim.completed and claim.status == "paid"


FINANCE = "farida.finance"
SECOND_FINANCE = "fatima.finance"


def fail_five_payments(claim: Claim) -> Claim:
    """The Treasury fails the payment five times; intake corrects the account after the first four."""
    for _ in range(4):
        claim.later(days=5).payment_failed().later(days=1)
        claim.complete("correct_bank_details", bank_details(), INTAKE)
    return claim.later(days=5).payment_failed()


def reopen_form(iban: str = "KZ86125KZT5004100100") -> dict:
    return {"reopen_decision": "reopen", "iban": iban, "reopen_reason": "The bank confirmed the account."}


def test_five_failed_payments_ask_finance_whether_to_pay_again() -> None:
    claim = fail_five_payments(drive_to_payment(Claim(claim_facts("torture"))))

    assert claim.status == "payment_failed" and not claim.completed
    task = claim.task("reopen_payment")
    assert (task.role, task.form) == ("finance", "reopen_payment")
    assert claim.ready == ["reopen_payment"] and claim.outcome.waiting_messages == []


def test_finance_may_close_a_claim_unpaid_after_five_failed_payments() -> None:
    claim = fail_five_payments(drive_to_payment(Claim(claim_facts("torture"))))

    claim.complete(
        "reopen_payment", {"reopen_decision": "close", "reopen_reason": "The claimant died."}, FINANCE
    )

    assert claim.completed and claim.status == "payment_failed"
    assert claim.ready == [] and claim.outcome.waiting_messages == []


def test_paying_again_needs_a_second_finance_officer_then_waits_for_the_treasury() -> None:
    claim = fail_five_payments(drive_to_payment(Claim(claim_facts("torture"))))

    claim.complete("reopen_payment", reopen_form("KZ18722S000012345678"), FINANCE)
    assert claim.status == "payment_failed" and claim.ready == ["approve_reopen_payment"]
    with pytest.raises(FourEyesViolation):
        claim.complete("approve_reopen_payment", {"reopen_approval": "approve"}, FINANCE)

    claim.complete("approve_reopen_payment", {"reopen_approval": "approve"}, SECOND_FINANCE)
    assert claim.status == "approved" and claim.data["iban"] == "KZ18722S000012345678"
    assert sorted(claim.outcome.waiting_messages) == ["payment_confirmed", "payment_failed"]

    claim.later(days=5).payment_failed()  # counted afresh: intake corrects the account again
    assert claim.ready == ["correct_bank_details"]


def test_a_refused_reopening_asks_again_and_the_third_request_is_the_last() -> None:
    claim = fail_five_payments(drive_to_payment(Claim(claim_facts("torture"))))
    for _ in range(3):
        claim.complete("reopen_payment", reopen_form(), FINANCE)
        claim.complete("approve_reopen_payment", {"reopen_approval": "refuse"}, SECOND_FINANCE)

    assert claim.completed and claim.status == "payment_failed"


def test_asking_to_pay_again_needs_the_account() -> None:
    claim = fail_five_payments(drive_to_payment(Claim(claim_facts("torture"))))

    with pytest.raises(FormInvalid) as refused:
        claim.complete(
            "reopen_payment", {"reopen_decision": "reopen", "reopen_reason": "Bank confirmed."}, FINANCE
        )
    assert list(refused.value.errors) == ["iban"]
    with pytest.raises(FormInvalid) as refused:
        claim.complete("reopen_payment", reopen_form("KZ18722S000012345679"), FINANCE)
    assert list(refused.value.errors) == ["iban"]


def test_bank_details_must_be_a_kazakh_iban() -> None:
    claim = drive_to_payment(Claim(claim_facts("torture")))
    claim.later(days=5).payment_failed()

    with pytest.raises(FormInvalid) as refused:
        claim.complete("correct_bank_details", bank_details("DE89370400440532013000"), INTAKE)
    assert list(refused.value.errors) == ["iban"]


# --- returns to review -----------------------------------------------------------------------


def test_an_approver_can_return_the_claim_to_review() -> None:
    claim = Claim(claim_facts("torture")).intake()
    first_review_id = claim.task("review_torture").id
    claim.review("approve")

    claim.decide(return_to_review())

    assert claim.status == "under_review"
    task = claim.task("review_torture")
    assert task.id != first_review_id and task.role == "reviewer"


def test_after_three_review_rounds_a_return_leads_to_a_final_decision_without_return() -> None:
    claim = Claim(claim_facts("torture")).intake()
    for _ in range(2):
        claim.later(days=1).review("approve").later(days=1).decide(return_to_review())
        assert claim.ready == ["review_torture"]
    claim.later(days=1).review("approve").later(days=1).decide(return_to_review())

    assert claim.status == "awaiting_approval"
    task = claim.task("final_decision")
    assert (task.role, task.form) == ("approver", "final_decision")
    assert "return" not in claim.process.forms["final_decision"]["properties"]["decision"]["enum"]
    with pytest.raises(FormInvalid) as refused:
        claim.decide(return_to_review())
    assert "decision" in refused.value.errors

    claim.decide(approve())
    assert claim.status == "approved"


def test_a_final_decision_can_reject_and_the_claimant_may_still_ask_for_reconsideration() -> None:
    claim = Claim(claim_facts("torture")).intake()
    for _ in range(3):
        claim.later(days=1).review("approve").later(days=1).decide(return_to_review())

    claim.decide(reject())

    (letter,) = claim.letters_named("letter_due_rejection")
    assert letter["reconsideration_until"] is not None
    assert claim.status == "rejected" and claim.outcome.waiting_messages == ["reconsideration_requested"]


# --- routing by category ---------------------------------------------------------------------

EXPECTED_REVIEW = {
    "torture": ("review_torture", "review_torture"),
    "trafficking": ("review_trafficking", "review"),
    "sexual_violence_minor": ("review_other", "review"),
    "grave_harm": ("review_other", "review"),
    "death": ("review_other", "review"),
    "ineligible": ("review_other", "review"),
}


@pytest.mark.parametrize("category", CATEGORIES)
def test_each_category_is_reviewed_in_its_own_review(category: str) -> None:
    claim = Claim(claim_facts(category)).intake()

    assert claim.data["category"] == category
    task_name, form = EXPECTED_REVIEW[category]
    task = claim.task(task_name)
    assert (task.form, task.role, task.claim_status) == (form, "reviewer", "under_review")
    assert set(claim.ready) & set(REVIEW_TASKS) == {task_name}


def test_a_torture_review_records_the_prosecutor_office_in_charge() -> None:
    claim = Claim(claim_facts("torture")).intake()
    form = review_form("review_torture")
    del form["prosecutor_office"]

    with pytest.raises(FormInvalid) as refused:
        claim.complete("review_torture", form, REVIEWER)
    assert list(refused.value.errors) == ["prosecutor_office"]

    claim.review("approve")
    assert claim.data["prosecutor_office"] == "Prosecutor's office of Almaty"


# --- the award -------------------------------------------------------------------------------


def test_torture_under_article_146_part_3_decided_in_2026_is_awarded_173000_tenge() -> None:
    claim = drive_to_payment(Claim(claim_facts("torture")))

    (letter,) = claim.letters_named("letter_due_approval")
    assert letter["amount_mci"] == 40 and letter["mci_rate"] == 4325
    assert letter["amount_kzt"] == 173_000 and type(letter["amount_kzt"]) is int
    assert claim.data["amount_kzt"] == 173_000 and type(claim.data["amount_kzt"]) is int


@pytest.mark.parametrize(
    ("category", "amount_mci"),
    [
        ("trafficking", 30),
        ("sexual_violence_minor", 30),
        ("grave_harm", 40),
        ("death", 50),
        ("torture", 40),
    ],
)
def test_the_award_is_the_category_amount_times_the_mci(category: str, amount_mci: int) -> None:
    claim = drive_to_payment(Claim(claim_facts(category)))

    (letter,) = claim.letters_named("letter_due_approval")
    assert (letter["amount_mci"], letter["amount_kzt"]) == (amount_mci, amount_mci * 4325)


def _decide_at(decided_at: datetime) -> dict:
    started = datetime(2025, 12, 1, 4, 0, tzinfo=UTC)
    claim = Claim(claim_facts("torture", submitted_on=date(2025, 12, 1)), at=started)
    drive_to_approval(claim)
    claim.complete("approval", approve(), APPROVER, at=decided_at)
    (letter,) = claim.letters_named("letter_due_approval")
    return letter


@pytest.mark.parametrize(
    ("decided_at", "decision_date", "rate"),
    [
        (datetime(2025, 12, 31, 12, 0, tzinfo=UTC), "2025-12-31", 3932),
        # 20:00 UTC on 31 December is 01:00 on 1 January in Almaty: the 2026 MCI is in force.
        (datetime(2025, 12, 31, 20, 0, tzinfo=UTC), "2026-01-01", 4325),
        (datetime(2026, 1, 1, tzinfo=ALMATY) - timedelta(seconds=1), "2025-12-31", 3932),
        (datetime(2026, 1, 1, tzinfo=ALMATY), "2026-01-01", 4325),
    ],
)
def test_the_mci_is_the_one_in_force_on_the_decision_date_in_almaty(
    decided_at: datetime, decision_date: str, rate: int
) -> None:
    letter = _decide_at(decided_at)

    assert letter["decision_date"] == decision_date
    assert letter["mci_rate"] == rate and letter["amount_kzt"] == 40 * rate


def test_an_approval_with_no_mci_rate_in_force_is_refused_and_the_claim_still_awaits_approval() -> None:
    claim = drive_to_approval(Claim(claim_facts("torture"), rates=()))
    before = claim.outcome

    with pytest.raises(ProcessFailed, match="MCI"):
        claim.decide(approve())

    assert claim.outcome is before and claim.status == "awaiting_approval"


# --- four eyes -------------------------------------------------------------------------------


def test_the_reviewer_may_not_approve_the_claim_they_reviewed() -> None:
    claim = drive_to_approval(Claim(claim_facts("torture")))
    assert set(REVIEW_TASKS) <= set(claim.task("approval").four_eyes_against)

    with pytest.raises(FourEyesViolation):
        claim.decide(approve(), actor=REVIEWER)

    claim.decide(approve(), actor=APPROVER)
    assert claim.status == "approved"


def test_no_one_who_reviewed_any_round_may_approve() -> None:
    claim = drive_to_approval(Claim(claim_facts("grave_harm")))
    claim.decide(return_to_review()).later(days=1).review("approve", actor=SECOND_REVIEWER)

    for reviewer in (REVIEWER, SECOND_REVIEWER):
        with pytest.raises(FourEyesViolation):
            claim.decide(approve(), actor=reviewer)
    claim.decide(approve(), actor=APPROVER)
    assert claim.status == "approved"


def test_the_final_decision_is_four_eyes_too() -> None:
    claim = Claim(claim_facts("trafficking")).intake()
    for _ in range(3):
        claim.review("approve").decide(return_to_review())

    with pytest.raises(FourEyesViolation):
        claim.decide(approve(), actor=REVIEWER)
    claim.decide(approve(), actor=APPROVER)
    assert claim.status == "approved"


def test_the_reconsideration_is_reviewed_by_someone_other_than_the_first_reviewer() -> None:
    claim = drive_to_rejection(Claim(claim_facts("torture")))
    claim.later(days=2).request_reconsideration()
    form = review_form("reconsideration_review")

    with pytest.raises(FourEyesViolation):
        claim.complete("reconsideration_review", form, REVIEWER)

    claim.complete("reconsideration_review", form, SECOND_REVIEWER)
    assert claim.status == "awaiting_approval"


def test_the_reconsideration_reviewer_may_not_approve_the_reconsidered_claim() -> None:
    claim = drive_to_rejection(Claim(claim_facts("death")))
    claim.later(days=2).request_reconsideration()
    claim.complete("reconsideration_review", review_form("reconsideration_review"), SECOND_REVIEWER)

    for reviewer in (REVIEWER, SECOND_REVIEWER):
        with pytest.raises(FourEyesViolation):
            claim.decide(approve(), actor=reviewer)
    claim.decide(approve(), actor=APPROVER)
    assert claim.status == "approved"


# --- loops are bounded -----------------------------------------------------------------------


def test_the_longest_claim_the_process_allows_ends_paid_far_below_spiffworkflows_depth_limit() -> None:
    claim = drive_longest_claim()

    assert claim.completed and claim.status == "paid"
    assert len(claim.letters_named("letter_due_document_request")) == 5
    assert len(claim.letters_named("letter_due_rejection")) == 1
    assert len(claim.letters_named("letter_due_approval")) == 1
    assert claim.data["amount_kzt"] == 173_000
    assert SPIFF_MAX_TASK_DEPTH == 1000
    assert max(outcome.max_task_depth for outcome in claim.outcomes) < 300


def _stubborn_next_step(claim: Claim, decision_when_final: dict) -> None:
    """Whatever is asked, choose the answer that loops back."""
    ready = claim.ready
    if "intake_check" in ready:
        claim.request_documents("forensic_medical_report")
    elif "documents_submitted" in claim.outcome.waiting_messages:
        claim.later(days=1).submit_documents()
    elif set(ready) & set(REVIEW_TASKS):
        claim.review("approve")
    elif "approval" in ready:
        claim.decide(return_to_review())
    elif "final_decision" in ready:
        claim.decide(decision_when_final)
    elif "reconsideration_review" in ready:
        claim.complete("reconsideration_review", review_form("reconsideration_review"), SECOND_REVIEWER)
    elif "reconsideration_requested" in claim.outcome.waiting_messages:
        claim.later(days=1).request_reconsideration()
    elif "correct_bank_details" in ready:
        claim.complete("correct_bank_details", bank_details(), INTAKE)
    elif "payment_failed" in claim.outcome.waiting_messages:
        claim.later(days=1).payment_failed()
    elif "reopen_payment" in ready:
        claim.complete("reopen_payment", reopen_form(), FINANCE)
    elif "approve_reopen_payment" in ready:
        claim.complete("approve_reopen_payment", {"reopen_approval": "approve"}, SECOND_FINANCE)
    else:  # pragma: no cover - the claim is stuck
        raise AssertionError(f"nothing to do: {claim.status}, {ready}, {claim.outcome.waiting_messages}")


@pytest.mark.parametrize(
    ("decision_when_final", "end_status"),
    [
        (reject(), "rejected"),
        (approve(), "payment_failed"),
    ],
)
def test_a_claim_whose_every_actor_always_chooses_to_loop_still_ends(
    decision_when_final: dict, end_status: str
) -> None:
    claim = Claim(claim_facts("torture"))

    for _ in range(120):
        if claim.completed:
            break
        _stubborn_next_step(claim, decision_when_final)

    assert claim.completed and claim.status == end_status
    assert len(claim.letters_named("letter_due_document_request")) == 5
    assert max(outcome.max_task_depth for outcome in claim.outcomes) < 300


def test_the_document_loop_is_bounded_no_sixth_request_even_if_intake_asks_again() -> None:
    claim = Claim(claim_facts("torture"))
    for _ in range(5):
        claim.request_documents().submit_documents()

    claim.intake(documents_missing("identity_document"))

    assert claim.outcome.outbound == []
    assert "documents_submitted" not in claim.outcome.waiting_messages
