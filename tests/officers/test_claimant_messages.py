"""Messages with the fund: a claimant writes from the portal's status page, officers see it unread
in the worklist and on the claim page, answer from the claim page, and the claimant reads the
answer on the status page, told of it by e-mail in their language without its content."""

from __future__ import annotations

import pytest

from fund.extensions import db
from fund.models import AccessLogEntry, ClaimMessage, Notification, WorkflowEvent
from tests.officer_helpers import browser, form_on, freeze_clock, html, main_text, post_with_token, send
from tests.portal.test_portal_status import portal_sign_in, text_of

QUESTION = "Сәлеметсіз бе! Ауруханадан анықтаманы қашан әкелуім керек?"
ANSWER = "Анықтаманы 10 наурызға дейін жіберіңіз, өтініш бетінде жүктей аласыз."


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
    """A new browser signed in to the portal with the claim's reference and access code."""
    client = app.test_client()
    assert portal_sign_in(client, filed["reference"], filed["access_code"], language).status_code == 303
    return client


def write_to_fund(client, text: str, language: str = "en"):
    page = html(client.get("/portal/status", headers={"Accept-Language": language}))
    return send(client, form_on(page, "/portal/messages"), message=text)


def answer(officer, reference: str, text: str):
    return send(officer, form_on(html(officer.get(f"/claims/{reference}")), "/messages"), message=text)


def unread_markers(page) -> list[str]:
    return [element.getparent().text_content() for element in page.xpath("//*[@data-flag='unread_message']")]


def test_a_claimants_message_is_unread_for_officers_until_opened_then_answered_and_read_on_the_portal(
    app, staff, filed
):
    reference = filed["reference"]
    portal = claimant(app, filed)

    sent = write_to_fund(portal, QUESTION)

    assert sent.status_code == 303 and sent.headers["Location"].endswith(
        "/portal/status?done=message#messages"
    )
    assert "Your message has been sent to the Fund." in text_of(portal.get(sent.headers["Location"]))
    assert (
        not db.session.query(Notification).filter_by(kind="message_from_fund").count()
    )  # no e-mail to officers

    ivan = browser(app, staff, "ivan", "intake")
    worklist = html(ivan.get("/worklist"))
    assert [reference in marker for marker in unread_markers(worklist)] == [True]

    claim_page = html(ivan.get(f"/claims/{reference}"))
    panel = claim_page.get_element_by_id("messages")
    assert QUESTION in panel.text_content() and "New, unread" in panel.text_content()
    assert "The claimant reads this answer." in panel.text_content()
    assert not unread_markers(html(ivan.get("/worklist")))  # opening the claim page read it
    assert (
        "New, unread"
        not in html(ivan.get(f"/claims/{reference}")).get_element_by_id("messages").text_content()
    )

    answered = answer(ivan, reference, ANSWER)

    assert answered.status_code == 302 and answered.headers["Location"].endswith("#messages-title")
    status_page = text_of(portal.get("/portal/status"))
    assert QUESTION in status_page and ANSWER in status_page
    assert status_page.index("You wrote") < status_page.index("The Fund answered")


def test_each_message_is_on_the_claims_timeline_but_not_in_its_event_chain(app, staff, filed):
    reference = filed["reference"]
    events_before = db.session.query(WorkflowEvent).count()
    write_to_fund(claimant(app, filed), QUESTION)
    ivan = browser(app, staff, "ivan", "intake")
    answer(ivan, reference, ANSWER)

    history = html(ivan.get(f"/claims/{reference}")).get_element_by_id("history-title").getparent()

    assert "Message from the claimant" in history.text_content()
    assert "Answer sent to the claimant — ivan" in history.text_content()
    assert db.session.query(WorkflowEvent).count() == events_before


def test_the_answer_is_announced_by_email_in_the_claimants_language_without_its_content(app, staff, filed):
    ivan = browser(app, staff, "ivan", "intake")

    answer(ivan, filed["reference"], ANSWER)

    (mail,) = db.session.query(Notification).filter_by(kind="message_from_fund").all()
    assert mail.language == "kk" and mail.recipient == "aigul@example.kz" and mail.state == "queued"
    assert mail.subject == f"{filed['reference']} нөмірлі өтінішіңіз бойынша Қордан жаңа хабарлама"
    assert "хабарламаның мәтіні бұл хатқа енгізілмейді" in mail.body
    assert ANSWER not in mail.body and "Анықтаманы" not in mail.body


def test_another_claimant_does_not_see_the_messages_of_a_claim(app, staff, submit, filed):
    other = submit()
    write_to_fund(claimant(app, filed), QUESTION)
    answer(browser(app, staff, "ivan", "intake"), filed["reference"], ANSWER)

    others_page = text_of(claimant(app, other).get("/portal/status"))

    assert QUESTION not in others_page and ANSWER not in others_page
    assert db.session.query(ClaimMessage).count() == 2


def test_an_auditor_reads_the_messages_logged_but_cannot_answer_nor_mark_them_read(app, staff, filed):
    reference = filed["reference"]
    write_to_fund(claimant(app, filed), QUESTION)
    aida = browser(app, staff, "aida", "auditor")

    page = html(aida.get(f"/claims/{reference}"))
    logged = db.session.query(AccessLogEntry).filter_by(username="aida").all()
    assert [entry.what for entry in logged] == ["messages with the claimant"]  # the view, logged
    refused = post_with_token(
        aida, f"/claims/{reference}/messages", {"message": "audit remark"}, token_page=f"/claims/{reference}"
    )

    assert QUESTION in page.get_element_by_id("messages").text_content()
    assert not [f for f in page.forms if "/messages" in (f.get("action") or "")]
    assert refused.status_code == 403
    assert db.session.query(ClaimMessage).filter_by(sender="fund").count() == 0
    assert db.session.query(ClaimMessage).one().read_at is None


def test_an_empty_or_overlong_message_is_refused_and_named_on_both_sides(app, staff, filed):
    portal = claimant(app, filed)
    ivan = browser(app, staff, "ivan", "intake")

    empty = write_to_fund(portal, "   ")
    overlong = write_to_fund(portal, "x" * 4001)
    empty_answer = answer(ivan, filed["reference"], "")
    overlong_answer = answer(ivan, filed["reference"], "y" * 4001)

    assert empty.status_code == overlong.status_code == 422
    assert "Your message to the Fund: Please write your message: at most 4000 characters." in text_of(
        overlong
    )
    assert empty_answer.status_code == overlong_answer.status_code == 422
    assert "Not sent: the answer must be between 1 and 4000 characters." in main_text(overlong_answer)
    assert db.session.query(ClaimMessage).count() == 0


def test_messages_without_the_forms_csrf_token_are_refused(app, staff, filed):
    portal = claimant(app, filed)
    ivan = browser(app, staff, "ivan", "intake")

    from_claimant = portal.post("/portal/messages", data={"message": QUESTION})
    from_officer = ivan.post(f"/claims/{filed['reference']}/messages", data={"message": ANSWER})

    assert from_claimant.status_code == 400 and from_officer.status_code == 400
    assert db.session.query(ClaimMessage).count() == 0


def test_without_a_portal_session_a_message_asks_to_sign_in(app, filed):
    anonymous = app.test_client()
    page = html(anonymous.get("/portal/sign-in"))
    token = page.xpath("//input[@name='csrf_token']/@value")[0]

    refused = anonymous.post("/portal/messages", data={"csrf_token": token, "message": QUESTION})

    assert refused.status_code == 303 and refused.headers["Location"].endswith("/portal/sign-in")
    assert db.session.query(ClaimMessage).count() == 0
