"""Messages from outside (documents, the Treasury), a claim's history as auditors read it, and the
timers the worker fires.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from fund.claims.history import GENESIS_HASH, event_hash, verify_claim
from fund.claims.messages import MESSAGE_ROLES
from fund.claims.timers import run_due_timers
from fund.extensions import db
from fund.models import Claim, Letter, WorkflowEvent
from tests.conftest import DOCUMENTS_MISSING, error_of, stored_claim

SHA256 = re.compile(r"[0-9a-f]{64}")


def nested(levels: int) -> dict:
    """{"d": {"d": ... 1}}: an object nested ``levels`` deep."""
    body: object = 1
    for _ in range(levels):
        body = {"d": body}
    return body


@pytest.fixture
def documents_requested(submit, officers, clock) -> str:
    """A claim whose intake officer asked the claimant for the forensic medical report."""
    reference = submit()["reference"]
    officers.check_documents(reference, DOCUMENTS_MISSING)
    return reference


@pytest.fixture
def paid(submit, officers, clock) -> str:
    """A torture claim taken through its whole life, a day per step: submitted to paid."""
    reference = submit()["reference"]
    for step in (officers.check_documents, officers.review, officers.approve, officers.confirm_payment):
        clock.advance(days=1)
        step(reference)
    return reference


def claim_row(reference: str) -> Claim:
    db.session.expire_all()  # read what the requests committed, not what this session remembers
    return db.session.scalar(select(Claim).where(Claim.reference == reference))


def events_of(client, officers, reference: str, username: str = "aida") -> list[dict]:
    response = client.get(f"/api/v1/claims/{reference}/events", headers=officers.headers(username))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["reference"] == reference
    return response.get_json()["events"]


# --- messages ------------------------------------------------------------------------------------


def test_documents_submitted_send_the_claim_back_to_the_intake_check(documents_requested, officers):
    assert stored_claim(documents_requested).status == "documents_requested"

    response = officers.deliver(
        documents_requested, "documents_submitted", {"documents": ["forensic_medical_report"]}, "ivan"
    )

    assert response.status_code == 200
    assert response.get_json() == {"claim_reference": documents_requested, "status": "submitted"}
    assert officers.task(documents_requested, "intake_check", "ivan")


def test_a_message_may_come_without_a_payload(client, documents_requested, officers):
    response = client.post(
        f"/api/v1/claims/{documents_requested}/messages/documents_submitted", headers=officers.headers("ivan")
    )

    assert response.get_json() == {"claim_reference": documents_requested, "status": "submitted"}


def test_a_failed_payment_asks_intake_for_the_right_bank_details_then_payment_goes_through(
    submit, officers, clock
):
    reference = submit()["reference"]
    officers.check_documents(reference)
    officers.review(reference)
    officers.approve(reference)

    failed = officers.deliver(
        reference, "payment_failed", {"batch": "PB-2026-001", "reason": "closed"}, "farida"
    )

    assert failed.get_json()["status"] == "payment_failed"
    correction = officers.task(reference, "correct_bank_details", "ivan")
    done = officers.complete(correction["id"], {"iban": "KZ86 125K ZT50 0410 0100"}, "ivan")
    assert done.get_json()["status"] == "approved"
    assert officers.confirm_payment(reference)["status"] == "paid"


def test_corrected_bank_details_with_wrong_check_digits_are_refused_naming_the_field(submit, officers, clock):
    reference = submit()["reference"]
    officers.check_documents(reference)
    officers.review(reference)
    officers.approve(reference)
    officers.deliver(reference, "payment_failed", {"batch": "PB-2026-001", "reason": "closed"}, "farida")
    correction = officers.task(reference, "correct_bank_details", "ivan")
    before = stored_claim(reference)

    refused = officers.complete(correction["id"], {"iban": "KZ18722S000012345679"}, "ivan")

    error = error_of(refused, 422)
    assert error["fields"] == {
        "iban": [
            "must be a Kazakh IBAN with correct check digits; this one has a mistyped character: "
            "copy it again from the claimant's bank details"
        ]
    }
    assert stored_claim(reference) == before
    accepted = officers.complete(correction["id"], {"iban": "KZ18722S000012345678"}, "ivan")
    assert accepted.get_json()["status"] == "approved"


def test_a_message_the_claim_is_not_waiting_for_is_a_conflict(submit, officers, clock):
    reference = submit()["reference"]
    before = stored_claim(reference)

    response = officers.deliver(reference, "payment_confirmed", {"batch": "PB-2026-001"}, "farida")

    error = error_of(response, 409)
    assert error["message"] == "the claim is not waiting for 'payment_confirmed' now"
    assert stored_claim(reference) == before


def test_an_unknown_message_is_refused_naming_the_messages_there_are(submit, officers, clock):
    reference = submit()["reference"]
    before = stored_claim(reference)

    response = officers.deliver(reference, "claim_approved_by_itself", {}, "adil")

    error = error_of(response, 422)
    assert error["fields"] == {"name": [f"must be one of: {', '.join(MESSAGE_ROLES)}"]}
    assert "payment_confirmed" in error["fields"]["name"][0]
    assert stored_claim(reference) == before


def test_a_message_for_an_unknown_claim_is_not_found(officers, clock):
    for reference in ("VCF-2026-999999", "VCF%00", "x" * 5000):
        response = officers.deliver(reference, "payment_confirmed", {}, "farida")
        assert error_of(response, 404)["code"] == "not_found"


@pytest.mark.parametrize(
    ("send", "status"),
    [
        pytest.param({"data": "the documents arrived", "content_type": "text/plain"}, 400, id="plain text"),
        pytest.param({"data": '{"documents": [', "content_type": "application/json"}, 400, id="broken JSON"),
        pytest.param({"data": '{"documents": NaN}', "content_type": "application/json"}, 400, id="NaN"),
        pytest.param({"data": "[" * 5000 + "]" * 5000, "content_type": "application/json"}, 400, id="deep"),
        pytest.param({"json": nested(21)}, 422, id="nested 21 levels"),
        # fmt: skip
        pytest.param({"json": ["forensic_medical_report"]}, 422, id="JSON array"),
        pytest.param({"json": "documents"}, 422, id="JSON string"),
        pytest.param({"json": {"documents": ["report\u0000"]}}, 422, id="NUL"),
    ],
)
def test_a_message_body_that_is_not_a_json_object_is_refused_and_nothing_is_delivered(
    client, documents_requested, officers, send, status
):
    before = stored_claim(documents_requested)

    response = client.post(
        f"/api/v1/claims/{documents_requested}/messages/documents_submitted",
        headers=officers.headers("ivan"),
        **send,
    )

    error_of(response, status)
    assert stored_claim(documents_requested) == before


def _not_a_json_constant(name: str) -> None:
    raise AssertionError(f"the answer holds {name}, which is not JSON")


@pytest.mark.parametrize("number", ["1e400", "-1e400"])
def test_a_payment_confirmed_with_a_number_beyond_a_floats_range_is_refused_and_the_history_stays_json(
    client, submit, officers, clock, number
):
    reference = submit()["reference"]
    officers.check_documents(reference)
    officers.review(reference)
    officers.approve(reference)
    before = stored_claim(reference)

    response = client.post(
        f"/api/v1/claims/{reference}/messages/payment_confirmed",
        data=f'{{"batch": "PB-2026-001", "amount_kzt": {number}}}',
        content_type="application/json",
        headers=officers.headers("farida"),
    )

    error = error_of(response, 422)
    assert "range" in error["fields"]["amount_kzt"][0], error["fields"]
    assert stored_claim(reference) == before
    history = client.get(f"/api/v1/claims/{reference}/events", headers=officers.headers("aida"))
    json.loads(history.get_data(as_text=True), parse_constant=_not_a_json_constant)


# --- history -------------------------------------------------------------------------------------


def test_the_history_lists_every_command_in_order_with_who_and_when(client, paid, officers):
    events = events_of(client, officers, paid)

    assert [(e["sequence"], e["type"], e["actor"]) for e in events] == [
        (1, "claim_submitted", "portal"),
        (2, "letter_issued", "letters"),  # the acknowledgement, rendered after the submission
        (3, "task_completed", "ivan"),
        (4, "task_completed", "rita"),
        (5, "task_completed", "alma"),
        (6, "letter_issued", "letters"),  # the decision letter
        (7, "message_delivered", "farida"),
    ]
    assert [e["occurred_at"][:10] for e in events] == [
        "2026-03-02",
        "2026-03-02",
        "2026-03-03",
        "2026-03-04",
        "2026-03-05",
        "2026-03-05",
        "2026-03-06",
    ]
    assert events[4]["input"]["data"] == {"decision": "approve"}
    assert ["2026-01-01", 4325] in events[4]["input"]["mci_rates"]  # the rate that decided the amount
    assert events[5]["input"]["letter"]["kind"] == "approval"
    assert [e["result"]["status"] for e in events] == [
        "submitted",
        None,  # issuing a letter moves nothing in the process
        "under_review",
        "awaiting_approval",
        "approved",
        None,
        "paid",
    ]


def test_the_history_is_a_hash_chain_an_auditor_can_recompute(client, paid, officers):
    events = events_of(client, officers, paid, "adil")

    assert [e["sequence"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["previous_hash"] == GENESIS_HASH == "0" * 64
    for before, event in zip(events, events[1:], strict=False):
        assert event["previous_hash"] == before["hash"]
    for event in events:
        assert SHA256.fullmatch(event["hash"]) and SHA256.fullmatch(event["state_digest"])
        recomputed = event_hash(
            event["previous_hash"],
            paid,
            event["sequence"],
            event["type"],
            event["actor"],
            event["occurred_at"],
            event["input"],
            event["state_digest"],
        )
        assert recomputed == event["hash"], event["sequence"]
    assert len({e["hash"] for e in events}) == len(events)


def test_the_history_of_an_unknown_claim_is_not_found(client, officers, clock):
    response = client.get("/api/v1/claims/VCF-2026-999999/events", headers=officers.headers("aida"))

    assert error_of(response, 404)["code"] == "not_found"


def test_verifying_an_untouched_claim_finds_nothing(paid):
    result = verify_claim(claim_row(paid))

    assert result.ok
    assert result.events == 7  # five commands and two letters issued
    assert result.findings == []


def test_changing_an_events_input_in_the_database_is_reported_for_that_event(paid):
    claim = claim_row(paid)
    forged = {"task_id": "forged", "data": {"decision": "approve", "comment": "changed later"}}
    db.session.execute(
        update(WorkflowEvent)
        .where(WorkflowEvent.claim_id == claim.id, WorkflowEvent.sequence == 4)
        .values(input=forged)
    )
    db.session.commit()

    result = verify_claim(claim_row(paid))

    assert not result.ok
    assert result.findings == ["event 4: its content does not match its hash"]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        pytest.param("actor", "someone.else", id="actor"),
        pytest.param("state_digest", "f" * 64, id="state digest"),
        pytest.param("type", "timers_fired", id="type"),
    ],
)
def test_changing_who_did_what_is_reported_too(paid, column, value):
    claim = claim_row(paid)
    db.session.execute(
        update(WorkflowEvent)
        .where(WorkflowEvent.claim_id == claim.id, WorkflowEvent.sequence == 2)
        .values({column: value})
    )
    db.session.commit()

    result = verify_claim(claim_row(paid))

    assert not result.ok
    assert "event 2: its content does not match its hash" in result.findings


def test_changing_an_events_recorded_result_is_reported(paid):
    claim = claim_row(paid)
    event = db.session.scalar(
        select(WorkflowEvent).where(WorkflowEvent.claim_id == claim.id, WorkflowEvent.sequence == 4)
    )
    forged = {**event.result, "status": "rejected"}
    db.session.execute(update(WorkflowEvent).where(WorkflowEvent.id == event.id).values(result=forged))
    db.session.commit()

    result = verify_claim(claim_row(paid))

    assert not result.ok
    assert any(finding.startswith("event 4 (task_completed)") for finding in result.findings), result.findings


# --- timers --------------------------------------------------------------------------------------


def test_a_claim_without_documents_31_days_after_the_request_is_closed_incomplete(
    client, documents_requested, clock, officers
):
    later = clock.now + timedelta(days=31)

    assert run_due_timers(later) == [documents_requested]

    stored = stored_claim(documents_requested)
    assert stored.status == "closed_incomplete"
    assert stored.open_tasks == () and stored.timers == 0
    assert officers.claim(documents_requested)["status"] == "closed_incomplete"
    *_, closed, closure_letter = events_of(client, officers, documents_requested)
    assert closed["type"] == "timers_fired" and closure_letter["type"] == "letter_issued"
    assert verify_claim(claim_row(documents_requested)).ok


def test_a_second_run_of_the_timers_fires_nothing(documents_requested, clock):
    later = clock.now + timedelta(days=31)
    run_due_timers(later)
    after_first = stored_claim(documents_requested)

    assert run_due_timers(later) == []
    assert run_due_timers(later + timedelta(days=365)) == []
    assert stored_claim(documents_requested) == after_first


def test_after_20_days_the_claimant_is_reminded_and_the_claim_stays_open(documents_requested, clock):
    assert run_due_timers(clock.now + timedelta(days=19)) == []

    assert run_due_timers(clock.now + timedelta(days=21)) == [documents_requested]

    stored = stored_claim(documents_requested)
    assert stored.status == "documents_requested"
    assert stored.timers == 1  # the deadline is still ahead
    kinds = db.session.scalars(
        select(Letter.kind).where(Letter.claim_id == claim_row(documents_requested).id).order_by(Letter.id)
    ).all()
    assert kinds == ["acknowledgement", "document_request", "document_reminder"]
    assert run_due_timers(clock.now + timedelta(days=31)) == [documents_requested]
    assert stored_claim(documents_requested).status == "closed_incomplete"


def test_documents_in_time_cancel_the_deadline(documents_requested, officers, clock):
    clock.advance(days=10)
    officers.deliver(
        documents_requested, "documents_submitted", {"documents": ["forensic_medical_report"]}, "ivan"
    )

    assert stored_claim(documents_requested).timers == 0
    assert run_due_timers(clock.now + timedelta(days=60)) == []
    assert stored_claim(documents_requested).status == "submitted"
