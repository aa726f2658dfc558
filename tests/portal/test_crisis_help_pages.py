"""Help, if wanted, on the portal's pages: the application's consent step asks, optionally, whether a
crisis centre should contact the claimant (kinds of help, region); the status page asks later, then
says when the request was passed on. In Kazakh and Russian; every form needs its CSRF token; an
answer the form does not offer is refused naming the field, and nothing is kept.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from fund.admin.crisis_centres import save_crisis_centre
from fund.claims import crisis_referrals
from fund.extensions import db
from fund.models import Claim, CrisisReferral
from tests.claims.test_crisis_referrals import ALMATY, ASTANA, user
from tests.portal.test_portal_own_details import portal_sign_in, text_of, token_of
from tests.portal.test_portal_services import T0, file_claim
from tests.portal.test_portal_submission import NOW, answers, apply, page, post_step


@pytest.fixture
def portal_clock(monkeypatch):
    """The portal's clock, frozen at Monday 2 March 2026, 14:00 in Almaty."""
    monkeypatch.setattr("fund.portal.pages.utc_now", lambda: NOW)
    monkeypatch.setattr("fund.portal.apply_views.utc_now", lambda: NOW)
    return NOW


@pytest.fixture
def centres(app):
    admin = user("adil", "admin")
    return {
        "astana": save_crisis_centre(admin, ASTANA, ["psychological", "legal"], T0),
        "almaty": save_crisis_centre(admin, ALMATY, ["medical", "social"], T0),
    }


def referral_of(reference: str) -> CrisisReferral | None:
    db.session.expire_all()
    claim_id = db.session.scalar(select(Claim.id).where(Claim.reference == reference))
    return db.session.scalar(select(CrisisReferral).where(CrisisReferral.claim_id == claim_id))


def reference_after(client, sent) -> str:
    assert sent.status_code == 303, sent.get_data(as_text=True)[:2000]
    return page(client.get(sent.headers["Location"])).get_element_by_id("reference").text


def test_the_consent_step_asks_kindly_and_says_the_question_may_be_skipped(client, portal_clock, centres):
    for step, fields in list(answers().items())[:3]:
        post_step(client, step, fields, "kk")
    shown = client.get("/portal/apply/consent?lang=kk", follow_redirects=True)
    text = text_of(shown)
    assert "Дағдарыс орталығы сізбен хабарласқанын қалайсыз ба?" in text
    assert "бұл сұраққа жауап бермеуге болады" in text and "Психологиялық көмек" in text
    regions = page(shown).xpath("//select[@name='help.region']/option/text()")
    assert regions[1:] == ["Астана қаласы", "Алматы қаласы"]


def test_a_claim_sent_without_answering_asks_for_no_crisis_centre(client, portal_clock, centres):
    reference = reference_after(client, apply(client))
    assert referral_of(reference) is None


def test_no_thank_you_asks_for_no_crisis_centre(client, portal_clock, centres):
    steps = answers()
    steps["consent"].update({"help.wanted": "no", "help.kinds": ["legal"], "help.region": "astana"})
    reference = reference_after(client, apply(client, steps, language="ru"))
    assert referral_of(reference) is None


def test_yes_on_the_application_refers_the_claimant_to_their_regions_centre(client, portal_clock, centres):
    steps = answers()
    steps["consent"].update(
        {"help.wanted": "yes", "help.kinds": ["social", "psychological"], "help.region": "astana"}
    )
    reference = reference_after(client, apply(client, steps, language="kk"))
    referral = referral_of(reference)
    assert (referral.asked_from, referral.kinds, referral.region_code, referral.centre_id) == (
        "application",
        "psychological,social",
        "astana",
        centres["astana"].id,
    )
    status = text_of(client.get("/portal/status?lang=kk", follow_redirects=True))
    assert "Дағдарыс орталығының көмегі" in status
    assert "дағдарыс орталығының сізбен хабарласуын сұрадыңыз" in status
    assert "«Сенім» дағдарыс орталығы" in status and "+7 7172 10 20 30" in status  # to call them oneself


def test_a_kind_the_form_does_not_offer_is_refused_on_the_consent_step(client, portal_clock, centres):
    steps = answers()
    for step, fields in list(steps.items())[:3]:
        post_step(client, step, fields, "ru")
    refused = post_step(
        client, "consent", {"consent": "yes", "help.wanted": "yes", "help.kinds": ["spiritual"]}, "ru"
    )
    assert refused.status_code == 422
    found = page(refused)
    assert found.xpath("//*[@id='help-kinds-error']") and "Выберите один из предложенных ответов." in text_of(
        refused
    )


def test_the_status_page_asks_later_in_russian_and_says_when_it_was_passed_on(client, app, centres):
    filed = file_claim()
    portal_sign_in(client, filed, "ru")
    status = client.get("/portal/status")
    assert "Попросить кризисный центр связаться со мной" in text_of(status)

    no_token = client.post("/portal/crisis-help", data={"help.kinds": ["legal"]})
    assert no_token.status_code == 400 and referral_of(filed.reference) is None

    token = token_of(client, "/portal/status")
    bad = client.post(
        "/portal/crisis-help", data={"csrf_token": token, "help.kinds": ["legal"], "help.region": "atlantis"}
    )
    assert bad.status_code == 422
    assert "Где вам удобнее получить помощь?" in text_of(bad) and referral_of(filed.reference) is None

    asked = client.post(
        "/portal/crisis-help", data={"csrf_token": token, "help.kinds": ["legal"], "help.region": ""}
    )
    assert asked.status_code == 303 and asked.headers["Location"].endswith("#crisis-help")
    referral = referral_of(filed.reference)
    assert (referral.asked_from, referral.kinds, referral.region_code, referral.centre_id) == (
        "status_page",
        "legal",
        None,
        None,
    )
    text = text_of(client.get(asked.headers["Location"]))
    assert "Спасибо. Фонд передаст вашу просьбу в кризисный центр." in text
    assert "Попросить кризисный центр связаться со мной" not in text  # asked: no second form

    again = client.post("/portal/crisis-help", data={"csrf_token": token, "help.kinds": ["medical"]})
    assert again.status_code == 303 and referral_of(filed.reference).kinds == "legal"

    passed_at = T0 + timedelta(days=3)
    crisis_referrals.record_passed_on(
        user("ivan", "intake"), filed.reference, str(centres["almaty"].id), "phone", "", passed_at
    )
    text = text_of(client.get("/portal/status"))
    assert "Ваша просьба передана в кризисный центр 5 марта 2026 года." in text
    assert "Центр «Қамқор»" in text


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client, app):
    token = token_of(client, "/portal/sign-in")
    answer = client.post("/portal/crisis-help", data={"csrf_token": token, "help.kinds": ["legal"]})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/portal/sign-in")
    assert db.session.scalar(select(CrisisReferral.id)) is None


def test_the_check_step_shows_the_answer_to_the_question_in_russian(client, portal_clock, centres):
    steps = answers()
    steps["consent"].update({"help.wanted": "yes", "help.kinds": ["medical"], "help.region": "almaty"})
    for step, fields in steps.items():
        assert post_step(client, step, fields, "ru").status_code == 303
    shown = page(client.get("/portal/apply/check", headers={"Accept-Language": "ru"}))
    answer = " ".join(shown.get_element_by_id("crisis-help-answer").text_content().split())
    assert "Хотите, чтобы с вами связался кризисный центр? Да, пожалуйста" in answer
    assert "Медицинская помощь" in answer and "город Алматы" in answer
