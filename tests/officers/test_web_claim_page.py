"""The claim page: details with personal data masked, documents, letters, history and the diagram.

Personal data is shown only when an officer whose work needs it asks for it, by a POST that the
access log records with who, when and what; downloads of documents and letters are logged the
same way. Auditors and administrators see masked data and initials only. The process diagram is
the BPMN file's own drawing with the claim's completed and current steps marked.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from fund.extensions import db
from fund.models import AccessLogEntry, Claim, Claimant
from tests.conftest import DOCUMENTS_MISSING
from tests.officer_helpers import (
    attach_document,
    browser,
    freeze_clock,
    html,
    main_text,
    open_task_id,
    post_with_token,
    text_of,
)


@pytest.fixture
def web_clock(monkeypatch):
    return freeze_clock(monkeypatch)


@pytest.fixture
def claim(submit, web_clock) -> str:
    """A torture claim of Айгүл Сәрсенова, waiting for the intake check."""
    return submit()["reference"]


def claimant_of(reference: str) -> Claimant:
    return db.session.scalar(db.select(Claimant).join(Claim).where(Claim.reference == reference))


def access_log(reference: str) -> list[tuple[str, str]]:
    db.session.expire_all()
    return [
        (entry.username, entry.what)
        for entry in db.session.scalars(
            db.select(AccessLogEntry)
            .join(Claim)
            .where(Claim.reference == reference)
            .order_by(AccessLogEntry.id)
        )
    ]


def personal_values(reference: str) -> list[str]:
    person = claimant_of(reference)
    return [
        person.iin,
        person.iban,
        person.phone,
        person.email,
        person.birth_date.isoformat(),
        person.birth_date.strftime("%d.%m.%Y"),
    ]


def kz_iban(account: str) -> str:
    """A Kazakh IBAN with valid check digits (ISO 13616 mod 97) for a 16-character account."""
    digits = "".join(str(int(char, 36)) for char in account + "KZ00")
    return f"KZ{98 - int(digits) % 97:02d}{account}"


# --- masked by default -----------------------------------------------------------------------------


def test_the_claim_page_masks_personal_data_and_logs_nothing(app, staff, claim):
    client = browser(app, staff, "rosa", "reviewer")

    answer = client.get(f"/claims/{claim}")

    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    for value in personal_values(claim):
        assert value not in page, value
    person = claimant_of(claim)
    says = main_text(answer)
    assert f"IIN ••••••••{person.iin[-4:]}" in says  # the last four digits: never the birth date
    assert person.iin[:6] not in page
    assert "Bank account (IBAN) KZ86••••••••••••0100" in says
    assert "Birth date ••.••.1990" in says
    assert "E-mail a•••@example.kz" in says
    assert "Name Айгүл Сәрсенова" in says  # names are shown to the officers working the claim
    assert answer.headers["Cache-Control"] == "no-store"
    assert access_log(claim) == []


def test_showing_personal_data_is_a_post_that_writes_the_access_log(app, staff, claim, web_clock):
    client = browser(app, staff, "rosa", "reviewer")
    page = html(client.get(f"/claims/{claim}"))
    form = [f for f in page.forms if f.get("action") == f"/claims/{claim}/personal-data"][0]
    assert text_of(form.xpath(".//button")[0]) == "Show personal data"

    answer = client.post(form.get("action"), data=dict(form.form_values()))

    assert answer.status_code == 200
    shown = answer.get_data(as_text=True)
    person = claimant_of(claim)
    assert person.iin in shown and person.iban in shown and person.email in shown
    assert "written to the access log" in main_text(answer)
    assert access_log(claim) == [
        ("rosa", "personal data: claimant and victim (IIN, birth date, phone, e-mail, IBAN)")
    ]
    entry = db.session.scalar(db.select(AccessLogEntry))
    assert entry.viewed_at == web_clock.now
    assert answer.headers["Cache-Control"] == "no-store"
    # The next ordinary view is masked again.
    assert person.iin not in client.get(f"/claims/{claim}").get_data(as_text=True)


def test_a_victims_data_is_masked_too_when_a_representative_claims(app, staff, submit, web_clock):
    from tests.conftest import make_iin

    victim_iin = make_iin(datetime(2012, 5, 4).date(), serial=7)
    reference = submit(
        role="representative",
        victim={"full_name": "Ерлан Сәрсенов", "iin": victim_iin, "birth_date": "2012-05-04"},
    )["reference"]
    client = browser(app, staff, "ivan", "intake")

    masked = client.get(f"/claims/{reference}").get_data(as_text=True)
    shown = post_with_token(client, f"/claims/{reference}/personal-data").get_data(as_text=True)

    assert victim_iin not in masked and "2012-05-04" not in masked and "04.05.2012" not in masked
    assert "Ерлан Сәрсенов" in masked and f"••••••••{victim_iin[-4:]}" in masked
    assert victim_iin[:6] not in masked  # "120504": the victim's birth date
    assert victim_iin in shown and "04.05.2012" in shown


def test_auditors_and_administrators_see_masked_data_and_initials_only(app, staff, claim):
    document_id = attach_document(claim)
    for username, role in (("aida", "auditor"), ("adil", "admin")):
        client = browser(app, staff, username, role)

        answer = client.get(f"/claims/{claim}")
        says = main_text(answer)
        reveal = post_with_token(client, f"/claims/{claim}/personal-data")
        download = client.get(f"/claims/{claim}/documents/{document_id}")

        assert answer.status_code == 200
        assert "Айгүл" not in says and "Name А. С." in says
        assert "Show personal data" not in says and "masked only" in says
        assert reveal.status_code == 403 and download.status_code == 403
        for value in personal_values(claim):
            assert value not in answer.get_data(as_text=True) + reveal.get_data(as_text=True)
    assert access_log(claim) == []


# --- documents and letters --------------------------------------------------------------------------


def test_downloading_a_document_is_logged_and_served_as_an_attachment(app, staff, claim):
    document_id = attach_document(claim)
    client = browser(app, staff, "ivan", "intake")
    page = html(client.get(f"/claims/{claim}"))
    href = page.xpath("//a[contains(@href,'/documents/')][normalize-space()='Download']/@href")
    assert href == [f"/claims/{claim}/documents/{document_id}"]
    assert "Identity document of the claimant — received, not checked yet" in text_of(page)

    answer = client.get(href[0])

    assert answer.status_code == 200
    assert answer.data == b"%PDF-1.4 scanned identity card"
    assert answer.headers["Content-Disposition"].startswith("attachment")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert access_log(claim) == [("ivan", f"document {document_id}: identity_document (identity-card.pdf)")]
    assert client.get(f"/claims/{claim}/documents/{document_id + 99}").status_code == 404


def test_downloading_a_letter_is_logged(app, staff, claim):
    client = browser(app, staff, "farida", "finance")
    page = html(client.get(f"/claims/{claim}"))
    (href,) = page.xpath("//a[contains(@href,'/letters/')]/@href")
    assert "Acknowledgement of the claim" in text_of(page)

    answer = client.get(href)

    assert answer.status_code == 200 and answer.data.startswith(b"%PDF")
    assert answer.headers["Content-Type"] == "application/pdf"
    (entry,) = access_log(claim)
    assert entry[0] == "farida"
    assert entry[1].startswith("letter VCF-L-2026-") and entry[1].endswith("(acknowledgement)")
    assert client.get(f"/claims/{claim}/letters/999999.pdf").status_code == 404


# --- history and diagram ---------------------------------------------------------------------------


def test_the_timeline_lists_every_event_with_who_and_what(app, staff, claim, officers):
    officers.check_documents(claim, DOCUMENTS_MISSING)
    client = browser(app, staff, "rosa", "reviewer")

    says = main_text(client.get(f"/claims/{claim}"))

    assert "Claim submitted — The claimant (online), 02.03.2026 14:00" in says
    assert "Completed: Check documents — ivan, 02.03.2026 14:00" in says
    assert "All required documents are present No Missing documents Forensic medical report" in says
    assert "Status after: Documents requested from the claimant" in says
    assert "Forensic medical report — marked missing by intake" in says


def test_a_corrected_iban_is_masked_in_the_history_too(app, staff, claim, officers):
    officers.check_documents(claim)
    officers.review(claim)
    officers.approve(claim)
    officers.deliver(claim, "payment_failed", {"reason": "account closed"}, "farida")
    new_iban = kz_iban("125KZT5004100777")
    task_id = open_task_id(claim, "correct_bank_details")
    assert officers.complete(task_id, {"iban": new_iban}, "ivan").status_code == 200
    client = browser(app, staff, "rosa", "reviewer")

    masked = main_text(client.get(f"/claims/{claim}"))
    shown = main_text(post_with_token(client, f"/claims/{claim}/personal-data"))

    assert new_iban not in masked and f"IBAN of the claimant's account {new_iban[:4]}" in masked
    assert new_iban in shown


def test_the_diagram_marks_completed_steps_and_where_the_claim_waits(app, staff, claim):
    client = browser(app, staff, "ivan", "intake")

    page = html(client.get(f"/claims/{claim}"))

    def state(element_id: str) -> str:
        return page.xpath(f"//*[@data-element-id='{element_id}']/@data-state")[0]

    assert page.xpath("//figure[@class='diagram']/*[local-name()='svg']")
    assert state("register_claim") == "completed"
    assert state("determine_eligibility") == "completed"
    assert state("intake_check") == "current"
    assert state("approval") == "not-reached"
    assert "Waiting now: Check documents." in text_of(page)


def test_a_claim_waiting_for_a_message_shows_that_wait_as_current(app, staff, claim, officers):
    officers.check_documents(claim)
    officers.review(claim)
    officers.approve(claim)  # now waits for the Treasury: payment confirmed or failed
    client = browser(app, staff, "farida", "finance")

    page = html(client.get(f"/claims/{claim}"))

    assert page.xpath("//*[@data-element-id='payment_wait']/@data-state") == ["current"]
    assert page.xpath("//*[@data-element-id='approval']/@data-state") == ["completed"]
    says = text_of(page)
    assert "40 MCI × 4,325 tenge = 173,000 tenge" in says
    assert "the MCI in force on the decision date (02.03.2026); this is the amount paid" in says


# --- finding a claim ---------------------------------------------------------------------------------


def test_a_claim_is_found_by_its_reference_and_an_unknown_one_is_a_clear_404(app, staff, claim):
    client = browser(app, staff, "aida", "auditor")

    found = client.get(f"/claims?reference={claim.lower()}")
    unknown = client.get("/claims?reference=VCF-2026-999999")
    direct = client.get("/claims/VCF-2026-999999")

    assert found.status_code == 302 and found.headers["Location"] == f"/claims/{claim}"
    assert unknown.status_code == 404 and "There is no claim VCF-2026-999999" in main_text(unknown)
    assert direct.status_code == 404 and "Traceback" not in direct.get_data(as_text=True)
