"""An officer finds a claim in the browser, in Kazakh and in Russian: part of the victim's name typed
without the Kazakh letters, then the claimant's phone as people say it; the results show an IIN's
last four digits only, and the claim opens from them. A box that cannot be read is marked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from fund.claims.submission import submit_claim
from tests.conftest import claim_body, make_iin
from tests.e2e.conftest import PASSWORD

WORDS = {
    "kk": {
        "box": "Өтініш нөмірі, ЖСН, аты-жөні, СДТБТ нөмірі немесе телефон",
        "found": "Табылған өтініштер: 1",
    },
    "ru": {"box": "Номер заявки, ИИН, ФИО, номер ЕРДР или телефон", "found": "Найдено заявок: 1"},
}
# A victim's name per language (the two runs share one database), and part of it typed without the
# Kazakh letters.
VICTIMS = {"kk": ("Мәдина Өтегенқызы", "отегенкызы"), "ru": ("Сәуле Бөкейқызы", "БОКЕЙКЫЗ")}
SHORT = {"kk": "Аты-жөнінің кемінде 3 әрпін енгізіңіз.", "ru": "Введите не менее 3 букв ФИО."}


def sign_in_by_field(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/sign-in")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.locator("form:has(#username) button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.parametrize(("language", "serial"), [("kk", 41), ("ru", 42)])
def test_an_officer_finds_a_claim_by_part_of_a_name_and_by_phone(
    live_server, new_page, shot, language, serial
):
    username = live_server.user(f"rustam_{language}", "reviewer")
    victim_iin = make_iin(datetime(2003, 4, 5).date(), serial=serial)
    phone = f"+7 702 555 00 {serial}"
    body = claim_body(
        role="successor",
        claimant__full_name="Ержан Қасымов",
        claimant__iin=make_iin(datetime(1975, 6, 30).date(), serial=serial + 100),
        claimant__birth_date="1975-06-30",
        claimant__phone=phone,
        victim={"full_name": VICTIMS[language][0], "iin": victim_iin, "birth_date": "2003-04-05"},
        crime__harm="death",
    )
    reference = live_server.run(submit_claim, body, datetime.now(UTC) - timedelta(hours=1)).reference
    page = new_page(locale=language)
    sign_in_by_field(page, live_server.url, username)
    page.goto(f"{live_server.url}/claims")

    page.get_by_label(WORDS[language]["box"]).fill(VICTIMS[language][1])
    page.locator("form.search-claims button[type=submit]").click()

    main = page.locator("main")
    expect(main).to_contain_text(WORDS[language]["found"])
    expect(main).to_contain_text(f"••••••••{victim_iin[-4:]}")
    assert victim_iin[:6] not in page.content()
    shot(page, "found-by-name")

    page.get_by_label(WORDS[language]["box"]).fill(f"8 (702) 555-00-{serial}")
    page.locator("form.search-claims button[type=submit]").click()
    expect(main).to_contain_text(WORDS[language]["found"])
    page.get_by_role("link", name=reference, exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/claims/{reference}")

    page.goto(f"{live_server.url}/claims")
    page.get_by_label(WORDS[language]["box"]).fill("ӘӘ")
    page.locator("form.search-claims button[type=submit]").click()
    expect(page.locator("#q-error")).to_have_text(SHORT[language])
    expect(page.locator("#q")).to_have_attribute("aria-invalid", "true")
    shot(page, "too-short")
