"""The documents, letters, recourse and ledger operations answer as /api/v1/openapi.json says:
every status they answer is documented for them, and every JSON body fits its schema."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from fund.extensions import db
from fund.models import Document, Letter
from tests.api.test_api_recourse import CONVICTION, approved_claim, pay_approved_claims
from tests.api.test_openapi import assert_answers_as_documented

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").get_json()


def test_documents_and_letters_answer_as_documented(client, document, submit, officers):
    submitted = submit()
    reference, code = submitted["reference"], {"X-Access-Code": submitted["access_code"]}
    documents, letters = "/api/v1/claims/{reference}/documents", "/api/v1/claims/{reference}/letters"
    url = f"/api/v1/claims/{reference}/documents"

    def send(headers, content=PDF, part="documents.0.file"):
        data = {"documents.0.code": "identity_document", part: (io.BytesIO(content), "id.pdf")}
        return client.post(url, data=data, headers=headers, content_type="multipart/form-data")

    for response, status in (
        (send(code), 201),
        (send(officers.headers("ivan")), 201),
        (send(code, b"not a file"), 422),
        (send(code, part="documents.0.scan"), 422),
        (send(officers.headers("rita")), 403),
        (send({"X-Access-Code": "WRONG"}), 404),
        (client.post(url, json={}, headers=code), 400),
    ):
        assert response.status_code == status, response.get_json()
        assert_answers_as_documented(document, documents, "post", response)
    for headers in (code, officers.headers("aida"), {}):
        assert_answers_as_documented(document, documents, "get", client.get(url, headers=headers))
    document_id = db.session.scalar(select(Document.id))
    download = "/api/v1/claims/{reference}/documents/{document_id}"
    for headers, status in ((officers.headers("aida"), 403), (code, 403), (officers.headers("ivan"), 200)):
        response = client.get(f"{url}/{document_id}", headers=headers)
        assert response.status_code == status
        if status != 200:
            assert_answers_as_documented(document, download, "get", response)
    letters_url = f"/api/v1/claims/{reference}/letters"
    for headers in (code, officers.headers("aida"), {}):
        assert_answers_as_documented(document, letters, "get", client.get(letters_url, headers=headers))
    letter_id = db.session.scalar(select(Letter.id).where(Letter.status == "issued"))
    refused = client.get(f"{letters_url}/{letter_id}/pdf", headers=officers.headers("aida"))
    assert_answers_as_documented(
        document, "/api/v1/claims/{reference}/letters/{letter_id}/pdf", "get", refused
    )


def test_recourse_and_the_ledger_answer_as_documented(client, document, submit, officers, staff, clock):
    reference = approved_claim(submit, officers)
    pay_approved_claims(staff)
    farida = officers.headers("farida")
    convictions = "/api/v1/convictions"

    for body, headers, status in (
        ({**CONVICTION, "court": ""}, farida, 422),
        (CONVICTION, officers.headers("aida"), 403),
        (CONVICTION, farida, 201),
    ):
        response = client.post(convictions, json=body, headers=headers)
        assert response.status_code == status, response.get_json()
        assert_answers_as_documented(document, convictions, "post", response)
    case_path = "/api/v1/claims/{reference}/recourse"
    case = client.get(f"/api/v1/claims/{reference}/recourse", headers=officers.headers("aida"))
    assert_answers_as_documented(document, case_path, "get", case)
    payments = f"/api/v1/claims/{reference}/recourse/payments"
    body = {"debt_id": case.get_json()["debts"][0]["id"], "amount_kzt": 1000, "received_on": "2026-03-02",
            "treasury_reference": "TR-1"}  # fmt: skip
    for sent, status in (({**body, "amount_kzt": -1}, 422), (body, 201)):
        response = client.post(payments, json=sent, headers=farida)
        assert response.status_code == status, response.get_json()
        assert_answers_as_documented(document, case_path + "/payments", "post", response)
    for query, headers in (
        ("", farida),
        ("?limit=1", officers.headers("alma")),
        ("?limit=x", farida),
        ("", {}),
    ):
        response = client.get(f"/api/v1/ledger{query}", headers=headers)
        assert_answers_as_documented(document, "/api/v1/ledger", "get", response)
