"""The claimant portal in a real browser: a claim sent in Russian, followed and completed with a
requested document; in Kazakh, a rejection read and reconsideration asked. Officers' work is done
through the services (``live_server.run``)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from fund.claims import tasks
from fund.claims.submission import submit_claim
from fund.extensions import db
from fund.models import Claim, HumanTask, User
from tests.conftest import DOCUMENTS_COMPLETE, DOCUMENTS_MISSING, claim_body, make_iin

PHONE = {"width": 375, "height": 740}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REJECT_REVIEW = {
    "recommendation": "reject",
    "prosecutor_office": "Prosecutor's office of Almaty",
    "reasons": ["not_recognised_as_victim"],
}
REJECT = {"decision": "reject", "reasons": ["not_recognised_as_victim"]}


def _work(reference: str, steps: list[tuple[str, str, dict]]) -> None:
    for username, task_name, form in steps:
        user = db.session.scalar(select(User).where(User.username == username))
        task_id = db.session.scalar(
            select(HumanTask.id)
            .join(Claim, Claim.id == HumanTask.claim_id)
            .where(Claim.reference == reference, HumanTask.name == task_name, HumanTask.state == "open")
        )
        tasks.complete_task(user, task_id, form, datetime.now(UTC))


def _status(reference: str) -> str:
    return db.session.scalar(select(Claim.status).where(Claim.reference == reference))


def test_a_claim_sent_in_russian_is_followed_and_completed_with_a_requested_document(
    live_server, new_page, shot
):
    live_server.user("ivan", "intake")
    page = new_page(locale="ru-RU")
    page.goto(f"{live_server.url}/portal")
    assert page.locator("html").get_attribute("lang") == "ru"
    page.get_by_role("link", name="Подать заявление на компенсацию").click()

    page.get_by_label("Я потерпевший").check()
    page.get_by_label("Ваши фамилия, имя и отчество").fill("Айгуль Сарсенова")
    page.get_by_label("Ваш ИИН").fill(make_iin(datetime(1990, 1, 15).date(), female=True))
    page.get_by_label("Ваша дата рождения").fill("1990-01-15")
    shot(page, "who")
    page.get_by_role("button", name="Продолжить").click()

    page.get_by_label("Номер уголовного дела в ЕРДР").fill("251750010001234")
    page.get_by_label("Статья Уголовного кодекса").fill("146")
    page.get_by_label("Часть статьи").fill("3")
    page.get_by_label("Дата преступления").fill("2025-05-01")
    page.get_by_label("Дата признания потерпевшим").fill("2025-06-01")
    page.get_by_label("Ничего из перечисленного").check()
    page.get_by_role("button", name="Продолжить").click()

    page.get_by_label("Номер телефона").fill("+7 701 234 56 78")
    page.get_by_label("Банковский счёт (IBAN)").fill("KZ86125KZT5004100101")  # one character wrong
    page.get_by_role("button", name="Продолжить").click()
    expect(page.locator("#error-summary")).to_contain_text("ошибка в одном из знаков")
    shot(page, "iban-error")
    page.get_by_label("Банковский счёт (IBAN)").fill("KZ86125KZT5004100100")
    page.get_by_role("button", name="Продолжить").click()

    page.get_by_label("Я согласен(на)").check()
    page.get_by_role("button", name="Продолжить").click()
    shot(page, "check")
    page.get_by_role("button", name="Отправить заявление").click()

    reference = page.locator("#reference").inner_text()
    code = page.locator("#access-code").inner_text()
    assert re.fullmatch(r"VCF-\d{4}-\d{6}", reference)
    shot(page, "reference-and-code")
    page.get_by_role("button", name="Выйти").click()

    live_server.run(_work, reference, [("ivan", "intake_check", DOCUMENTS_MISSING)])

    phone = new_page(locale="ru-RU", viewport=PHONE)
    phone.goto(f"{live_server.url}/portal/sign-in")
    phone.get_by_label("Номер заявления").fill(reference)
    phone.get_by_label("Код доступа").fill(code)
    phone.get_by_role("button", name="Показать моё заявление").click()
    main = phone.locator("main")
    expect(main).to_contain_text("нужны от вас ещё некоторые документы")
    shot(phone, "status-phone")
    phone.get_by_label("Заключение судебно-медицинской экспертизы").set_input_files(
        files=[{"name": "заключение.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    phone.get_by_role("button", name="Отправить документы").click()
    expect(main).to_contain_text("Мы получили ваши документы")
    expect(main).to_contain_text("Мы получили ваше заявление")
    shot(phone, "documents-sent")
    assert live_server.run(_status, reference) == "submitted"


def test_in_kazakh_a_rejection_is_read_and_reconsideration_asked(live_server, new_page, shot):
    live_server.user("ivan2", "intake")
    live_server.user("rita2", "reviewer")
    live_server.user("alma2", "approver")
    body = claim_body()
    submitted = live_server.run(submit_claim, body, datetime.now(UTC))
    live_server.run(
        _work,
        submitted.reference,
        [
            ("ivan2", "intake_check", DOCUMENTS_COMPLETE),
            ("rita2", "review_torture", REJECT_REVIEW),
            ("alma2", "approval", REJECT),
        ],
    )

    page = new_page(locale="kk-KZ")
    page.goto(f"{live_server.url}/portal/sign-in")
    assert page.locator("html").get_attribute("lang") == "kk"
    page.get_by_label("Өтініш нөмірі").fill(submitted.reference)
    page.get_by_label("Кіру коды").fill(submitted.access_code)
    page.keyboard.press("Tab")  # from the code field, the keyboard reaches the button
    assert page.evaluate("document.activeElement.tagName") == "BUTTON"
    page.keyboard.press("Enter")
    main = page.locator("main")
    expect(main).to_contain_text("Қор өтемақы төлемеу туралы шешім қабылдады")
    shot(page, "rejected")

    with page.expect_download() as download:
        page.get_by_role("link", name="Шешім: өтемақыдан бас тартылды").click()
    letter = PdfReader(io.BytesIO(open(download.value.path(), "rb").read()))
    assert submitted.reference in "".join(p.extract_text() for p in letter.pages)

    page.get_by_label("Шешімді неге қайта қарау керек").fill(
        "Мен жәбірленуші деп танылғанмын, қаулының көшірмесін жібере аламын."
    )
    page.get_by_role("button", name="Өтінішті жіберу").click()
    expect(main).to_contain_text("Сұрауыңыз жіберілді")
    shot(page, "reconsideration-asked")
    assert live_server.run(_status, submitted.reference) == "reconsideration"
