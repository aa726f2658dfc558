"""Documents at any time while a claim is open: the claimant sends them as often as needed, during the
review, after a decision and with a reconsideration request; once the claim is closed (paid, finally
rejected, closed for missing documents) nothing more is taken, and the service says why.

A document that arrives after a decision nobody's next task would show: it is marked, listed on the
worklist of those who must look at it, and shown as such on the claim's timeline, until an officer
opens it (which the access log records as every opening of a document).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from fund.claims.claim_file import claim_view
from fund.claims.late_documents import claims_with_unseen_documents
from fund.claims.messages import deliver_message
from fund.claims.personal_data import open_document
from fund.claims.timers import run_due_timers
from fund.common.errors import Conflict
from fund.common.users import create_user
from fund.extensions import db
from fund.models import AccessLogEntry, Document, User
from fund.portal import UploadedFile, claimant_view, request_reconsideration, upload_documents
from tests.conftest import PASSWORD
from tests.portal.test_portal_services import (
    APPROVE_REVIEW,
    OFFICER_ROLES,
    T0,
    end_of_day_in_almaty,
    file_claim,
    reject,
    under_review,
    work,
)
from tests.portal.test_portal_services_requests import PDF, PNG

REASON = "The forensic medical report was not considered; I attach it now."


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username)) or create_user(
        username, PASSWORD, OFFICER_ROLES.get(username, ["reviewer"]), T0
    )


def stored(claim_id: int) -> list[tuple[str, bool]]:
    return [
        (row.filename, row.after_decision)
        for row in db.session.execute(
            select(Document.filename, Document.after_decision)
            .where(Document.claim_id == claim_id)
            .order_by(Document.id)
        )
    ]


def test_documents_are_sent_twice_during_the_review_and_both_are_listed_with_size_and_time(app):
    filed = file_claim()
    under_review(filed)
    first, second = T0 + timedelta(hours=2), T0 + timedelta(days=1)

    upload_documents(filed.session, [UploadedFile("identity_document", "passport.pdf", PDF)], first)
    upload_documents(
        filed.session, [UploadedFile("victim_recognition_decision", "decision.png", PNG)], second
    )

    view = claimant_view(filed.session, second)
    sent = [(d.filename, d.size, d.uploaded_at, d.by_claimant) for d in view.documents[-2:]]
    assert sent == [("passport.pdf", len(PDF), first, True), ("decision.png", len(PNG), second, True)]
    assert (view.can_upload, view.uploads_closed_because) == (True, None)
    # Sent while the review is to come: they join its work, nothing to flag.
    assert stored(filed.session.claim_id)[-2:] == [("passport.pdf", False), ("decision.png", False)]


def test_a_rejected_claim_takes_documents_with_and_after_the_reconsideration_request(app):
    filed = file_claim()
    reject(filed, decided_at=T0 + timedelta(days=2))
    inside = T0 + timedelta(days=5)

    assert claimant_view(filed.session, inside).can_upload is True
    upload_documents(filed.session, [UploadedFile("forensic_medical_report", "report.pdf", PDF)], inside)
    request_reconsideration(filed.session, REASON, inside + timedelta(minutes=5))
    during = claimant_view(filed.session, inside + timedelta(hours=1))
    assert (during.status, during.can_upload) == ("reconsideration", True)
    upload_documents(
        filed.session,
        [UploadedFile("forensic_medical_report", "report-page-2.png", PNG)],
        inside + timedelta(hours=1),
    )

    assert stored(filed.session.claim_id)[-2:] == [("report.pdf", True), ("report-page-2.png", True)]


def test_a_document_after_the_decision_stays_on_the_worklist_until_an_officer_opens_it(app):
    filed = file_claim()
    reject(filed, decided_at=T0 + timedelta(days=2))
    now = T0 + timedelta(days=5)
    (ref,) = upload_documents(
        filed.session, [UploadedFile("forensic_medical_report", "report.pdf", PDF)], now
    )
    reviewer, finance = user("rosa"), user("farida")

    (late,) = claims_with_unseen_documents(reviewer)
    assert (late.claim_reference, late.claim_status, late.count) == (filed.reference, "rejected", 1)
    assert claims_with_unseen_documents(finance) == []  # finance pays; it does not decide

    page = claim_view(reviewer, filed.reference, now)
    (row,) = [d for d in page.documents if d.id == ref.id]
    assert (row.after_decision, row.seen) == (True, False)
    assert "Documents sent by the claimant after the decision: 1" in [h.what for h in page.history]

    open_document(finance, filed.reference, ref.id, now)  # finance may open it, but must not decide on it
    assert len(claims_with_unseen_documents(reviewer)) == 1
    open_document(reviewer, filed.reference, ref.id, now + timedelta(minutes=1), viewing=True)

    assert claims_with_unseen_documents(reviewer) == []
    seen = db.session.get(Document, ref.id)
    assert (seen.seen_by, seen.seen_at) == ("rosa", now + timedelta(minutes=1))
    opened = db.session.scalars(
        select(AccessLogEntry.username).where(AccessLogEntry.what.like(f"document {ref.id}%"))
    ).all()
    assert sorted(opened) == ["farida", "rosa"]


def test_after_the_reconsideration_window_closes_the_claim_takes_nothing_and_says_why(app):
    filed = file_claim()
    reject(filed, decided_at=T0 + timedelta(days=2))  # until 3 April 2026
    after = end_of_day_in_almaty(date(2026, 4, 3)) + timedelta(minutes=1)
    run_due_timers(after)
    before = db.session.scalar(select(func.count()).select_from(Document))

    with pytest.raises(Conflict) as refused:
        upload_documents(filed.session, [UploadedFile("forensic_medical_report", "late.pdf", PDF)], after)

    assert refused.value.fields == {"files": ["claim_closed"]}
    assert db.session.scalar(select(func.count()).select_from(Document)) == before
    view = claimant_view(filed.session, after)
    assert (view.can_upload, view.uploads_closed_because) == (False, "rejected_final")


def test_an_approved_claim_takes_documents_until_it_is_paid(app):
    filed = file_claim()
    under_review(filed)
    work(filed.reference, "review_torture", APPROVE_REVIEW, "rita", T0 + timedelta(days=1))
    work(filed.reference, "approval", {"decision": "approve"}, "alma", T0 + timedelta(days=2))
    upload_documents(
        filed.session, [UploadedFile("identity_document", "new-passport.pdf", PDF)], T0 + timedelta(days=3)
    )
    assert stored(filed.session.claim_id)[-1] == ("new-passport.pdf", True)

    deliver_message(
        user("farida"), filed.reference, "payment_confirmed", {"batch": "PB-1"}, T0 + timedelta(days=9)
    )

    paid = claimant_view(filed.session, T0 + timedelta(days=10))
    assert (paid.can_upload, paid.uploads_closed_because) == (False, "paid")
    with pytest.raises(Conflict):
        upload_documents(
            filed.session, [UploadedFile("identity_document", "x.pdf", PDF)], T0 + timedelta(days=10)
        )
