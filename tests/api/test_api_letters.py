"""A claim's letters over the API: staff list them; the roles that see personal data download a
PDF (written to the claim's access log); the claimant (``X-Access-Code``) lists and downloads
their own issued letters, as on the portal, and nothing of another claim."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fund.extensions import db
from fund.models import AccessLogEntry, Letter
from fund.web.rate_limits import limiter
from tests.conftest import error_of


@pytest.fixture
def api_clock(clock, monkeypatch):
    for module in ("letters", "callers"):
        monkeypatch.setattr(f"fund.api.{module}.utc_now", clock)
    return clock


def issued_letter(reference: str) -> Letter:
    letter = db.session.scalar(select(Letter).where(Letter.status == "issued").order_by(Letter.id))
    assert letter is not None and letter.claim.reference == reference, "the acknowledgement is issued"
    return letter


def test_staff_list_a_claims_letters_with_links_to_the_pdfs(client, submit, officers, api_clock):
    reference = submit()["reference"]
    letter = issued_letter(reference)

    answer = client.get(f"/api/v1/claims/{reference}/letters", headers=officers.headers("aida"))

    assert answer.status_code == 200, answer.get_json()
    [listed] = answer.get_json()["letters"]
    assert (listed["id"], listed["kind"], listed["status"], listed["number"]) == (
        letter.id,
        letter.kind,
        "issued",
        letter.number,
    )
    assert listed["issued_on"] == "2026-03-02" and listed["pdf"].endswith(f"/letters/{letter.id}/pdf")


def test_a_letters_pdf_for_staff_is_written_to_the_access_log(client, submit, officers, api_clock):
    reference = submit()["reference"]
    letter = issued_letter(reference)

    answer = client.get(
        f"/api/v1/claims/{reference}/letters/{letter.id}/pdf", headers=officers.headers("rita")
    )

    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.data.startswith(b"%PDF-") and answer.headers["X-Content-Type-Options"] == "nosniff"
    assert f"{letter.number}.pdf" in answer.headers["Content-Disposition"]
    logged = db.session.scalars(select(AccessLogEntry)).all()
    assert [(entry.username, entry.what) for entry in logged] == [
        ("rita", f"letter {letter.number} ({letter.kind})")
    ]


@pytest.mark.parametrize("username", ["aida", "adil"])
def test_those_who_check_rather_than_work_a_claim_do_not_download_letters(
    client, submit, officers, api_clock, username
):
    reference = submit()["reference"]
    letter = issued_letter(reference)

    refused = client.get(
        f"/api/v1/claims/{reference}/letters/{letter.id}/pdf", headers=officers.headers(username)
    )

    assert error_of(refused, 403)["code"] == "forbidden"
    assert db.session.scalars(select(AccessLogEntry)).all() == []


def test_the_claimant_lists_and_downloads_their_own_letters(client, submit, api_clock):
    submitted = submit()
    reference, code = submitted["reference"], {"X-Access-Code": submitted["access_code"]}
    letter = issued_letter(reference)

    listed = client.get(f"/api/v1/claims/{reference}/letters", headers=code)
    pdf = client.get(f"/api/v1/claims/{reference}/letters/{letter.id}/pdf", headers=code)

    assert listed.status_code == 200, listed.get_json()
    assert [(item["id"], item["number"]) for item in listed.get_json()["letters"]] == [
        (letter.id, letter.number)
    ]
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    # The data subject reading their own letter is not a staff member's view of personal data.
    assert db.session.scalars(select(AccessLogEntry)).all() == []


def test_the_claimant_gets_nothing_of_another_claim(client, submit, api_clock):
    mine, theirs = submit(), submit()
    letters = db.session.scalars(select(Letter).where(Letter.status == "issued").order_by(Letter.id)).all()
    other = next(letter for letter in letters if letter.claim.reference == theirs["reference"])
    code = {"X-Access-Code": mine["access_code"]}

    through_mine = client.get(f"/api/v1/claims/{mine['reference']}/letters/{other.id}/pdf", headers=code)
    with_my_code = client.get(f"/api/v1/claims/{theirs['reference']}/letters", headers=code)

    error_of(through_mine, 404)
    error_of(with_my_code, 404)


def test_no_credentials_or_a_wrong_letter_id(client, submit, officers, api_clock):
    reference = submit()["reference"]

    error_of(client.get(f"/api/v1/claims/{reference}/letters"), 401)
    error_of(
        client.get(f"/api/v1/claims/{reference}/letters/999999/pdf", headers=officers.headers("ivan")), 404
    )
    error_of(client.get(f"/api/v1/claims/{reference}/letters/abc/pdf", headers=officers.headers("ivan")), 404)


def test_the_claimants_requests_share_the_portal_sign_ins_budget_and_staff_are_not_counted(
    app, client, submit, officers, monkeypatch
):
    reference = submit()["reference"]
    monkeypatch.setitem(app.config, "FUND_RATELIMIT_ENABLED", True)
    monkeypatch.setitem(app.config, "FUND_RATELIMIT_PORTAL_SIGN_IN", "3 per minute")
    limiter.reset()
    try:
        guesses = [
            client.get(f"/api/v1/claims/VCF-2026-90000{n}/letters", headers={"X-Access-Code": "WRONG"})
            for n in range(3)
        ]
        refused = client.get(f"/api/v1/claims/{reference}/documents", headers={"X-Access-Code": "WRONG"})
        staff_answer = client.get(f"/api/v1/claims/{reference}/letters", headers=officers.headers("aida"))
    finally:
        limiter.reset()

    assert [guess.status_code for guess in guesses] == [404, 404, 404]
    assert error_of(refused, 429)["code"] == "too_many_requests" and int(refused.headers["Retry-After"]) > 0
    assert staff_answer.status_code == 200
