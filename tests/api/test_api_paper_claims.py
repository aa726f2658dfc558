"""``POST /api/v1/claims`` with an intake officer's bearer token registers a paper or walk-in claim:
multipart parts ``claim`` (the submission as JSON), ``application`` (the scan) and
``documents.<n>.code`` / ``documents.<n>.file``; the officer is the actor, the channel ``office``."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from sqlalchemy import func, select

from fund.extensions import db
from fund.models import Claim, Claimant, Document, WorkflowEvent
from tests.conftest import claim_body

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 17 + b"\x00\x00\x00\x00IEND\xaeB`\x82"


def register(client, headers, body=None, application=("application.pdf", PDF), documents=()):
    """Send the multipart request; ``documents``: (n, code, name, bytes)."""
    data: dict = {"claim": json.dumps(body if body is not None else claim_body())}
    if application is not None:
        data["application"] = (io.BytesIO(application[1]), application[0])
    for number, code, name, content in documents:
        data[f"documents.{number}.code"] = code
        data[f"documents.{number}.file"] = (io.BytesIO(content), name)
    return client.post("/api/v1/claims", data=data, headers=headers, content_type="multipart/form-data")


def stored(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_an_intake_token_registers_an_office_claim_with_its_papers(client, officers, clock):
    answer = register(
        client,
        officers.headers("ivan"),
        documents=[(0, "identity_document", "id.pdf", PDF), (1, "victim_recognition_decision", "d.png", PNG)],
    )

    assert answer.status_code == 201, answer.get_json()
    submitted = answer.get_json()
    assert set(submitted) == {"reference", "access_code", "status"} and submitted["status"] == "submitted"
    first = db.session.scalar(select(WorkflowEvent).where(WorkflowEvent.sequence == 1))
    assert (first.actor, first.input["channel"]) == ("ivan", "office")
    documents = db.session.scalars(select(Document).order_by(Document.id)).all()
    assert [(d.code, d.uploaded_by) for d in documents] == [
        ("application_form", "ivan"),
        ("identity_document", "ivan"),
        ("victim_recognition_decision", "ivan"),
    ]
    assert [d.sha256 for d in documents] == [hashlib.sha256(b).hexdigest() for b in (PDF, PDF, PNG)]
    # The claim waits for intake's check, and the claimant follows it with the code handed out.
    officers.task(submitted["reference"], "intake_check", "ivan")
    status = client.get(
        f"/api/v1/claims/{submitted['reference']}/status", headers={"X-Access-Code": submitted["access_code"]}
    )
    assert status.status_code == 200 and status.get_json()["status"] == "submitted"


def test_errors_name_the_part_and_the_field_and_nothing_is_stored(client, officers, clock):
    body = claim_body(claimant__iban="KZ18722S000012345679")

    answer = register(
        client,
        officers.headers("ivan"),
        body,
        application=None,
        documents=[(0, "identity_document", "id.pdf", PDF), (3, "identity_document", "x.txt", b"text")],
    )

    assert answer.status_code == 422
    fields = answer.get_json()["error"]["fields"]
    assert set(fields) == {"claimant.iban", "application", "documents.3.content"}
    assert "PDF, JPEG or PNG" in fields["documents.3.content"][0]
    assert (stored(Claim), stored(Claimant), stored(Document), stored(WorkflowEvent)) == (0, 0, 0, 0)


@pytest.mark.parametrize("username", ["rita", "farida", "aida", "adil"])
def test_a_token_without_the_intake_role_is_refused(client, officers, clock, username):
    answer = register(client, officers.headers(username))

    assert answer.status_code == 403
    assert stored(Claim) == 0


def test_a_wrong_token_is_refused_and_a_public_submission_stays_the_claimants(client, officers, clock):
    assert register(client, {"Authorization": "Bearer not-a-token"}).status_code == 401

    public = client.post("/api/v1/claims", json=claim_body())

    assert public.status_code == 201
    first = db.session.scalar(select(WorkflowEvent).where(WorkflowEvent.sequence == 1))
    assert (first.actor, first.input["channel"]) == ("portal", "portal")


def test_an_intake_token_with_a_json_body_is_told_to_send_the_parts(client, officers, clock):
    answer = client.post("/api/v1/claims", json=claim_body(), headers=officers.headers("ivan"))

    assert answer.status_code == 400
    assert "multipart/form-data" in answer.get_json()["error"]["message"]
    assert stored(Claim) == 0


def test_the_claim_part_is_read_as_every_json_body(client, officers, clock):
    headers = officers.headers("ivan")
    missing = client.post(
        "/api/v1/claims",
        data={"application": (io.BytesIO(PDF), "a.pdf")},
        headers=headers,
        content_type="multipart/form-data",
    )
    broken = client.post(
        "/api/v1/claims",
        data={"claim": "{not json", "application": (io.BytesIO(PDF), "a.pdf")},
        headers=headers,
        content_type="multipart/form-data",
    )

    assert missing.status_code == 422 and set(missing.get_json()["error"]["fields"]) == {"claim"}
    assert broken.status_code == 400 and set(broken.get_json()["error"]["fields"]) == {"claim"}
    assert stored(Claim) == 0


def test_a_part_the_api_does_not_know_is_named_rather_than_ignored(client, officers, clock):
    answer = client.post(
        "/api/v1/claims",
        data={
            "claim": json.dumps(claim_body()),
            "application": (io.BytesIO(PDF), "a.pdf"),
            "document.0.file": (io.BytesIO(PDF), "id.pdf"),  # "document", not "documents"
        },
        headers=officers.headers("ivan"),
        content_type="multipart/form-data",
    )

    assert answer.status_code == 422
    assert set(answer.get_json()["error"]["fields"]) == {"document.0.file"}
    assert stored(Claim) == 0
