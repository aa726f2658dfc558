"""A paper claim registered in the browser, in Kazakh and in Russian: an intake officer types the
application in, attaches the scan and a document, prints the acknowledgement with the reference and
the access code, and completes the claim's intake check; the claimant then follows the claim on the
portal with the code from the paper."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import PASSWORD

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 17 + b"\x00\x00\x00\x00IEND\xaeB`\x82"
# What each language says on the pages this test reads (the staff and the letters' catalogs).
WORDS = {
    "kk": {
        "form": "Қағаз түріндегі немесе жеке келіп берілген өтінішті тіркеу",
        "refused": "Өтініш тіркелмеді; ештеңе сақталмады",
        "slip": "Сіздің өтінішіңіз тіркелді",
    },
    "ru": {
        "form": "Регистрация бумажного заявления или заявления при личном обращении",
        "refused": "Заявление не зарегистрировано; ничего не сохранено",
        "slip": "Ваше заявление зарегистрировано",
    },
}


def sign_in_by_field(page, base_url: str, username: str) -> None:
    """Sign in by the form's fields (their labels are in the page's language)."""
    page.goto(f"{base_url}/sign-in")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.locator("form:has(#username) button[type=submit]").click()
    page.wait_for_load_state()


def attach_papers(page) -> None:
    page.set_input_files(
        "#application", files=[{"name": "өтініш.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.select_option("#document_code_1", "identity_document")
    page.set_input_files(
        "#document_file_1", files=[{"name": "passport.png", "mimeType": "image/png", "buffer": PNG}]
    )


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_intake_registers_a_paper_claim_prints_the_code_and_checks_it(live_server, new_page, shot, language):
    username = live_server.user(f"dana_{language}", "intake")
    words = WORDS[language]
    officer = new_page(locale=language)
    sign_in_by_field(officer, live_server.url, username)

    # The intake officer opens the registration page from the menu.
    officer.locator("nav a[href='/claims/new']").click()
    assert words["form"] in officer.locator("h1").inner_text()
    officer.select_option("#role", "victim")
    officer.fill("#claimant-full_name", "Айгүл Сәрсенова" if language == "kk" else "Анна Смирнова")
    officer.fill("#claimant-iin", "900115400018")  # a valid IIN of 15 January 1990
    officer.fill("#claimant-birth_date", "1990-01-15")
    officer.fill("#crime-erdr_number", "251750010009876" if language == "kk" else "251750010009877")
    officer.fill("#crime-article", "146")
    officer.fill("#crime-part", "3")
    officer.fill("#crime-committed_on", "2025-05-01")
    officer.fill("#crime-recognized_on", "2025-06-01")
    officer.select_option("#crime-harm", "none")
    officer.fill("#claimant-phone", "+7 701 234 56 78")
    officer.select_option("#claimant-language", language)
    officer.fill("#claimant-iban", "KZ18722S000012345679")  # mistyped: fails the mod-97 check
    officer.check("#consent")
    attach_papers(officer)
    shot(officer, f"{language}-form")
    officer.locator("#paper-claim-form button[type=submit]").click()

    # Refused, naming the field, nothing saved; the officer corrects the IBAN and attaches again.
    summary = officer.locator("#error-summary")
    assert words["refused"] in summary.inner_text()
    assert officer.get_attribute("#claimant-iban", "aria-invalid") == "true"
    shot(officer, f"{language}-refused")
    officer.fill("#claimant-iban", "KZ86125KZT5004100100")
    attach_papers(officer)
    officer.locator("#paper-claim-form button[type=submit]").click()

    # The acknowledgement to print: the reference and the access code, in the claimant's language.
    slip = officer.locator("#acknowledgement")
    assert words["slip"] in slip.inner_text()
    reference = officer.locator("#slip-reference").inner_text()
    access_code = officer.locator("#slip-access-code").inner_text()
    shot(officer, f"{language}-acknowledgement")
    officer.emulate_media(media="print")
    shot(officer, f"{language}-acknowledgement-printed")
    assert officer.locator("header.top").is_hidden()
    officer.emulate_media(media="screen")

    # The claim waits in the worklist for its intake check; the officer completes it.
    officer.goto(f"{live_server.url}/worklist")
    row = officer.locator("tr", has=officer.get_by_role("link", name=reference))
    row.locator("a[href^='/tasks/']").first.click()
    shot(officer, f"{language}-intake-task")
    officer.locator("input[name=documents_complete][value=yes]").check()
    officer.locator("#task-form button[type=submit]").click()
    officer.goto(f"{live_server.url}/claims/{reference}")
    shot(officer, f"{language}-claim-page")
    assert "dana_" + language in officer.locator("#main").inner_text()  # the officer in the history

    # The claimant follows the claim on the portal with what the paper says.
    claimant = new_page(locale=language)
    claimant.goto(f"{live_server.url}/portal/sign-in")
    claimant.fill("#reference", reference)
    claimant.fill("#access_code", access_code)
    claimant.locator("form:has(#access_code) button[type=submit]").click()
    claimant.wait_for_url("**/portal/status")
    assert reference in claimant.locator("main").inner_text()
    shot(claimant, f"{language}-portal-status")
