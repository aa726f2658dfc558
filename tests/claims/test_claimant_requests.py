"""A claimant's own details from the portal: contact details changed together (checked as the
application checks them, recorded, announced to the new address and to the old one), a new bank
account only as a request that intake confirms or refuses, and the claim withdrawn (its process
cancelled, its tasks and timers gone, its history still replaying).

Claims are submitted and worked through the real services and process.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fund.claims import claimant_requests
from fund.claims.claim_file import claim_view
from fund.claims.history import CLAIM_WITHDRAWN, verify_claim
from fund.claims.timers import run_due_timers
from fund.common.errors import Conflict, Forbidden, Invalid
from fund.common.users import create_user
from fund.extensions import db
from fund.models import (
    AccessLogEntry,
    Claim,
    ClaimantRequest,
    HumanTask,
    Notification,
    Timer,
    User,
    WorkflowEvent,
)
from fund.payouts.batches import BatchFilters, build_payout_batch, payee_iban
from tests.conftest import PASSWORD
from tests.portal.test_portal_services import (
    APPROVE_REVIEW,
    T0,
    file_claim,
    request_documents,
    under_review,
    work,
)

NEW_IBAN = "KZ75125KZT2069100100"  # valid check digits
OLD_IBAN = "KZ86125KZT5004100100"  # claim_body()'s


def claim_of(reference: str) -> Claim:
    db.session.expire_all()
    return db.session.scalar(select(Claim).where(Claim.reference == reference))


def officer(username: str, *roles: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    return user or create_user(username, PASSWORD, list(roles), T0)


def notifications(claim: Claim, kind: str) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.claim_id == claim.id, Notification.kind == kind)
        )
    )


def approved(filed) -> None:
    under_review(filed)
    work(filed.reference, "review_torture", APPROVE_REVIEW, "rita", T0 + timedelta(days=1))
    work(filed.reference, "approval", {"decision": "approve"}, "alma", T0 + timedelta(days=2))


# --- contact details ---------------------------------------------------------------------------


def test_phone_email_and_language_change_together_and_the_change_is_recorded(app):
    filed = file_claim()  # +7 701 234 56 78, aigul@example.kz, Kazakh
    claim = claim_of(filed.reference)
    events = select(func.count()).where(WorkflowEvent.claim_id == claim.id)
    events_before = db.session.scalar(events)

    changed = claimant_requests.change_contact_details(
        claim, {"phone": "8 (702) 555-12-34", "email": " new@example.kz ", "language": "ru"}, T0
    )

    claim = claim_of(filed.reference)
    assert changed == ["phone", "email", "language"]
    assert (claim.claimant.phone, claim.claimant.email, claim.claimant.language) == (
        "+77025551234",
        "new@example.kz",
        "ru",
    )
    assert claim.claimant.phone_digits == "7025551234"  # officers' search finds the new phone
    (row,) = db.session.scalars(select(ClaimantRequest).where(ClaimantRequest.claim_id == claim.id))
    assert (row.kind, row.state) == ("contact_details", "done")
    assert row.details["before"] == {"phone": "+77012345678", "email": "aigul@example.kz", "language": "kk"}
    assert row.details["after"] == {"phone": "+77025551234", "email": "new@example.kz", "language": "ru"}
    # Not a command on the process: the hash chain is as it was.
    assert db.session.scalar(events) == events_before


def test_the_new_address_is_told_in_the_new_language_and_the_old_one_without_the_new_values(app):
    filed = file_claim()
    claimant_requests.change_contact_details(
        claim_of(filed.reference),
        {"phone": "+7 702 555 12 34", "email": "new@example.kz", "language": "ru"},
        T0,
    )
    claim = claim_of(filed.reference)

    (to_new,) = notifications(claim, "contact_details_changed")
    assert (to_new.recipient, to_new.language, to_new.state) == ("new@example.kz", "ru", "queued")
    assert "изменены" in to_new.subject
    (to_old,) = notifications(claim, "contact_details_changed_old")
    assert (to_old.recipient, to_old.language) == ("aigul@example.kz", "kk")
    assert "өзгертілді" in to_old.subject
    for text in (to_old.subject, to_old.body):
        assert "new@example.kz" not in text and "555" not in text

    # From then on the claim's e-mails go to the new address, in the new language.
    under_review(filed)
    (review,) = notifications(claim_of(filed.reference), "review_started")
    assert (review.recipient, review.language) == ("new@example.kz", "ru")


def test_wrong_details_are_refused_field_by_field_with_the_application_forms_codes(app):
    filed = file_claim()

    with pytest.raises(Invalid) as refused:
        claimant_requests.change_contact_details(
            claim_of(filed.reference), {"phone": "12345", "email": "not an address", "language": "de"}, T0
        )

    fields = refused.value.fields
    assert {name: [p.code for p in problems] for name, problems in fields.items()} == {
        "claimant.phone": ["phone_invalid"],
        "claimant.email": ["email_invalid"],
        "claimant.language": ["not_one_of"],
    }
    claim = claim_of(filed.reference)
    assert (claim.claimant.phone, claim.claimant.email) == ("+77012345678", "aigul@example.kz")
    assert db.session.scalar(select(func.count()).select_from(ClaimantRequest)) == 0


def test_the_same_details_again_are_no_change(app):
    filed = file_claim()
    with pytest.raises(Invalid) as refused:
        claimant_requests.change_contact_details(
            claim_of(filed.reference),
            {"phone": "8 701 234 56 78", "email": "aigul@example.kz", "language": "kk"},
            T0,
        )
    assert refused.value.fields == {"claimant.phone": ["no_change"]}


def test_an_email_removed_leaves_the_claimant_without_mail_but_the_old_address_is_told(app):
    filed = file_claim()
    claimant_requests.change_contact_details(
        claim_of(filed.reference), {"phone": "+77012345678", "email": "", "language": "kk"}, T0
    )
    claim = claim_of(filed.reference)
    assert claim.claimant.email is None
    assert [n.state for n in notifications(claim, "contact_details_changed")] == ["no_address"]
    assert [n.recipient for n in notifications(claim, "contact_details_changed_old")] == ["aigul@example.kz"]


# --- a new bank account ------------------------------------------------------------------------


def test_a_new_account_is_only_a_request_until_intake_confirms_it(app):
    filed = file_claim()
    request = claimant_requests.request_bank_account(
        claim_of(filed.reference), {"iban": "kz75 125K ZT20 6910 0100"}, T0
    )

    claim = claim_of(filed.reference)
    assert (request.state, request.details) == ("pending", {"iban": NEW_IBAN})
    assert claim.claimant.iban == OLD_IBAN  # not applied
    ivan = officer("ivan", "intake")
    assert [r.reference for r in claimant_requests.worklist_bank_requests(ivan)] == [filed.reference]
    assert claimant_requests.worklist_bank_requests(officer("rita", "reviewer")) == []
    with pytest.raises(Conflict) as again:
        claimant_requests.request_bank_account(claim, {"iban": NEW_IBAN}, T0)
    assert again.value.fields == {"claimant.iban": ["request_pending"]}

    with pytest.raises(Forbidden):
        claimant_requests.decide_bank_account(
            officer("rita", "reviewer"), filed.reference, request.id, True, "", T0
        )
    claimant_requests.decide_bank_account(
        ivan, filed.reference, request.id, True, "", T0 + timedelta(hours=2)
    )

    claim = claim_of(filed.reference)
    assert claim.claimant.iban == NEW_IBAN
    assert claimant_requests.worklist_bank_requests(ivan) == []
    (told,) = notifications(claim, "bank_account_confirmed")
    assert told.language == "kk" and NEW_IBAN not in told.body and "0100" not in told.body
    latest = claimant_requests.latest_bank_request(claim)
    assert (latest.state, latest.decided_by, latest.iban) == ("confirmed", "ivan", "KZ75••••••••••••0100")
    with pytest.raises(Conflict):
        claimant_requests.decide_bank_account(ivan, filed.reference, request.id, False, "too late now", T0)


def test_intake_sees_the_pending_account_in_full_and_that_view_is_logged(app):
    filed = file_claim()
    claimant_requests.request_bank_account(claim_of(filed.reference), {"iban": NEW_IBAN}, T0)

    (shown,) = claimant_requests.bank_requests_for_staff(officer("ivan", "intake"), filed.reference, T0)
    (masked,) = claimant_requests.bank_requests_for_staff(officer("rita", "reviewer"), filed.reference, T0)

    assert (shown.iban, masked.iban) == (NEW_IBAN, "KZ75••••••••••••0100")
    logged = db.session.scalars(
        select(AccessLogEntry.username).where(AccessLogEntry.claim_id == shown_claim_id(filed))
    )
    assert list(logged) == ["ivan"]


def shown_claim_id(filed) -> int:
    return claim_of(filed.reference).id


def test_a_refusal_needs_a_reason_keeps_the_old_account_and_tells_the_claimant(app):
    filed = file_claim()
    request = claimant_requests.request_bank_account(claim_of(filed.reference), {"iban": NEW_IBAN}, T0)
    ivan = officer("ivan", "intake")

    with pytest.raises(Invalid) as no_reason:
        claimant_requests.decide_bank_account(ivan, filed.reference, request.id, False, "  ", T0)
    assert set(no_reason.value.fields) == {"reason"}
    claimant_requests.decide_bank_account(
        ivan, filed.reference, request.id, False, "The claimant did not confirm it by phone.", T0
    )

    claim = claim_of(filed.reference)
    assert claim.claimant.iban == OLD_IBAN
    latest = claimant_requests.latest_bank_request(claim)
    assert (latest.state, latest.refusal_reason) == ("refused", "The claimant did not confirm it by phone.")
    (told,) = notifications(claim, "bank_account_refused")
    assert "did not confirm it by phone" not in told.body  # the reason is on the page, not in e-mail
    # A new request may be made after a refusal.
    assert claimant_requests.request_bank_account(claim, {"iban": NEW_IBAN}, T0).state == "pending"


@pytest.mark.parametrize(
    ("iban", "code"), [("KZ75125KZT2069100101", "iban_checksum"), ("DE89370400440532013000", "iban_format")]
)
def test_a_wrong_account_is_refused_as_the_application_refuses_it(app, iban, code):
    filed = file_claim()
    with pytest.raises(Invalid) as refused:
        claimant_requests.request_bank_account(claim_of(filed.reference), {"iban": iban}, T0)
    assert [p.code for p in refused.value.fields["claimant.iban"]] == [code]


def test_the_same_account_is_no_request(app):
    filed = file_claim()
    with pytest.raises(Invalid) as refused:
        claimant_requests.request_bank_account(claim_of(filed.reference), {"iban": OLD_IBAN}, T0)
    assert refused.value.fields == {"claimant.iban": ["same_account"]}


def test_a_payment_in_a_built_batch_keeps_its_account_and_an_unconfirmed_one_is_never_paid(app):
    filed = file_claim()
    approved(filed)
    request = claimant_requests.request_bank_account(claim_of(filed.reference), {"iban": NEW_IBAN}, T0)
    assert payee_iban(claim_of(filed.reference).claimant.iban, None) == OLD_IBAN

    farida = officer("farida", "finance")
    batch = build_payout_batch(farida, BatchFilters(), T0 + timedelta(days=3))
    assert [p.creditor_iban for p in batch.payments] == [OLD_IBAN]  # the request is not confirmed

    with pytest.raises(Conflict) as in_batch:
        claimant_requests.decide_bank_account(
            officer("ivan", "intake"), filed.reference, request.id, True, "", T0 + timedelta(days=3)
        )
    assert in_batch.value.fields == {"request_id": ["payment_in_batch"]}
    assert claim_of(filed.reference).claimant.iban == OLD_IBAN
    details = claimant_requests.own_details(claim_of(filed.reference).id, filed.reference)
    assert details.can_request_account is False


def test_no_new_account_is_asked_for_while_the_payment_is_in_a_batch(app):
    filed = file_claim()
    approved(filed)
    build_payout_batch(officer("farida", "finance"), BatchFilters(), T0 + timedelta(days=3))
    with pytest.raises(Conflict) as refused:
        claimant_requests.request_bank_account(claim_of(filed.reference), {"iban": NEW_IBAN}, T0)
    assert refused.value.fields == {"claimant.iban": ["payment_in_batch"]}


# --- withdrawal --------------------------------------------------------------------------------


def test_a_withdrawal_needs_the_claimants_confirmation(app):
    filed = file_claim()
    with pytest.raises(Invalid) as refused:
        claimant_requests.withdraw_claim(claim_of(filed.reference), False, T0)
    assert refused.value.fields == {"confirm": ["required"]}
    assert claim_of(filed.reference).status == "submitted"


def test_a_withdrawn_claim_stops_its_process_leaves_the_worklists_and_still_verifies(app):
    filed = file_claim()
    under_review(filed)
    claim = claim_of(filed.reference)
    assert db.session.scalar(
        select(func.count()).where(HumanTask.claim_id == claim.id, HumanTask.state == "open")
    )

    claimant_requests.withdraw_claim(claim, True, T0 + timedelta(days=1))

    claim = claim_of(filed.reference)
    assert claim.status == "withdrawn"
    open_tasks = select(func.count()).where(HumanTask.claim_id == claim.id, HumanTask.state == "open")
    assert db.session.scalar(open_tasks) == 0
    last = db.session.scalar(
        select(WorkflowEvent)
        .where(WorkflowEvent.claim_id == claim.id)
        .order_by(WorkflowEvent.sequence.desc())
    )
    assert (last.type, last.actor, last.result["status"]) == (CLAIM_WITHDRAWN, "portal", "withdrawn")
    verification = verify_claim(claim)
    assert verification.ok, verification.findings
    (told,) = notifications(claim, "claim_withdrawn")
    assert told.language == "kk"
    with pytest.raises(Conflict) as again:
        claimant_requests.withdraw_claim(claim, True, T0 + timedelta(days=2))
    assert again.value.fields == {"withdraw": ["ended"]}


def test_the_deadline_of_a_withdrawn_claim_never_fires(app):
    filed = file_claim()
    request_documents(filed)  # a 30-day deadline and its reminder are waiting
    claim = claim_of(filed.reference)
    assert db.session.scalar(select(func.count()).where(Timer.claim_id == claim.id)) > 0
    pending = claimant_requests.request_bank_account(claim, {"iban": NEW_IBAN}, T0)

    claimant_requests.withdraw_claim(claim, True, T0 + timedelta(days=2))

    claim = claim_of(filed.reference)
    assert db.session.scalar(select(func.count()).where(Timer.claim_id == claim.id)) == 0
    events = db.session.scalar(select(func.count()).where(WorkflowEvent.claim_id == claim.id))
    run_due_timers(T0 + timedelta(days=90))
    assert claim_of(filed.reference).status == "withdrawn"
    assert db.session.scalar(select(func.count()).where(WorkflowEvent.claim_id == claim.id)) == events
    db.session.refresh(pending)
    assert (pending.state, pending.refusal_reason) == ("refused", "claim withdrawn")


def test_a_granted_claim_is_not_withdrawn_online(app):
    filed = file_claim()
    approved(filed)
    with pytest.raises(Conflict) as refused:
        claimant_requests.withdraw_claim(claim_of(filed.reference), True, T0 + timedelta(days=3))
    assert refused.value.fields == {"withdraw": ["granted"]}
    details = claimant_requests.own_details(claim_of(filed.reference).id, filed.reference)
    assert (details.can_withdraw, details.why_not_withdraw) == (False, "granted")


def test_the_claim_page_timeline_shows_what_changed_never_the_values(app):
    filed = file_claim()
    claimant_requests.change_contact_details(
        claim_of(filed.reference),
        {"phone": "+7 702 555 12 34", "email": "new@example.kz", "language": "kk"},
        T0,
    )
    request = claimant_requests.request_bank_account(claim_of(filed.reference), {"iban": NEW_IBAN}, T0)
    ivan = officer("ivan", "intake")
    claimant_requests.decide_bank_account(
        ivan, filed.reference, request.id, True, "", T0 + timedelta(hours=1)
    )
    claimant_requests.withdraw_claim(claim_of(filed.reference), True, T0 + timedelta(hours=2))

    view = claim_view(ivan, filed.reference, T0 + timedelta(hours=3))

    lines = [(entry.what, entry.details) for entry in view.history]
    whats = [what for what, _ in lines]
    assert "Contact details changed by the claimant" in whats
    assert "New bank account asked for by the claimant" in whats
    assert "New bank account confirmed" in whats
    assert "Claim withdrawn by the claimant: the process was stopped" in whats
    assert view.status == "withdrawn"
    flat = repr(lines)
    assert "new@example.kz" not in flat and NEW_IBAN not in flat and "555" not in flat


def test_the_auditors_replay_of_a_withdrawn_claim_matches_its_history_step_by_step(app):
    from fund.audit.replay import replay_claim

    filed = file_claim()
    request_documents(filed)
    claimant_requests.withdraw_claim(claim_of(filed.reference), True, T0 + timedelta(days=2))

    report = replay_claim(officer("audra", "auditor"), filed.reference, use_kept=False)

    assert report.divergence is None and report.finding is None
    assert report.steps[-1].status_label == "Withdrawn by the claimant"
    assert report.steps[-1].what == "Claim withdrawn by the claimant"
