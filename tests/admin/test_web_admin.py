"""Administration pages: users and roles, MCI rates, process versions.

Every action works for an administrator, is refused with 403 for any other staff member and sends
anonymous visitors to sign in; every form needs its CSRF token; a refused form names the field.
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import lxml.html
import pytest

from fund import PROJECT_ROOT
from fund.claims.history import verify_claim
from fund.extensions import db
from fund.models import Claim, Claimant, HumanTask, MciRate, ProcessVersion, User, WorkflowInstance
from tests.conftest import PASSWORD
from tests.web_helpers import sign_in

NEW_PASSWORD = "a brand new passphrase"


# --- helpers ---------------------------------------------------------------------------------------


def browser(app, staff, username: str, *roles: str):
    staff.user(username, *roles)
    client = app.test_client()
    assert sign_in(client, username, PASSWORD).status_code == 302
    return client


@pytest.fixture
def admin_browser(app, staff):
    return browser(app, staff, "adil", "admin")


def page_of(response) -> lxml.html.HtmlElement:
    body = response.get_data(as_text=True)
    assert "Traceback" not in body
    return lxml.html.fromstring(body)


def token_of(client, path: str = "/sign-in") -> str:
    return page_of(client.get(path)).xpath("//input[@name='csrf_token']/@value")[0]


def post(client, url: str, data: dict | None = None, token_page: str = "/sign-in"):
    """A form post carrying the session's CSRF token, as the site's forms do."""
    return client.post(url, data={"csrf_token": token_of(client, token_page), **(data or {})})


def field_errors(response) -> dict[str, list[str]]:
    """The inline errors of a refused form, by the id of the field they sit next to."""
    page = page_of(response)
    errors: dict[str, list[str]] = {}
    for element in page.xpath("//p[contains(@class, 'field-error')]"):
        errors.setdefault(element.get("id").removesuffix("-error"), []).append(
            " ".join(element.text_content().split()).removeprefix("Error: ")
        )
    return errors


def flash(response) -> str:
    return " ".join(" ".join(page_of(response).xpath("//div[@class='flash']//text()")).split())


def user_named(username: str) -> User:
    db.session.expire_all()
    return db.session.scalar(db.select(User).where(User.username == username))


@pytest.fixture
def restore_mci_rates(app):
    """MCI rates outlive a test (the migration seeds them): remove those a test adds."""
    before = set(db.session.scalars(db.select(MciRate.id)))
    yield
    db.session.rollback()
    db.session.execute(db.delete(MciRate).where(MciRate.id.not_in(before)))
    db.session.commit()


# --- who may use the pages ---------------------------------------------------------------------------

GET_PAGES = ["/admin", "/admin/users", "/admin/users/new", "/admin/users/{id}", "/admin/mci-rates",
             "/admin/processes", "/admin/processes/{version}"]  # fmt: skip
POST_ACTIONS = [
    ("/admin/users/new", {"username": "eve", "full_name": "Eve", "password": NEW_PASSWORD, "roles": "admin"}),
    ("/admin/users/{id}/roles", {"roles": "admin"}),
    ("/admin/users/{id}/deactivate", {}),
    ("/admin/users/{id}/reactivate", {}),
    ("/admin/users/{id}/password", {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}),
    ("/admin/mci-rates", {"effective_from": "2030-01-01", "amount_kzt": "9999"}),
    ("/admin/processes", {}),
]


def _url(template: str, staff) -> str:
    target = staff.user("dana", "intake")
    version = db.session.scalar(db.select(ProcessVersion.version))
    return template.format(id=target.id, version=version)


@pytest.mark.parametrize("path", GET_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(app, client, staff, path):
    answer = client.get(_url(path, staff))
    assert answer.status_code == 302 and "/sign-in?next=" in answer.headers["Location"]


@pytest.mark.parametrize(("path", "data"), POST_ACTIONS)
def test_anonymous_posts_are_sent_to_sign_in_and_change_nothing(
    app, client, staff, restore_mci_rates, path, data
):
    url = _url(path, staff)
    users_before = db.session.scalar(db.select(db.func.count()).select_from(User))
    answer = post(client, url, data)
    assert answer.status_code == 302 and "/sign-in?next=" in answer.headers["Location"]
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == users_before
    assert db.session.scalar(db.select(MciRate).where(MciRate.amount_kzt == 9999)) is None


@pytest.mark.parametrize("role", ["intake", "reviewer", "approver", "finance", "auditor"])
def test_other_staff_get_403_on_every_page(app, staff, role):
    client = browser(app, staff, "officer", role)
    for path in GET_PAGES:
        assert client.get(_url(path, staff)).status_code == 403, path
    nav = page_of(client.get("/sign-in")).xpath("//nav[@aria-label='Main']//a/text()")
    assert "Administration" not in nav


@pytest.mark.parametrize(("path", "data"), POST_ACTIONS)
def test_other_staff_get_403_on_every_action_and_nothing_changes(app, staff, restore_mci_rates, path, data):
    client = browser(app, staff, "alma", "approver", "auditor")
    target = staff.user("dana", "intake")
    answer = post(client, _url(path, staff), data)
    assert answer.status_code == 403
    assert "Not allowed" in answer.get_data(as_text=True)
    assert user_named("eve") is None
    dana = user_named("dana")
    assert dana.active and dana.roles == {"intake"} and dana.session_epoch == target.session_epoch
    assert db.session.scalar(db.select(MciRate).where(MciRate.amount_kzt == 9999)) is None
    assert db.session.scalar(db.select(db.func.count()).select_from(ProcessVersion)) == 1


@pytest.mark.parametrize(("path", "data"), POST_ACTIONS)
def test_every_action_needs_the_forms_csrf_token(app, staff, admin_browser, restore_mci_rates, path, data):
    answer = admin_browser.post(_url(path, staff), data=data)
    assert answer.status_code == 400
    assert "form expired" in answer.get_data(as_text=True)
    assert user_named("eve") is None and user_named("dana").active


def test_administrators_see_the_administration_link_and_overview(app, admin_browser):
    answer = admin_browser.get("/admin")
    assert answer.status_code == 200
    page = page_of(answer)
    assert "Administration" in page.xpath("//nav[@aria-label='Main']//a/text()")
    text = " ".join(page.text_content().split())
    assert "In force today: 4,325 tenge" in text
    assert answer.headers["Cache-Control"] == "no-store"


# --- users and roles ---------------------------------------------------------------------------------


def test_the_user_list_shows_every_account_with_its_roles_and_state(app, staff, admin_browser):
    staff.user("dana", "intake", "reviewer")
    rows = page_of(admin_browser.get("/admin/users")).xpath("//table[@id='users']/tbody/tr")
    by_name = {row.get("data-username"): " ".join(row.text_content().split()) for row in rows}
    assert set(by_name) == {"adil", "dana"}
    assert "intake, reviewer" in by_name["dana"] and "Active" in by_name["dana"]


def test_an_administrator_creates_an_account_that_can_sign_in(app, admin_browser):
    answer = post(admin_browser, "/admin/users/new", {
        "username": "Eve.Smith", "full_name": "Eve Smith", "password": NEW_PASSWORD,
        "roles": ["intake", "finance"]}, token_page="/admin/users/new")  # fmt: skip
    assert answer.status_code == 302
    eve = user_named("eve.smith")
    assert answer.headers["Location"].endswith(f"/admin/users/{eve.id}")
    assert eve.full_name == "Eve Smith" and eve.roles == {"intake", "finance"}
    assert sign_in(app.test_client(), "eve.smith", NEW_PASSWORD).status_code == 302
    assert "was created" in flash(admin_browser.get(answer.headers["Location"]))


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"username": ""}, "username", "User name: is required"),
        ({"username": "eve smith"}, "username", "User name: must be letters, digits"),
        ({"username": "e" * 81}, "username", "User name: must be at most 80 characters"),
        ({"username": "dana"}, "username", "User name: 'dana' is taken by another account"),
        ({"full_name": "  "}, "full_name", "Full name: is required"),
        ({"password": "short"}, "password", "Password: must be at least 10 characters"),
        ({"roles": []}, "roles", "Roles: must be one or more of: intake, reviewer"),
        ({"roles": ["root"]}, "roles", "Roles: must be one or more of"),
    ],
)
def test_a_refused_account_names_the_field_and_keeps_what_was_typed(
    app, staff, admin_browser, form, field, message
):
    staff.user("dana", "intake")
    data = {
        "username": "eve",
        "full_name": "Eve Smith",
        "password": NEW_PASSWORD,
        "roles": ["intake"],
        **form,
    }
    answer = post(admin_browser, "/admin/users/new", data, token_page="/admin/users/new")
    assert answer.status_code == 422
    errors = field_errors(answer)
    assert list(errors) == [field]
    assert errors[field][0].startswith(message), errors
    page = page_of(answer)
    summary = " ".join(page.get_element_by_id("error-summary").text_content().split())
    assert message in summary
    if field != "roles":
        assert page.get_element_by_id(field).get("aria-invalid") == "true"
    if field != "username":
        assert page.get_element_by_id("username").get("value") == data["username"]
    assert NEW_PASSWORD not in answer.get_data(as_text=True)  # a password is never sent back
    assert user_named("eve") is None


def test_every_problem_of_an_account_is_named_at_once(app, admin_browser):
    answer = post(admin_browser, "/admin/users/new", {"username": "", "password": "x"}, "/admin/users/new")
    assert answer.status_code == 422
    assert set(field_errors(answer)) == {"username", "full_name", "password", "roles"}


def test_an_administrator_sets_a_users_roles(app, staff, admin_browser):
    dana = staff.user("dana", "intake")
    answer = post(admin_browser, f"/admin/users/{dana.id}/roles", {"roles": ["reviewer", "approver"]})
    assert answer.status_code == 302
    assert user_named("dana").roles == {"reviewer", "approver"}
    assert "approver, reviewer" in flash(admin_browser.get(answer.headers["Location"]))


def test_roles_cannot_be_emptied_nor_unknown(app, staff, admin_browser):
    dana = staff.user("dana", "intake")
    for roles in ([], ["intake", "superuser"]):
        answer = post(admin_browser, f"/admin/users/{dana.id}/roles", {"roles": roles})
        assert answer.status_code == 422
        assert field_errors(answer)["r-roles"][0].startswith("Roles: must be one or more of")
    assert user_named("dana").roles == {"intake"}


def test_an_administrator_cannot_take_the_admin_role_from_themself(app, staff, admin_browser):
    adil = user_named("adil")
    answer = post(admin_browser, f"/admin/users/{adil.id}/roles", {"roles": ["auditor"]})
    assert answer.status_code == 422
    assert "must keep admin on your own account" in field_errors(answer)["r-roles"][0]
    assert user_named("adil").roles == {"admin"}


def test_tasks_taken_under_a_removed_role_go_back_to_the_worklist(app, staff, admin_browser, submit):
    dana = staff.user("dana", "intake", "reviewer")
    reference = submit()["reference"]
    task = db.session.scalar(db.select(HumanTask).join(Claim).where(Claim.reference == reference))
    task.assignee, task.assigned_at = "dana", datetime.now(UTC)
    db.session.commit()
    answer = post(admin_browser, f"/admin/users/{dana.id}/roles", {"roles": ["reviewer"]})
    assert "1 task(s) they had taken under a removed role went back" in flash(
        admin_browser.get(answer.headers["Location"])
    )
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).assignee is None


def test_a_deactivated_user_cannot_sign_in_and_their_open_session_ends(app, staff, admin_browser):
    dana_browser = browser(app, staff, "dana", "approver")
    assert dana_browser.get("/dashboard").status_code == 200
    api_headers = staff.headers("dana", "approver")
    dana = user_named("dana")

    answer = post(admin_browser, f"/admin/users/{dana.id}/deactivate")
    assert answer.status_code == 302
    assert "can no longer sign in" in flash(admin_browser.get(answer.headers["Location"]))

    ended = dana_browser.get("/dashboard")
    assert ended.status_code == 302 and "/sign-in?next=" in ended.headers["Location"]
    refused = sign_in(app.test_client(), "dana", PASSWORD)
    assert refused.status_code == 401 and "wrong username or password" in refused.get_data(as_text=True)
    assert app.test_client().get("/api/v1/tasks", headers=api_headers).status_code == 401
    page = page_of(admin_browser.get(f"/admin/users/{dana.id}"))
    assert "Deactivated" in page.get_element_by_id("user-state").text_content()


def test_deactivation_gives_the_users_tasks_back_to_the_worklist(app, staff, admin_browser, submit):
    dana = staff.user("dana", "intake")
    reference = submit()["reference"]
    task = db.session.scalar(db.select(HumanTask).join(Claim).where(Claim.reference == reference))
    task.assignee, task.assigned_at = "dana", datetime.now(UTC)
    db.session.commit()
    post(admin_browser, f"/admin/users/{dana.id}/deactivate")
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).assignee is None


def test_a_reactivated_user_signs_in_again(app, staff, admin_browser):
    dana = staff.user("dana", "intake")
    post(admin_browser, f"/admin/users/{dana.id}/deactivate")
    answer = post(admin_browser, f"/admin/users/{dana.id}/reactivate")
    assert answer.status_code == 302 and "can sign in again" in flash(
        admin_browser.get(answer.headers["Location"])
    )
    assert sign_in(app.test_client(), "dana", PASSWORD).status_code == 302


def test_an_administrator_cannot_deactivate_their_own_account(app, admin_browser):
    adil = user_named("adil")
    answer = post(admin_browser, f"/admin/users/{adil.id}/deactivate")
    assert answer.status_code == 422
    assert "you cannot deactivate your own account" in field_errors(answer)["active"][0]
    assert user_named("adil").active
    assert admin_browser.get("/admin").status_code == 200  # still signed in


def test_an_administrator_sets_a_new_password_which_ends_sessions_and_lifts_a_lock(app, staff, admin_browser):
    dana_browser = browser(app, staff, "dana", "approver")
    for _ in range(5):
        sign_in(app.test_client(), "dana", "wrong password")
    assert user_named("dana").locked_until is not None
    dana = user_named("dana")

    answer = post(admin_browser, f"/admin/users/{dana.id}/password",
                  {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})  # fmt: skip
    assert answer.status_code == 302
    assert "password of dana was changed" in flash(admin_browser.get(answer.headers["Location"]))
    assert dana_browser.get("/dashboard").status_code == 302  # the old session ended
    assert sign_in(app.test_client(), "dana", PASSWORD).status_code == 401
    assert sign_in(app.test_client(), "dana", NEW_PASSWORD).status_code == 302
    assert user_named("dana").failed_sign_ins == 0


@pytest.mark.parametrize(
    ("password", "again", "field", "message"),
    [
        ("short", "short", "p-password", "Password: must be at least 10 characters"),
        (NEW_PASSWORD, NEW_PASSWORD + "!", "p-password_again", "Password again: must be the same password"),
    ],
)
def test_a_refused_password_names_the_field(app, staff, admin_browser, password, again, field, message):
    dana = staff.user("dana", "intake")
    before = user_named("dana").password_hash
    answer = post(
        admin_browser, f"/admin/users/{dana.id}/password", {"password": password, "password_again": again}
    )
    assert answer.status_code == 422
    assert field_errors(answer)[field][0].startswith(message)
    assert user_named("dana").password_hash == before


def test_an_unknown_user_is_404(app, admin_browser):
    assert admin_browser.get("/admin/users/999999").status_code == 404


# --- MCI rates ---------------------------------------------------------------------------------------


def rates_on_page(client) -> dict[str, str]:
    rows = page_of(client.get("/admin/mci-rates")).xpath("//table[@id='rates']/tbody/tr")
    return {row.get("data-effective-from"): row.xpath("./td")[2].text_content().strip() for row in rows}


def test_the_mci_page_lists_the_rates_and_says_new_rates_change_no_decision(app, admin_browser):
    answer = admin_browser.get("/admin/mci-rates")
    rates = rates_on_page(admin_browser)
    assert rates["2026-01-01"] == "4,325" and rates["2018-01-01"] == "2,405"
    rule = " ".join(page_of(answer).get_element_by_id("rates-rule").text_content().split())
    assert "never changes a decision already taken" in rule
    assert "used only by decisions taken after it is added" in rule


def test_an_administrator_adds_a_rate_for_a_later_date(app, admin_browser, restore_mci_rates):
    answer = post(admin_browser, "/admin/mci-rates", {"effective_from": "2027-01-01", "amount_kzt": " 4600 "},
                  token_page="/admin/mci-rates")  # fmt: skip
    assert answer.status_code == 302
    message = flash(admin_browser.get(answer.headers["Location"]))
    assert "MCI of 4,600 tenge in force from 01.01.2027 was added" in message
    assert rates_on_page(admin_browser)["2027-01-01"] == "4,600"


@pytest.mark.parametrize(
    ("effective_from", "amount", "field", "message"),
    [
        ("2027-01-01", "0", "amount_kzt", "MCI in tenge: must be greater than 0 tenge"),
        ("2027-01-01", "-4325", "amount_kzt", "MCI in tenge: must be greater than 0 tenge"),
        (
            "2027-01-01",
            "4325.5",
            "amount_kzt",
            "MCI in tenge: must be a whole number of tenge, without fractions",
        ),
        (
            "2027-01-01",
            "4325,5",
            "amount_kzt",
            "MCI in tenge: must be a whole number of tenge, without fractions",
        ),
        (
            "2027-01-01",
            "four thousand",
            "amount_kzt",
            "MCI in tenge: must be a whole number of tenge, digits only",
        ),
        ("2027-01-01", "", "amount_kzt", "MCI in tenge: is required"),
        ("2027-01-01", "99999999999", "amount_kzt", "MCI in tenge: must be at most 1,000,000 tenge"),
        (
            "2026-01-01",
            "4400",
            "effective_from",
            "In force from: a rate in force from 2026-01-01 exists already",
        ),
        ("01.01.2027", "4400", "effective_from", "In force from: must be a date written as year-month-day"),
        ("", "4400", "effective_from", "In force from: is required"),
    ],
)
def test_a_refused_rate_says_why_next_to_the_field(
    app, admin_browser, effective_from, amount, field, message
):
    rates_before = db.session.scalar(db.select(db.func.count()).select_from(MciRate))
    answer = post(admin_browser, "/admin/mci-rates", {"effective_from": effective_from, "amount_kzt": amount},
                  token_page="/admin/mci-rates")  # fmt: skip
    assert answer.status_code == 422
    errors = field_errors(answer)
    assert list(errors) == [field]
    assert errors[field][0].startswith(message), errors
    page = page_of(answer)  # what was typed is shown again, to correct
    assert page.get_element_by_id("effective_from").get("value") == effective_from
    assert page.get_element_by_id("amount_kzt").get("value") == amount
    assert db.session.scalar(db.select(db.func.count()).select_from(MciRate)) == rates_before


def test_a_backdated_rate_leaves_decisions_taken_as_they_were_and_applies_to_later_ones(
    app, admin_browser, officers, submit, clock, restore_mci_rates
):
    decided = submit()["reference"]  # torture, art. 146 part 3: 40 MCI, decided on 2 March 2026
    officers.check_documents(decided)
    officers.review(decided)
    officers.approve(decided)
    assert officers.claim(decided)["amount_kzt"] == 40 * 4325

    answer = post(admin_browser, "/admin/mci-rates", {"effective_from": "2026-02-01", "amount_kzt": "5000"},
                  token_page="/admin/mci-rates")  # fmt: skip
    assert answer.status_code == 302
    message = flash(admin_browser.get(answer.headers["Location"]))
    assert (
        "1 approval(s) already decided on or after 01.02.2026 keep the amount they were decided with"
        in message
    )

    assert officers.claim(decided)["amount_kzt"] == 40 * 4325
    claim = db.session.scalar(db.select(Claim).where(Claim.reference == decided))
    assert verify_claim(claim).ok  # replay uses the rate recorded in the decision

    clock.advance(days=8)
    later = submit()["reference"]
    officers.check_documents(later)
    officers.review(later)
    officers.approve(later)
    assert officers.claim(later)["amount_kzt"] == 40 * 5000


def test_a_rate_between_older_rates_is_told_to_apply_only_until_the_next_one(
    app, admin_browser, restore_mci_rates
):
    answer = post(admin_browser, "/admin/mci-rates", {"effective_from": "2025-07-01", "amount_kzt": "4000"},
                  token_page="/admin/mci-rates")  # fmt: skip
    assert "A later rate is in force from 01.01.2026" in flash(admin_browser.get(answer.headers["Location"]))


# --- process versions --------------------------------------------------------------------------------


def versions_on_page(client) -> dict[str, str]:
    rows = page_of(client.get("/admin/processes")).xpath("//table[@id='versions']/tbody/tr")
    return {row.get("data-version"): " ".join(row.text_content().split()) for row in rows}


def test_the_versions_page_lists_each_version_with_its_claims(app, admin_browser, submit):
    version = db.session.scalar(db.select(ProcessVersion.version))
    references = [submit()["reference"] for _ in range(2)]
    row = versions_on_page(admin_browser)[version]
    assert "new claims start here" in row and "tests" in row and "05.01.2026" in row
    cells = page_of(admin_browser.get("/admin/processes")).xpath("//tr[@data-version]/td/text()")
    assert "2" in cells

    detail = admin_browser.get(f"/admin/processes/{version}")
    assert detail.status_code == 200
    text = " ".join(page_of(detail).text_content().split())
    assert "2 claims run on this version" in text
    for reference in references:
        assert reference in text
    assert "compensation_claim.bpmn" in text


def test_deploying_unchanged_files_from_the_page_says_unchanged_and_stores_nothing(app, admin_browser):
    answer = post(admin_browser, "/admin/processes", token_page="/admin/processes")
    assert answer.status_code == 302
    message = flash(admin_browser.get(answer.headers["Location"]))
    assert "unchanged" in message and "Nothing was stored" in message
    assert db.session.scalar(db.select(db.func.count()).select_from(ProcessVersion)) == 1


def _copy_of_bpmn(tmp_path: Path) -> Path:
    target = tmp_path / "bpmn"
    shutil.copytree(PROJECT_ROOT / "bpmn", target)
    return target


def test_deploying_changed_files_makes_a_new_version_for_new_claims_only(
    app, admin_browser, submit, tmp_path, monkeypatch
):
    old_version = db.session.scalar(db.select(ProcessVersion.version))
    running = submit()["reference"]
    folder = _copy_of_bpmn(tmp_path)
    form = folder / "forms" / "approval.json"
    form.write_text(form.read_text().replace("The approving officer", "The approving officer (v2)", 1))
    monkeypatch.setitem(app.config, "FUND_BPMN_DIR", str(folder))

    answer = post(admin_browser, "/admin/processes", token_page="/admin/processes")
    assert answer.status_code == 302
    assert "Deployed version" in flash(admin_browser.get(answer.headers["Location"]))
    versions = versions_on_page(admin_browser)
    assert len(versions) == 2
    (new_version,) = set(versions) - {old_version}
    assert "new claims start here" in versions[new_version]
    assert "new claims start here" not in versions[old_version]

    started = submit()["reference"]
    on = dict(db.session.execute(
        db.select(Claim.reference, WorkflowInstance.process_version).join(WorkflowInstance)
    ).all())  # fmt: skip
    assert on == {running: old_version, started: new_version}
    deployed_by = db.session.get(ProcessVersion, new_version).deployed_by
    assert deployed_by == "adil"


def test_broken_files_are_refused_with_their_problems_and_nothing_is_stored(
    app, admin_browser, tmp_path, monkeypatch
):
    folder = _copy_of_bpmn(tmp_path)
    bpmn = folder / "compensation_claim.bpmn"
    bpmn.write_text(
        bpmn.read_text().replace('name="role" value="approver"', 'name="role" value="aprover"', 1)
    )
    monkeypatch.setitem(app.config, "FUND_BPMN_DIR", str(folder))

    answer = post(admin_browser, "/admin/processes", token_page="/admin/processes")
    assert answer.status_code == 422
    problems = " ".join(page_of(answer).get_element_by_id("deploy-errors").text_content().split())
    assert "aprover" in problems and "Process files" in problems
    assert db.session.scalar(db.select(db.func.count()).select_from(ProcessVersion)) == 1


def test_an_unknown_version_is_404(app, admin_browser):
    assert admin_browser.get("/admin/processes/" + "0" * 64).status_code == 404


# --- no personal data ----------------------------------------------------------------------------------


def test_no_administration_page_shows_a_claimants_personal_data(app, staff, admin_browser, submit):
    submit()
    claimant = db.session.scalar(db.select(Claimant))
    version = db.session.scalar(db.select(ProcessVersion.version))
    dana = staff.user("dana", "intake")
    pages = ["/admin", "/admin/users", "/admin/users/new", f"/admin/users/{dana.id}", "/admin/mci-rates",
             "/admin/processes", f"/admin/processes/{version}", "/dashboard"]  # fmt: skip
    personal_data = [claimant.full_name, claimant.iin, claimant.phone, claimant.iban, claimant.email]
    personal_data += [claimant.birth_date.strftime("%d.%m.%Y"), claimant.birth_date.isoformat()]
    for path in pages:
        body = admin_browser.get(path).get_data(as_text=True)
        assert "Traceback" not in body
        for personal in personal_data:
            assert personal not in body, (path, personal)
        assert not re.search(r"\b\d{12}\b", body), path  # no IIN of anybody


def test_resetting_ones_own_password_signs_one_out(app, admin_browser):
    adil = user_named("adil")
    answer = post(admin_browser, f"/admin/users/{adil.id}/password",
                  {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})  # fmt: skip
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/sign-in")
    assert admin_browser.get("/admin").status_code == 302
    assert sign_in(app.test_client(), "adil", NEW_PASSWORD).status_code == 302


def test_a_locked_account_shows_until_when(app, staff, admin_browser):
    staff.user("dana", "intake")
    dana = user_named("dana")
    dana.locked_until = datetime.now(UTC) + timedelta(minutes=10)
    db.session.commit()
    row = page_of(admin_browser.get("/admin/users")).xpath("//tr[@data-username='dana']")[0]
    assert "Locked until" in row.text_content()
