"""Staff sign-in: hashed passwords, CSRF, lockout, sign-out everywhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fund.common.users import sign_in as sign_in_service
from fund.extensions import db
from fund.models import User
from tests.conftest import PASSWORD
from tests.web_helpers import csrf_token, sign_in


def test_signing_in_with_the_right_password_opens_a_session(app, client, staff):
    staff.user("dana", "intake")
    answer = sign_in(client, "dana", PASSWORD)
    assert answer.status_code == 302
    with client.session_transaction() as session:
        assert session["_user_id"].startswith(str(staff.users["dana"].id) + ":")


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(app, client, staff):
    staff.user("dana", "intake")
    wrong = sign_in(client, "dana", "not the password")
    unknown = sign_in(client, "nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "wrong username or password" in wrong.get_data(as_text=True)
    assert "wrong username or password" in unknown.get_data(as_text=True)


def test_passwords_are_stored_hashed(app, staff):
    user = staff.user("dana", "intake")
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith("scrypt:")


def test_the_sign_in_form_refuses_a_post_without_its_csrf_token(app, client, staff):
    staff.user("dana", "intake")
    answer = client.post("/sign-in", data={"username": "dana", "password": PASSWORD})
    assert answer.status_code == 400
    assert "form expired" in answer.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(app, client, staff):
    staff.user("dana", "intake")
    for _ in range(5):
        sign_in(client, "dana", "wrong password")
    locked = sign_in(client, "dana", PASSWORD)
    assert locked.status_code == 401
    assert "locked for 15 minutes" in locked.get_data(as_text=True)

    user = db.session.scalar(db.select(User).where(User.username == "dana"))
    later = user.locked_until + timedelta(seconds=1)
    assert sign_in_service("dana", PASSWORD, later).username == "dana"
    db.session.refresh(user)
    assert user.failed_sign_ins == 0 and user.locked_until is None


def test_a_right_password_resets_the_count_of_failures(app, staff):
    staff.user("dana", "intake")
    now = datetime.now(UTC)
    for _ in range(4):
        try:
            sign_in_service("dana", "wrong password", now)
        except Exception:
            pass
    sign_in_service("dana", PASSWORD, now)
    for _ in range(4):
        try:
            sign_in_service("dana", "wrong password", now)
        except Exception:
            pass
    assert sign_in_service("dana", PASSWORD, now).username == "dana"


def test_sign_out_everywhere_ends_sessions_on_other_devices_and_api_tokens(app, staff):
    staff.user("dana", "intake")
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, "dana", PASSWORD)
    sign_in(phone, "dana", PASSWORD)
    api_headers = staff.headers("dana", "intake")
    assert laptop.get("/api/v1/tasks", headers=api_headers).status_code == 200

    token = csrf_token(laptop, "/sign-in")
    assert laptop.post("/sign-out-everywhere", data={"csrf_token": token}).status_code == 302

    # The phone's session is no longer valid: a page that needs sign-in sends it to the sign-in form.
    answer = phone.post("/sign-out", data={"csrf_token": csrf_token(phone, "/sign-in")})
    assert answer.status_code == 302 and "/sign-in?next=" in answer.headers["Location"]
    assert laptop.get("/api/v1/tasks", headers=api_headers).status_code == 401


def test_after_sign_in_only_local_pages_are_followed(app, client, staff):
    staff.user("dana", "intake")
    token = csrf_token(client, "/sign-in")
    answer = client.post(
        "/sign-in?next=https://evil.example/",
        data={"username": "dana", "password": PASSWORD, "csrf_token": token},
    )
    assert answer.status_code == 302
    assert "evil.example" not in answer.headers["Location"]


def test_the_session_cookie_is_http_only_and_same_site(app, client, staff):
    staff.user("dana", "intake")
    answer = sign_in(client, "dana", PASSWORD)
    cookie = answer.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
