"""The browser reaches the application: sign-in page, wrong password, sign-in."""

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in


def test_a_wrong_password_is_refused_and_the_right_one_signs_in(live_server, new_page, shot):
    live_server.user("dana", "intake")
    page = new_page()
    page.goto(f"{live_server.url}/sign-in")
    shot(page, "sign-in")
    page.get_by_label("User name").fill("dana")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("wrong username or password")

    sign_in(page, live_server.url, "dana")
    assert page.get_by_text("Dana (intake)").is_visible()
    shot(page, "signed-in")
