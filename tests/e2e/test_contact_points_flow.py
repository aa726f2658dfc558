"""How to reach the Fund, in a real browser: an administrator adds a contact point; a visitor in
Kazakh finds it through the footer, chooses their region, and then sees that point in the footer
of every portal page."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

FIELDS = {
    "Region code": "shymkent",
    "Region (Kazakh)": "Шымкент қаласы",
    "Region (Russian)": "город Шымкент",
    "Region (English)": "Shymkent",
    "Address (Kazakh)": "Шымкент қ., Тәуке хан даңғылы, 5",
    "Address (Russian)": "г. Шымкент, проспект Тауке хана, 5",
    "Address (English)": "5 Tauke Khan Avenue, Shymkent",
    "Phone": "+7 7252 40 00 01",
    "E-mail": "shymkent@fund.example.kz",
    "Opening hours (Kazakh)": "Дүйсенбі–жұма, 09:00–18:00",
    "Opening hours (Russian)": "Понедельник–пятница, 09:00–18:00",
    "Opening hours (English)": "Monday to Friday, 09:00–18:00",
}


def test_an_administrator_adds_a_contact_point_and_a_kazakh_visitor_finds_it(live_server, new_page, shot):
    live_server.user("asel", "admin")
    admin = new_page()
    sign_in(admin, live_server.url, "asel")
    admin.goto(f"{live_server.url}/admin/contact-points/new")
    admin.get_by_label("E-mail").fill("not an address")
    admin.get_by_role("button", name="Save the contact point").click()
    expect(admin.locator(".error-summary")).to_contain_text("E-mail: must be an e-mail address")
    for label, value in FIELDS.items():
        admin.get_by_label(label, exact=True).fill(value)
    admin.get_by_role("button", name="Save the contact point").click()
    expect(admin.locator("#contact-points")).to_contain_text("Shymkent")
    shot(admin, "admin-list")

    visitor = new_page(locale="kk-KZ")
    visitor.goto(f"{live_server.url}/portal/sign-in")
    footer = visitor.locator("footer")
    footer.get_by_role("link", name="Қордың өңірлер бойынша байланыс пункттері").click()
    expect(visitor.locator("#contact-shymkent")).to_contain_text("Шымкент қ., Тәуке хан даңғылы, 5")
    visitor.get_by_role("link", name="Бұл менің өңірім").click()
    visitor.goto(f"{live_server.url}/portal/sign-in")
    expect(visitor.locator("footer")).to_contain_text("Шымкент қаласы")
    expect(visitor.locator("footer")).to_contain_text("+7 7252 40 00 01")
    expect(visitor.locator("footer")).to_contain_text("Дүйсенбі–жұма, 09:00–18:00")
    shot(visitor, "footer-kk")
