"""Guessing access codes and passwords through the API, as an attacker would: one guess after
another, many at the same instant, and spread over several app servers.

The API is held to the portal's rules. A claim reference is locked after five wrong access codes,
counted in the database together with the portal's sign-in (``portal_sign_in_failures``); a staff
account after five wrong passwords, counted together with the sign-in page. Each client address
has a budget of guesses per minute, kept in the configured rate-limit storage
(``FUND_RATELIMIT_STORAGE_URI``) so that every app server counts against the same budget; the
API's status check shares the portal sign-in's budget. Refusals are 429s in the API's JSON, with
``Retry-After``.

Concurrent guesses are sent from threads, each with its own test client (so its own application
context, database session and connection), released together by a barrier.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
from sqlalchemy import select

from fund import PROJECT_ROOT
from fund.extensions import db
from fund.models import PortalSignInFailure, User
from fund.web.rate_limits import limiter
from tests.conftest import PASSWORD, error_of
from tests.web_helpers import csrf_token

WRONG_CODE = "AAAA-BBBB-CCCC"
WRONG_PASSWORD = "not the password, a guess"


def claim_status(client, reference: str, access_code: str, address: str = "127.0.0.1"):
    return client.get(
        f"/api/v1/claims/{reference}/status",
        headers={"X-Access-Code": access_code},
        environ_overrides={"REMOTE_ADDR": address},
    )


def portal_sign_in(client, reference: str, access_code: str, address: str = "127.0.0.1"):
    """Post the portal's sign-in form, as a browser would (its CSRF token first)."""
    token = csrf_token(client, "/portal/sign-in")
    return client.post(
        "/portal/sign-in",
        data={"csrf_token": token, "reference": reference, "access_code": access_code},
        environ_overrides={"REMOTE_ADDR": address},
    )


def failures_of(reference: str) -> int:
    db.session.expire_all()
    row = db.session.get(PortalSignInFailure, reference)
    return row.failures if row is not None else 0


@pytest.fixture
def sign_in_limit(app, monkeypatch):
    """Rate limits on, with three sign-in attempts a minute per address (portal and API status)."""
    monkeypatch.setitem(app.config, "FUND_RATELIMIT_ENABLED", True)
    monkeypatch.setitem(app.config, "FUND_RATELIMIT_PORTAL_SIGN_IN", "3 per minute")
    limiter.reset()
    yield
    limiter.reset()


# --- one guess after another -----------------------------------------------------------------------


def test_five_wrong_access_codes_through_the_api_lock_the_reference(client, submit, clock):
    claim = submit()

    answers = [claim_status(client, claim["reference"], WRONG_CODE) for _ in range(5)]
    guesses_while_locked = [claim_status(client, claim["reference"], f"GUESS-{n:04d}") for n in range(10)]
    right_while_locked = claim_status(client, claim["reference"], claim["access_code"])

    assert [answer.status_code for answer in answers] == [404] * 4 + [429]
    for refused in (answers[-1], *guesses_while_locked, right_while_locked):
        error = error_of(refused, 429)
        assert error["code"] == "portal_locked" and error["fields"] == {"reference": ["locked"]}
        assert refused.headers["Retry-After"] == str(15 * 60)
    assert failures_of(claim["reference"]) == 5
    # Guesses while locked do not extend the lock: it ends fifteen minutes after the fifth failure.
    clock.advance(minutes=15)
    assert claim_status(client, claim["reference"], claim["access_code"]).status_code == 200


def test_an_unknown_reference_gets_exactly_the_answers_of_a_real_one(client, submit, clock):
    claim = submit()

    def answers(reference: str) -> list[tuple[int, dict, str | None]]:
        responses = [claim_status(client, reference, WRONG_CODE) for _ in range(6)]
        return [(r.status_code, r.get_json(), r.headers.get("Retry-After")) for r in responses]

    assert answers("VCF-2026-999999") == answers(claim["reference"])


def test_the_portal_and_the_api_count_wrong_codes_for_a_reference_together(app, client, submit):
    claim = submit()
    for _ in range(3):
        assert portal_sign_in(app.test_client(), claim["reference"], WRONG_CODE).status_code == 401
    assert claim_status(client, claim["reference"], WRONG_CODE).status_code == 404

    fifth = claim_status(client, claim["reference"], WRONG_CODE)

    assert error_of(fifth, 429)["code"] == "portal_locked"
    assert failures_of(claim["reference"]) == 5
    page = portal_sign_in(app.test_client(), claim["reference"], claim["access_code"])
    assert page.status_code == 429 and "paused sign-in" in page.text
    assert claim_status(client, claim["reference"], claim["access_code"]).status_code == 429


def test_a_reference_locked_on_the_portal_is_locked_for_the_api(app, client, submit):
    claim = submit()
    for _ in range(5):
        portal_sign_in(app.test_client(), claim["reference"], WRONG_CODE)

    assert (
        error_of(claim_status(client, claim["reference"], claim["access_code"]), 429)["code"]
        == "portal_locked"
    )


def test_status_checks_share_the_portal_sign_ins_budget_per_address(app, client, sign_in_limit):
    # Every guess names another reference, so no reference lock is what stops them.
    assert claim_status(client, "VCF-2026-900001", WRONG_CODE).status_code == 404
    assert portal_sign_in(app.test_client(), "VCF-2026-900002", WRONG_CODE).status_code == 401
    head = client.head("/api/v1/claims/VCF-2026-900003/status", headers={"X-Access-Code": WRONG_CODE})
    assert head.status_code == 404  # HEAD runs the same check, so it is a guess too

    refused = claim_status(client, "VCF-2026-900004", WRONG_CODE)

    error = error_of(refused, 429)
    assert error["code"] == "too_many_requests"
    assert "too many requests from this address" in error["message"]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert portal_sign_in(app.test_client(), "VCF-2026-900005", WRONG_CODE).status_code == 429
    assert claim_status(client, "VCF-2026-900006", WRONG_CODE, address="10.1.2.3").status_code == 404


# --- many guesses at the same instant ------------------------------------------------------------


def guess_together(app, guesses: list[Callable]) -> list:
    """Send each guess (a function of a test client) from a thread of its own, all at once; the
    answers, in order. Each guess waits at the barrier once its own preparation (a form's CSRF
    token) is done."""
    barrier = threading.Barrier(len(guesses), timeout=30)
    answers: list = [None] * len(guesses)
    errors: list[BaseException] = []

    def run(index: int, guess: Callable) -> None:
        try:
            answers[index] = guess(app.test_client(), barrier)
        except BaseException as error:  # handed to the test below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, guess)) for i, guess in enumerate(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a guess is stuck: a deadlock?"
    if errors:
        raise errors[0]
    return answers


def api_code_guess(reference: str, code: str, address: str) -> Callable:
    def guess(client, barrier):
        barrier.wait()
        return claim_status(client, reference, code, address).status_code

    return guess


def portal_code_guess(reference: str, code: str, address: str) -> Callable:
    def guess(client, barrier):
        token = csrf_token(client, "/portal/sign-in")
        barrier.wait()
        answer = client.post(
            "/portal/sign-in",
            data={"csrf_token": token, "reference": reference, "access_code": code},
            environ_overrides={"REMOTE_ADDR": address},
        )
        return answer.status_code

    return guess


def api_password_guess(username: str, password: str) -> Callable:
    def guess(client, barrier):
        barrier.wait()
        answer = client.post("/api/v1/tokens", json={"username": username, "password": password})
        return "wrong" if answer.status_code == 401 else "locked" if answer.status_code == 429 else answer

    return guess


def page_password_guess(username: str, password: str) -> Callable:
    def guess(client, barrier):
        token = csrf_token(client, "/sign-in")
        barrier.wait()
        answer = client.post(
            "/sign-in", data={"csrf_token": token, "username": username, "password": password}
        )
        assert answer.status_code == 401, answer.status_code
        return "locked" if "locked for 15 minutes" in answer.text else "wrong"

    return guess


def test_many_wrong_codes_at_once_on_one_reference_get_no_more_than_five_checks(app, client, submit):
    claim = submit()
    guesses = [api_code_guess(claim["reference"], f"GUESS-{n:04d}", f"10.0.0.{n}") for n in range(8)]
    guesses += [portal_code_guess(claim["reference"], f"GUESS-{n:04d}", f"10.0.1.{n}") for n in range(6)]

    answers = guess_together(app, guesses)

    # Four refusals (404 from the API, 401 from the portal); the fifth failure and all after it: 429.
    assert sorted(answers).count(429) == len(guesses) - 4, answers
    assert failures_of(claim["reference"]) == 5
    assert claim_status(client, claim["reference"], claim["access_code"]).status_code == 429


def test_many_wrong_passwords_at_once_get_no_more_than_five_checks(app, client, staff):
    staff.user("ivan", "intake")
    guesses = [api_password_guess("ivan", f"guess {n}") for n in range(7)]
    guesses += [page_password_guess("ivan", f"guess {n}") for n in range(7, 12)]

    answers = guess_together(app, guesses)

    assert sorted(answers) == ["locked"] * 7 + ["wrong"] * 5, answers
    db.session.expire_all()
    assert db.session.scalar(select(User.failed_sign_ins).where(User.username == "ivan")) == 5
    refused = client.post("/api/v1/tokens", json={"username": "ivan", "password": PASSWORD})
    assert error_of(refused, 429)["code"] == "sign_in_locked"


def test_many_guesses_at_once_from_one_address_get_no_more_than_its_budget(app, sign_in_limit):
    guesses = [api_code_guess(f"VCF-2026-9100{n:02d}", WRONG_CODE, "10.2.2.2") for n in range(8)]
    guesses += [portal_code_guess(f"VCF-2026-9200{n:02d}", WRONG_CODE, "10.2.2.2") for n in range(4)]

    answers = guess_together(app, guesses)

    checked = [answer for answer in answers if answer != 429]
    assert 1 <= len(checked) <= 3, answers
    assert set(checked) <= {401, 404}


# --- several app servers -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_url() -> str:
    """The Redis for shared rate-limit storage; the test is skipped without one, unless
    FUND_REQUIRE_REDIS is set (then it fails)."""
    import redis

    url = os.environ.get("FUND_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_timeout=3).ping()
    except (redis.RedisError, OSError) as error:
        if os.environ.get("FUND_REQUIRE_REDIS"):
            pytest.fail(f"FUND_REQUIRE_REDIS is set but Redis at {url} does not answer: {error}")
        pytest.skip(f"needs Redis at {url} (set FUND_TEST_REDIS_URL; CI sets FUND_REQUIRE_REDIS)")
    return url


@contextmanager
def app_server(environment: dict[str, str], log: Path) -> Iterator[str]:
    """One app server (a gunicorn of its own, one worker) on a free port; its base URL."""
    port = _free_port()
    with log.open("wb") as output:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    urlopen(f"{base}/api/v1/", timeout=30).close()
                    break
                except OSError:  # refused, or no answer yet: the worker is still starting
                    if server.poll() is not None or time.monotonic() > deadline:
                        pytest.fail("the app server did not start:\n" + log.read_text())
                    time.sleep(0.2)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=30)


def http(method: str, url: str, body: dict | None = None, headers: dict[str, str] | None = None):
    """(status, JSON body, Retry-After) of a request to a real server."""
    data = json.dumps(body).encode() if body is not None else None
    request = Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read()), response.headers.get("Retry-After")
    except HTTPError as refused:
        return refused.code, json.loads(refused.read()), refused.headers.get("Retry-After")


def test_two_app_servers_count_an_addresss_guesses_in_one_shared_storage(
    app, database_url, redis_url, tmp_path
):
    import redis

    prefix = f"fund-test-{uuid.uuid4().hex}"
    environment = {
        **os.environ,
        "FUND_DATABASE_URL": database_url,
        "FUND_SECRET_KEY": "two-servers-test-key",
        "FUND_RATELIMIT_ENABLED": "1",
        "FUND_RATELIMIT_STORAGE_URI": redis_url,
        "FUND_RATELIMIT_KEY_PREFIX": prefix,
        "FUND_RATELIMIT_API_TOKENS": "3 per minute",
        "FUND_RATELIMIT_PORTAL_SIGN_IN": "3 per minute",
    }
    try:
        with (
            app_server(environment, tmp_path / "first.log") as first,
            app_server(environment, tmp_path / "second.log") as second,
        ):
            servers = (first, second, first, second)
            tokens = [
                http(
                    "POST", f"{server}/api/v1/tokens", {"username": f"officer{n}", "password": WRONG_PASSWORD}
                )
                for n, server in enumerate(servers)
            ]
            codes = [
                http(
                    "GET",
                    f"{server}/api/v1/claims/VCF-2026-93000{n}/status",
                    headers={"X-Access-Code": WRONG_CODE},
                )
                for n, server in enumerate(servers)
            ]
    finally:
        storage = redis.Redis.from_url(redis_url)
        for key in storage.scan_iter(f"*{prefix}*"):
            storage.delete(key)

    assert [status for status, _, _ in tokens] == [401, 401, 401, 429], tokens
    assert [status for status, _, _ in codes] == [404, 404, 404, 429], codes
    for _, body, retry_after in (tokens[-1], codes[-1]):
        assert body["error"]["code"] == "too_many_requests"
        assert 0 < int(retry_after) <= 60
