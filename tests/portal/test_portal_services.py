"""The claimant portal's services: signing in with the claim's reference and access code (with a
lockout per reference), and what the claimant sees of their claim - its status, what happens next
and by when, their letters and documents.

Claims are submitted and worked through the real services and process; times are given to every
service, as the pages will give the clock's time.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pypdf
import pytest
from sqlalchemy import func, select

import fund.common.keyed_codes
import fund.portal.sign_in
from fund.claims.messages import deliver_message
from fund.claims.submission import submit_claim
from fund.claims.tasks import complete_task
from fund.common.errors import NotFound, ServiceError, Unauthenticated
from fund.common.keyed_codes import ACCESS_CODE
from fund.common.users import create_user
from fund.extensions import db
from fund.models import AccessLogEntry, Claim, Document, HumanTask, Letter, PortalSignInFailure, User
from fund.portal import (
    NEXT_STEPS,
    PortalLocked,
    PortalSession,
    PortalSignInRefused,
    claimant_letter,
    claimant_view,
    session_for_new_claim,
    sign_in_claimant,
)
from tests.conftest import DOCUMENTS_COMPLETE, DOCUMENTS_MISSING, PASSWORD, claim_body, requires_postgres
from tests.officer_helpers import open_task_id

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 2 March 2026, 14:00 in Almaty
REJECT_REVIEW = {
    "recommendation": "reject",
    "reasons": ["documents_inconsistent"],
    "prosecutor_office": "Prosecutor's office of Almaty",
}
APPROVE_REVIEW = {"recommendation": "approve", "prosecutor_office": "Prosecutor's office of Almaty"}
REJECT = {"decision": "reject", "reasons": ["documents_inconsistent"]}


# --- claims moved along by the fund's officers -------------------------------------------------------


@dataclass(frozen=True)
class Filed:
    """A claim just submitted, with what its claimant holds: reference, access code, a session."""

    reference: str
    access_code: str
    session: PortalSession


OFFICER_ROLES = {"ivan": ["intake"], "rita": ["reviewer"], "alma": ["approver"], "farida": ["finance"]}


def file_claim(now: datetime = T0, **overrides) -> Filed:
    submitted = submit_claim(claim_body(**overrides), now)
    return Filed(submitted.reference, submitted.access_code, session_for_new_claim(submitted, now))


def work(reference: str, task: str, form: dict, username: str, now: datetime) -> None:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        user = create_user(username, PASSWORD, OFFICER_ROLES[username], T0)
    complete_task(user, open_task_id(reference, task), form, now)


def request_documents(filed: Filed, now: datetime = T0 + timedelta(hours=1)) -> None:
    """Intake finds the forensic report missing: the claimant has 30 days (to 1 April 2026)."""
    work(filed.reference, "intake_check", DOCUMENTS_MISSING, "ivan", now)


def under_review(filed: Filed, now: datetime = T0 + timedelta(hours=1)) -> None:
    work(filed.reference, "intake_check", DOCUMENTS_COMPLETE, "ivan", now)


def reject(filed: Filed, decided_at: datetime = T0 + timedelta(days=2)) -> None:
    """Reviewed and rejected; the decision on ``decided_at`` opens 30 days for reconsideration."""
    under_review(filed)
    work(filed.reference, "review_torture", REJECT_REVIEW, "rita", T0 + timedelta(days=1))
    work(filed.reference, "approval", REJECT, "alma", decided_at)


def end_of_day_in_almaty(day: date) -> datetime:
    """The last instant of ``day`` for the claimant: the next midnight in Almaty (UTC+5)."""
    return datetime(day.year, day.month, day.day, 19, 0, tzinfo=UTC)


# --- signing in --------------------------------------------------------------------------------------


def test_the_reference_and_access_code_sign_the_claimant_in(app):
    filed = file_claim()

    session = sign_in_claimant(f"  {filed.reference.lower()} ", filed.access_code.lower(), T0)

    claim = db.session.scalar(select(Claim).where(Claim.reference == filed.reference))
    assert session == PortalSession(claim.id, filed.reference, T0)


def refusal(reference: str, code: str, now: datetime = T0) -> ServiceError:
    with pytest.raises(ServiceError) as refused:
        sign_in_claimant(reference, code, now)
    return refused.value


def test_a_wrong_code_and_an_unknown_reference_get_one_and_the_same_answer(app):
    filed = file_claim()
    other = file_claim()

    answers = [
        refusal(filed.reference, "AAAA-BBBB-CCCC"),
        refusal(filed.reference, other.access_code),
        refusal("VCF-2026-999999", filed.access_code),
        refusal("", ""),
    ]

    assert {type(answer) for answer in answers} == {PortalSignInRefused}
    assert {(answer.http_status, answer.code, answer.message) for answer in answers} == {
        (401, "portal_sign_in_refused", "no claim with this reference and access code")
    }
    assert {str(answer.fields) for answer in answers} == {
        str({"reference": ["reference_or_code_wrong"], "access_code": ["reference_or_code_wrong"]})
    }


def test_an_unknown_reference_still_costs_an_access_code_hash_check(app, monkeypatch):
    """Timing must not tell which references exist: the code is checked against a keyed hash, with
    every key, whether the claim exists or not."""
    filed = file_claim()
    monkeypatch.setitem(app.config, "FUND_OLD_CODE_KEYS", "a key retired last year")
    keyed_hashes: list[str] = []
    real_digest = fund.common.keyed_codes._digest

    def recording_digest(key: bytes, purpose: str, code: str) -> str:
        keyed_hashes.append(purpose)
        return real_digest(key, purpose, code)

    monkeypatch.setattr(fund.common.keyed_codes, "_digest", recording_digest)

    refusal("VCF-2026-999999", "AAAA-BBBB-CCCC")
    unknown_reference = len(keyed_hashes)
    refusal(filed.reference, "AAAA-BBBB-CCCC")

    assert keyed_hashes == [ACCESS_CODE] * 4  # two keys, for each of the two attempts
    assert unknown_reference == 2


def test_five_wrong_codes_in_a_row_lock_the_reference_for_fifteen_minutes(app):
    filed = file_claim()

    answers = [refusal(filed.reference, "AAAA-BBBB-CCCC", T0 + timedelta(seconds=i)) for i in range(5)]

    assert [type(answer) for answer in answers] == [PortalSignInRefused] * 4 + [PortalLocked]
    locked = answers[-1]
    assert locked.http_status == 429 and locked.fields == {"reference": ["locked"]}
    assert locked.locked_until == T0 + timedelta(seconds=4, minutes=15)
    # While locked, the right code gets the very same answer as a wrong one, and does not extend it.
    right = refusal(filed.reference, filed.access_code, T0 + timedelta(minutes=10))
    wrong = refusal(filed.reference, "AAAA-BBBB-CCCC", T0 + timedelta(minutes=11))
    for answer in (right, wrong):
        assert type(answer) is PortalLocked
        assert (answer.message, answer.fields, answer.locked_until) == (
            locked.message,
            locked.fields,
            locked.locked_until,
        )


def test_references_that_do_not_exist_are_locked_the_same_way(app):
    answers = [refusal("VCF-2026-999999", "AAAA-BBBB-CCCC") for _ in range(6)]

    assert [type(answer) for answer in answers] == [PortalSignInRefused] * 4 + [PortalLocked] * 2
    assert answers[-1].locked_until == T0 + timedelta(minutes=15)


def test_the_lock_ends_by_the_clock_and_counting_starts_again(app):
    filed = file_claim()
    for _ in range(5):
        refusal(filed.reference, "AAAA-BBBB-CCCC")
    until = T0 + timedelta(minutes=15)

    assert type(refusal(filed.reference, filed.access_code, until - timedelta(seconds=1))) is PortalLocked
    after = [refusal(filed.reference, "AAAA-BBBB-CCCC", until + timedelta(seconds=i)) for i in range(5)]
    assert [type(answer) for answer in after] == [PortalSignInRefused] * 4 + [PortalLocked]

    later = after[-1].locked_until + timedelta(seconds=1)
    assert sign_in_claimant(filed.reference, filed.access_code, later).reference == filed.reference


def test_a_successful_sign_in_clears_the_failures(app):
    filed = file_claim()
    for _ in range(4):
        refusal(filed.reference, "AAAA-BBBB-CCCC")

    sign_in_claimant(filed.reference, filed.access_code, T0)

    assert db.session.get(PortalSignInFailure, filed.reference) is None
    answers = [refusal(filed.reference, "AAAA-BBBB-CCCC") for _ in range(4)]
    assert {type(answer) for answer in answers} == {PortalSignInRefused}


def test_a_lock_is_per_reference(app):
    locked, other = file_claim(), file_claim()
    for _ in range(5):
        refusal(locked.reference, "AAAA-BBBB-CCCC")

    assert sign_in_claimant(other.reference, other.access_code, T0).reference == other.reference


def test_the_limit_and_the_lock_time_are_configuration(app, monkeypatch):
    monkeypatch.setitem(app.config, "FUND_PORTAL_MAX_FAILURES", 2)
    monkeypatch.setitem(app.config, "FUND_PORTAL_LOCK_MINUTES", 60)
    filed = file_claim()

    answers = [refusal(filed.reference, "AAAA-BBBB-CCCC") for _ in range(2)]

    assert [type(answer) for answer in answers] == [PortalSignInRefused, PortalLocked]
    assert answers[-1].locked_until == T0 + timedelta(minutes=60)


def test_odd_input_is_refused_like_any_wrong_reference(app):
    for reference in ("VCF-2026-\x00000001", "x" * 500, "VCF-2026-000001' OR '1'='1"):
        assert type(refusal(reference, "AAAA-BBBB-CCCC\x00")) is PortalSignInRefused


def test_concurrent_wrong_codes_are_all_counted(app, database_url, monkeypatch):
    """Ten attempts at the same instant on PostgreSQL: each is counted, none is lost to a race."""
    requires_postgres(database_url)
    filed = file_claim()
    barrier = threading.Barrier(10, timeout=10)
    take_row = fund.portal.sign_in._locked_failure_row

    def row_after_the_others_arrive(key):
        barrier.wait()
        return take_row(key)

    monkeypatch.setattr(fund.portal.sign_in, "_locked_failure_row", row_after_the_others_arrive)
    answers: list[type] = []

    def attempt() -> None:
        with app.app_context():
            try:
                sign_in_claimant(filed.reference, "AAAA-BBBB-CCCC", T0)
            except ServiceError as error:
                answers.append(type(error))

    threads = [threading.Thread(target=attempt) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(answer.__name__ for answer in answers) == ["PortalLocked"] * 6 + ["PortalSignInRefused"] * 4
    db.session.expire_all()
    row = db.session.get(PortalSignInFailure, filed.reference)
    assert (row.failures, row.locked_until) == (5, T0 + timedelta(minutes=15))


# --- what the claimant sees --------------------------------------------------------------------------


def test_right_after_submission_intake_checks_and_documents_may_be_added(app):
    filed = file_claim()

    view = claimant_view(filed.session, T0)

    assert (view.reference, view.language, view.status) == (filed.reference, "kk", "submitted")
    assert (view.next_step, view.due_on) == ("intake_check", date(2026, 3, 12))  # the task's 10 days
    assert view.submitted_on == date(2026, 3, 2)
    assert [(letter.kind, letter.issued_on, letter.language) for letter in view.letters] == [
        ("acknowledgement", date(2026, 3, 2), "kk")
    ]
    assert view.letters[0].number
    assert view.can_upload is True
    assert (view.requested_documents, view.documents, view.reconsideration_until) == ([], [], None)


def test_requested_documents_are_due_by_the_end_of_respond_by(app):
    filed = file_claim()
    request_documents(filed)

    view = claimant_view(filed.session, T0 + timedelta(days=3))

    assert view.status == "documents_requested"
    assert (view.next_step, view.due_on) == ("send_documents", date(2026, 4, 1))
    assert view.requested_documents == ["forensic_medical_report"]
    assert view.can_upload is True
    assert [letter.kind for letter in view.letters] == ["acknowledgement", "document_request"]

    last_instant = end_of_day_in_almaty(date(2026, 4, 1))
    assert claimant_view(filed.session, last_instant).next_step == "send_documents"
    too_late = claimant_view(filed.session, last_instant + timedelta(seconds=1))
    assert (too_late.next_step, too_late.due_on, too_late.can_upload) == ("none", None, False)
    assert too_late.requested_documents == []


def test_while_officers_work_the_claim_the_next_step_is_theirs_with_their_due_date(app):
    filed = file_claim()
    under_review(filed)

    view = claimant_view(filed.session, T0 + timedelta(hours=2))

    due = db.session.scalar(select(HumanTask.due_at).where(HumanTask.name == "review_torture"))
    assert (view.status, view.next_step) == ("under_review", "officer_review")
    assert view.due_on == (due + timedelta(hours=5)).date()
    # More documents may still be sent: they join the review (the claim is open).
    assert (view.can_upload, view.requested_documents, view.reconsideration_until) == (True, [], None)


def test_an_approved_claim_waits_for_the_treasury_without_a_date_and_a_paid_one_for_nothing(app):
    filed = file_claim()
    under_review(filed)
    work(filed.reference, "review_torture", APPROVE_REVIEW, "rita", T0 + timedelta(days=1))
    work(filed.reference, "approval", {"decision": "approve"}, "alma", T0 + timedelta(days=2))

    approved = claimant_view(filed.session, T0 + timedelta(days=3))

    assert (approved.status, approved.next_step, approved.due_on) == ("approved", "payment", None)
    assert "approval" in [letter.kind for letter in approved.letters]
    # Open until paid: a document sent now is marked as received after the decision.
    assert (approved.can_upload, approved.reconsideration_until) == (True, None)

    farida = create_user("farida", PASSWORD, OFFICER_ROLES["farida"], T0)
    deliver_message(
        farida, filed.reference, "payment_confirmed", {"batch": "PB-2026-001"}, T0 + timedelta(days=9)
    )
    paid = claimant_view(filed.session, T0 + timedelta(days=10))
    assert (paid.status, paid.next_step, paid.due_on, paid.can_upload) == ("paid", "none", None, False)
    assert paid.uploads_closed_because == "paid"


def test_a_rejected_claim_shows_the_reconsideration_window_while_it_is_open(app):
    filed = file_claim()
    reject(filed, decided_at=T0 + timedelta(days=2))  # decided on 4 March: until 3 April

    inside = claimant_view(filed.session, T0 + timedelta(days=5))
    assert (inside.status, inside.next_step) == ("rejected", "reconsideration_possible")
    assert inside.due_on == inside.reconsideration_until == date(2026, 4, 3)
    assert "rejection" in [letter.kind for letter in inside.letters]

    last_instant = end_of_day_in_almaty(date(2026, 4, 3))
    assert claimant_view(filed.session, last_instant).reconsideration_until == date(2026, 4, 3)
    closed = claimant_view(filed.session, last_instant + timedelta(seconds=1))
    assert (closed.status, closed.next_step, closed.due_on, closed.reconsideration_until) == (
        "rejected",
        "none",
        None,
        None,
    )


def test_every_next_step_is_one_of_the_published_keys(app):
    filed = file_claim()
    steps = [claimant_view(filed.session, T0).next_step]
    request_documents(filed)
    steps.append(claimant_view(filed.session, T0 + timedelta(hours=2)).next_step)

    assert steps == ["intake_check", "send_documents"]
    assert set(steps) <= set(NEXT_STEPS) and "none" in NEXT_STEPS


# --- letters -----------------------------------------------------------------------------------------


def test_the_claimant_downloads_their_issued_letter_without_an_access_log_entry(app):
    filed = file_claim()
    (letter,) = claimant_view(filed.session, T0).letters

    filename, pdf = claimant_letter(filed.session, letter.id)

    assert filename == f"{letter.number}.pdf"
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert letter.number in text
    assert db.session.scalar(select(func.count()).select_from(AccessLogEntry)) == 0


def test_one_claimant_never_sees_another_claimants_letters_or_documents(app):
    mine, theirs = file_claim(), file_claim()
    db.session.add(
        Document(
            claim_id=theirs.session.claim_id, code="identity_document", filename="their-passport.pdf",
            content_type="application/pdf", size=9, sha256="0" * 64, content=b"%PDF-1.4 ", uploaded_at=T0,
            uploaded_by="claimant",
        )
    )  # fmt: skip
    db.session.commit()
    their_letter = claimant_view(theirs.session, T0).letters[0]

    view = claimant_view(mine.session, T0)

    assert their_letter.id not in [letter.id for letter in view.letters]
    assert view.documents == []
    with pytest.raises(NotFound) as other_claims:
        claimant_letter(mine.session, their_letter.id)
    with pytest.raises(NotFound) as no_such_letter:
        claimant_letter(mine.session, 987654)
    assert (other_claims.value.message, other_claims.value.fields) == (
        no_such_letter.value.message,
        no_such_letter.value.fields,
    )


def test_a_letter_not_yet_issued_is_not_shown_nor_given(app):
    filed = file_claim()
    due = Letter(claim_id=filed.session.claim_id, kind="approval", status="due", details={}, due_at=T0)
    db.session.add(due)
    db.session.commit()

    assert [letter.kind for letter in claimant_view(filed.session, T0).letters] == ["acknowledgement"]
    with pytest.raises(NotFound):
        claimant_letter(filed.session, due.id)
    with pytest.raises(NotFound):
        claimant_letter(filed.session, 2**40)  # beyond the column: still a plain 404


def test_a_session_that_names_another_claims_reference_is_refused(app):
    mine, theirs = file_claim(), file_claim()
    forged = PortalSession(theirs.session.claim_id, mine.reference, T0)

    with pytest.raises(Unauthenticated):
        claimant_view(forged, T0)
    with pytest.raises(Unauthenticated):
        claimant_letter(forged, claimant_view(theirs.session, T0).letters[0].id)
