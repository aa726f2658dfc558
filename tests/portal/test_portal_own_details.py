"""The claimant's own details on the portal's pages, in Kazakh and Russian: contact details changed
with errors naming the field in the page's language, a new bank account asked for and confirmed by
intake from the claim page (listed on intake's worklist), and a withdrawal after "are you sure".
Every form needs its CSRF token.
"""

from __future__ import annotations

import re

from lxml import html as lxml_html
from sqlalchemy import select

from fund.extensions import db
from fund.models import Claim
from tests.conftest import PASSWORD
from tests.portal.test_portal_services import file_claim, under_review
from tests.web_helpers import CSRF_FIELD, sign_in

NEW_IBAN = "KZ75125KZT2069100100"


def portal_sign_in(client, filed, language: str):
    token = CSRF_FIELD.search(client.get("/portal/sign-in").get_data(as_text=True)).group(1)
    client.post(
        "/portal/sign-in",
        data={"csrf_token": token, "reference": filed.reference, "access_code": filed.access_code},
    )
    client.get(f"/portal/status?lang={language}")  # the language switch, kept in the session


def token_of(client, path: str) -> str:
    return CSRF_FIELD.search(client.get(path).get_data(as_text=True)).group(1)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", lxml_html.fromstring(response.get_data(as_text=True)).text_content())


def stored(reference: str) -> Claim:
    db.session.expire_all()
    return db.session.scalar(select(Claim).where(Claim.reference == reference))


def test_the_phone_is_changed_with_errors_named_in_kazakh(app, client):
    filed = file_claim()
    portal_sign_in(client, filed, "kk")
    status = text_of(client.get("/portal/status"))
    assert "Сіздің деректеріңіз" in status and "+77012345678" in status
    assert "KZ86••••••••••••0100" in status  # the account paid to, masked

    no_token = client.post("/portal/details", data={"claimant.phone": "8 702 555 12 34"})
    assert no_token.status_code == 400

    token = token_of(client, "/portal/details")
    refused = client.post(
        "/portal/details",
        data={"csrf_token": token, "claimant.phone": "555", "claimant.email": "", "claimant.language": "kk"},
    )
    assert refused.status_code == 422
    text = text_of(refused)
    assert "Телефон нөмірі" in text  # the field, named in the page's language
    assert "+7 немесе 8" in text or "8 701 123 45 67" in text
    assert stored(filed.reference).claimant.phone == "+77012345678"

    done = client.post(
        "/portal/details",
        data={
            "csrf_token": token,
            "claimant.phone": "8 (702) 555-12-34",
            "claimant.email": "aigul@example.kz",
            "claimant.language": "kk",
        },
    )
    assert done.status_code == 303
    page = text_of(client.get(done.headers["Location"]))
    assert "Байланыс деректеріңіз өзгертілді." in page and "+77025551234" in page
    assert stored(filed.reference).claimant.phone == "+77025551234"


def test_a_new_account_waits_for_intake_which_confirms_it_from_the_claim_page_in_russian(app, client, staff):
    filed = file_claim()
    portal_sign_in(client, filed, "ru")
    token = token_of(client, "/portal/bank-account")
    wrong = client.post(
        "/portal/bank-account", data={"csrf_token": token, "claimant.iban": "KZ75125KZT2069100101"}
    )
    assert wrong.status_code == 422
    assert "Новый банковский счёт (IBAN)" in text_of(wrong)
    asked = client.post("/portal/bank-account", data={"csrf_token": token, "claimant.iban": NEW_IBAN})
    assert asked.status_code == 303
    page = text_of(client.get("/portal/status"))
    assert "Новый банковский счёт KZ75••••••••••••0100: ожидает проверки Фонда." in page
    assert stored(filed.reference).claimant.iban != NEW_IBAN

    staff.user("ivan", "intake")
    officer = app.test_client()
    sign_in(officer, "ivan", PASSWORD)
    worklist = officer.get("/worklist", headers={"Accept-Language": "ru"})
    assert "Новые банковские счета на проверку" in text_of(worklist)
    assert filed.reference in text_of(worklist)
    claim_page = officer.get(f"/claims/{filed.reference}", headers={"Accept-Language": "ru"})
    assert NEW_IBAN in text_of(claim_page)  # intake sees it in full to check it (logged)
    form = lxml_html.fromstring(claim_page.get_data(as_text=True)).xpath(
        "//section[@id='bank-account-requests']//form"
    )[0]
    token = form.xpath(".//input[@name='csrf_token']/@value")[0]
    confirmed = officer.post(form.get("action"), data={"csrf_token": token, "decision": "confirm"})
    assert confirmed.status_code == 302
    assert stored(filed.reference).claimant.iban == NEW_IBAN

    page = text_of(client.get("/portal/status"))
    assert "Новый банковский счёт KZ75••••••••••••0100: подтверждён Фондом" in page


def test_a_reviewer_cannot_confirm_an_account(app, client, staff):
    from fund.claims import claimant_requests

    filed = file_claim()
    request = claimant_requests.request_bank_account(
        stored(filed.reference), {"iban": NEW_IBAN}, filed.session.signed_in_at
    )
    staff.user("rita", "reviewer")
    officer = app.test_client()
    sign_in(officer, "rita", PASSWORD)
    page = officer.get(f"/claims/{filed.reference}")
    assert NEW_IBAN not in text_of(page) and "KZ75••••••••••••0100" in text_of(page)
    token = CSRF_FIELD.search(page.get_data(as_text=True)).group(1)
    refused = officer.post(
        f"/claims/{filed.reference}/bank-account-requests/{request.id}",
        data={"csrf_token": token, "decision": "confirm"},
    )
    assert refused.status_code == 403
    assert stored(filed.reference).claimant.iban != NEW_IBAN


def test_the_claim_is_withdrawn_after_are_you_sure(app, client, staff):
    filed = file_claim()
    under_review(filed)
    portal_sign_in(client, filed, "ru")
    asked = client.get("/portal/withdraw")
    text = text_of(asked)
    assert "Отозвать заявление" in text and "Отменить это онлайн нельзя." in text

    token = CSRF_FIELD.search(asked.get_data(as_text=True)).group(1)
    unconfirmed = client.post("/portal/withdraw", data={"csrf_token": token})
    assert unconfirmed.status_code == 422
    assert stored(filed.reference).status == "under_review"

    done = client.post("/portal/withdraw", data={"csrf_token": token, "confirm": "yes"})
    assert done.status_code == 303
    page = text_of(client.get(done.headers["Location"]))
    assert "Ваше заявление отозвано." in page and "Вы отозвали это заявление." in page
    assert "Отозвать заявление" not in page  # no link to withdraw again

    staff.user("alma", "approver")
    officer = app.test_client()
    sign_in(officer, "alma", PASSWORD)
    claim_page = text_of(officer.get(f"/claims/{filed.reference}", headers={"Accept-Language": "ru"}))
    assert "Отозвано заявителем" in claim_page
    assert "Заявление отозвано заявителем: процесс остановлен" in claim_page


def test_a_granted_claim_says_to_contact_the_fund(app, client):
    from datetime import timedelta

    from tests.portal.test_portal_services import APPROVE_REVIEW, T0, work

    filed = file_claim()
    under_review(filed)
    work(filed.reference, "review_torture", APPROVE_REVIEW, "rita", T0 + timedelta(days=1))
    work(filed.reference, "approval", {"decision": "approve"}, "alma", T0 + timedelta(days=2))
    portal_sign_in(client, filed, "kk")

    page = text_of(client.get("/portal/withdraw"))

    assert "онлайн кері қайтарып алу мүмкін емес" in page and "Қорға хабарласыңыз" in page
    assert 'action="/portal/withdraw"' not in client.get("/portal/withdraw").get_data(as_text=True)
