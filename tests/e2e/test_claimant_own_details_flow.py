"""The claimant's own details in a real browser, in Kazakh and in Russian: the claimant changes the
phone from the status page, asks for the payment to go to a new bank account, an intake officer
(working in the same language) finds it on the worklist and confirms it on the claim page, the
claimant sees it confirmed, and then withdraws the claim after the "are you sure" page; the
officer's claim page shows the withdrawn status in words.

Screenshots also go to /tmp/shots/details/ (or FUND_SHOTS_DIR) for the lead to look at.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from fund.claims.submission import submit_claim
from tests.conftest import claim_body
from tests.e2e.conftest import PASSWORD

SHOTS = Path(os.environ.get("FUND_SHOTS_DIR", "/tmp/shots/details"))

CASES = {
    "kk": {
        "locale": "kk-KZ",
        "reference_label": "Өтініш нөмірі",
        "code_label": "Кіру коды",
        "details": "Сіздің деректеріңіз",
        "change_link": "Телефонды, электрондық поштаны немесе тілді өзгерту",
        "phone_label": "Телефон нөмірі",
        "save": "Жаңа деректерді сақтау",
        "changed": "Байланыс деректеріңіз өзгертілді.",
        "account_link": "Төлемді басқа банк шотына аударуды сұрау",
        "iban_label": "Жаңа банк шоты (IBAN)",
        "send_request": "Сұрауды Қорға жіберу",
        "pending": "Жаңа банк шоты KZ75••••••••••••0100: Қордың тексеруін күтуде.",
        "confirmed": "Жаңа банк шоты KZ75••••••••••••0100: Қор растады",
        "withdraw": "Өтінішті кері қайтарып алу",
        "cannot_undo": "Мұны онлайн болдырмау мүмкін емес.",
        "yes": "Иә,",
        "withdrawn": "Өтінішіңіз кері қайтарылды.",
        "user_label": "Пайдаланушы аты",
        "password_label": "Құпиясөз",
        "sign_in": "Кіру",
        "to_check": "Тексерілетін жаңа банк шоттары",
        "confirm": "Жаңа шотты растау",
        "confirmed_staff": "Жаңа банк шоты расталды",
        "withdrawn_status": "Өтініш беруші кері қайтарып алды",
    },
    "ru": {
        "locale": "ru-RU",
        "reference_label": "Номер заявления",
        "code_label": "Код доступа",
        "details": "Ваши данные",
        "change_link": "Изменить телефон, электронную почту или язык",
        "phone_label": "Номер телефона",
        "save": "Сохранить новые данные",
        "changed": "Ваши контактные данные изменены.",
        "account_link": "Попросить перечислить выплату на другой банковский счёт",
        "iban_label": "Новый банковский счёт (IBAN)",
        "send_request": "Отправить просьбу в Фонд",
        "pending": "Новый банковский счёт KZ75••••••••••••0100: ожидает проверки Фонда.",
        "confirmed": "Новый банковский счёт KZ75••••••••••••0100: подтверждён Фондом",
        "withdraw": "Отозвать заявление",
        "cannot_undo": "Отменить это онлайн нельзя.",
        "yes": "Да, я хочу отозвать",
        "withdrawn": "Ваше заявление отозвано.",
        "user_label": "Имя пользователя",
        "password_label": "Пароль",
        "sign_in": "Войти",
        "to_check": "Новые банковские счета на проверку",
        "confirm": "Подтвердить новый счёт",
        "confirmed_staff": "Новый банковский счёт подтверждён",
        "withdrawn_status": "Отозвано заявителем",
    },
}


@pytest.fixture
def keep(shot):
    """A screenshot into test-artifacts (the suite's way) and a copy under SHOTS."""
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, step: str) -> None:
        path = shot(page, step)
        shutil.copy(path, SHOTS / path.name)

    return take


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_phone_is_changed_a_new_account_is_confirmed_by_intake_and_the_claim_withdrawn(
    live_server, new_page, keep, language
):
    case = CASES[language]
    officer = live_server.user(f"ivan_{language}", "intake")
    submitted = live_server.run(submit_claim, claim_body(claimant__language=language), datetime.now(UTC))

    claimant = new_page(locale=case["locale"])
    claimant.goto(f"{live_server.url}/portal/sign-in")
    claimant.get_by_label(case["reference_label"]).fill(submitted.reference)
    claimant.get_by_label(case["code_label"]).fill(submitted.access_code)
    claimant.keyboard.press("Enter")
    details = claimant.locator("#own-details")
    expect(details).to_contain_text(case["details"])
    expect(details).to_contain_text("+77012345678")

    # The phone, as Kazakhs write it.
    details.get_by_role("link", name=case["change_link"]).click()
    claimant.get_by_label(case["phone_label"]).fill("8 (702) 555-12-34")
    keep(claimant, f"{language}-contact-details-form")
    claimant.get_by_role("button", name=case["save"]).click()
    expect(claimant.locator("main")).to_contain_text(case["changed"])
    expect(claimant.locator("#own-details")).to_contain_text("+77025551234")

    # A new account: only a request.
    claimant.locator("#own-details").get_by_role("link", name=case["account_link"]).click()
    claimant.get_by_label(case["iban_label"]).fill("KZ75 125K ZT20 6910 0100")
    keep(claimant, f"{language}-bank-account-form")
    claimant.get_by_role("button", name=case["send_request"]).click()
    expect(claimant.locator("#own-details")).to_contain_text(case["pending"])
    keep(claimant, f"{language}-status-account-pending")

    # Intake, working in the same language, finds it on the worklist and confirms it.
    staff = new_page(locale=case["locale"])
    staff.goto(f"{live_server.url}/sign-in")
    staff.get_by_label(case["user_label"]).fill(officer)
    staff.get_by_label(case["password_label"]).fill(PASSWORD)
    staff.get_by_role("button", name=case["sign_in"]).click()
    staff.goto(f"{live_server.url}/worklist")
    to_check = staff.locator("#bank-account-worklist")
    expect(to_check).to_contain_text(case["to_check"])
    keep(staff, f"{language}-worklist-account-to-check")
    to_check.get_by_role("link", name=submitted.reference).click()
    panel = staff.locator("#bank-account-requests")
    expect(panel).to_contain_text("KZ75125KZT2069100100")  # in full for intake, to check it
    keep(staff, f"{language}-claim-page-account-request")
    panel.get_by_role("button", name=case["confirm"]).click()
    expect(staff.locator("#bank-account-requests")).to_contain_text(officer)
    expect(staff.locator("main")).to_contain_text(case["confirmed_staff"])

    claimant.goto(f"{live_server.url}/portal/status")
    expect(claimant.locator("#own-details")).to_contain_text(case["confirmed"])
    keep(claimant, f"{language}-status-account-confirmed")

    # Withdrawal, after "are you sure".
    claimant.locator("#own-details").get_by_role("link", name=case["withdraw"]).click()
    expect(claimant.locator("main")).to_contain_text(case["cannot_undo"])
    claimant.get_by_label(case["yes"]).check()
    keep(claimant, f"{language}-withdraw-are-you-sure")
    claimant.get_by_role("button", name=case["withdraw"]).click()
    expect(claimant.locator("main")).to_contain_text(case["withdrawn"])
    expect(claimant.locator("#own-details")).not_to_contain_text(case["withdraw"])
    keep(claimant, f"{language}-status-withdrawn")

    staff.goto(f"{live_server.url}/claims/{submitted.reference}")
    expect(staff.locator("main")).to_contain_text(case["withdrawn_status"])
    keep(staff, f"{language}-claim-page-withdrawn")
