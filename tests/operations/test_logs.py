"""The JSON logs (FUND_LOG_FORMAT=json) of a slice of the fund's work — claims submitted, worked to a
decision with its letter, a claimant signing in to the portal, an officer finding a claim by
identity number and opening its personal data, a worker's round — hold no personal data, every
line is a JSON object, and every line written inside a request carries that request's id.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import date

import pytest

from fund.common.logs import ContextFilter, json_formatter
from fund.common.time import utc_now
from fund.worker import run_round
from tests.conftest import PASSWORD, claim_body, make_iin
from tests.portal.test_portal_status import portal_sign_in
from tests.web_helpers import csrf_token, sign_in


@pytest.fixture
def json_log(app, tmp_path, monkeypatch):
    """Every log line of the test, as JSON lines in a file (as FUND_LOG_FORMAT=json writes them on
    stderr), at INFO and the fund's own at DEBUG."""
    monkeypatch.setitem(app.config, "FUND_LOG_FORMAT", "json")
    path = tmp_path / "fund.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.addFilter(ContextFilter())
    handler.setFormatter(json_formatter())
    root, fund_logger = logging.getLogger(), logging.getLogger("fund")
    levels = root.level, fund_logger.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    fund_logger.setLevel(logging.DEBUG)
    yield path
    root.removeHandler(handler)
    handler.close()
    root.setLevel(levels[0])
    fund_logger.setLevel(levels[1])


def _personal_data(bodies: list[dict]) -> set[str]:
    """What of the submissions is personal: names, identity numbers, birth dates, phones as typed
    and as digits, e-mail addresses, bank accounts."""
    found = set()
    for body in bodies:
        person = body["claimant"]
        digits = "".join(c for c in person["phone"] if c.isdigit())
        found |= {
            person["full_name"],
            person["iin"],
            person["email"],
            person["iban"],
            person["phone"],
            digits,
        }
        found |= set(person["full_name"].split())
    return found


def test_the_json_log_of_a_day_of_work_holds_no_personal_data(app, client, staff, officers, json_log):
    bodies = [
        claim_body(),
        claim_body(
            claimant__full_name="Ерлан Жұмабеков",
            claimant__iin=make_iin(date(1985, 3, 9), serial=7),
            claimant__birth_date="1985-03-09",
            claimant__phone="8 (702) 555-12-34",
            claimant__email="erlan.z@example.kz",
            claimant__iban="KZ75125KZT2069100100",
        ),
    ]
    answers = []
    for body in bodies:
        response = client.post("/api/v1/claims", json=body, headers={"X-Request-Id": "intake-desk-42"})
        assert response.status_code == 201, response.get_json()
        assert response.headers["X-Request-Id"] == "intake-desk-42"
        answers.append(response.get_json())
    first, second = (answer["reference"] for answer in answers)

    officers.check_documents(first)
    officers.review(first)
    officers.approve(first)  # the approval letter is issued in this request
    officers.check_documents(
        second, {"documents_complete": False, "missing_documents": ["forensic_medical_report"]}
    )
    assert portal_sign_in(client, first, answers[0]["access_code"]).status_code == 303
    assert client.get("/portal/status").status_code == 200
    assert portal_sign_in(client, second, "WRONG-CODE-0000").status_code == 401

    officer = app.test_client()
    staff.user("dana", "intake")
    assert sign_in(officer, "dana", PASSWORD).status_code == 302
    assert officer.get(f"/claims?q={bodies[1]['claimant']['iin']}").status_code == 200
    assert officer.get(f"/claims?q={bodies[0]['claimant']['phone']}").status_code == 200
    shown = officer.post(
        f"/claims/{first}/personal-data", data={"csrf_token": csrf_token(officer, f"/claims/{first}")}
    )
    assert shown.status_code == 200
    run_round(utc_now)  # a worker's round: letters, the outbox (no SMTP server), the seal

    text = json_log.read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines()]  # every line is one JSON object
    assert lines, "the slice wrote log lines"
    leaked = sorted(value for value in _personal_data(bodies) if value in text)
    assert leaked == [], f"personal data in the log: {leaked}"

    answered = [line for line in lines if line["logger"] == "fund.requests"]
    assert len(answered) >= 15
    for line in answered:
        assert {"time", "level", "message", "request_id", "method", "route", "status", "duration_ms"} <= set(
            line
        )
        assert "?" not in (line["route"] or "")  # the URL rule, never the address with its query
    request_ids = {line["request_id"] for line in answered}
    assert "intake-desk-42" in request_ids
    inside = [line for line in lines if "request_id" in line]
    assert {line["request_id"] for line in inside} <= request_ids  # no line kept an ended request's id
    claim_page = [line for line in answered if line["route"] == "/claims/<reference>/personal-data"]
    assert (
        claim_page and claim_page[0]["claim_reference"] == first and isinstance(claim_page[0]["user_id"], int)
    )
    api_lines = [line for line in answered if line["route"] == "/api/v1/tasks/<task_id>/complete"]
    assert api_lines and all(isinstance(line["user_id"], int) for line in api_lines)


def test_a_request_id_is_taken_when_sane_and_made_otherwise(client):
    """A proxy's id is kept; anything else (too long, spaces, a line break, nothing) is replaced by
    a new one, different for every request."""
    assert (
        client.get("/healthz", headers={"X-Request-Id": "lb-7f3a:9"}).headers["X-Request-Id"] == "lb-7f3a:9"
    )
    made = set()
    for header in ("", "x" * 101, "two words", "evil;Set-Cookie: a=b", "<script>"):
        answer = client.get("/healthz", headers={"X-Request-Id": header} if header else {})
        made.add(answer.headers["X-Request-Id"])
        assert len(answer.headers["X-Request-Id"]) == 32
    assert len(made) == 5


def test_fund_log_format_json_makes_every_line_of_the_process_json(tmp_path):
    """The application created with FUND_LOG_FORMAT=json (as gunicorn's and `fund worker`'s are)
    writes JSON lines on stderr, the standard library's loggers included; unset, plain text."""
    script = (
        "import logging\n"
        "from fund import create_app\n"
        f"app = create_app({{'TESTING': True, 'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path}/fund.sqlite3'}})\n"
        "logging.getLogger('fund.worker').warning('a round failed: %s', 'letters')\n"
        "logging.getLogger('alembic').warning('from a library')\n"
    )
    environment = {**os.environ, "FUND_LOG_FORMAT": "json"}
    run = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, check=True
    )
    lines = [json.loads(line) for line in run.stderr.splitlines() if line.strip()]
    assert {
        "logger": "fund.worker",
        "level": "WARNING",
        "message": "a round failed: letters",
    }.items() <= lines[-2].items()
    assert lines[-1]["logger"] == "alembic"

    environment.pop("FUND_LOG_FORMAT")
    run = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, check=True
    )
    assert "WARNING:fund.worker:a round failed: letters" in run.stderr
