"""The directory of crisis centres: administrators add, change and take centres out of use; the
portal then offers only the regions with a centre in use. Administrators only; every form needs its
CSRF token; a refused form names each wrong field and saves nothing.
"""

from __future__ import annotations

from sqlalchemy import select

from fund.claims.crisis_referrals import crisis_regions
from fund.extensions import db
from fund.models import CrisisCentre
from tests.admin.test_web_admin import admin_browser, browser, field_errors, page_of, post  # noqa: F401
from tests.claims.test_crisis_referrals import ASTANA


def centres() -> list[CrisisCentre]:
    db.session.expire_all()
    return list(db.session.scalars(select(CrisisCentre).order_by(CrisisCentre.id)))


def form(**changes) -> dict:
    return {**ASTANA, "kinds": ["psychological", "legal"], **changes}


def test_an_administrator_adds_a_centre_changes_it_and_takes_it_out_of_use(admin_browser):  # noqa: F811
    added = post(admin_browser, "/admin/crisis-centres/new", form(), "/admin/crisis-centres/new")
    assert added.status_code == 302 and added.headers["Location"].endswith("/admin/crisis-centres")
    (centre,) = centres()
    assert (centre.region_code, centre.name_ru, centre.kinds, centre.updated_by) == (
        "astana",
        "Кризисный центр «Сенім»",
        "psychological,legal",
        "adil",
    )
    listed = page_of(admin_browser.get("/admin/crisis-centres"))
    # In the page's language: English, as no language was chosen.
    assert listed.xpath("//tr[@data-region='astana']//a/text()") == ["Senim crisis centre"]
    assert crisis_regions("kk") == [("astana", "Астана қаласы")]

    url = f"/admin/crisis-centres/{centre.id}"
    shown = page_of(admin_browser.get(url))
    assert shown.xpath("//input[@name='kinds'][@checked]/@value") == ["psychological", "legal"]
    changed = post(admin_browser, url, form(kinds=["social"], email="", active=""), url)
    assert changed.status_code == 302
    (centre,) = centres()
    assert (centre.kinds, centre.email, centre.active) == ("social", "", False)
    assert crisis_regions("kk") == []  # out of use: the portal no longer offers the region


def test_bad_input_is_refused_naming_each_field_and_nothing_is_saved(admin_browser):  # noqa: F811
    bad = form(region_code="Астана", phone="call us", email="senim.kz", name_kk=" ", kinds=["spiritual"])
    answer = post(admin_browser, "/admin/crisis-centres/new", bad, "/admin/crisis-centres/new")
    assert answer.status_code == 422
    assert set(field_errors(answer)) == {"region_code", "phone", "email", "name_kk", "kinds"}
    assert centres() == []
    no_kind = post(admin_browser, "/admin/crisis-centres/new", form(kinds=[]), "/admin/crisis-centres/new")
    assert no_kind.status_code == 422 and set(field_errors(no_kind)) == {"kinds"}


def test_other_staff_are_refused_and_a_form_without_its_token_saves_nothing(app, staff, admin_browser):  # noqa: F811
    intake = browser(app, staff, "ivan", "intake")
    assert intake.get("/admin/crisis-centres").status_code == 403
    refused = post(intake, "/admin/crisis-centres/new", form())
    assert refused.status_code == 403
    no_token = admin_browser.post("/admin/crisis-centres/new", data=form())
    assert no_token.status_code == 400 and centres() == []


def test_the_administration_page_links_to_the_directory(admin_browser):  # noqa: F811
    page = page_of(admin_browser.get("/admin"))
    assert page.xpath("//a[@href='/admin/crisis-centres']")
