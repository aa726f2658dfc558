"""A claim's documents over the API, with the roles and checks of the pages and the portal:
staff list them (with sha256 and uploader); the claimant (``X-Access-Code``) lists and adds them
when the portal would; intake adds documents handed in at the office; the roles that see personal
data download them, each download written to the claim's access log."""

from __future__ import annotations

import hashlib
import io

import pytest
from sqlalchemy import select

from fund.api.documents import CONFLICT_MESSAGES
from fund.extensions import db
from fund.models import AccessLogEntry, Document, WorkflowEvent
from tests.conftest import DOCUMENTS_MISSING, error_of

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 17 + b"\x00\x00\x00\x00IEND\xaeB`\x82"


@pytest.fixture
def api_clock(clock, monkeypatch):
    """The frozen clock for these operations too (the claimant's deadlines are days in Almaty)."""
    for module in ("documents", "letters", "callers"):
        monkeypatch.setattr(f"fund.api.{module}.utc_now", clock)
    return clock


def upload(client, reference, headers, *documents, **extra):
    """POST the documents, each (n, code, name, bytes), as multipart parts."""
    data = dict(extra)
    for number, code, name, content in documents:
        data[f"documents.{number}.code"] = code
        data[f"documents.{number}.file"] = (io.BytesIO(content), name)
    return client.post(
        f"/api/v1/claims/{reference}/documents",
        data=data,
        headers=headers,
        content_type="multipart/form-data",
    )


def claimant(submitted) -> dict[str, str]:
    return {"X-Access-Code": submitted["access_code"]}


def test_the_claimant_adds_documents_before_intakes_check_and_staff_list_them(
    client, submit, officers, api_clock
):
    submitted = submit()
    reference = submitted["reference"]

    answer = upload(client, reference, claimant(submitted), (0, "identity_document", "паспорт.PDF", PDF))

    assert answer.status_code == 201, answer.get_json()
    assert [(d["code"], d["filename"]) for d in answer.get_json()["documents"]] == [
        ("identity_document", "паспорт.pdf")
    ]
    listed = client.get(f"/api/v1/claims/{reference}/documents", headers=officers.headers("aida"))
    assert listed.status_code == 200, listed.get_json()
    [document] = listed.get_json()["documents"]
    assert document["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert (document["size"], document["content_type"]) == (len(PDF), "application/pdf")
    assert (document["uploaded_by"], document["channel"]) == ("claimant", "claimant")
    # The claimant sees the list the portal shows: names and days, no uploader, no digest.
    own = client.get(f"/api/v1/claims/{reference}/documents", headers=claimant(submitted)).get_json()
    assert own["documents"] == [
        {
            "id": document["id"],
            "code": "identity_document",
            "filename": "паспорт.pdf",
            "uploaded_on": "2026-03-02",
        }
    ]


def test_requested_documents_answer_the_fund_and_only_those_kinds_are_taken(
    client, submit, officers, api_clock
):
    submitted = submit()
    reference = submitted["reference"]
    officers.check_documents(reference, DOCUMENTS_MISSING)  # waits for the forensic medical report

    wrong_kind = upload(client, reference, claimant(submitted), (3, "identity_document", "id.pdf", PDF))
    assert "documents.3.code" in error_of(wrong_kind, 422)["fields"]

    answer = upload(client, reference, claimant(submitted), (0, "forensic_medical_report", "report.png", PNG))

    assert answer.status_code == 201, answer.get_json()
    delivered = db.session.scalars(select(WorkflowEvent).order_by(WorkflowEvent.sequence.desc())).first()
    assert delivered.input["message"] == "documents_submitted" and delivered.actor == "portal"


def test_intake_adds_documents_handed_in_at_the_office(client, submit, officers, api_clock):
    submitted = submit()
    reference = submitted["reference"]
    officers.check_documents(reference, DOCUMENTS_MISSING)

    answer = upload(client, reference, officers.headers("ivan"), (0, "forensic_medical_report", "r.pdf", PDF))

    assert answer.status_code == 201, answer.get_json()
    stored = db.session.scalar(select(Document))
    assert stored.uploaded_by == "ivan"
    delivered = db.session.scalars(select(WorkflowEvent).order_by(WorkflowEvent.sequence.desc())).first()
    assert (delivered.input["message"], delivered.actor) == ("documents_submitted", "ivan")
    listed = client.get(f"/api/v1/claims/{reference}/documents", headers=officers.headers("rita")).get_json()
    assert [(d["uploaded_by"], d["channel"]) for d in listed["documents"]] == [("ivan", "staff")]


@pytest.mark.parametrize("username", ["rita", "farida", "aida", "adil"])
def test_only_intake_adds_documents_among_staff(client, submit, officers, api_clock, username):
    reference = submit()["reference"]

    refused = upload(client, reference, officers.headers(username), (0, "identity_document", "id.pdf", PDF))

    assert error_of(refused, 403)["code"] == "forbidden"
    assert db.session.scalar(select(Document)) is None


def test_bad_files_are_refused_naming_each_part_and_nothing_is_stored(client, submit, api_clock):
    submitted = submit()
    reference = submitted["reference"]

    refused = upload(
        client,
        reference,
        claimant(submitted),
        (0, "identity_document", "id.pdf", b"MZ\x90\x00 not a pdf"),
        (4, "not_a_code", "x.pdf", PDF),
        (7, "identity_document", "cut.pdf", PDF[:20]),
    )

    fields = error_of(refused, 422)["fields"]
    assert fields["documents.0.file"] == ["must be a PDF, JPEG or PNG file"]
    assert "documents.4.code" in fields and "document codes" in fields["documents.4.code"][0]
    assert "incomplete" in fields["documents.7.file"][0]
    assert db.session.scalar(select(Document)) is None


def test_the_request_itself_is_checked(client, submit, api_clock):
    submitted = submit()
    url = f"/api/v1/claims/{submitted['reference']}/documents"

    not_multipart = client.post(url, json={"documents": []}, headers=claimant(submitted))
    assert error_of(not_multipart, 400)["fields"] == {"": ["must be multipart/form-data"]}
    unknown = upload(client, submitted["reference"], claimant(submitted), notes="hello")
    assert "notes" in error_of(unknown, 422)["fields"]
    nothing = upload(client, submitted["reference"], claimant(submitted))
    assert "documents" in error_of(nothing, 422)["fields"]


def test_no_documents_after_the_deadline_for_the_requested_ones(client, submit, officers, api_clock):
    submitted = submit()
    officers.check_documents(submitted["reference"], DOCUMENTS_MISSING)
    api_clock.advance(days=90)

    refused = upload(
        client, submitted["reference"], claimant(submitted), (0, "forensic_medical_report", "r.pdf", PDF)
    )

    assert error_of(refused, 409)["fields"] == {"documents": [CONFLICT_MESSAGES["deadline_passed"]]}
    assert db.session.scalar(select(Document)) is None


def test_a_wrong_access_code_or_none_at_all_is_refused(client, submit, api_clock):
    reference = submit()["reference"]

    wrong = upload(
        client, reference, {"X-Access-Code": "WRONG-CODE"}, (0, "identity_document", "id.pdf", PDF)
    )
    assert error_of(wrong, 404)["code"] == "not_found"
    anonymous = client.get(f"/api/v1/claims/{reference}/documents")
    assert error_of(anonymous, 401)["code"] == "unauthenticated"
    assert db.session.scalar(select(Document)) is None


def test_a_retried_upload_with_the_same_key_stores_the_documents_once(client, submit, api_clock):
    submitted = submit()
    headers = {**claimant(submitted), "Idempotency-Key": "upload-0001"}
    document = (0, "identity_document", "id.pdf", PDF)

    first = upload(client, submitted["reference"], headers, document)
    again = upload(client, submitted["reference"], headers, document)
    other = upload(client, submitted["reference"], headers, (0, "identity_document", "id.png", PNG))

    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json() == first.get_json()
    assert "Idempotency-Key" in error_of(other, 422)["fields"]
    assert len(db.session.scalars(select(Document)).all()) == 1


def test_a_download_is_the_file_itself_never_sniffed_and_written_to_the_access_log(
    client, submit, officers, api_clock
):
    submitted = submit()
    upload(client, submitted["reference"], claimant(submitted), (0, "identity_document", "id.png", PNG))
    document_id = db.session.scalar(select(Document.id))
    url = f"/api/v1/claims/{submitted['reference']}/documents/{document_id}"

    answer = client.get(url, headers=officers.headers("ivan"))

    assert answer.status_code == 200 and answer.data == PNG
    assert answer.mimetype == "image/png" and answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Content-Disposition"].startswith("attachment")
    logged = db.session.scalars(select(AccessLogEntry)).all()
    assert [(entry.username, entry.what) for entry in logged] == [
        ("ivan", f"document {document_id}: identity_document (id.png)")
    ]


def test_those_who_check_rather_than_work_a_claim_and_the_claimant_do_not_download(
    client, submit, officers, api_clock
):
    submitted = submit()
    upload(client, submitted["reference"], claimant(submitted), (0, "identity_document", "id.pdf", PDF))
    url = f"/api/v1/claims/{submitted['reference']}/documents/{db.session.scalar(select(Document.id))}"

    assert error_of(client.get(url, headers=officers.headers("aida")), 403)
    refused = client.get(url, headers=claimant(submitted))
    assert "staff only" in error_of(refused, 403)["message"]
    assert db.session.scalars(select(AccessLogEntry)).all() == []


def test_a_document_of_another_claim_is_not_found(client, submit, officers, api_clock):
    first, second = submit(), submit()
    upload(client, first["reference"], claimant(first), (0, "identity_document", "id.pdf", PDF))
    document_id = db.session.scalar(select(Document.id))

    answer = client.get(
        f"/api/v1/claims/{second['reference']}/documents/{document_id}", headers=officers.headers("ivan")
    )

    error_of(answer, 404)


def test_a_retry_is_answered_again_only_to_the_same_access_code(client, submit, api_clock):
    submitted = submit()
    document = (0, "identity_document", "id.pdf", PDF)
    key = {"Idempotency-Key": "upload-0002"}

    first = upload(client, submitted["reference"], {**claimant(submitted), **key}, document)
    guessed = upload(client, submitted["reference"], {"X-Access-Code": "GUESSED", **key}, document)

    assert first.status_code == 201
    assert "Idempotent-Replayed" not in guessed.headers
    assert error_of(guessed, 404)["code"] == "not_found"
