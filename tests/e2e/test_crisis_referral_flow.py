"""Help, if wanted, in a real browser, in Kazakh and in Russian: a claimant answers yes to "Would you
like a crisis centre to contact you?" on the application (kinds of help, their region), sends the
claim and sees the request on the status page; an intake officer working in the same language sees
the referral on the claim page, opens it (the access log records it), finds the region's centre
proposed and records it passed on by phone; the claimant's status page then says when.

Screenshots also go to /tmp/shots/help/ (or FUND_SHOTS_DIR) for the lead to look at.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from fund.claims.crisis_referrals import VIEWED
from fund.common.users import create_user
from fund.demo_crisis_centres import load_crisis_centres
from fund.extensions import db
from fund.models import AccessLogEntry, Claim, CrisisReferral, User
from tests.conftest import make_iin
from tests.e2e.conftest import PASSWORD

SHOTS = Path(os.environ.get("FUND_SHOTS_DIR", "/tmp/shots/help"))

CASES = {
    "kk": {
        "locale": "kk-KZ",
        "question": "Дағдарыс орталығы сізбен хабарласқанын қалайсыз ба?",
        "yes": "Иә, қалаймын",
        "kinds": ["Психологиялық көмек", "Заң көмегі"],
        "region_label": "Көмекті қай жерден алғыңыз келеді?",
        "region": "Алматы қаласы",
        "consent": "Қордың осы өтініш бойынша",
        "send": "Өтінішті жіберу",
        "asked": "дағдарыс орталығының сізбен хабарласуын сұрадыңыз",
        "user_label": "Пайдаланушы аты",
        "password_label": "Құпиясөз",
        "sign_in": "Кіру",
        "panel": "Дағдарыс орталығына жолдама",
        "waiting": "Жеткізуді күтуде",
        "open": "Жолдаманы ашу (қол жеткізу журналына жазылады)",
        "kinds_shown": "Психологиялық көмек, Заң көмегі",
        "centre": "«Қамқор» дағдарыс орталығы (демо-деректер)",
        "how": "Телефон арқылы",
        "record": "Жеткізілді деп белгілеу",
        "recorded": "Дағдарыс орталығына жолдама жеткізілді деп белгіленді.",
        "passed_staff": "Жеткізілді:",
        "passed_claimant": "дағдарыс орталығына жеткізілді",
    },
    "ru": {
        "locale": "ru-RU",
        "question": "Хотите, чтобы с вами связался кризисный центр?",
        "yes": "Да, пожалуйста",
        "kinds": ["Психологическая помощь", "Юридическая помощь"],
        "region_label": "Где вам удобнее получить помощь?",
        "region": "город Алматы",
        "consent": "Я согласен(на)",
        "send": "Отправить заявление",
        "asked": "чтобы с вами связался кризисный центр",
        "user_label": "Имя пользователя",
        "password_label": "Пароль",
        "sign_in": "Войти",
        "panel": "Направление в кризисный центр",
        "waiting": "Ожидает передачи",
        "open": "Открыть направление (записывается в журнал доступа)",
        "kinds_shown": "Психологическая помощь, Юридическая помощь",
        "centre": "Кризисный центр «Қамқор» (демо-данные)",
        "how": "По телефону",
        "record": "Отметить как переданное",
        "recorded": "Направление в кризисный центр отмечено как переданное.",
        "passed_staff": "Передано",
        "passed_claimant": "Ваша просьба передана в кризисный центр",
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


def _demo_centres() -> None:
    """The demo directory (Astana, Almaty, Shymkent), added once by an administrator."""
    admin = db.session.scalar(select(User).where(User.username == "crisis_admin"))
    admin = admin or create_user("crisis_admin", PASSWORD, ["admin"], datetime.now(UTC))
    load_crisis_centres(admin, datetime.now(UTC), lambda line: None)


def _referral(reference: str) -> tuple[CrisisReferral, list[str]]:
    claim_id = db.session.scalar(select(Claim.id).where(Claim.reference == reference))
    referral = db.session.scalar(select(CrisisReferral).where(CrisisReferral.claim_id == claim_id))
    logged = list(db.session.scalars(select(AccessLogEntry.what).where(AccessLogEntry.claim_id == claim_id)))
    return referral, logged


def _apply(page, base_url: str, case: dict, keep, language: str) -> str:
    """The application's first three steps filled by field name, the consent step by its words."""
    page.goto(f"{base_url}/portal/apply/who")
    page.locator("#role-victim").check()
    page.locator("[name='claimant.full_name']").fill("Айгүл Сәрсенова")
    page.locator("[name='claimant.iin']").fill(make_iin(date(1990, 1, 15), female=True))
    page.locator("[name='claimant.birth_date']").fill("1990-01-15")
    page.locator("button[name=go][value=next]").click()
    page.locator("[name='crime.erdr_number']").fill("251750010001234")
    page.locator("[name='crime.article']").fill("146")
    page.locator("[name='crime.part']").fill("3")
    page.locator("[name='crime.committed_on']").fill("2025-05-01")
    page.locator("[name='crime.recognized_on']").fill("2025-06-01")
    page.locator("#crime-harm-none").check()
    page.locator("button[name=go][value=next]").click()
    page.locator("[name='claimant.phone']").fill("8 701 234 56 78")
    page.locator("[name='claimant.iban']").fill("KZ86125KZT5004100100")
    page.locator("button[name=go][value=next]").click()

    # The consent step, with the optional question after the consent.
    question = page.locator("#crisis-help")
    expect(question).to_contain_text(case["question"])
    page.get_by_label(case["consent"]).check()
    question.get_by_label(case["yes"]).check()
    for kind in case["kinds"]:
        question.get_by_label(kind).check()
    question.get_by_label(case["region_label"]).select_option(label=case["region"])
    keep(page, f"{language}-consent-step-crisis-question")
    page.locator("button[name=go][value=next]").click()
    page.get_by_role("button", name=case["send"]).click()
    reference = page.locator("#reference").inner_text()
    return reference


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_yes_to_the_crisis_centre_question_reaches_the_officer_who_passes_it_on(
    live_server, new_page, keep, language
):
    case = CASES[language]
    live_server.run(_demo_centres)
    officer = live_server.user(f"crisis_intake_{language}", "intake")

    claimant = new_page(locale=case["locale"])
    reference = _apply(claimant, live_server.url, case, keep, language)
    claimant.goto(f"{live_server.url}/portal/status")
    panel = claimant.locator("#crisis-help")
    expect(panel).to_contain_text(case["asked"])
    panel.scroll_into_view_if_needed()
    keep(claimant, f"{language}-status-crisis-asked")

    staff = new_page(locale=case["locale"])
    staff.goto(f"{live_server.url}/sign-in")
    staff.get_by_label(case["user_label"]).fill(officer)
    staff.get_by_label(case["password_label"]).fill(PASSWORD)
    staff.get_by_role("button", name=case["sign_in"]).click()
    staff.goto(f"{live_server.url}/claims/{reference}")
    referral_panel = staff.locator("#crisis-referral")
    expect(referral_panel).to_contain_text(case["panel"])
    expect(referral_panel).to_contain_text(case["waiting"])
    expect(referral_panel).not_to_contain_text(case["kinds_shown"])  # only after opening it
    referral_panel.get_by_role("button", name=case["open"]).click()

    referral_panel = staff.locator("#crisis-referral")
    expect(referral_panel).to_contain_text(case["kinds_shown"])
    expect(referral_panel.locator("select[name=centre_id] option:checked")).to_contain_text(case["centre"])
    referral_panel.get_by_label(case["how"]).check()
    referral_panel.scroll_into_view_if_needed()
    keep(staff, f"{language}-claim-page-referral-opened")
    referral_panel.get_by_role("button", name=case["record"]).click()
    expect(staff.locator("main")).to_contain_text(case["recorded"])
    expect(staff.locator("#crisis-referral")).to_contain_text(case["passed_staff"])
    keep(staff, f"{language}-claim-page-referral-passed-on")

    referral, logged = live_server.run(_referral, reference)
    assert (referral.kinds, referral.region_code, referral.passed_by, referral.passed_how) == (
        "psychological,legal",
        "almaty",
        officer,
        "phone",
    )
    assert VIEWED in logged

    claimant.goto(f"{live_server.url}/portal/status")
    panel = claimant.locator("#crisis-help")
    expect(panel).to_contain_text(case["passed_claimant"])
    panel.scroll_into_view_if_needed()
    keep(claimant, f"{language}-status-crisis-passed-on")
