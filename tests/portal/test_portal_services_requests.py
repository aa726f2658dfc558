"""The claimant portal's requests: documents the claimant uploads (checked by their content, all
or nothing, delivered to the process when it waits for them) and the request to reconsider a
rejection (only while its window is open, once).
"""

from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta

import pytest
from PIL import Image
from reportlab.pdfgen import canvas
from sqlalchemy import func, select

from fund.common.errors import Conflict, Invalid
from fund.extensions import db
from fund.models import Document, HumanTask, WorkflowEvent
from fund.portal import (
    CLAIMANT_UPLOADER,
    UPLOAD_PROBLEMS,
    UploadedFile,
    claimant_view,
    request_reconsideration,
    upload_documents,
)
from tests.conftest import stored_claim
from tests.portal.test_portal_services import (
    T0,
    end_of_day_in_almaty,
    file_claim,
    reject,
    request_documents,
    under_review,
)

REASON = "The forensic medical report was not considered; I attach it now."


def pdf_file(text: str = "Forensic medical report") -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


def image_file(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format=kind)
    return buffer.getvalue()


PDF, PNG, JPEG = pdf_file(), image_file("PNG"), image_file("JPEG")
WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def documents_stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Document))


def refused_upload(session, files, now=T0) -> Invalid | Conflict:
    before = documents_stored()
    with pytest.raises((Invalid, Conflict)) as refused:
        upload_documents(session, files, now)
    db.session.expire_all()
    assert documents_stored() == before, "a refused upload stored something"
    return refused.value


# --- what is accepted --------------------------------------------------------------------------------


def test_documents_added_right_after_submission_are_stored_with_their_hash(app):
    filed = file_claim()
    events_before = stored_claim(filed.reference).event_count

    (ref,) = upload_documents(
        filed.session, [UploadedFile("identity_document", "C:\\Users\\Айгүл\\паспорт.PDF", PDF)], T0
    )

    document = db.session.get(Document, ref.id)
    assert (ref.code, ref.filename, ref.uploaded_on) == ("identity_document", "паспорт.pdf", date(2026, 3, 2))
    assert (document.content_type, document.size, document.content) == ("application/pdf", len(PDF), PDF)
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (document.uploaded_by, document.claim_id) == (CLAIMANT_UPLOADER, filed.session.claim_id)
    # The first intake check has not happened: the documents join it, the process is not told.
    assert stored_claim(filed.reference).event_count == events_before
    assert claimant_view(filed.session, T0).documents == [ref]


def test_the_type_comes_from_the_content_not_the_name(app):
    filed = file_claim()

    png, jpeg = upload_documents(
        filed.session,
        [UploadedFile("identity_document", "scan.pdf", PNG), UploadedFile("kinship_proof", "photo", JPEG)],
        T0,
    )

    assert (png.filename, db.session.get(Document, png.id).content_type) == ("scan.png", "image/png")
    assert (jpeg.filename, db.session.get(Document, jpeg.id).content_type) == ("photo.jpg", "image/jpeg")


def test_a_file_name_loses_its_path_and_unsafe_characters(app):
    filed = file_claim()

    names = [
        ref.filename
        for ref in upload_documents(
            filed.session,
            [
                UploadedFile("identity_document", "../../etc/passwd.pdf", PDF),
                UploadedFile("identity_document", "..", PDF),
                UploadedFile("identity_document", "a<b>|c\x00d?.pdf", PDF),
            ],
            T0,
        )
    ]

    assert names == ["passwd.pdf", "document.pdf", "a_b_cd.pdf"]


# --- what is refused, with nothing stored ------------------------------------------------------------


def test_a_program_renamed_pdf_is_refused(app):
    filed = file_claim()

    refused = refused_upload(
        filed.session, [UploadedFile("identity_document", "passport.pdf", WINDOWS_PROGRAM)]
    )

    assert (refused.http_status, refused.fields) == (422, {"files.0.content": ["type_not_allowed"]})
    assert "passport.pdf" in refused.message and "PDF, JPEG or PNG" in refused.message


def test_one_bad_file_refuses_the_whole_upload(app):
    filed = file_claim()

    refused = refused_upload(
        filed.session,
        [
            UploadedFile("identity_document", "passport.pdf", PDF),
            UploadedFile("victim_recognition_decision", "decision.pdf", b""),
            UploadedFile("no_such_document", "x.png", PNG),
            UploadedFile("kinship_proof", "cut.pdf", PDF[: len(PDF) // 2]),
            UploadedFile("kinship_proof", "cut.png", PNG[:-12]),
        ],
    )

    assert refused.fields == {
        "files.1.content": ["empty"],
        "files.2.code": ["unknown_code"],
        "files.3.content": ["truncated"],
        "files.4.content": ["truncated"],
    }
    assert {code for codes in refused.fields.values() for code in codes} <= set(UPLOAD_PROBLEMS)


@pytest.mark.parametrize(
    ("setting", "value"), [("FUND_MAX_UPLOAD_MB", 1), ("MAX_CONTENT_LENGTH", 1024 * 1024)]
)
def test_a_file_over_the_size_limit_is_refused(app, monkeypatch, setting, value):
    """The limit is FUND_MAX_UPLOAD_MB, or the request limit derived from it when only that is set."""
    monkeypatch.setitem(app.config, setting, value)
    filed = file_claim()
    padded = pdf_file() + b"%" * (1024 * 1024)  # still a complete PDF, just too big

    refused = refused_upload(filed.session, [UploadedFile("identity_document", "big.pdf", padded)])

    assert refused.fields == {"files.0.content": ["too_large"]}
    assert "1 MB" in refused.message


def test_too_many_files_or_none_at_all_are_refused(app):
    filed = file_claim()

    too_many = refused_upload(filed.session, [UploadedFile("identity_document", "p.pdf", PDF)] * 11)
    none = refused_upload(filed.session, [])

    assert too_many.fields == {"files": ["too_many"]}
    assert none.fields == {"files": ["required"]}


def test_documents_nobody_asked_for_join_the_review_once_intake_has_checked(app):
    filed = file_claim()
    under_review(filed)
    events_before = stored_claim(filed.reference).event_count

    upload_documents(
        filed.session, [UploadedFile("identity_document", "p.pdf", PDF)], T0 + timedelta(hours=2)
    )

    # Stored for the reviewer, with no command on the process (it waits for no message).
    assert stored_claim(filed.reference).event_count == events_before
    assert claimant_view(filed.session, T0 + timedelta(hours=2)).can_upload is True


# --- requested documents move the claim on -----------------------------------------------------------


def test_requested_documents_go_back_to_intake_in_the_same_transaction(app):
    filed = file_claim()
    request_documents(filed)
    now = T0 + timedelta(days=3)

    refs = upload_documents(filed.session, [UploadedFile("forensic_medical_report", "report.pdf", PDF)], now)

    claim = stored_claim(filed.reference)
    assert claim.status == "submitted"
    assert db.session.scalars(
        select(HumanTask.name).where(HumanTask.claim_id == filed.session.claim_id, HumanTask.state == "open")
    ).all() == ["intake_check"]
    event = db.session.scalar(
        select(WorkflowEvent)
        .where(WorkflowEvent.claim_id == filed.session.claim_id)
        .order_by(WorkflowEvent.sequence.desc())
        .limit(1)
    )
    assert (event.type, event.actor) == ("message_delivered", "portal")
    assert event.input == {
        "message": "documents_submitted",
        "payload": {
            "documents": ["forensic_medical_report"],
            "document_ids": [refs[0].id],
            "sha256": [hashlib.sha256(PDF).hexdigest()],
        },
    }
    view = claimant_view(filed.session, now)
    # A wrong or missing file can still be added: it joins intake's check, like the first ones.
    assert (view.status, view.next_step, view.can_upload, view.requested_documents) == (
        "submitted",
        "intake_check",
        True,
        [],
    )


def test_documents_after_the_deadline_are_refused_even_before_the_worker_closes_the_claim(app):
    filed = file_claim()
    request_documents(filed)  # respond by 1 April 2026
    too_late = end_of_day_in_almaty(date(2026, 4, 1)) + timedelta(seconds=1)
    events_before = stored_claim(filed.reference).event_count

    refused = refused_upload(filed.session, [UploadedFile("forensic_medical_report", "r.pdf", PDF)], too_late)

    assert (refused.http_status, refused.fields) == (409, {"files": ["deadline_passed"]})
    claim = stored_claim(filed.reference)
    assert (claim.status, claim.event_count) == ("documents_requested", events_before)


def test_documents_on_the_last_instant_of_the_deadline_are_taken(app):
    filed = file_claim()
    request_documents(filed)

    upload_documents(
        filed.session,
        [UploadedFile("forensic_medical_report", "r.pdf", PDF)],
        end_of_day_in_almaty(date(2026, 4, 1)),
    )

    assert stored_claim(filed.reference).status == "submitted"


# --- reconsideration ---------------------------------------------------------------------------------


def test_reconsideration_is_refused_before_a_rejection(app):
    filed = file_claim()
    under_review(filed)

    with pytest.raises(Conflict) as refused:
        request_reconsideration(filed.session, REASON, T0 + timedelta(hours=2))

    assert refused.value.fields == {"reason": ["not_rejected"]}
    assert stored_claim(filed.reference).status == "under_review"


def test_reconsideration_asked_inside_the_window_opens_a_second_review(app):
    filed = file_claim()
    reject(filed, decided_at=T0 + timedelta(days=2))  # window until the end of 3 April

    request_reconsideration(filed.session, f"  {REASON}\n", end_of_day_in_almaty(date(2026, 4, 3)))

    assert stored_claim(filed.reference).status == "reconsideration"
    event = db.session.scalar(
        select(WorkflowEvent)
        .where(WorkflowEvent.claim_id == filed.session.claim_id)
        .order_by(WorkflowEvent.sequence.desc())
        .limit(1)
    )
    assert (event.actor, event.input) == (
        "portal",
        {"message": "reconsideration_requested", "payload": {"text": REASON}},
    )
    assert (
        db.session.scalar(
            select(HumanTask.name).where(
                HumanTask.claim_id == filed.session.claim_id, HumanTask.state == "open"
            )
        )
        == "reconsideration_review"
    )
    view = claimant_view(filed.session, T0 + timedelta(days=10))
    assert (view.next_step, view.reconsideration_until) == ("reconsideration_review", None)

    with pytest.raises(Conflict) as second:
        request_reconsideration(filed.session, REASON, T0 + timedelta(days=11))
    assert (second.value.http_status, second.value.fields) == (409, {"reason": ["already_requested"]})


def test_reconsideration_after_the_window_is_refused(app):
    filed = file_claim()
    reject(filed, decided_at=T0 + timedelta(days=2))
    events_before = stored_claim(filed.reference).event_count

    with pytest.raises(Conflict) as refused:
        request_reconsideration(
            filed.session, REASON, end_of_day_in_almaty(date(2026, 4, 3)) + timedelta(seconds=1)
        )

    assert refused.value.fields == {"reason": ["window_closed"]}
    claim = stored_claim(filed.reference)
    assert (claim.status, claim.event_count) == ("rejected", events_before)


@pytest.mark.parametrize(
    ("reason", "problem"),
    [("", "required"), ("   \n ", "required"), ("Too short", "too_short"), ("x" * 4001, "too_long")],
)
def test_the_reason_is_required_and_between_10_and_4000_characters(app, reason, problem):
    filed = file_claim()
    reject(filed)

    with pytest.raises(Invalid) as refused:
        request_reconsideration(filed.session, reason, T0 + timedelta(days=3))

    assert (refused.value.http_status, refused.value.fields) == (422, {"reason": [problem]})
    assert stored_claim(filed.reference).status == "rejected"


def test_a_reason_of_exactly_10_or_4000_characters_is_taken(app):
    for reason in ("x" * 10, "y" * 4000):
        filed = file_claim()
        reject(filed)
        request_reconsideration(filed.session, reason, T0 + timedelta(days=3))
        assert stored_claim(filed.reference).status == "reconsideration"
