"""Messages with the fund in a real browser: in Kazakh and in Russian, a claimant writes from the
status page, an officer sees the message unread in the worklist and on the claim page, answers
(warned that the claimant reads it), and the claimant reads the answer on the status page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from fund.claims.submission import submit_claim
from tests.conftest import claim_body
from tests.e2e.conftest import sign_in

CASES = {
    "kk": {
        "locale": "kk-KZ",
        "reference_label": "Өтініш нөмірі",
        "code_label": "Кіру коды",
        "message_label": "Қорға хабарламаңыз",
        "send": "Хабарламаны жіберу",
        "sent": "Хабарламаңыз Қорға жіберілді.",
        "question": "Сәлеметсіз бе! Ауруханадан анықтаманы қашан әкелуім керек?",
        "answer": "Анықтаманы 10 наурызға дейін жіберіңіз.",
        "answered": "Қордың жауабы",
    },
    "ru": {
        "locale": "ru-RU",
        "reference_label": "Номер заявления",
        "code_label": "Код доступа",
        "message_label": "Ваше сообщение в Фонд",
        "send": "Отправить сообщение",
        "sent": "Ваше сообщение отправлено в Фонд.",
        "question": "Здравствуйте! Когда мне принести справку из больницы?",
        "answer": "Справку можно направить до 10 марта.",
        "answered": "Ответ Фонда",
    },
}


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_message_is_sent_from_the_status_page_and_the_officers_answer_read_there(
    live_server, new_page, shot, language
):
    case = CASES[language]
    officer = live_server.user(f"ivan_{language}", "intake")
    submitted = live_server.run(submit_claim, claim_body(claimant__language=language), datetime.now(UTC))

    claimant = new_page(locale=case["locale"])
    claimant.goto(f"{live_server.url}/portal/sign-in")
    assert claimant.locator("html").get_attribute("lang") == language
    claimant.get_by_label(case["reference_label"]).fill(submitted.reference)
    claimant.get_by_label(case["code_label"]).fill(submitted.access_code)
    claimant.keyboard.press("Enter")
    claimant.get_by_label(case["message_label"]).fill(case["question"])
    shot(claimant, "written")
    claimant.get_by_role("button", name=case["send"]).click()
    expect(claimant.locator("main")).to_contain_text(case["sent"])
    expect(claimant.locator("#messages")).to_contain_text(case["question"])
    shot(claimant, "sent")

    staff = new_page()
    sign_in(staff, live_server.url, officer)
    staff.goto(f"{live_server.url}/worklist")
    row = staff.locator("tr", has_text=submitted.reference)
    expect(row.locator("[data-flag=unread_message]")).to_be_visible()
    shot(staff, "worklist-unread")
    row.locator("[data-flag=unread_message]").click()
    panel = staff.locator("#messages")
    expect(panel).to_contain_text(case["question"])
    expect(panel).to_contain_text("New, unread")
    expect(panel).to_contain_text("The claimant reads this answer.")
    staff.get_by_label("Answer to the claimant").fill(case["answer"])
    shot(staff, "claim-page-answer")
    staff.get_by_role("button", name="Send the answer to the claimant").click()
    expect(staff.locator("main")).to_contain_text("Your answer was sent to the claimant.")
    staff.goto(f"{live_server.url}/worklist")
    expect(
        staff.locator("tr", has_text=submitted.reference).locator("[data-flag=unread_message]")
    ).to_have_count(0)

    claimant.reload()
    messages = claimant.locator("#messages")
    expect(messages).to_contain_text(case["answer"])
    expect(messages).to_contain_text(case["answered"])
    shot(claimant, "answer-read")
