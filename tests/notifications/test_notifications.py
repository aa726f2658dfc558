"""Messages to claimants are queued with the command that changes what the claimant sees.

Every status change the claimant sees queues exactly one message, in the same transaction, in the
claimant's language, rendered at once; internal steps queue nothing; the same event never queues
twice; a claimant without an e-mail address gets a row that is never sent. A message names the
claimant and the claim and nothing else about them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fund.audit.replay import replay_claim
from fund.claims.history import verify_claim
from fund.extensions import db
from fund.models import Claim, Notification, WorkflowEvent
from fund.notifications.queue import ON_ENTERING_STATUS
from fund.notifications.render import PORTAL_STATUS_PATH
from tests.audit.test_replay import PATHS, RECONSIDERATION_APPROVE, REJECT, REJECT_REVIEW, Driver
from tests.conftest import DOCUMENTS_MISSING, claim_body, stored_claim

BPMN = Path(__file__).resolve().parents[2] / "bpmn"


@pytest.fixture
def driver(officers, staff, clock) -> Driver:
    """The replay tests' driver, with an approver who reviewed nothing (for reconsiderations)."""
    officers._headers.setdefault("adil_approver", staff.headers("adil_approver", "approver"))
    return Driver(officers, staff, clock)


def notifications_of(reference: str) -> list[Notification]:
    """The claim's outbox rows as committed, oldest first."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Notification)
            .join(Claim, Claim.id == Notification.claim_id)
            .where(Claim.reference == reference)
            .order_by(Notification.event_sequence, Notification.id)
        )
    )


def kinds_of(reference: str) -> list[str]:
    return [row.kind for row in notifications_of(reference)]


def _rejected_after_reconsideration(reference: str, d) -> None:
    d.task(reference, "intake_check", {"documents_complete": True}, "ivan")
    d.task(reference, "review_torture", REJECT_REVIEW, "rita")
    d.task(reference, "approval", REJECT, "alma")
    d.message(reference, "reconsideration_requested", {"text": "The report is attached."}, "ivan")
    d.task(reference, "reconsideration_review", RECONSIDERATION_APPROVE, "sara")
    d.task(reference, "approval", REJECT, "adil_approver")


EXPECTED_KINDS = {
    "paid": ["claim_received", "review_started", "approved", "paid"],
    "documents_then_rejected": [
        "claim_received", "documents_requested", "documents_reminder", "documents_received",
        "review_started", "rejected",  # the reconsideration window closing changes nothing she sees
    ],
    "reconsidered_returned_failed_payment_paid": [
        "claim_received", "review_started", "rejected", "reconsideration_started",
        # reconsideration review -> approval -> returned -> review -> approval: all internal
        "approved", "payment_failed", "payment_retried", "paid",
    ],
    "documents_never_come": [
        "claim_received", "documents_requested", "documents_reminder", "closed_incomplete",
    ],
}  # fmt: skip


@pytest.mark.parametrize("path", sorted(EXPECTED_KINDS))
def test_each_change_the_claimant_sees_queues_exactly_one_message(submit, driver, path):
    reference = submit()["reference"]
    PATHS[path][0](reference, driver)

    rows = notifications_of(reference)

    assert [row.kind for row in rows] == EXPECTED_KINDS[path]
    assert len({row.event_sequence for row in rows}) == len(rows), "one message per command at most"
    assert all(row.state == "queued" and row.attempts == 0 for row in rows)
    assert all(row.recipient == "aigul@example.kz" and row.language == "kk" for row in rows)


def test_a_rejection_after_reconsideration_says_the_decision_is_final(submit, driver):
    reference = submit(claimant__language="en")["reference"]

    _rejected_after_reconsideration(reference, driver)

    rows = notifications_of(reference)
    assert [row.kind for row in rows] == [
        "claim_received", "review_started", "rejected", "reconsideration_started", "rejected_final",
    ]  # fmt: skip
    first, final = rows[2], rows[4]
    assert "no later than" in first.body and "reconsidered" in first.body
    assert "This decision is final. You may challenge it in court." in final.body
    assert "no later than" not in final.body


def test_the_message_is_queued_in_the_same_transaction_as_the_status_change(submit, officers, clock):
    reference = submit()["reference"]

    officers.check_documents(reference, DOCUMENTS_MISSING)

    row = notifications_of(reference)[-1]
    last_event = db.session.scalar(  # the intake check (its letter, issued after it, left out)
        select(func.max(WorkflowEvent.sequence))
        .join(Claim)
        .where(Claim.reference == reference, WorkflowEvent.type != "letter_issued")
    )
    assert row.kind == "documents_requested" and row.event_sequence == last_event
    assert row.created_at == clock.now and row.next_attempt_at == clock.now


def test_when_the_message_cannot_be_queued_the_status_change_is_not_kept_either(
    submit, officers, clock, monkeypatch
):
    reference = submit()["reference"]
    before = stored_claim(reference)

    def broken(*args, **kwargs):
        raise RuntimeError("the e-mail catalog is missing")

    monkeypatch.setattr("fund.notifications.queue.render_message", broken)
    task_id = officers.task(reference, "intake_check", "ivan")["id"]
    answer = officers.complete(task_id, DOCUMENTS_MISSING, "ivan")

    assert answer.status_code == 500 and "Traceback" not in answer.get_data(as_text=True)
    assert stored_claim(reference) == before
    assert kinds_of(reference) == ["claim_received"]


def test_a_document_request_says_which_documents_and_by_which_day_in_almaty(submit, officers, clock):
    reference = submit(claimant__language="ru")["reference"]

    officers.check_documents(
        reference,
        {"documents_complete": False, "missing_documents": ["forensic_medical_report", "identity_document"]},
    )

    row = notifications_of(reference)[-1]
    assert row.subject == f"Документы, которые нужны для заявления {reference}"
    assert (
        "- Заключение судебно-медицинской экспертизы\n- Документ, удостоверяющий личность заявителя"
    ) in row.body
    # 30 days from Monday 2 March 2026 (14:00 in Almaty): 1 April.
    assert "не позднее 1\u00a0апреля 2026\u00a0года" in row.body
    assert row.body.startswith("Здравствуйте, Айгүл Сәрсенова!\n\n")


def test_the_date_is_the_fund_day_in_almaty_even_late_in_the_utc_evening(submit, officers, clock):
    clock.now = datetime(2026, 3, 2, 20, 30, tzinfo=UTC)  # already 3 March, 01:30 in Almaty
    reference = submit(claimant__language="en")["reference"]

    officers.check_documents(reference, DOCUMENTS_MISSING)

    assert "no later than 2\u00a0April 2026" in notifications_of(reference)[-1].body


@pytest.mark.parametrize(
    ("language", "subject", "phrases"),
    [
        ("kk", "нөмірлі өтінішіңіз қабылданды", ["Құрметті Айгүл Сәрсенова!", "өтемақы қоры"]),
        ("ru", "Ваше заявление", ["Здравствуйте, Айгүл Сәрсенова!", "Фонд компенсации потерпевшим"]),
        ("en", "has been received", ["Dear Айгүл Сәрсенова,", "Victims Compensation Fund"]),
    ],
)
def test_the_message_is_written_in_the_claimants_language(submit, language, subject, phrases):
    reference = submit(claimant__language=language)["reference"]

    (row,) = notifications_of(reference)

    assert row.language == language and subject in row.subject and reference in row.subject
    for phrase in phrases:
        assert phrase in row.body
    assert f"http://127.0.0.1:5000{PORTAL_STATUS_PATH}" in row.body


def test_a_message_never_carries_the_access_code_iin_bank_account_or_amount(submit, officers, clock):
    body = claim_body()
    answer = submit()
    reference, access_code = answer["reference"], answer["access_code"]
    for step in (officers.check_documents, officers.review, officers.approve):
        step(reference)

    text = " ".join(row.subject + " " + row.body for row in notifications_of(reference))

    assert access_code not in text
    assert body["claimant"]["iin"] not in text
    assert body["claimant"]["iban"] not in text and body["claimant"]["iban"][-4:] not in text
    assert "173" not in text and body["crime"]["erdr_number"] not in text
    assert "146" not in text and "+7 701" not in text
    assert re.search(r"\b\d{12}\b", text) is None  # no IIN-like numbers at all


def test_a_claimant_without_an_e_mail_address_gets_a_row_that_is_never_sent(submit):
    body = claim_body()
    del body["claimant"]["email"]
    reference = submit(claimant=body["claimant"])["reference"]

    (row,) = notifications_of(reference)

    assert row.state == "no_address" and row.recipient is None and row.next_attempt_at is None
    assert row.kind == "claim_received" and row.subject  # still rendered: admins see what was due


def test_an_internal_step_queues_nothing(submit, officers, clock):
    reference = submit()["reference"]
    officers.check_documents(reference)
    before = kinds_of(reference)

    officers.review(reference)  # under review -> awaiting approval: nothing changes for the claimant

    assert kinds_of(reference) == before == ["claim_received", "review_started"]


def test_the_same_command_sent_twice_queues_one_message(submit, officers, clock):
    reference = submit()["reference"]
    task_id = officers.task(reference, "intake_check", "ivan")["id"]

    first = officers.complete(task_id, DOCUMENTS_MISSING, "ivan")
    again = officers.complete(task_id, DOCUMENTS_MISSING, "ivan")
    delivered = officers.deliver(reference, "documents_submitted", {}, "ivan")
    delivered_again = officers.deliver(reference, "documents_submitted", {}, "ivan")

    assert (first.status_code, again.status_code) == (200, 409)
    assert (delivered.status_code, delivered_again.status_code) == (200, 409)
    assert kinds_of(reference) == ["claim_received", "documents_requested", "documents_received"]


def test_replaying_and_verifying_a_claim_queues_nothing(submit, driver, staff):
    reference = submit()["reference"]
    PATHS["paid"][0](reference, driver)
    before = kinds_of(reference)

    assert replay_claim(staff.user("aida", "auditor"), reference).ok
    claim = db.session.scalar(select(Claim).where(Claim.reference == reference))
    verify_claim(claim)

    assert kinds_of(reference) == before


def test_the_outbox_refuses_a_second_row_for_the_same_event_and_kind(submit):
    from sqlalchemy.exc import IntegrityError

    reference = submit()["reference"]
    (row,) = notifications_of(reference)
    copy = Notification(
        claim_id=row.claim_id, event_sequence=row.event_sequence, kind=row.kind, language=row.language,
        recipient=row.recipient, subject=row.subject, body=row.body, state="queued", attempts=0,
        created_at=row.created_at,
    )  # fmt: skip
    db.session.add(copy)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_every_status_the_process_can_show_is_either_told_or_known_to_be_internal():
    statuses = set()
    for path in BPMN.glob("*.bpmn"):
        statuses |= set(re.findall(r'name="claim_status" value="([a-z_]+)"', path.read_text()))
    # Not in the BPMN: the status the claimant's withdrawal gives (the process is cancelled).
    from fund.claims.claimant_requests import WITHDRAWN

    assert statuses | {WITHDRAWN} == set(ON_ENTERING_STATUS)
