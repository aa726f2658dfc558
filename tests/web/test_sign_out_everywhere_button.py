"""The "Sign out everywhere" button in the staff header: a form (POST, with the session's CSRF
token) that ends every session of the user, on every device, and their API tokens.
"""

from __future__ import annotations

from tests.conftest import PASSWORD
from tests.officer_helpers import form_on, html, send
from tests.web_helpers import sign_in


def everywhere_form(page):
    forms = [form for form in page.forms if (form.get("action") or "").endswith("/sign-out-everywhere")]
    assert len(forms) == 1, "no single 'Sign out everywhere' form on the page"
    return forms[0]


def test_the_header_has_a_sign_out_everywhere_button_on_every_staff_page(app, staff):
    for username, role, path in (("ivan", "intake", "/worklist"), ("aida", "auditor", "/audit")):
        staff.user(username, role)
        client = app.test_client()
        sign_in(client, username, PASSWORD)

        page = html(client.get(path))
        form = everywhere_form(page)

        assert form.method.upper() == "POST"
        assert form.xpath(".//input[@name='csrf_token']/@value")[0]
        assert [b.text_content().strip() for b in form.xpath(".//button")] == ["Sign out everywhere"]
        assert form.getparent().get("class") == "who"  # in the header, beside "Sign out"


def test_the_button_ends_another_session_of_the_same_user_and_their_api_tokens(app, staff):
    staff.user("dana", "intake")
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, "dana", PASSWORD)
    sign_in(phone, "dana", PASSWORD)
    api_headers = staff.headers("dana", "intake")
    assert phone.get("/worklist").status_code == 200

    answer = send(laptop, everywhere_form(html(laptop.get("/worklist"))))

    assert answer.status_code == 302 and answer.headers["Location"].endswith("/sign-in")
    for client in (phone, laptop):
        later = client.get("/worklist")
        assert later.status_code == 302 and "/sign-in" in later.headers["Location"]
    assert phone.get("/api/v1/tasks", headers=api_headers).status_code == 401


def test_the_button_does_nothing_without_the_sessions_csrf_token(app, staff):
    staff.user("dana", "intake")
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, "dana", PASSWORD)
    sign_in(phone, "dana", PASSWORD)

    forged = laptop.post("/sign-out-everywhere", data={"csrf_token": "not the token"})

    assert forged.status_code == 400
    assert phone.get("/worklist").status_code == 200 and laptop.get("/worklist").status_code == 200
    assert form_on(html(laptop.get("/worklist")), "/sign-out-everywhere") is not None
