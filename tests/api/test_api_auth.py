"""Staff sign-in to the API, and who may do what.

Every staff endpoint needs ``Authorization: Bearer <token>`` from POST /api/v1/tokens: without a
valid token the answer is 401, with a token whose user lacks the role it is 403, and a refused
request changes nothing.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from fund.common.users import issue_token
from fund.extensions import db
from fund.models import ApiToken, User
from fund.web.rate_limits import limiter
from tests.conftest import (
    APPROVE,
    DOCUMENTS_COMPLETE,
    PASSWORD,
    TORTURE_REVIEW_APPROVE,
    error_of,
    stored_claim,
)
from tests.web_helpers import sign_in as web_sign_in


def sign_in(client, username: str, password: str = PASSWORD):
    return client.post("/api/v1/tokens", json={"username": username, "password": password})


# --- tokens --------------------------------------------------------------------------------------


def test_an_officer_exchanges_username_and_password_for_a_token(app, client, staff, clock):
    staff.user("ivan", "intake")

    response = sign_in(client, "ivan")

    assert response.status_code == 201
    answer = response.get_json()
    assert set(answer) == {"token", "expires_at"}
    hours = app.config["FUND_TOKEN_HOURS"]
    assert answer["expires_at"] == (clock.now + timedelta(hours=hours)).isoformat()
    worklist = client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {answer['token']}"})
    assert worklist.status_code == 200


def test_only_the_hash_of_a_token_is_kept(client, staff, clock):
    staff.user("ivan", "intake")

    token = sign_in(client, "ivan").get_json()["token"]

    stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]


def test_a_token_stops_working_when_it_expires(app, client, staff, clock):
    staff.user("ivan", "intake")
    token = sign_in(client, "ivan").get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}

    clock.advance(hours=app.config["FUND_TOKEN_HOURS"], seconds=-1)
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    clock.advance(seconds=1)
    assert error_of(client.get("/api/v1/tasks", headers=headers), 401)["code"] == "unauthenticated"


@pytest.mark.parametrize(
    ("username", "password"),
    [
        pytest.param("ivan", "wrong password!", id="wrong password"),
        pytest.param("nobody", PASSWORD, id="unknown user"),
        pytest.param("", "", id="empty"),
        pytest.param("ivan", "", id="no password"),
    ],
)
def test_a_wrong_username_or_password_gets_the_same_401(client, staff, clock, username, password):
    staff.user("ivan", "intake")

    response = sign_in(client, username, password)

    error = error_of(response, 401)
    assert error == {"code": "unauthenticated", "message": "wrong username or password", "fields": {}}


def test_a_deactivated_officer_cannot_sign_in_and_their_tokens_stop_working(client, staff, clock):
    headers = staff.headers("ivan", "intake")
    db.session.execute(update(User).where(User.username == "ivan").values(active=False))
    db.session.commit()

    assert error_of(sign_in(client, "ivan"), 401)["message"] == "wrong username or password"
    assert error_of(client.get("/api/v1/tasks", headers=headers), 401)["code"] == "unauthenticated"


@pytest.mark.parametrize(
    ("send", "statuses"),
    [
        pytest.param({"data": "ivan:secret", "content_type": "text/plain"}, {400}, id="plain text"),
        pytest.param({"data": "{", "content_type": "application/json"}, {400}, id="broken JSON"),
        pytest.param({"json": ["ivan", PASSWORD]}, {401}, id="JSON array"),
        pytest.param({"json": {"username": 5, "password": ["x"]}}, {401}, id="wrong types"),
        pytest.param({"json": {"username": "i" * 1_000_000, "password": "p" * 1_000_000}}, {401}, id="huge"),
        pytest.param({"json": {"username": "ivan\u0000", "password": PASSWORD}}, {422}, id="NUL"),
        pytest.param({"data": "[" * 5000 + "]" * 5000, "content_type": "application/json"}, {400}, id="deep"),
    ],
)
def test_a_malformed_sign_in_is_refused_without_a_server_error(client, staff, clock, send, statuses):
    staff.user("ivan", "intake")

    response = client.post("/api/v1/tokens", **send)

    assert response.status_code in statuses, response.text
    error_of(response, response.status_code)
    assert db.session.scalars(select(ApiToken)).all() == []


# --- every staff endpoint needs a valid token ----------------------------------------------------


STAFF_ENDPOINTS = [
    ("GET", "/api/v1/tasks"),
    ("POST", "/api/v1/tasks/{task}/complete"),
    ("GET", "/api/v1/claims/{reference}"),
    ("GET", "/api/v1/claims/{reference}/events"),
    ("POST", "/api/v1/claims/{reference}/messages/documents_submitted"),
]


def _expired_token(staff, clock) -> str:
    user = staff.user("adil", "admin", "intake", "auditor")
    token, _ = issue_token(user, clock.now - timedelta(hours=9), 8)
    return f"Bearer {token}"


CREDENTIALS = {
    "no header": lambda staff, clock: None,
    "unknown token": lambda staff, clock: "Bearer not-a-token-the-fund-issued",
    "empty bearer": lambda staff, clock: "Bearer ",
    "expired token": _expired_token,
    "password as Basic auth": lambda staff, clock: "Basic aXZhbjpjb3JyZWN0IGhvcnNl",
    "token without Bearer": lambda staff, clock: staff.headers("adil", "admin")["Authorization"].split()[1],
}


@pytest.mark.parametrize("credentials", CREDENTIALS)
def test_every_staff_endpoint_answers_401_without_a_valid_token(
    client, staff, submit, officers, clock, credentials
):
    reference = submit()["reference"]
    task = officers.task(reference, "intake_check", "ivan")
    before = stored_claim(reference)
    authorization = CREDENTIALS[credentials](staff, clock)
    headers = {"Authorization": authorization} if authorization is not None else {}

    for method, path in STAFF_ENDPOINTS:
        response = client.open(
            path.format(task=task["id"], reference=reference),
            method=method,
            json=DOCUMENTS_COMPLETE if method == "POST" else None,
            headers=headers,
        )

        error = error_of(response, 401)
        assert error["code"] == "unauthenticated", (method, path)
        assert "POST /api/v1/tokens" in error["message"]
    assert stored_claim(reference) == before


# --- roles ---------------------------------------------------------------------------------------


def test_each_officer_sees_only_the_tasks_of_their_roles(client, submit, officers, clock):
    first = submit()["reference"]
    second = submit()["reference"]
    officers.check_documents(second)

    def worklist(username: str, query: str = "") -> list[tuple[str, str]]:
        response = client.get(f"/api/v1/tasks{query}", headers=officers.headers(username))
        assert response.status_code == 200
        return [(task["claim_reference"], task["name"]) for task in response.get_json()]

    assert worklist("ivan") == [(first, "intake_check")]
    assert worklist("rita") == [(second, "review_torture")]
    assert worklist("alma") == []
    assert worklist("farida") == []
    assert worklist("aida") == []
    officers.review(second, "rita")
    assert worklist("rita") == [(second, "approval")]  # shown, though four eyes will refuse it to rita
    assert worklist("rita", "?role=reviewer") == []
    assert worklist("rita", "?role=approver") == [(second, "approval")]
    assert worklist("ivan", "?role=approver") == []  # a role one does not hold shows nothing
    assert worklist("alma") == [(second, "approval")]


@pytest.fixture
def awaiting_approval(submit, officers, clock) -> str:
    """A torture claim reviewed by rita, waiting for an approver."""
    reference = submit()["reference"]
    officers.check_documents(reference)
    officers.review(reference, "rita")
    return reference


def test_an_officer_without_the_tasks_role_is_refused_and_nothing_changes(awaiting_approval, officers):
    approval = officers.task(awaiting_approval, "approval", "alma")
    before = stored_claim(awaiting_approval)

    for username in ("ivan", "farida", "aida", "adil"):  # intake, finance, auditor, admin
        response = officers.complete(approval["id"], APPROVE, username)

        error = error_of(response, 403)
        assert error == {
            "code": "forbidden",
            "message": "this needs one of the roles: approver",
            "fields": {},
        }
    assert stored_claim(awaiting_approval) == before


def test_a_reviewer_cannot_do_the_intake_check(submit, officers, clock):
    reference = submit()["reference"]
    intake = officers.task(reference, "intake_check", "ivan")
    before = stored_claim(reference)

    response = officers.complete(intake["id"], DOCUMENTS_COMPLETE, "rita")

    assert error_of(response, 403)["message"] == "this needs one of the roles: intake"
    assert stored_claim(reference) == before


def test_intake_cannot_review(submit, officers, clock):
    reference = submit()["reference"]
    officers.check_documents(reference)
    review = officers.task(reference, "review_torture", "rita")
    before = stored_claim(reference)

    response = officers.complete(review["id"], TORTURE_REVIEW_APPROVE, "ivan")

    assert error_of(response, 403)["message"] == "this needs one of the roles: reviewer"
    assert stored_claim(reference) == before


def test_only_finance_delivers_payment_confirmed(awaiting_approval, officers):
    officers.approve(awaiting_approval)
    before = stored_claim(awaiting_approval)

    for username in ("rita", "ivan", "alma", "aida"):
        response = officers.deliver(
            awaiting_approval, "payment_confirmed", {"batch": "PB-2026-001"}, username
        )

        assert error_of(response, 403)["message"] == "this needs one of the roles: finance", username
    assert stored_claim(awaiting_approval) == before
    assert officers.confirm_payment(awaiting_approval)["status"] == "paid"


def test_only_intake_delivers_documents_submitted(submit, officers, clock):
    reference = submit()["reference"]
    officers.check_documents(
        reference, {"documents_complete": False, "missing_documents": ["identity_document"]}
    )
    before = stored_claim(reference)
    documents = {"documents": ["identity_document"]}

    for username in ("rita", "farida", "alma", "aida"):
        response = officers.deliver(reference, "documents_submitted", documents, username)

        assert error_of(response, 403)["message"] == "this needs one of the roles: intake", username
    assert stored_claim(reference) == before
    assert officers.deliver(reference, "documents_submitted", documents, "ivan").status_code == 200


def test_only_auditors_and_admins_read_a_claims_history(client, submit, officers, clock):
    reference = submit()["reference"]

    for username in ("ivan", "rita", "alma", "farida"):
        response = client.get(f"/api/v1/claims/{reference}/events", headers=officers.headers(username))
        assert error_of(response, 403)["message"] == "this needs one of the roles: auditor, admin", username
    for username in ("aida", "adil"):
        response = client.get(f"/api/v1/claims/{reference}/events", headers=officers.headers(username))
        assert response.status_code == 200, username
        assert response.get_json()["reference"] == reference


def test_every_staff_role_may_open_a_claim(submit, officers, clock):
    reference = submit()["reference"]

    for username in officers.ROLES:
        assert officers.claim(reference, username)["reference"] == reference


# --- guessing passwords ----------------------------------------------------------------------------
# One lock per account, in the database, whichever way in is used: the sign-in page and the API
# count wrong passwords together. Usernames that are no account are counted and locked the same
# way, so no answer tells which usernames exist.

WRONG_PASSWORD = "not the password, a guess"
LOCKED_MESSAGE = (
    "too many wrong passwords: this account is locked for 15 minutes; ask an administrator if it was not you"
)


def test_five_wrong_passwords_lock_the_account_for_api_tokens(client, staff, clock):
    staff.user("ivan", "intake")

    answers = [sign_in(client, "ivan", WRONG_PASSWORD).status_code for _ in range(5)]
    guesses_while_locked = [sign_in(client, "ivan", f"guess {n}") for n in range(15)]
    right_while_locked = sign_in(client, "ivan")

    assert answers == [401] * 5
    for refused in (*guesses_while_locked, right_while_locked):
        error = error_of(refused, 429)
        assert error == {
            "code": "sign_in_locked",
            "message": LOCKED_MESSAGE,
            "fields": {"username": ["locked"]},
        }
        assert refused.headers["Retry-After"] == str(15 * 60)
    assert db.session.scalars(select(ApiToken)).all() == []
    # Guesses while locked do not extend the lock: it ends fifteen minutes after the fifth failure.
    clock.advance(minutes=10)
    assert sign_in(client, "ivan", WRONG_PASSWORD).headers["Retry-After"] == str(5 * 60)
    clock.advance(minutes=5)
    assert sign_in(client, "ivan").status_code == 201


def test_an_unknown_username_gets_exactly_the_answers_of_a_real_one(client, staff, clock):
    staff.user("ivan", "intake")

    def answers(username: str) -> list[tuple[int, dict, str | None]]:
        responses = [sign_in(client, username, WRONG_PASSWORD) for _ in range(7)]
        return [(r.status_code, r.get_json(), r.headers.get("Retry-After")) for r in responses]

    real, unknown = answers("ivan"), answers("nobody")

    assert unknown == real
    assert [status for status, _, _ in real] == [401] * 5 + [429] * 2


def test_a_lock_earned_on_the_sign_in_page_refuses_api_tokens(app, client, staff):
    staff.user("dana", "intake")
    for _ in range(5):
        web_sign_in(app.test_client(), "dana", WRONG_PASSWORD)

    refused = sign_in(client, "dana")

    assert error_of(refused, 429)["code"] == "sign_in_locked"
    assert db.session.scalars(select(ApiToken)).all() == []


def test_a_lock_earned_through_the_api_refuses_the_sign_in_page(app, client, staff):
    staff.user("dana", "intake")
    for _ in range(5):
        sign_in(client, "dana", WRONG_PASSWORD)

    page = web_sign_in(app.test_client(), "dana", PASSWORD)

    assert page.status_code == 401 and "locked for 15 minutes" in page.text


def test_the_page_and_the_api_count_wrong_passwords_together(app, client, staff):
    staff.user("dana", "intake")
    for _ in range(3):
        web_sign_in(app.test_client(), "dana", WRONG_PASSWORD)
    for _ in range(2):
        assert sign_in(client, "dana", WRONG_PASSWORD).status_code == 401

    assert error_of(sign_in(client, "dana"), 429)["code"] == "sign_in_locked"
    assert "locked for 15 minutes" in web_sign_in(app.test_client(), "dana", PASSWORD).text


@pytest.fixture
def token_limit(app, monkeypatch):
    """Rate limits on, with three token requests a minute per address."""
    monkeypatch.setitem(app.config, "FUND_RATELIMIT_ENABLED", True)
    monkeypatch.setitem(app.config, "FUND_RATELIMIT_API_TOKENS", "3 per minute")
    limiter.reset()
    yield
    limiter.reset()


def test_token_requests_are_limited_per_address(client, staff, clock, token_limit):
    staff.user("ivan", "intake")
    # Each guess names another user, so no account lock is what stops them.
    answers = [sign_in(client, f"officer{n}", WRONG_PASSWORD).status_code for n in range(3)]

    refused = sign_in(client, "ivan")

    assert answers == [401] * 3
    error = error_of(refused, 429)
    assert error["code"] == "too_many_requests"
    assert "too many requests from this address" in error["message"]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    other_address = client.post(
        "/api/v1/tokens",
        json={"username": "ivan", "password": PASSWORD},
        environ_overrides={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert other_address.status_code == 201
