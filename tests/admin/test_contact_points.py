"""Contact points: administrators add and change the fund's contact points by region; the portal
shows them on every page (the chosen region's point, else a link to them all), on the status page,
and says how to reach the fund in the configured fallback line when there is none.

Administrators only (403 for other staff, sign-in for visitors); every form needs its CSRF token; a
refused form names each wrong field.
"""

from __future__ import annotations

import lxml.html
import pytest
from sqlalchemy import select

from fund.common.contact_points import forget_portal_contact_points
from fund.extensions import db
from fund.models import ContactPoint
from tests.admin.test_web_admin import browser, field_errors, page_of, post
from tests.portal.test_portal_status import portal_sign_in

ALMATY = {
    "region_code": "almaty",
    "region_kk": "Алматы қаласы",
    "region_ru": "город Алматы",
    "region_en": "Almaty",
    "address_kk": "Алматы қ., Жібек жолы көшесі, 50",
    "address_ru": "г. Алматы, улица Жибек жолы, 50",
    "address_en": "50 Zhibek Zholy Street, Almaty",
    "phone": "+7 (727) 300-00-01",
    "email": "almaty@fund.example.kz",
    "hours_kk": "Дүйсенбі–жұма, 09:00–18:00",
    "hours_ru": "Понедельник–пятница, 09:00–18:00",
    "hours_en": "Monday to Friday, 09:00–18:00",
    "position": "5",
    "active": "on",
}


@pytest.fixture
def admin_browser(app, staff):
    forget_portal_contact_points()  # no copy from an earlier test's points
    return browser(app, staff, "adil", "admin")


def points() -> list[ContactPoint]:
    db.session.expire_all()
    return list(db.session.scalars(select(ContactPoint).order_by(ContactPoint.id)))


def footer_text(response) -> str:
    page = lxml.html.fromstring(response.get_data(as_text=True))
    return " ".join(" ".join(page.xpath("//footer//text()")).split())


def test_an_administrator_adds_a_contact_point_and_changes_it(admin_browser):
    added = post(admin_browser, "/admin/contact-points/new", ALMATY, "/admin/contact-points/new")
    assert added.status_code == 302 and added.headers["Location"].endswith("/admin/contact-points")
    (point,) = points()
    assert (point.region_code, point.phone, point.address_ru) == (
        "almaty",
        "+7 (727) 300-00-01",
        "г. Алматы, улица Жибек жолы, 50",
    )
    assert point.updated_by == "adil" and point.active
    listed = page_of(admin_browser.get("/admin/contact-points"))
    assert listed.xpath("//tr[@data-region='almaty']//a/text()") == ["Almaty"]

    url = f"/admin/contact-points/{point.id}"
    form = page_of(admin_browser.get(url))
    assert form.xpath("//input[@name='email']/@value") == ["almaty@fund.example.kz"]
    changed = post(admin_browser, url, {**ALMATY, "phone": "+7 727 300 00 02", "active": ""}, url)
    assert changed.status_code == 302
    (point,) = points()
    assert point.phone == "+7 727 300 00 02" and not point.active


def test_bad_input_is_refused_naming_each_field_and_nothing_is_saved(admin_browser):
    bad = {**ALMATY, "region_code": "Алматы", "phone": "call us", "email": "almaty.fund.kz", "hours_kk": " "}
    answer = post(admin_browser, "/admin/contact-points/new", bad, "/admin/contact-points/new")

    assert answer.status_code == 422
    errors = field_errors(answer)
    assert set(errors) == {"region_code", "phone", "email", "hours_kk"}
    assert errors["phone"][0].startswith("Phone: must be a phone number")
    assert errors["email"][0].startswith("E-mail: must be an e-mail address")
    assert errors["hours_kk"] == ["Opening hours (Kazakh): is required"]
    assert page_of(answer).xpath("//input[@name='address_en']/@value") == [ALMATY["address_en"]]  # kept
    assert points() == []


def test_a_region_code_is_used_once(admin_browser):
    post(admin_browser, "/admin/contact-points/new", ALMATY, "/admin/contact-points/new")
    again = post(admin_browser, "/admin/contact-points/new", ALMATY, "/admin/contact-points/new")
    assert again.status_code == 422
    assert "another contact point has this code already" in field_errors(again)["region_code"][0]
    assert len(points()) == 1


def test_contact_points_are_for_administrators_only(app, client, staff, admin_browser):
    post(admin_browser, "/admin/contact-points/new", ALMATY, "/admin/contact-points/new")
    (point,) = points()
    officer = browser(app, staff, "rita", "reviewer", "approver", "auditor")
    for path in ("/admin/contact-points", "/admin/contact-points/new", f"/admin/contact-points/{point.id}"):
        assert officer.get(path).status_code == 403, path
        assert client.get(path).status_code == 302, path  # visitors are sent to sign in
    refused = post(officer, f"/admin/contact-points/{point.id}", {**ALMATY, "phone": "+7 700 000 00 00"})
    assert refused.status_code == 403
    assert points()[0].phone == ALMATY["phone"]


def test_every_form_needs_its_csrf_token(admin_browser):
    answer = admin_browser.post("/admin/contact-points/new", data=ALMATY)
    assert answer.status_code == 400
    assert points() == []


def test_the_portal_footer_links_to_the_points_and_shows_the_chosen_regions_one(client, admin_browser):
    post(admin_browser, "/admin/contact-points/new", ALMATY, "/admin/contact-points/new")

    first = client.get("/portal/sign-in", headers={"Accept-Language": "kk"})
    block = lxml.html.fromstring(first.get_data(as_text=True)).xpath(
        "//footer//section[@class='contact-footer']"
    )[0]
    assert block.xpath(".//a/@href") == ["/portal/contacts"]
    assert "Жібек жолы" not in footer_text(first)

    listed = client.get("/portal/contacts", headers={"Accept-Language": "kk"})
    assert "Алматы қ., Жібек жолы көшесі, 50" in listed.get_data(as_text=True)
    chosen = client.get("/portal/contacts?region=almaty")
    assert chosen.status_code == 303

    page = client.get("/portal/sign-in", headers={"Accept-Language": "kk"})
    text = footer_text(page)
    assert "Алматы қаласы" in text and "Алматы қ., Жібек жолы көшесі, 50" in text
    assert "+7 (727) 300-00-01" in text and "almaty@fund.example.kz" in text
    assert "Дүйсенбі–жұма, 09:00–18:00" in text


def test_the_status_page_shows_how_to_reach_the_fund(client, submit, admin_browser):
    post(admin_browser, "/admin/contact-points/new", ALMATY, "/admin/contact-points/new")
    claim = submit()
    portal_sign_in(client, claim["reference"], claim["access_code"], "ru")

    page = page_of(client.get("/portal/status", headers={"Accept-Language": "ru"}))
    panel = " ".join(" ".join(page.xpath("//div[@id='contact-panel']//text()")).split())
    assert "г. Алматы, улица Жибек жолы, 50" in panel and "+7 (727) 300-00-01" in panel


def test_without_a_contact_point_pages_say_how_to_reach_the_fund_in_the_configured_line(
    app, client, admin_browser
):
    app.config["FUND_CONTACT_FALLBACK_RU"] = "Телефон Фонда: 8 800 000 00 00, почта: info@vcf.example.kz"
    try:
        page = client.get("/portal/sign-in", headers={"Accept-Language": "ru"})
    finally:
        app.config.pop("FUND_CONTACT_FALLBACK_RU")
    assert "Телефон Фонда: 8 800 000 00 00, почта: info@vcf.example.kz" in footer_text(page)

    default = client.get("/portal/sign-in", headers={"Accept-Language": "en"})
    assert "write to the Fund through its website http://127.0.0.1:5000" in footer_text(default)


def test_an_unknown_contact_point_is_a_404_and_a_wrong_order_names_the_field(admin_browser):
    assert admin_browser.get("/admin/contact-points/999").status_code == 404
    answer = post(
        admin_browser,
        "/admin/contact-points/new",
        {**ALMATY, "position": "first"},
        "/admin/contact-points/new",
    )
    assert answer.status_code == 422
    assert field_errors(answer) == {"position": ["Order in lists: must be a whole number from 0 to 999"]}
