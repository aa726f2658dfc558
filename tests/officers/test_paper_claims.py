"""Paper and walk-in claims: an intake officer registers, on one page, the claim of a claimant who
came to the office or sent a paper application, with the scanned application and the documents,
and prints the acknowledgement with the reference and the access code for the claimant."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from fund.claims.paper_claims import APPLICATION_FORM, PaperApplication, register_paper_claim
from fund.claims.submission import access_code_matches
from fund.common.errors import Forbidden
from fund.common.time import utc_now
from fund.extensions import db
from fund.models import Claim, Claimant, Document, WorkflowEvent
from tests.conftest import claim_body, make_iin
from tests.officer_helpers import browser, html, main_text, open_task_id
from tests.portal.test_portal_status import portal_sign_in
from tests.web_helpers import CSRF_FIELD

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 17 + b"\x00\x00\x00\x00IEND\xaeB`\x82"
ACCESS_CODE = re.compile(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}")


def form_of(body: dict) -> dict[str, str]:
    """A submission as the page's fields: ``claimant.iin`` and so on, as an officer types them."""
    fields: dict[str, str] = {"role": body["role"], "consent": "yes" if body["consent"] else ""}
    for block in ("claimant", "victim", "crime"):
        for name, value in (body.get(block) or {}).items():
            if isinstance(value, bool):
                value = "yes" if value else ""
            fields[f"{block}.{name}"] = str(value)
    return fields


def post_paper_claim(client, fields: dict[str, str], application=("application.pdf", PDF), documents=()):
    """Send the registration form with its files (``documents``: (slot, code, name, bytes))."""
    token = CSRF_FIELD.search(client.get("/claims/new").get_data(as_text=True)).group(1)
    data: dict = {"csrf_token": token, **fields}
    if application is not None:
        data["application"] = (io.BytesIO(application[1]), application[0])
    for slot, code, name, content in documents:
        data[f"document_code_{slot}"] = code
        data[f"document_file_{slot}"] = (io.BytesIO(content), name)
    return client.post("/claims/new", data=data, content_type="multipart/form-data")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_an_intake_officer_registers_a_paper_claim_that_waits_for_its_check_with_channel_office(app, staff):
    officer = browser(app, staff, "dana", "intake")
    assert officer.get("/claims/new").status_code == 200

    sent = post_paper_claim(
        officer,
        form_of(claim_body()),
        documents=[
            (1, "identity_document", "удостоверение.pdf", PDF),
            (2, "victim_recognition_decision", "decision.png", PNG),
        ],
    )

    assert sent.status_code == 303, main_text(sent)
    claim = db.session.scalar(select(Claim))
    assert sent.headers["Location"].endswith(f"/claims/{claim.reference}/registered")
    # The claim waits for intake's check like any other: in the worklist, as a ready task.
    assert open_task_id(claim.reference, "intake_check")
    assert claim.reference in main_text(officer.get("/worklist"))
    # Its history says who registered it and through which channel, under the hash chain.
    first = db.session.scalar(select(WorkflowEvent).where(WorkflowEvent.sequence == 1))
    assert (first.type, first.actor, first.input["channel"]) == ("claim_submitted", "dana", "office")
    history = main_text(officer.get(f"/claims/{claim.reference}"))
    assert "At the fund's office" in history and "Claim submitted — dana" in history


def test_the_scanned_application_and_the_documents_are_stored_with_their_sha256(app, staff):
    officer = browser(app, staff, "dana", "intake")

    post_paper_claim(
        officer,
        form_of(claim_body()),
        application=("заявление.PDF", PDF),
        documents=[(3, "identity_document", "passport.png", PNG)],
    )

    documents = db.session.scalars(select(Document).order_by(Document.id)).all()
    assert [(d.code, d.filename, d.content_type, d.uploaded_by) for d in documents] == [
        (APPLICATION_FORM, "заявление.pdf", "application/pdf", "dana"),
        ("identity_document", "passport.png", "image/png", "dana"),
    ]
    assert [d.sha256 for d in documents] == [hashlib.sha256(PDF).hexdigest(), hashlib.sha256(PNG).hexdigest()]
    recorded = db.session.scalar(select(WorkflowEvent.input).where(WorkflowEvent.sequence == 1))
    assert recorded["documents"] == [{"code": d.code, "sha256": d.sha256} for d in documents]


def test_the_acknowledgement_shows_the_access_code_once_and_it_opens_the_portal(app, staff, client):
    officer = browser(app, staff, "dana", "intake")
    sent = post_paper_claim(officer, form_of(claim_body()))

    acknowledgement = officer.get(sent.headers["Location"])
    assert acknowledgement.status_code == 200
    assert acknowledgement.headers["Cache-Control"] == "no-store"
    slip = html(acknowledgement).get_element_by_id("acknowledgement")
    reference = slip.get_element_by_id("slip-reference").text_content()
    access_code = slip.get_element_by_id("slip-access-code").text_content()
    assert ACCESS_CODE.fullmatch(access_code)
    claim = db.session.scalar(select(Claim).where(Claim.reference == reference))
    assert access_code not in claim.access_code_hash and access_code_matches(
        claim.access_code_hash, access_code
    )

    # Shown once: the page again has no code, and says so.
    again = officer.get(sent.headers["Location"])
    assert access_code not in again.get_data(as_text=True)
    assert "cannot be shown again" in main_text(again)

    # The claimant signs in to the portal with what the paper says.
    assert portal_sign_in(client, reference.lower(), access_code.lower()).status_code == 303
    assert reference in client.get("/portal/status").get_data(as_text=True)


def test_the_acknowledgement_speaks_the_claimants_language(app, staff):
    officer = browser(app, staff, "dana", "intake")
    sent = post_paper_claim(officer, form_of(claim_body(claimant__language="ru")))

    slip = html(officer.get(sent.headers["Location"])).get_element_by_id("acknowledgement")

    assert slip.get("lang") == "ru"
    text = slip.text_content()
    assert "Ваше заявление зарегистрировано" in text
    assert "Фонд компенсации потерпевшим" in text


def test_a_refused_registration_names_every_wrong_field_and_saves_nothing(app, staff):
    officer = browser(app, staff, "dana", "intake")
    fields = form_of(claim_body(claimant__iban="KZ18722S000012345679"))  # fails the mod-97 check
    fields["claimant.iin"] = "860202300014"  # a wrong check digit
    del fields["crime.erdr_number"]

    sent = post_paper_claim(
        officer,
        fields,
        application=None,
        documents=[
            (2, "identity_document", "notes.txt", b"not a scan"),
            (4, "no_such_document", "scan.pdf", PDF),
        ],
    )

    assert sent.status_code == 422
    page = html(sent)
    summary = page.get_element_by_id("error-summary").text_content()
    for named in (
        "Claimant's IIN",
        "Bank account (IBAN)",
        "ERDR number",
        "Scanned application",
        "Document 2: file",
        "Document 4: kind",
    ):
        assert named in summary, named
    assert "Only PDF, JPEG or PNG files are accepted." in summary
    assert page.get_element_by_id("claimant-iin").get("aria-invalid") == "true"
    assert page.get_element_by_id("claimant-full_name").get("value") == "Айгүл Сәрсенова"  # answers kept
    assert (count(Claim), count(Claimant), count(Document), count(WorkflowEvent)) == (0, 0, 0, 0)


def test_a_representative_must_name_the_victim(app, staff):
    officer = browser(app, staff, "dana", "intake")
    fields = form_of(claim_body(role="representative"))

    sent = post_paper_claim(officer, fields)

    assert sent.status_code == 422
    summary = html(sent).get_element_by_id("error-summary").text_content()
    assert "Victim's full name" in summary and "Victim's IIN" in summary
    assert count(Claim) == 0


@pytest.mark.parametrize("roles", [("reviewer",), ("approver", "finance"), ("auditor",), ("admin",)])
def test_only_intake_registers_paper_claims(app, staff, roles):
    other = browser(app, staff, "someone", *roles)
    intake = browser(app, staff, "dana", "intake")
    token = CSRF_FIELD.search(intake.get("/claims/new").get_data(as_text=True)).group(1)

    assert other.get("/claims/new").status_code == 403
    refused = other.post(
        "/claims/new",
        data={"csrf_token": token, **form_of(claim_body()), "application": (io.BytesIO(PDF), "a.pdf")},
        content_type="multipart/form-data",
    )
    assert refused.status_code in (400, 403)  # 400: this session's form token is not theirs
    with pytest.raises(Forbidden):
        paper = PaperApplication(claim_body(), None)
        register_paper_claim(staff.user("someone"), paper, utc_now())
    assert count(Claim) == 0


def test_the_registered_page_is_for_intake_and_for_claims_registered_at_the_office(app, staff, submit):
    online = submit()
    officer = browser(app, staff, "dana", "intake")
    reviewer = browser(app, staff, "rita", "reviewer")

    assert officer.get(f"/claims/{online['reference']}/registered").status_code == 404
    sent = post_paper_claim(officer, form_of(claim_body()))
    assert reviewer.get(sent.headers["Location"]).status_code == 403


def test_the_officers_see_a_link_to_register_paper_claims(app, staff):
    intake = browser(app, staff, "dana", "intake")
    reviewer = browser(app, staff, "rita", "reviewer")

    assert html(intake.get("/worklist")).xpath("//nav//a[@href='/claims/new']")
    assert not html(reviewer.get("/worklist")).xpath("//nav//a[@href='/claims/new']")


def test_an_iin_of_another_birth_date_is_named_with_the_date_it_encodes(app, staff):
    officer = browser(app, staff, "dana", "intake")
    fields = form_of(claim_body())
    fields["claimant.iin"] = make_iin(date(1986, 2, 2))

    sent = post_paper_claim(officer, fields)

    assert sent.status_code == 422
    assert "born on 02.02.1986" in html(sent).get_element_by_id("error-summary").text_content()


def _english_of_the_staff_catalog() -> list[str]:
    """The staff catalog's English sentences whose Kazakh differs (long enough not to be a name)."""
    from babel.messages.pofile import read_po

    from fund import PROJECT_ROOT

    path = PROJECT_ROOT / "fund" / "translations" / "kk" / "LC_MESSAGES" / "staff.po"
    return [
        m.id
        for m in read_po(path.open("rb"))
        if m.id and m.string != m.id and len(m.id) > 12 and "%(" not in m.id
    ]


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_registration_pages_speak_the_officer_s_language(app, staff, language):
    english = _english_of_the_staff_catalog()
    officer = browser(app, staff, "dana", "intake")
    officer.environ_base["HTTP_ACCEPT_LANGUAGE"] = language  # no choice on the profile: the browser's
    refused = post_paper_claim(officer, {"role": "victim"}, application=None)
    sent = post_paper_claim(officer, form_of(claim_body(claimant__language="en")))

    for answer in (officer.get("/claims/new"), refused, officer.get(sent.headers["Location"])):
        page = html(answer)
        assert page.xpath("/html/@lang") == [language]
        # The acknowledgement itself is printed in the claimant's language (English here).
        for slip in page.xpath("//*[@id='acknowledgement']"):
            slip.getparent().remove(slip)
        text = page.text_content()
        assert [sentence for sentence in english if sentence in text] == []


def test_an_office_claim_s_history_holds_under_the_auditors_check(app, staff):
    from fund.claims.history import verify_claim

    officer = browser(app, staff, "dana", "intake")
    post_paper_claim(officer, form_of(claim_body()), documents=[(1, "identity_document", "id.pdf", PDF)])
    claim = db.session.scalar(select(Claim))

    verification = verify_claim(claim)

    assert verification.ok, verification.findings
    # The channel and the files are under the hash chain: changing them is a finding.
    first = db.session.scalar(select(WorkflowEvent).where(WorkflowEvent.sequence == 1))
    first.input = {**first.input, "channel": "portal"}
    db.session.commit()
    assert not verify_claim(claim).ok
