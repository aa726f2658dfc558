"""A claimant's request for a crisis centre on the officers' claim page: intake and reviewers see
that it was asked and its state; the details (kinds of help, region) only after "Open", which the
access log records; they record it passed on (centre, how, note) with errors named next to each
field. Other roles, and the auditors' claim page, show nothing of it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fund.admin.crisis_centres import save_crisis_centre
from fund.claims import crisis_referrals
from fund.extensions import db
from fund.models import AccessLogEntry, Claim, CrisisReferral
from tests.claims.test_crisis_referrals import ALMATY, ASTANA, user
from tests.officer_helpers import browser, form_on, html, send, text_of
from tests.portal.test_portal_services import T0, file_claim


@pytest.fixture
def centres(app):
    admin = user("adil", "admin")
    return {
        "astana": save_crisis_centre(admin, ASTANA, ["psychological", "legal"], T0),
        "almaty": save_crisis_centre(admin, ALMATY, ["medical", "social"], T0),
    }


@pytest.fixture
def asked(centres):
    filed = file_claim()
    claim = db.session.scalar(select(Claim).where(Claim.reference == filed.reference))
    crisis_referrals.ask_for_help(
        claim, ["psychological", "legal"], "astana", crisis_referrals.FROM_APPLICATION, T0
    )
    return filed.reference


def panel_text(response) -> str:
    found = html(response).xpath("//section[@id='crisis-referral']")
    return text_of(found[0]) if found else ""


def logged(reference: str) -> list[str]:
    db.session.expire_all()
    claim_id = db.session.scalar(select(Claim.id).where(Claim.reference == reference))
    return list(db.session.scalars(select(AccessLogEntry.what).where(AccessLogEntry.claim_id == claim_id)))


def with_language(client, language: str):
    form = form_on(html(client.get("/profile")), "/profile")
    send(client, form, language=language)
    return client


def test_intake_sees_the_request_opens_it_in_the_log_and_records_it_passed_on_in_kazakh(
    app, staff, asked, centres
):
    intake = with_language(browser(app, staff, "ivan", "intake"), "kk")
    page = intake.get(f"/claims/{asked}")
    shown = panel_text(page)
    assert "Дағдарыс орталығына жолдама" in shown and "Жеткізуді күтуде" in shown
    assert "Психологиялық" not in shown and logged(asked) == []  # the kinds only after opening

    opened = send(intake, form_on(html(page), "/crisis-referral"))
    assert opened.status_code == 200
    shown = panel_text(opened)
    assert "Психологиялық көмек, Заң көмегі" in shown and "Астана қаласы" in shown
    assert logged(asked) == [crisis_referrals.VIEWED]
    chosen = html(opened).xpath("//select[@name='centre_id']/option[@selected]/@value")
    assert chosen == [str(centres["astana"].id)]  # the named region's centre, proposed

    form = form_on(html(opened), "/crisis-referral/passed-on")
    recorded = send(intake, form, how="phone", note="Кезекші психологпен сөйлестім")
    assert recorded.status_code == 303 and recorded.headers["Location"].endswith("#crisis-referral")
    after = intake.get(recorded.headers["Location"])
    assert "жеткізілді деп белгіленді" in text_of(html(after).get_element_by_id("main"))
    assert "Жеткізілді:" in panel_text(after)
    db.session.expire_all()
    referral = db.session.scalar(select(CrisisReferral))
    assert (referral.passed_by, referral.passed_centre_id, referral.passed_how) == (
        "ivan",
        centres["astana"].id,
        "phone",
    )


def test_a_wrong_passing_on_names_each_field_in_russian_and_saves_nothing(app, staff, asked):
    reviewer = with_language(browser(app, staff, "rita", "reviewer"), "ru")
    opened = send(reviewer, form_on(html(reviewer.get(f"/claims/{asked}")), "/crisis-referral"))
    form = form_on(html(opened), "/crisis-referral/passed-on")
    refused = send(reviewer, form, centre_id="", how="")
    assert refused.status_code == 422
    page = html(refused)
    assert (
        text_of(page.get_element_by_id("crisis-centre-error"))
        == "выберите один из кризисных центров в списке"
    )
    assert (
        text_of(page.get_element_by_id("crisis-how-error")) == "выберите, каким способом вы передали просьбу"
    )
    db.session.expire_all()
    assert db.session.scalar(select(CrisisReferral.passed_at)) is None


def test_a_second_recording_is_refused_with_who_did_it(app, staff, asked, centres):
    crisis_referrals.record_passed_on(
        user("ivan", "intake"), asked, str(centres["almaty"].id), "email", "", T0
    )
    reviewer = browser(app, staff, "rita", "reviewer")
    token = html(reviewer.get(f"/claims/{asked}")).xpath("//input[@name='csrf_token']/@value")[0]
    again = reviewer.post(
        f"/claims/{asked}/crisis-referral/passed-on",
        data={"csrf_token": token, "centre_id": str(centres["astana"].id), "how": "phone"},
    )
    assert again.status_code == 409
    shown = panel_text(again)
    assert "another officer has recorded it as passed on already" in shown
    assert "Passed on by ivan" in shown and "Kamkor centre" in shown


@pytest.mark.parametrize("role", ["approver", "finance"])
def test_other_officers_see_nothing_of_it(app, staff, asked, role):
    officer = browser(app, staff, f"someone-{role}", role)
    page = officer.get(f"/claims/{asked}")
    assert page.status_code == 200 and panel_text(page) == ""
    assert "crisis" not in page.get_data(as_text=True).lower()


def test_the_auditors_claim_page_shows_nothing_of_it(app, staff, asked):
    auditor = browser(app, staff, "aida", "auditor")
    page = auditor.get(f"/audit/claims/{asked}")
    assert page.status_code == 200 and "crisis" not in page.get_data(as_text=True).lower()


def test_a_claim_without_a_request_has_no_panel(app, staff, centres):
    filed = file_claim()
    intake = browser(app, staff, "ivan", "intake")
    assert panel_text(intake.get(f"/claims/{filed.reference}")) == ""
