"""The request id follows the work into the worker: an e-mail or a letter a request queued carries
the request's id, and the worker's JSON log lines about it show that id — the caller's
``X-Request-Id``, or the one the fund made up and answered with.
"""

# The SMTP server and JSON log fixtures are imported from their tests: pytest sees them as arguments.
# ruff: noqa: F811

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from fund.claims.letter_issuing import issue_due_letters
from fund.extensions import db
from fund.models import Claim, Letter, Notification
from fund.worker import run_round
from tests.conftest import claim_body, make_iin
from tests.notifications.test_notifications_sending import mail_server, no_smtp  # noqa: F401 - fixtures
from tests.operations.test_logs import json_log  # noqa: F401 - fixture


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_worker_logs_the_sending_of_an_e_mail_with_the_id_of_the_request_that_queued_it(
    app, client, clock, mail_server, json_log
):
    given = client.post("/api/v1/claims", json=claim_body(), headers={"X-Request-Id": "portal-7f3a-0001"})
    other = claim_body(claimant__iin=make_iin(date(1985, 3, 9), serial=7), claimant__birth_date="1985-03-09")
    made_up = client.post("/api/v1/claims", json=other)
    assert given.status_code == made_up.status_code == 201
    generated = made_up.headers["X-Request-Id"]
    assert generated and generated != "portal-7f3a-0001"
    db.session.expire_all()
    queued = {n.claim.reference: n for n in db.session.scalars(select(Notification))}
    assert queued[given.get_json()["reference"]].request_id == "portal-7f3a-0001"
    assert queued[made_up.get_json()["reference"]].request_id == generated

    before = len(lines(json_log))
    assert run_round(clock).notifications_sent == 2

    sent = [line for line in lines(json_log)[before:] if line["message"].endswith("(claim_received) sent")]
    assert sorted(line["request_id"] for line in sent) == sorted(["portal-7f3a-0001", generated])
    assert all(line["logger"] == "fund.notifications.queue" for line in sent)


def test_a_letter_left_to_the_worker_is_issued_under_the_id_of_the_request_that_made_it_due(
    app, client, clock, json_log, monkeypatch
):
    monkeypatch.setitem(app.config, "FUND_LETTERS_BY_WORKER", True)
    answer = client.post("/api/v1/claims", json=claim_body(), headers={"X-Request-Id": "desk-letter-42"})
    assert answer.status_code == 201
    claim = db.session.scalar(select(Claim).where(Claim.reference == answer.get_json()["reference"]))
    (letter,) = db.session.scalars(select(Letter).where(Letter.claim_id == claim.id))
    assert (letter.status, letter.request_id) == ("due", "desk-letter-42")

    before = len(lines(json_log))
    (number,) = issue_due_letters(clock)
    (issued,) = [line for line in lines(json_log)[before:] if line["message"].startswith(f"letter {number} ")]
    assert issued["request_id"] == "desk-letter-42"
