"""Files in messages with the fund: a claimant's message and an officer's answer may carry files
(checked like documents: PDF, JPEG or PNG by their content, all or nothing); they are listed with
the message on both sides; the claimant downloads them with their session, officers who may see
personal data open them from the claim page, each opening logged; the e-mail announcing an answer
names no file and holds no content. The status page's documents section takes documents twice and
lists both; once the claim is closed it says why."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from fund.extensions import db
from fund.models import AccessLogEntry, ClaimMessage, MessageAttachment, Notification
from tests.conftest import DOCUMENTS_COMPLETE
from tests.officer_helpers import browser, freeze_clock, html, main_text
from tests.portal.test_portal_services_requests import PDF, PNG, WINDOWS_PROGRAM
from tests.portal.test_portal_status import csrf, portal_sign_in, text_of


@pytest.fixture
def web_clock(monkeypatch):
    clock = freeze_clock(monkeypatch)
    monkeypatch.setattr("fund.officers.desk_views.utc_now", clock)
    monkeypatch.setattr("fund.portal.pages.utc_now", clock)
    return clock


@pytest.fixture
def filed(submit, web_clock) -> dict:
    return submit()


def claimant(app, filed: dict, language: str = "en"):
    client = app.test_client()
    assert portal_sign_in(client, filed["reference"], filed["access_code"], language).status_code == 303
    return client


def write_with_files(client, text: str, *files: tuple[bytes, str]):
    data = {"csrf_token": csrf(client, "/portal/status"), "message": text}
    data["message_files"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post("/portal/messages", data=data, content_type="multipart/form-data")


def answer_with_files(officer, reference: str, text: str, *files: tuple[bytes, str]):
    page = html(officer.get(f"/claims/{reference}"))
    token = page.xpath("//input[@name='csrf_token']/@value")[0]
    data = {"csrf_token": token, "message": text, "files": [(io.BytesIO(c), n) for c, n in files]}
    return officer.post(f"/claims/{reference}/messages", data=data, content_type="multipart/form-data")


def file_links(page, prefix: str) -> list[str]:
    return [href for href in page.xpath("//*[@id='messages']//a/@href") if prefix in href]


def test_a_claimant_sends_a_file_with_a_message_and_an_officer_opens_it_logged(app, staff, filed):
    reference = filed["reference"]
    portal = claimant(app, filed)

    sent = write_with_files(
        portal, "The hospital's certificate, as you asked.", (PDF, "C:\\scans\\анықтама.pdf")
    )

    assert sent.status_code == 303
    status_page = html(portal.get("/portal/status"))
    (link,) = file_links(status_page, "/portal/messages/files/")
    assert "анықтама.pdf" in status_page.get_element_by_id("messages").text_content()
    own = portal.get(link)
    assert (own.status_code, own.data, own.headers["Cache-Control"]) == (200, PDF, "no-store")

    rita = browser(app, staff, "rita", "reviewer")
    claim_page = html(rita.get(f"/claims/{reference}"))
    (staff_link,) = file_links(claim_page, "/message-files/")
    opened = rita.get(staff_link)

    assert opened.status_code == 200 and opened.data == PDF
    assert "attachment" in opened.headers["Content-Disposition"]
    logged = [
        e.what for e in db.session.scalars(select(AccessLogEntry).where(AccessLogEntry.username == "rita"))
    ]
    assert any(what.startswith("message file ") and "анықтама.pdf" in what for what in logged)


def test_a_message_may_be_only_files_and_a_bad_file_refuses_the_whole_message(app, staff, filed):
    portal = claimant(app, filed)

    refused = write_with_files(portal, "Two files", (PNG, "photo.png"), (WINDOWS_PROGRAM, "setup.pdf"))

    assert refused.status_code == 422 and "not a PDF, JPEG or PNG" in text_of(refused)
    assert db.session.query(ClaimMessage).count() == 0 and db.session.query(MessageAttachment).count() == 0
    only_files = write_with_files(portal, "", (PNG, "photo.png"))
    assert only_files.status_code == 303
    (message,) = db.session.query(ClaimMessage).all()
    (attached,) = db.session.query(MessageAttachment).all()
    assert (message.text, attached.message_id, attached.content_type, attached.size) == (
        "",
        message.id,
        "image/png",
        len(PNG),
    )


def test_an_officers_answer_carries_a_file_the_claimant_downloads_and_the_email_does_not_name(
    app, staff, filed
):
    ivan = browser(app, staff, "ivan", "intake")

    answered = answer_with_files(ivan, filed["reference"], "Please fill in this form.", (PDF, "form-3.pdf"))

    assert answered.status_code == 302
    portal = claimant(app, filed)
    (link,) = file_links(html(portal.get("/portal/status")), "/portal/messages/files/")
    assert portal.get(link).data == PDF
    (mail,) = db.session.query(Notification).filter_by(kind="message_from_fund").all()
    assert "form-3" not in mail.body and "Please fill in" not in mail.body and "form-3" not in mail.subject


def test_a_bad_file_in_an_answer_is_said_beside_the_answer_and_nothing_is_sent(app, staff, filed):
    ivan = browser(app, staff, "ivan", "intake")

    refused = answer_with_files(ivan, filed["reference"], "See attached.", (b"", "empty.pdf"))

    assert refused.status_code == 422 and "Not sent: a file is empty." in main_text(refused)
    assert db.session.query(ClaimMessage).count() == 0


def test_only_those_who_may_see_personal_data_open_a_file_and_no_other_claimant(app, staff, submit, filed):
    write_with_files(claimant(app, filed), "Certificate", (PDF, "certificate.pdf"))
    (attached,) = db.session.query(MessageAttachment).all()
    aida = browser(app, staff, "aida", "auditor")

    page = html(aida.get(f"/claims/{filed['reference']}"))

    assert "certificate.pdf" in page.get_element_by_id("messages").text_content()
    assert file_links(page, "/message-files/") == []  # named, not offered
    assert aida.get(f"/claims/{filed['reference']}/message-files/{attached.id}").status_code == 403
    stranger = claimant(app, submit())
    assert stranger.get(f"/portal/messages/files/{attached.id}").status_code == 404


def test_documents_sent_twice_from_the_status_page_are_both_listed_with_their_acknowledgement(
    app, filed, officers, web_clock
):
    officers.check_documents(filed["reference"], DOCUMENTS_COMPLETE)  # under review: no documents asked
    portal = claimant(app, filed, "ru")

    for name, content in (("паспорт.pdf", PDF), ("решение.png", PNG)):
        sent = portal.post(
            "/portal/documents",
            data={
                "csrf_token": csrf(portal, "/portal/status"),
                "document_code_1": "identity_document",
                "document_file_1": (io.BytesIO(content), name),
            },
            content_type="multipart/form-data",
        )
        assert sent.status_code == 303
        web_clock.advance(minutes=7)

    section = html(portal.get("/portal/status", headers={"Accept-Language": "ru"})).get_element_by_id(
        "documents"
    )
    text = section.text_content()
    assert "паспорт.pdf" in text and "решение.png" in text
    assert text.count("Получено от вас") == 2 and "КБ" in text  # each sending acknowledged
    assert section.xpath(".//form[contains(@action, '/portal/documents')]")  # and a third time, too


def test_a_paid_claim_says_why_no_documents_are_taken_and_refuses_them(app, filed, officers):
    reference = filed["reference"]
    officers.check_documents(reference)
    officers.review(reference)
    officers.approve(reference)
    officers.confirm_payment(reference)
    portal = claimant(app, filed)

    section = html(portal.get("/portal/status")).get_element_by_id("documents")
    refused = portal.post(
        "/portal/documents",
        data={"csrf_token": csrf(portal, "/portal/status"), "document_code_1": "identity_document",
              "document_file_1": (io.BytesIO(PDF), "late.pdf")},
        content_type="multipart/form-data",
    )  # fmt: skip

    assert "the compensation has been paid. Documents can no longer be sent here." in section.text_content()
    assert "the Fund's contact details" in section.text_content()
    assert not section.xpath(".//form")
    assert refused.status_code == 409
    assert "late.pdf" not in text_of(portal.get("/portal/status"))
