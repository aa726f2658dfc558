"""Documents at any time and files in messages, in a real browser, in Kazakh and in Russian: while
an officer reviews the claim, the claimant sends documents twice from the status page and sees both
sendings acknowledged in the list; then writes to the fund with a file, and an officer opens that
file from the claim page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from fund.claims.messages import deliver_message
from fund.claims.submission import submit_claim
from fund.claims.tasks import complete_task
from fund.extensions import db
from fund.models import User
from tests.conftest import DOCUMENTS_COMPLETE, claim_body
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.officer_helpers import open_task_id
from tests.portal.test_portal_services import APPROVE_REVIEW, REJECT, REJECT_REVIEW
from tests.portal.test_portal_services_requests import image_file, pdf_file

CASES = {
    "kk": {
        "locale": "kk-KZ",
        "reference_label": "Өтініш нөмірі",
        "code_label": "Кіру коды",
        "send_documents": "Құжаттарды жіберу",
        "received": "Сізден",
        "message_label": "Қорға хабарламаңыз",
        "send_message": "Хабарламаны жіберу",
        "message": "Ауруханадан алған анықтаманы тіркедім.",
        "files": ("жеке-куәлік.pdf", "жәбірленуші-деп-тану.png", "анықтама.pdf"),
    },
    "ru": {
        "locale": "ru-RU",
        "reference_label": "Номер заявления",
        "code_label": "Код доступа",
        "send_documents": "Отправить документы",
        "received": "Получено от вас",
        "message_label": "Ваше сообщение в Фонд",
        "send_message": "Отправить сообщение",
        "message": "Прикладываю справку из больницы.",
        "files": ("удостоверение.pdf", "признание-потерпевшим.png", "справка.pdf"),
    },
}


def work(reference: str, task: str, form: dict, username: str) -> None:
    officer = db.session.scalar(select(User).where(User.username == username))
    complete_task(officer, open_task_id(reference, task), form, datetime.now(UTC))


ROLES = ("intake", "reviewer", "approver", "finance")


def payment_confirmed(reference: str, username: str) -> None:
    officer = db.session.scalar(select(User).where(User.username == username))
    deliver_message(officer, reference, "payment_confirmed", {"batch": "PB-2026-001"}, datetime.now(UTC))


def intake_finds_the_documents_complete(reference: str, username: str) -> None:
    work(reference, "intake_check", DOCUMENTS_COMPLETE, username)


def sign_in_to_the_portal(page, url: str, case: dict, submitted) -> None:
    page.goto(f"{url}/portal/sign-in")
    page.get_by_label(case["reference_label"]).fill(submitted.reference)
    page.get_by_label(case["code_label"]).fill(submitted.access_code)
    page.keyboard.press("Enter")


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_documents_are_sent_twice_and_a_file_in_a_message_is_opened_by_an_officer(
    live_server, new_page, shot, tmp_path, language
):
    case = CASES[language]
    intake = live_server.user(f"ivan_docs_{language}", "intake")
    reviewer = live_server.user(f"rita_docs_{language}", "reviewer")
    submitted = live_server.run(submit_claim, claim_body(claimant__language=language), datetime.now(UTC))
    live_server.run(intake_finds_the_documents_complete, submitted.reference, intake)  # under review now
    first, second, attached = (tmp_path / name for name in case["files"])
    first.write_bytes(pdf_file("Identity card"))
    second.write_bytes(image_file("PNG"))
    attached.write_bytes(pdf_file("Hospital certificate"))

    claimant = new_page(locale=case["locale"])
    sign_in_to_the_portal(claimant, live_server.url, case, submitted)
    documents = claimant.locator("#documents")
    for number, path in enumerate((first, second), start=1):
        claimant.locator("#document_code_1").select_option(index=number - 1)
        claimant.locator("#document_file_1").set_input_files(str(path))
        documents.get_by_role("button", name=case["send_documents"]).click()
        expect(documents.locator("[data-sending]")).to_have_count(number)
    expect(documents).to_contain_text(first.name)
    expect(documents).to_contain_text(second.name)
    expect(documents.locator("[data-sending]", has_text=case["received"])).to_have_count(2)
    assert documents.locator("form").count() == 1, "a third sending is possible"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    documents.screenshot(path=str(ARTIFACTS / f"documents-section-{language}.png"))
    shot(claimant, "documents-sent-twice")

    claimant.get_by_label(case["message_label"]).fill(case["message"])
    claimant.locator("#message_files").set_input_files(str(attached))
    claimant.get_by_role("button", name=case["send_message"]).click()
    messages = claimant.locator("#messages")
    expect(messages.get_by_role("link", name=attached.name)).to_be_visible()
    messages.screenshot(path=str(ARTIFACTS / f"message-with-file-{language}.png"))
    with claimant.expect_download() as own_copy:
        messages.get_by_role("link", name=attached.name).click()
    assert own_copy.value.suggested_filename == attached.name

    staff = new_page()
    sign_in(staff, live_server.url, reviewer)
    staff.goto(f"{live_server.url}/claims/{submitted.reference}")
    panel = staff.locator("#messages")
    expect(panel).to_contain_text(case["message"])
    with staff.expect_download() as opened:
        panel.get_by_role("link", name=attached.name).click()
    assert opened.value.suggested_filename == attached.name
    assert opened.value.path().read_bytes() == attached.read_bytes()
    panel.screenshot(path=str(ARTIFACTS / f"officer-message-with-file-{language}.png"))


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_rejected_claimant_sends_documents_with_the_reconsideration_request(
    live_server, new_page, shot, tmp_path, language
):
    case = CASES[language]
    names = {
        role: live_server.user(f"{role}_rejected_{language}", role)
        for role in ("intake", "reviewer", "approver")
    }
    submitted = live_server.run(submit_claim, claim_body(claimant__language=language), datetime.now(UTC))
    live_server.run(intake_finds_the_documents_complete, submitted.reference, names["intake"])
    live_server.run(work, submitted.reference, "review_torture", REJECT_REVIEW, names["reviewer"])
    live_server.run(work, submitted.reference, "approval", REJECT, names["approver"])
    report = tmp_path / case["files"][2]
    report.write_bytes(pdf_file("Forensic medical report"))

    claimant = new_page(locale=case["locale"])
    sign_in_to_the_portal(claimant, live_server.url, case, submitted)
    documents = claimant.locator("#documents")
    claimant.locator("#document_file_1").set_input_files(str(report))
    documents.get_by_role("button", name=case["send_documents"]).click()

    expect(documents.locator("[data-sending]", has_text=report.name)).to_have_count(1)
    expect(claimant.locator("#reason")).to_be_visible()  # the request, below the documents it mentions
    shot(claimant, "rejected-documents-and-reconsideration")

    # No task of anyone's would show it: the reviewers' worklist lists it until one opens it.
    staff = new_page()
    sign_in(staff, live_server.url, names["reviewer"])
    staff.goto(f"{live_server.url}/worklist")
    late = staff.locator("#late-documents [data-flag=late_documents]", has_text=submitted.reference)
    expect(late).to_have_count(1)
    shot(staff, "worklist-documents-after-decision")
    late.get_by_role("link", name=submitted.reference).click()
    badge = staff.locator("[data-flag=after_decision]")
    expect(badge).to_have_count(1)
    expect(badge).to_contain_text("not opened yet")
    expect(staff.locator("ol.timeline")).to_contain_text(
        "Documents sent by the claimant after the decision: 1"
    )
    shot(staff, "claim-page-document-after-decision")
    with staff.expect_download():
        staff.locator("li", has=badge).locator("a", has_text="Download").click()
    staff.goto(f"{live_server.url}/worklist")
    expect(staff.locator("#late-documents", has_text=submitted.reference)).to_have_count(0)


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_paid_claim_says_why_it_takes_no_more_documents(live_server, new_page, shot, language):
    case = CASES[language]
    names = {role: live_server.user(f"{role}_paid_{language}", role) for role in ROLES}
    submitted = live_server.run(submit_claim, claim_body(claimant__language=language), datetime.now(UTC))
    live_server.run(intake_finds_the_documents_complete, submitted.reference, names["intake"])
    live_server.run(work, submitted.reference, "review_torture", APPROVE_REVIEW, names["reviewer"])
    live_server.run(work, submitted.reference, "approval", {"decision": "approve"}, names["approver"])
    live_server.run(payment_confirmed, submitted.reference, names["finance"])

    claimant = new_page(locale=case["locale"])
    sign_in_to_the_portal(claimant, live_server.url, case, submitted)
    documents = claimant.locator("#documents")

    expect(documents.locator("[data-uploads-closed=paid]")).to_be_visible()
    expect(documents.locator("form")).to_have_count(0)
    documents.screenshot(path=str(ARTIFACTS / f"documents-section-closed-{language}.png"))
