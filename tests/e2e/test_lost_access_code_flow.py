"""A lost access code in a real browser, in Kazakh and in Russian: the claimant asks for a new one
from the sign-in page, an intake officer (whose pages are in the same language) checks the
claimant's identity and issues it, the claimant signs in with it; the old code is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from fund.claims.submission import submit_claim
from tests.conftest import claim_body
from tests.e2e.test_officers_work_in_their_language import LOCALES, sign_in, speaks
from tests.web.test_staff_languages import _english_sentences

CASES = {
    "kk": {
        "lost": "Кіру кодымды жоғалттым",
        "reference": "Өтініш нөмірі",
        "iin": "Сіздің ЖСН",
        "born": "Туған күніңіз",
        "ask": "Жаңа кіру кодын сұрау",
        "asked": "Қор кеңсесіне келіңіз",
        "code": "Кіру коды",
        "refused": "Осы нөмір мен кіру коды бойынша өтініш табылмады",
    },
    "ru": {
        "lost": "Я потерял(а) код доступа",
        "reference": "Номер заявления",
        "iin": "Ваш ИИН",
        "born": "Ваша дата рождения",
        "ask": "Запросить новый код доступа",
        "asked": "придите в офис Фонда",
        "code": "Код доступа",
        "refused": "Мы не нашли заявление с таким номером и кодом доступа",
    },
}


def portal_sign_in(page, base_url: str, case: dict, reference: str, code: str) -> None:
    page.goto(f"{base_url}/portal/sign-in")
    page.get_by_label(case["reference"]).fill(reference)
    page.get_by_label(case["code"]).fill(code)
    page.keyboard.press("Enter")
    page.wait_for_load_state()


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_claimant_gets_a_new_access_code_after_intake_checks_who_they_are(
    live_server, new_page, shot, language
):
    case = CASES[language]
    body = claim_body(claimant__language=language)
    submitted = live_server.run(submit_claim, body, datetime.now(UTC))
    officer = live_server.user(f"dana_{language}", "intake")

    claimant = new_page(locale=LOCALES[language])
    claimant.goto(f"{live_server.url}/portal/sign-in")
    claimant.get_by_role("link", name=case["lost"]).click()
    assert claimant.locator("html").get_attribute("lang") == language
    claimant.get_by_label(case["reference"]).fill(submitted.reference)
    claimant.get_by_label(case["iin"]).fill(body["claimant"]["iin"])
    claimant.get_by_label(case["born"]).fill(body["claimant"]["birth_date"])
    shot(claimant, f"lost-code-{language}")
    claimant.get_by_role("button", name=case["ask"]).click()
    expect(claimant.locator("main")).to_contain_text(case["asked"])
    shot(claimant, f"lost-code-asked-{language}")

    staff = new_page(locale=LOCALES[language])
    sign_in(staff, live_server.url, officer)
    staff.goto(f"{live_server.url}/access-codes")
    speaks(staff, language, _english_sentences())
    staff.locator("#access-code-requests tr", has_text=submitted.reference).locator("a").click()
    speaks(staff, language, _english_sentences())
    expect(staff.locator("#claimant-identity")).to_contain_text(body["claimant"]["full_name"])
    staff.locator("#identity_check-in_person").check()
    shot(staff, f"identity-check-{language}")
    staff.locator("form[action$='/issue'] button[type=submit]").click()
    new_code = staff.locator("#new-access-code").inner_text().strip()
    speaks(staff, language, _english_sentences())
    shot(staff, f"new-code-{language}")
    assert new_code != submitted.access_code

    portal_sign_in(claimant, live_server.url, case, submitted.reference, submitted.access_code)
    expect(claimant.locator("main")).to_contain_text(case["refused"])
    portal_sign_in(claimant, live_server.url, case, submitted.reference, new_code)
    expect(claimant.locator("main")).to_contain_text(submitted.reference)
    assert claimant.url.endswith("/portal/status")

    staff.goto(f"{live_server.url}/claims/{submitted.reference}")
    speaks(staff, language, _english_sentences())
    shot(staff, f"claim-history-{language}")
