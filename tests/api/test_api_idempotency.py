"""Safe retries: ``Idempotency-Key`` on the API's creating POSTs (claims, paper claims, task
completions, messages). A retry with the same key and request gets the first answer and changes
nothing; the same key with another request is refused (422); while the first runs, 409; keys
are kept 24 hours in the database, so that every app server knows them."""

from __future__ import annotations

import io
import json
import threading
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from fund.api import idempotency
from fund.common import idempotency_keys
from fund.extensions import db
from fund.models import Claim, IdempotencyKey, WorkflowEvent
from fund.worker import prune_idempotency_keys
from tests.conftest import DOCUMENTS_MISSING, claim_body, error_of

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def clock(clock, monkeypatch):
    """The API's frozen clock, read by the idempotency layer too (keys expire by it)."""
    monkeypatch.setattr("fund.api.idempotency.utc_now", clock)
    return clock


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def send_claim(client, body, key: str | None = "claim-7f3c", **headers):
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post("/api/v1/claims", json=body, headers=headers)


# --- the public claim ----------------------------------------------------------------------------


def test_a_retried_claim_gets_the_first_answer_and_no_second_claim(client, clock):
    body = claim_body()

    first = send_claim(client, body)
    retry = send_claim(client, body)

    assert first.status_code == retry.status_code == 201
    assert retry.get_json() == first.get_json()  # the same reference and the same access code
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert retry.headers["Content-Type"] == first.headers["Content-Type"]
    assert count(Claim) == 1


def test_without_a_key_every_request_is_a_new_one(client, clock):
    body = claim_body()
    send_claim(client, body, key=None)
    second = send_claim(client, body, key=None)
    # The second claim is the same victim's in the same case: taken, and flagged as a duplicate.
    assert second.status_code == 201
    assert count(Claim) == 2


def test_the_same_key_with_another_body_is_refused_naming_the_header(client, clock):
    send_claim(client, claim_body())

    other = send_claim(client, claim_body())

    error = error_of(other, 422)
    assert list(error["fields"]) == ["Idempotency-Key"]
    assert "another request" in error["fields"]["Idempotency-Key"][0]
    assert count(Claim) == 1


@pytest.mark.parametrize("key", ["", "k" * 201, "ключ", "tab\there"])
def test_a_key_that_is_not_1_to_200_printable_ascii_characters_is_refused(client, clock, key):
    response = client.post(
        "/api/v1/claims",
        json=claim_body(),
        headers=[("Idempotency-Key", key.encode("utf-8").decode("latin-1"))],
    )

    error = error_of(response, 400)
    assert "printable ASCII" in error["fields"]["Idempotency-Key"][0]
    assert count(Claim) == 0


def test_a_key_of_200_characters_is_taken(client, clock):
    assert send_claim(client, claim_body(), key="~" * 200).status_code == 201


def test_a_refused_claim_is_refused_again_on_retry_and_the_key_stays_bound_to_it(client, clock):
    wrong = claim_body(claimant__iin="123")
    first = send_claim(client, wrong)
    retry = send_claim(client, wrong)

    assert error_of(first, 422)["fields"] == error_of(retry, 422)["fields"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    error_of(send_claim(client, claim_body()), 422)  # corrected, it needs a new key
    assert count(Claim) == 0


def test_the_access_code_given_once_is_not_kept_in_clear(client, clock):
    answer = send_claim(client, claim_body()).get_json()

    row = db.session.scalars(select(IdempotencyKey)).one()
    assert answer["access_code"].encode() not in row.response
    assert answer["reference"].encode() not in row.response
    assert b"claim-7f3c" not in row.key_hash.encode()  # the key itself is kept as an HMAC only


# --- keys are the caller's -----------------------------------------------------------------------


def paper_claim(client, headers, body, key):
    data = {"claim": json.dumps(body), "application": (io.BytesIO(PDF), "application.pdf")}
    return client.post(
        "/api/v1/claims",
        data=data,
        headers={**headers, "Idempotency-Key": key},
        content_type="multipart/form-data",
    )


def test_a_retried_paper_claim_is_registered_once(client, officers, clock):
    body = claim_body()

    first = paper_claim(client, officers.headers("ivan"), body, "paper-1")
    retry = paper_claim(client, officers.headers("ivan"), body, "paper-1")  # a new multipart boundary

    assert first.status_code == retry.status_code == 201, first.get_json()
    assert retry.get_json() == first.get_json()
    assert count(Claim) == 1
    other_scan = client.post(
        "/api/v1/claims",
        data={"claim": json.dumps(body), "application": (io.BytesIO(PDF + b"%"), "application.pdf")},
        headers={**officers.headers("ivan"), "Idempotency-Key": "paper-1"},
        content_type="multipart/form-data",
    )
    assert list(error_of(other_scan, 422)["fields"]) == ["Idempotency-Key"]


def test_the_same_key_from_another_caller_is_another_request(client, officers, staff, clock):
    assert send_claim(client, claim_body(), key="shared").status_code == 201  # anyone
    assert paper_claim(client, officers.headers("ivan"), claim_body(), "shared").status_code == 201
    other_intake = staff.headers("inkar", "intake")
    assert paper_claim(client, other_intake, claim_body(), "shared").status_code == 201
    assert count(Claim) == 3


def test_a_request_with_a_bad_token_is_refused_and_frees_nothing_to_replay(client, clock):
    response = paper_claim(client, {"Authorization": "Bearer nonsense"}, claim_body(), "k1")
    error_of(response, 401)
    assert count(IdempotencyKey) == 0


# --- task completions and messages ---------------------------------------------------------------


def test_a_retried_task_completion_gets_the_first_answer(client, submit, officers, clock):
    reference = submit()["reference"]
    task = officers.task(reference, "intake_check", "ivan")
    url = f"/api/v1/tasks/{task['id']}/complete"
    headers = {**officers.headers("ivan"), "Idempotency-Key": "complete-1"}

    first = client.post(url, json=DOCUMENTS_MISSING, headers=headers)
    events = count(WorkflowEvent)
    retry = client.post(url, json=DOCUMENTS_MISSING, headers=headers)

    assert first.status_code == retry.status_code == 200
    assert (
        retry.get_json()
        == first.get_json()
        == {"claim_reference": reference, "status": "documents_requested"}
    )
    assert count(WorkflowEvent) == events
    # Without the key, the same retry is told the task is no longer ready.
    error_of(client.post(url, json=DOCUMENTS_MISSING, headers=officers.headers("ivan")), 409)


def test_a_refusal_of_the_moment_frees_the_key_and_the_retry_runs(client, submit, officers, clock):
    reference = submit()["reference"]
    url = f"/api/v1/claims/{reference}/messages/documents_submitted"
    headers = {**officers.headers("ivan"), "Idempotency-Key": "docs-1"}
    payload = {"documents": ["forensic_medical_report"]}

    error_of(client.post(url, json=payload, headers=headers), 409)  # the claim is not waiting yet
    officers.check_documents(reference, DOCUMENTS_MISSING)
    delivered = client.post(url, json=payload, headers=headers)
    retry = client.post(url, json=payload, headers=headers)

    assert delivered.status_code == retry.status_code == 200
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert delivered.get_json()["status"] == "submitted"


# --- in progress, expiry -------------------------------------------------------------------------


def reserve_as(app, body, key):
    """Reserve ``key`` as a first request with ``body`` would, and leave it running."""
    with app.test_request_context("/api/v1/claims", method="POST", json=body):
        scope = idempotency._caller_scope()
        return idempotency_keys.reserve(scope, key, idempotency._fingerprint(scope), idempotency.utc_now())


def test_a_retry_while_the_first_request_runs_gets_409_with_retry_after(app, client, clock):
    body = claim_body()
    assert reserve_as(app, body, "busy").row_id is not None

    response = send_claim(client, body, key="busy")

    error = error_of(response, 409)
    assert list(error["fields"]) == ["Idempotency-Key"]
    assert response.headers["Retry-After"] == "1"
    assert count(Claim) == 0
    # A first request that never finished (its server was killed) is taken over after a while.
    clock.advance(minutes=11)
    assert send_claim(client, body, key="busy").status_code == 201
    assert count(Claim) == 1


def test_keys_are_kept_24_hours_then_forgotten_and_pruned(app, client, clock):
    first = send_claim(client, claim_body(), key="day-old")
    clock.advance(hours=23, minutes=59)
    assert send_claim(client, claim_body(), key="day-old").status_code == 422  # still known
    assert prune_idempotency_keys(clock()) == 0

    clock.advance(minutes=2)
    again = send_claim(client, claim_body(), key="day-old")  # expired: a new request

    assert again.status_code == 201 and again.get_json()["reference"] != first.get_json()["reference"]
    assert count(IdempotencyKey) == 1
    clock.advance(hours=25)
    assert prune_idempotency_keys(clock()) == 1
    assert count(IdempotencyKey) == 0


# --- concurrent requests against a live server ---------------------------------------------------


@pytest.fixture
def live_url(app):
    """This test's application (SQLite or PostgreSQL) served on a localhost port, threaded."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_concurrent_requests_with_one_key_make_exactly_one_claim(live_url):
    body = json.dumps(claim_body()).encode()
    barrier = threading.Barrier(6)
    answers: list[tuple[int, dict]] = []

    def send() -> None:
        request = urllib.request.Request(
            f"{live_url}/api/v1/claims",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Idempotency-Key": "same-for-all"},
        )
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                answers.append((response.status, json.loads(response.read())))
        except urllib.error.HTTPError as error:
            answers.append((error.code, json.loads(error.read())))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    statuses = sorted(status for status, _ in answers)
    assert len(answers) == 6 and set(statuses) <= {201, 409}, answers
    created = [answer for status, answer in answers if status == 201]
    assert created and all(answer == created[0] for answer in created)
    assert all(answer["error"]["code"] == "conflict" for status, answer in answers if status == 409)
    assert count(Claim) == 1
    later = urllib.request.Request(
        f"{live_url}/api/v1/claims",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Idempotency-Key": "same-for-all"},
    )
    with urllib.request.urlopen(later, timeout=60) as response:  # once the first is done: its answer
        assert (response.status, json.loads(response.read())) == (201, created[0])
        assert response.headers["Idempotent-Replayed"] == "true"


def test_the_reservation_is_in_the_database_for_every_app_server(app, client, clock):
    """A second application (another app server) on the same database replays the first's answer."""
    from fund import create_app

    body = claim_body()
    first = send_claim(client, body, key="across")
    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    other.config["SECRET_KEY"] = app.config["SECRET_KEY"]
    with other.app_context():
        retry = other.test_client().post("/api/v1/claims", json=body, headers={"Idempotency-Key": "across"})
        db.session.remove()
    assert retry.status_code == 201 and retry.get_json() == first.get_json()
    assert count(Claim) == 1


def test_kept_keys_have_an_expiry_a_day_after_they_were_first_sent(client, clock):
    send_claim(client, claim_body())
    row = db.session.scalars(select(IdempotencyKey)).one()
    assert row.expires_at - row.started_at == timedelta(hours=24)
    assert row.started_at == clock() and row.status_code == 201
