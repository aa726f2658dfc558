"""The Treasury's status file over the API (``POST /api/v1/payout-results``, multipart part
``status_file``, as the page takes it): paid and failed rows applied to their claims; a wrong file
refused whole with the page's own errors, by row and field; a retry, even concurrent, applies
nothing twice.
"""

from __future__ import annotations

import io
import json
import threading
import urllib.error
import urllib.request

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from fund.extensions import db
from fund.models import WorkflowEvent
from fund.payouts.register import export_register_csv
from tests.api.test_openapi import assert_answers_as_documented
from tests.conftest import error_of
from tests.payout_helpers import (
    MALFORMED,
    approved_claims,
    built_and_approved,
    claim_of,
    finance_officer,
    malformed_status_file,
    paid_rows,
    payments_of,
    status_file,
)

RESULTS = "/api/v1/payout-results"


@pytest.fixture
def api_clock(clock, monkeypatch):
    """The frozen clock for the payout routes too (2 March 2026, 14:00 in Almaty)."""
    monkeypatch.setattr("fund.api.payout_batches.utc_now", clock)
    return clock


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").get_json()


@pytest.fixture
def exported_batch(submit, officers, staff, api_clock):
    """Two approved claims in a batch built by farida, approved by fatima, exported."""
    approved_claims(submit, officers, 2)
    batch = built_and_approved(staff, api_clock.now)
    export_register_csv(finance_officer(staff, "farida"), batch.id, api_clock.now)
    return batch


def upload(client, headers, content: bytes | None = None, **parts):
    data = dict(parts)
    if content is not None:
        data["status_file"] = (io.BytesIO(content), "status.csv")
    return client.post(RESULTS, data=data, headers=headers, content_type="multipart/form-data")


def messages_delivered(reference: str) -> list[str]:
    db.session.expire_all()
    events = db.session.scalars(
        select(WorkflowEvent)
        .where(WorkflowEvent.claim_id == claim_of(reference).id, WorkflowEvent.type == "message_delivered")
        .order_by(WorkflowEvent.sequence)
    )
    return [event.input["message"] for event in events]


def test_paid_and_failed_rows_are_applied_and_reported_per_payment(
    client, officers, exported_batch, document
):
    paid, failed = payments_of(exported_batch.id)
    content = status_file(
        (paid.end_to_end_id, "paid", paid.amount_kzt, "2026-03-02", ""),
        (failed.end_to_end_id, "failed", failed.amount_kzt, "", "account closed"),
    )

    answer = upload(client, officers.headers("farida"), content)

    assert answer.status_code == 200, answer.get_json()
    assert_answers_as_documented(document, RESULTS, "post", answer)
    assert answer.headers["Cache-Control"] == "no-store"
    report = answer.get_json()
    assert [(row["line"], row["end_to_end_id"], row["result"]) for row in report["applied"]] == [
        (2, paid.end_to_end_id, "paid"),
        (3, failed.end_to_end_id, "failed"),
    ]
    assert [(p.status, p.failure_reason) for p in payments_of(exported_batch.id)] == [
        ("paid", None),
        ("failed", "account closed"),
    ]
    assert messages_delivered(paid.claim.reference)[-1] == "payment_confirmed"
    assert messages_delivered(failed.claim.reference)[-1] == "payment_failed"


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_file_is_refused_naming_the_row_and_nothing_is_applied(
    client, officers, exported_batch, document, case
):
    first, second = payments_of(exported_batch.id)
    content, problem = malformed_status_file(case, first.end_to_end_id, second.end_to_end_id)

    answer = upload(client, officers.headers("farida"), content)

    error = error_of(answer, 422)
    assert error["message"] == "the status file was refused; nothing was applied"
    assert error["fields"] == {"row 3": [problem]}
    assert_answers_as_documented(document, RESULTS, "post", answer)
    assert {p.status for p in payments_of(exported_batch.id)} == {"in_batch"}


def test_every_wrong_row_is_named_by_its_line_and_field(client, officers, exported_batch):
    first, second = payments_of(exported_batch.id)
    content = status_file(
        (first.end_to_end_id, "paid", first.amount_kzt, "2026-03-02", ""),
        ("VCF-2026-999999-B1", "paid", 173000, "2026-03-02", ""),
        (second.end_to_end_id, "paid", 17300, "2026-03-09", ""),
    )

    error = error_of(upload(client, officers.headers("farida"), content), 422)

    assert error["fields"] == {
        "row 3": ["end_to_end_id: no payment VCF-2026-999999-B1 was exported by the fund"],
        "row 4": [
            f"amount_kzt: 17300 differs from the 173000 tenge of {second.end_to_end_id} "
            f"in batch {exported_batch.reference}",
            "paid_on: 2026-03-09 is after today",
        ],
    }
    assert {p.status for p in payments_of(exported_batch.id)} == {"in_batch"}


@pytest.mark.parametrize(
    ("content", "fields"),
    [
        (b"\xff\xfe not utf-8", {"file": ["must be UTF-8 text (CSV)"]}),
        (b"end_to_end_id,status,amount_kzt,paid_on,reason\r\n", {"file": ["has no rows after the header"]}),
        (b"", {"status_file": ["choose the Treasury's status file (CSV)"]}),
    ],
)
def test_a_file_that_is_no_status_file_is_refused_naming_it(client, officers, api_clock, content, fields):
    assert error_of(upload(client, officers.headers("farida"), content), 422)["fields"] == fields


def test_the_file_must_come_as_the_pages_upload_does(client, officers, api_clock, document):
    farida = officers.headers("farida")
    content = status_file(("X", "paid", 1, "2026-03-02", ""))

    as_json = client.post(RESULTS, json={"status_file": content.decode()}, headers=farida)
    missing = upload(client, farida)
    as_text = upload(client, farida, status_file=content.decode())
    other_part = upload(client, farida, content, batch="7")

    assert error_of(as_json, 400)["fields"] == {"": ["must be multipart/form-data"]}
    assert error_of(missing, 422)["fields"] == {"status_file": ["choose the Treasury's status file (CSV)"]}
    assert list(error_of(as_text, 422)["fields"]) == ["status_file"]
    assert "must be a file part" in error_of(as_text, 422)["fields"]["status_file"][0]
    assert error_of(other_part, 422)["fields"] == {"batch": ["is not a part here; allowed: status_file"]}
    for answer in (as_json, missing, as_text, other_part):
        assert_answers_as_documented(document, RESULTS, "post", answer)


def test_a_retried_import_gets_the_first_answer_and_applies_nothing_twice(client, officers, exported_batch):
    farida = {**officers.headers("farida"), "Idempotency-Key": "treasury-2026-03-02"}
    content = status_file(*paid_rows(exported_batch.id, "2026-03-02"))
    references = [p.claim.reference for p in payments_of(exported_batch.id)]

    first = upload(client, farida, content)
    again = upload(client, farida, content)
    other_file = upload(client, farida, content + b"\r\n")
    without_key = upload(client, officers.headers("farida"), content)

    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json() and len(first.get_json()["applied"]) == 2
    assert list(error_of(other_file, 422)["fields"]) == ["Idempotency-Key"]
    # Without a key the file is imported again, and the service finds every row already recorded.
    assert without_key.get_json()["changed_nothing"] is True
    assert [row["outcome"] for row in without_key.get_json()["already_applied"]] == [
        "already paid on 2026-03-02"
    ] * 2
    for reference in references:
        assert messages_delivered(reference).count("payment_confirmed") == 1
        assert claim_of(reference).status == "paid"


@pytest.fixture
def live_url(app):
    """This test's application (SQLite or PostgreSQL) served on a localhost port, threaded."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_concurrent_imports_with_one_key_apply_each_row_once(live_url, officers, exported_batch):
    content = status_file(*paid_rows(exported_batch.id, "2026-03-02"))
    references = [p.claim.reference for p in payments_of(exported_batch.id)]
    body = (
        b'--fund-status\r\nContent-Disposition: form-data; name="status_file"; filename="status.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n" + content + b"\r\n--fund-status--\r\n"
    )
    headers = {
        **officers.headers("farida"),
        "Content-Type": "multipart/form-data; boundary=fund-status",
        "Idempotency-Key": "same-file-for-all",
    }
    barrier = threading.Barrier(4)
    answers: list[tuple[int, dict]] = []

    def send() -> None:
        request = urllib.request.Request(f"{live_url}{RESULTS}", data=body, method="POST", headers=headers)
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                answers.append((response.status, json.loads(response.read())))
        except urllib.error.HTTPError as error:
            answers.append((error.code, json.loads(error.read())))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(answers) == 4 and {status for status, _ in answers} <= {200, 409}, answers
    imported = [answer for status, answer in answers if status == 200]
    assert imported and all(answer == imported[0] for answer in imported)
    assert len(imported[0]["applied"]) == 2
    for reference in references:
        assert messages_delivered(reference).count("payment_confirmed") == 1
