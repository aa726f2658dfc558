"""Following a claim in the portal: sign-in, status in plain words, letters, requested documents,
rate limits, and one claimant never seeing another's claim."""

from __future__ import annotations

import io

import pytest
from lxml import html as lxml_html
from sqlalchemy import event

from fund.extensions import db
from fund.models import Claim, Document, Letter
from fund.portal import NEXT_STEPS
from fund.portal.words import NEXT_STEP_SENTENCES, STATUS_SENTENCES
from fund.web.rate_limits import limiter
from tests.conftest import DOCUMENTS_MISSING
from tests.web_helpers import CSRF_FIELD

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def csrf(client, path: str = "/portal/sign-in") -> str:
    return CSRF_FIELD.search(client.get(path).get_data(as_text=True)).group(1)


def portal_sign_in(client, reference: str, code: str, language: str = "en"):
    return client.post(
        "/portal/sign-in",
        data={"csrf_token": csrf(client), "reference": reference, "access_code": code},
        headers={"Accept-Language": language},
    )


def text_of(response) -> str:
    return lxml_html.fromstring(response.get_data(as_text=True)).text_content()


def test_every_status_of_the_process_and_every_next_step_has_plain_words():
    import re
    from pathlib import Path

    statuses = set()
    for bpmn in Path("bpmn").glob("*.bpmn"):
        statuses |= set(re.findall(r'name="claim_status" value="([a-z_]+)"', bpmn.read_text()))
    assert statuses and statuses <= set(STATUS_SENTENCES), statuses - set(STATUS_SENTENCES)
    assert set(NEXT_STEPS) <= set(NEXT_STEP_SENTENCES), set(NEXT_STEPS) - set(NEXT_STEP_SENTENCES)


def test_a_claimant_signs_in_and_reads_the_status_in_their_language(client, submit):
    claim = submit()
    assert portal_sign_in(client, claim["reference"], claim["access_code"], "ru").status_code == 303
    page = client.get("/portal/status", headers={"Accept-Language": "ru"})
    assert page.status_code == 200
    assert "Мы получили ваше заявление" in text_of(page)
    assert "Подтверждение получения заявления" in text_of(page)  # the acknowledgement letter
    assert page.headers["Cache-Control"] == "no-store"
    assert "года." in text_of(page) and "г.." not in text_of(page)  # "sent on 5 May 2026." reads right


def test_the_status_page_reads_the_claim_in_seven_statements_without_any_file(client, submit, officers):
    """The claim, its process state (with the due date of the officer's step it waits for), its
    letters, its documents, its messages with the fund, the claimant's own details (contact details,
    account request, what they may do: fund.claims.claimant_requests.own_details), whether the
    claimant asked for a crisis centre (fund.claims.crisis_referrals; the regions offered are kept
    in the process, like the contact points): seven statements (and the transaction's BEGIN and
    end), no PDF, no upload.
    The process's files are read once per version and kept: the first page is not counted."""
    claim = submit()
    officers.check_documents(claim["reference"], DOCUMENTS_MISSING)  # two letters, documents asked
    portal_sign_in(client, claim["reference"], claim["access_code"])
    assert client.get("/portal/status").status_code == 200
    statements: list[str] = []

    def on_statement(conn, cursor, statement, *rest) -> None:
        statements.append(statement)

    db.session.remove()
    event.listen(db.engine, "before_cursor_execute", on_statement)
    try:
        page = client.get("/portal/status")
    finally:
        event.remove(db.engine, "before_cursor_execute", on_statement)

    assert page.status_code == 200 and "/portal/letters/" in page.get_data(as_text=True)  # listed
    assert len(statements) <= 7, "\n".join(statements)
    assert not [text for text in statements if "letters.pdf" in text or "documents.content" in text]


def test_a_wrong_reference_and_a_wrong_code_get_the_same_answer(client, submit):
    claim = submit()
    wrong_code = portal_sign_in(client, claim["reference"], "AAAA-BBBB-CCCC")
    wrong_reference = portal_sign_in(client, "VCF-2026-999999", claim["access_code"])
    assert wrong_code.status_code == wrong_reference.status_code == 401
    assert text_of(wrong_code).replace(claim["reference"], "X") == text_of(wrong_reference).replace(
        "VCF-2026-999999", "X"
    )
    assert client.get("/portal/status").status_code == 303  # not signed in


def test_the_claimant_downloads_their_letters_and_no_one_else_s(client, app, submit):
    mine, theirs = submit(), submit()
    portal_sign_in(client, mine["reference"], mine["access_code"])
    own = db.session.scalar(db.select(Letter.id).join(Claim).where(Claim.reference == mine["reference"]))
    other = db.session.scalar(db.select(Letter.id).join(Claim).where(Claim.reference == theirs["reference"]))
    letter = client.get(f"/portal/letters/{own}")
    assert letter.status_code == 200 and letter.data.startswith(b"%PDF")
    for letter_id in (other, other + 1000, 0):
        refused = client.get(f"/portal/letters/{letter_id}")
        assert refused.status_code == 404 and not refused.data.startswith(b"%PDF")
    assert theirs["reference"] not in client.get("/portal/status").get_data(as_text=True)


def test_requested_documents_are_sent_and_the_process_takes_them(client, submit, officers):
    claim = submit()
    officers.check_documents(claim["reference"], DOCUMENTS_MISSING)
    portal_sign_in(client, claim["reference"], claim["access_code"])
    page = client.get("/portal/status")
    assert "Forensic medical report" in text_of(page)
    refused = client.post(
        "/portal/documents",
        data={
            "csrf_token": csrf(client, "/portal/status"),
            "file_forensic_medical_report": (io.BytesIO(b"GIF89a not allowed"), "report.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and "not a PDF, JPEG or PNG" in text_of(refused)
    sent = client.post(
        "/portal/documents",
        data={
            "csrf_token": csrf(client, "/portal/status"),
            "file_forensic_medical_report": (io.BytesIO(PDF), "report.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303
    db.session.expire_all()
    stored = db.session.scalar(db.select(Claim).where(Claim.reference == claim["reference"]))
    assert stored.status == "submitted"  # documents_submitted took it back to the intake check
    assert db.session.scalar(db.select(Document.code).where(Document.claim_id == stored.id)) == (
        "forensic_medical_report"
    )


def test_the_session_ends_with_sign_out(client, submit):
    claim = submit()
    portal_sign_in(client, claim["reference"], claim["access_code"])
    assert client.get("/portal/status").status_code == 200
    client.post("/portal/sign-out", data={"csrf_token": csrf(client, "/portal/status")})
    assert client.get("/portal/status").status_code == 303


def test_the_session_expires_after_thirty_quiet_minutes(client, submit, monkeypatch):
    from datetime import UTC, datetime, timedelta

    claim = submit()
    portal_sign_in(client, claim["reference"], claim["access_code"])
    later = datetime.now(UTC) + timedelta(minutes=31)
    monkeypatch.setattr("fund.portal.pages.utc_now", lambda: later)
    assert client.get("/portal/status").status_code == 303


@pytest.fixture
def limits_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "FUND_RATELIMIT_ENABLED", True)
    monkeypatch.setitem(app.config, "FUND_RATELIMIT_PORTAL_SIGN_IN", "3 per minute")
    monkeypatch.setitem(app.config, "FUND_RATELIMIT_VERIFY", "2 per minute")
    limiter.reset()
    yield
    limiter.reset()


def test_sign_in_is_limited_per_address_with_a_kind_page(client, limits_on):
    for attempt in range(3):
        assert portal_sign_in(client, f"VCF-2026-00000{attempt}", "AAAA-BBBB-CCCC").status_code == 401
    refused = portal_sign_in(client, "VCF-2026-000009", "AAAA-BBBB-CCCC", "kk")
    assert refused.status_code == 429
    assert "Сәл күте тұрыңыз" in text_of(refused)
    other_address = client.post(
        "/portal/sign-in", data={"csrf_token": csrf(client)}, environ_overrides={"REMOTE_ADDR": "10.1.2.3"}
    )
    assert other_address.status_code == 401


def test_letter_verification_is_limited_per_address(client, limits_on):
    for _ in range(2):
        assert client.post("/verify/VCF-L-2026-0000001", data={"code": "X"}).status_code == 404
    assert client.post("/verify/VCF-L-2026-0000001", data={"code": "X"}).status_code == 429


def test_repeated_wrong_codes_lock_the_reference(client, submit):
    claim = submit()
    answers = [portal_sign_in(client, claim["reference"], "AAAA-BBBB-CCCC").status_code for _ in range(6)]
    assert answers[-1] == 429
    locked = portal_sign_in(client, claim["reference"], claim["access_code"])
    assert locked.status_code == 429 and "paused sign-in" in text_of(locked)


def test_sending_claims_is_limited_per_address(client, limits_on, app, monkeypatch):
    monkeypatch.setitem(app.config, "FUND_RATELIMIT_PORTAL_SUBMIT", "2 per hour")
    token = csrf(client, "/portal/apply/who")
    # An empty draft is refused by the rules (it is sent back to the first step) but still counts.
    answers = [client.post("/portal/apply/check", data={"csrf_token": token}).status_code for _ in range(3)]
    assert 429 not in answers[:2] and answers[2] == 429
    other_address = client.post(
        "/portal/apply/check", data={"csrf_token": token}, environ_overrides={"REMOTE_ADDR": "10.9.8.7"}
    )
    assert other_address.status_code != 429


def test_uploads_are_limited_per_address(client, limits_on, app, monkeypatch, submit):
    monkeypatch.setitem(app.config, "FUND_RATELIMIT_PORTAL_UPLOAD", "1 per hour")
    claim = submit()
    portal_sign_in(client, claim["reference"], claim["access_code"])
    token = csrf(client, "/portal/status")
    first = client.post("/portal/documents", data={"csrf_token": token}, headers={"Accept-Language": "ru"})
    assert first.status_code != 429
    second = client.post("/portal/documents", data={"csrf_token": token}, headers={"Accept-Language": "ru"})
    assert second.status_code == 429
    assert "Пожалуйста, немного подождите" in text_of(second)  # the kind page, in the claimant's language
