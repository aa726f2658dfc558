"""Payout batches over the API, with the pages' roles and rules: a finance officer builds a batch,
another approves it (four eyes), the Treasury's files are the very bytes the page downloads, and
the Treasury's status file marks each payment paid or failed.
"""

from __future__ import annotations

import codecs
import csv
import io

import pytest
from sqlalchemy import func, select

from fund.extensions import db
from fund.models import AccessLogEntry, Claimant, PayoutBatch
from tests.api.test_openapi import assert_answers_as_documented
from tests.conftest import error_of
from tests.officer_helpers import browser, form_on, html, send
from tests.payout_helpers import approved_claims, claim_of, payments_of, status_file

BATCHES = "/api/v1/payout-batches"


@pytest.fixture
def api_clock(clock, monkeypatch):
    """The frozen clock for the payout routes too (2 March 2026, 14:00 in Almaty)."""
    monkeypatch.setattr("fund.api.payout_batches.utc_now", clock)
    return clock


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").get_json()


@pytest.fixture
def fatima(staff):
    """The second finance officer (``farida`` of ``officers`` is the first)."""
    return staff.headers("fatima", "finance")


def build(client, headers, filters=None, **extra_headers):
    return client.post(
        BATCHES, json=filters if filters is not None else {}, headers={**headers, **extra_headers}
    )


def import_results(client, headers, content: bytes, **extra_headers):
    return client.post(
        "/api/v1/payout-results",
        data={"status_file": (io.BytesIO(content), "status.csv")},
        headers={**headers, **extra_headers},
        content_type="multipart/form-data",
    )


def batches_stored() -> int:
    return db.session.scalar(select(func.count()).select_from(PayoutBatch))


def test_a_batch_goes_from_built_to_paid_through_the_api_with_two_officers(
    app, client, submit, officers, staff, fatima, api_clock, document
):
    references = approved_claims(submit, officers, 2)
    farida = officers.headers("farida")

    built = build(client, farida, {"category": "torture"})

    assert built.status_code == 201, built.get_json()
    assert_answers_as_documented(document, BATCHES, "post", built)
    batch = built.get_json()
    assert built.headers["Location"] == batch["url"] == f"{BATCHES}/{batch['id']}"
    assert built.headers["Cache-Control"] == "no-store"
    assert (batch["status"], batch["payment_count"], batch["total_kzt"]) == ("built", 2, 346000)
    assert batch["created_by"] == "farida" and batch["filters"]["category"] == "torture"
    assert sorted(p["claim_reference"] for p in batch["payments"]) == sorted(references)
    assert {p["recipient_iban"] for p in batch["payments"]} == {"KZ86••••••••••••0100"}  # masked
    assert batch["totals"] == [{"status": "in_batch", "payments": 2, "total_kzt": 346000}]
    assert (batch["left_out"], batch["files"]) == ([], {})

    # Four eyes: the officer who built it may not approve it, in the API's error shape.
    own = client.post(f"{batch['url']}/approve", headers=farida)
    refusal = error_of(own, 403)
    assert refusal["code"] == "forbidden"
    assert refusal["message"] == (
        f"batch {batch['reference']} was built by you: another finance officer must approve it (four eyes)"
    )
    assert_answers_as_documented(document, f"{BATCHES}/{{batch_id}}/approve", "post", own)
    approved = client.post(f"{batch['url']}/approve", headers=fatima)
    assert approved.status_code == 200, approved.get_json()
    assert_answers_as_documented(document, f"{BATCHES}/{{batch_id}}/approve", "post", approved)
    approved = approved.get_json()
    assert (approved["status"], approved["approved_by"], approved["execution_date"]) == (
        "approved",
        "fatima",
        "2026-03-02",
    )

    # The files: the page's own bytes, written to each claim's access log.
    register = client.post(approved["files"]["register_csv"], headers=fatima)
    pain001 = client.post(approved["files"]["pain001"], headers=fatima)
    assert (register.status_code, pain001.status_code) == (200, 200)
    assert register.headers["Content-Disposition"] == f"attachment; filename={batch['reference']}.csv"
    assert register.headers["Cache-Control"] == "no-store" and register.mimetype == "text/csv"
    assert pain001.mimetype == "application/xml"
    assert register.get_data().startswith(codecs.BOM_UTF8)
    rows = list(csv.DictReader(io.StringIO(register.get_data().decode("utf-8-sig"))))
    assert sorted(row["claim_reference"] for row in rows) == sorted(references)
    assert {row["recipient_iban"] for row in rows} == {"KZ86125KZT5004100100"}  # in full in the file
    page = browser(app, staff, "fatima", "finance")
    batch_page = html(page.get(f"/payouts/{batch['id']}"))
    assert send(page, form_on(batch_page, "/register.csv")).get_data() == register.get_data()
    assert send(page, form_on(batch_page, "/pain001.xml")).get_data() == pain001.get_data()
    logged = db.session.scalars(
        select(AccessLogEntry.what).where(AccessLogEntry.username == "fatima").order_by(AccessLogEntry.id)
    ).all()
    assert logged.count(f"payout batch {batch['reference']}: CSV register exported") == 2 * 2  # API, page
    exported = client.get(batch["url"], headers=farida).get_json()
    assert (exported["status"], exported["exported_by"]) == ("exported", "fatima")

    # The Treasury's answer: every payment paid, each claim paid.
    content = status_file(
        *[(row["end_to_end_id"], "paid", row["amount_kzt"], "2026-03-02", "") for row in rows]
    )
    imported = import_results(client, farida, content)

    assert imported.status_code == 200, imported.get_json()
    assert_answers_as_documented(document, "/api/v1/payout-results", "post", imported)
    report = imported.get_json()
    assert [(row["line"], row["result"], row["outcome"]) for row in report["applied"]] == [
        (2, "paid", "payment_confirmed"),
        (3, "paid", "payment_confirmed"),
    ]
    assert sorted(row["claim_reference"] for row in report["applied"]) == sorted(references)
    assert (report["rows"], report["changed_nothing"], report["refused"]) == (2, False, [])
    read = client.get(batch["url"], headers=fatima)
    assert_answers_as_documented(document, f"{BATCHES}/{{batch_id}}", "get", read)
    paid = read.get_json()
    assert {(p["status"], p["paid_on"]) for p in paid["payments"]} == {("paid", "2026-03-02")}
    assert paid["totals"] == [{"status": "paid", "payments": 2, "total_kzt": 346000}]
    assert {claim_of(reference).status for reference in references} == {"paid"}


def test_a_claim_without_a_payable_account_is_left_out_and_named(client, submit, officers, api_clock):
    references = approved_claims(submit, officers, 2)
    db.session.execute(
        Claimant.__table__.update()
        .where(Claimant.id == claim_of(references[0]).claimant_id)
        .values(iban="KZ18722S000012345679")
    )
    db.session.commit()

    built = build(client, officers.headers("farida"))

    assert built.status_code == 201
    body = built.get_json()
    assert [p["claim_reference"] for p in body["payments"]] == [references[1]]
    assert [entry["claim_reference"] for entry in body["left_out"]] == [references[0]]
    assert body["left_out"][0]["why"].startswith("its account is not a valid Kazakh IBAN")


def test_only_finance_works_payout_batches(client, submit, officers, staff, fatima, api_clock, document):
    approved_claims(submit, officers, 1)
    batch = build(client, officers.headers("farida")).get_json()
    intake = officers.headers("ivan")
    approver = officers.headers("alma")
    attempts = {
        (BATCHES, "get"): lambda h: client.get(BATCHES, headers=h),
        (BATCHES, "post"): lambda h: build(client, h),
        (f"{BATCHES}/{{batch_id}}", "get"): lambda h: client.get(batch["url"], headers=h),
        (f"{BATCHES}/{{batch_id}}/approve", "post"): lambda h: client.post(
            f"{batch['url']}/approve", headers=h
        ),
        (f"{BATCHES}/{{batch_id}}/cancel", "post"): lambda h: client.post(
            f"{batch['url']}/cancel", headers=h
        ),
        (f"{BATCHES}/{{batch_id}}/register.csv", "post"): lambda h: client.post(
            f"{batch['url']}/register.csv", headers=h
        ),
        (f"{BATCHES}/{{batch_id}}/pain001.xml", "post"): lambda h: client.post(
            f"{batch['url']}/pain001.xml", headers=h
        ),
        ("/api/v1/payout-results", "post"): lambda h: import_results(client, h, b"end_to_end_id\r\n"),
    }

    for (path, method), attempt in attempts.items():
        for headers in (intake, approver):
            refused = attempt(headers)
            assert error_of(refused, 403)["code"] == "forbidden", path
            assert_answers_as_documented(document, path, method, refused)
        anonymous = attempt({})
        assert error_of(anonymous, 401)["code"] == "unauthenticated", path
        assert_answers_as_documented(document, path, method, anonymous)
    assert batches_stored() == 1
    assert client.get(batch["url"], headers=fatima).get_json()["status"] == "built"


def test_the_treasurys_files_wait_for_the_approval(client, submit, officers, fatima, api_clock, document):
    approved_claims(submit, officers, 1)
    batch = build(client, officers.headers("farida")).get_json()

    early = client.post(f"{batch['url']}/register.csv", headers=fatima)
    missing = client.post(f"{BATCHES}/999999/pain001.xml", headers=fatima)

    assert error_of(early, 409)["message"] == (
        f"batch {batch['reference']} is built; only an approved batch can be exported"
    )
    assert_answers_as_documented(document, f"{BATCHES}/{{batch_id}}/register.csv", "post", early)
    assert error_of(missing, 404)["message"] == "no payout batch 999999"
    assert client.get(batch["url"], headers=fatima).get_json()["status"] == "built"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (
            {"decided_from": "2026-03-09", "decided_to": "2026-03-02", "category": "robbery"},
            {"decided_to", "category"},
        ),
        ({"decided_from": "2 March"}, {"decided_from"}),
        ({"categroy": "torture"}, {"categroy"}),  # a misspelt filter must not build a batch of everything
        ({"category": 7}, {"category"}),
        (["torture"], {""}),
    ],
)
def test_wrong_filters_are_refused_naming_the_field_and_nothing_is_built(
    client, submit, officers, api_clock, document, body, fields
):
    approved_claims(submit, officers, 1)

    refused = build(client, officers.headers("farida"), body)

    assert set(error_of(refused, 422)["fields"]) == fields
    assert_answers_as_documented(document, BATCHES, "post", refused)
    assert batches_stored() == 0


def test_with_nothing_to_pay_the_build_is_refused(client, officers, api_clock, document):
    refused = build(client, officers.headers("farida"), {"category": "death"})

    assert (
        error_of(refused, 409)["message"]
        == "no approved, unpaid claims match these filters; nothing was built"
    )
    assert_answers_as_documented(document, BATCHES, "post", refused)


def test_a_retried_build_gets_the_first_answer_and_builds_nothing_more(client, submit, officers, api_clock):
    approved_claims(submit, officers, 1)
    farida = officers.headers("farida")
    key = {"Idempotency-Key": "build-2026-03-02"}

    first = build(client, farida, {"category": "torture"}, **key)
    again = build(client, farida, {"category": "torture"}, **key)
    other = build(client, farida, {"category": "death"}, **key)
    without_key = build(client, farida, {"category": "torture"})

    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json() and again.headers["Location"] == first.headers["Location"]
    assert set(error_of(other, 422)["fields"]) == {"Idempotency-Key"}
    assert error_of(without_key, 409)["code"] == "conflict"  # the claim is in the first batch
    assert batches_stored() == 1


def test_a_retried_approval_gets_the_first_answer(client, submit, officers, fatima, api_clock):
    approved_claims(submit, officers, 1)
    batch = build(client, officers.headers("farida")).get_json()
    key = {"Idempotency-Key": "approve-1"}

    first = client.post(f"{batch['url']}/approve", headers={**fatima, **key})
    again = client.post(f"{batch['url']}/approve", headers={**fatima, **key})
    without_key = client.post(f"{batch['url']}/approve", headers=fatima)

    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json() == first.get_json()
    assert error_of(without_key, 409)["message"] == (
        f"batch {batch['reference']} is approved; only a built batch can be approved"
    )


def test_an_approval_finding_a_changed_claim_is_refused_naming_it(
    client, submit, officers, fatima, api_clock
):
    (reference,) = approved_claims(submit, officers, 1)
    batch = build(client, officers.headers("farida")).get_json()
    db.session.execute(
        Claimant.__table__.update()
        .where(Claimant.id == claim_of(reference).claimant_id)
        .values(iban="KZ86125KZT5004100101")
    )
    db.session.commit()

    refused = client.post(f"{batch['url']}/approve", headers=fatima)

    assert error_of(refused, 409)["fields"] == {
        "claims": [f"{reference}: the claimant's account changed since the batch was built"]
    }
    assert [p.status for p in payments_of(batch["id"])] == ["in_batch"]
    assert client.get(batch["url"], headers=fatima).get_json()["status"] == "built"


def test_the_list_is_newest_first_a_page_at_a_time(client, officers, api_clock, document):
    farida = officers.headers("farida")
    for number in range(1, 6):
        db.session.add(
            PayoutBatch(
                reference=f"PB-2026-{number:06d}",
                status="built",
                payment_count=0,
                total_kzt=0,
                created_by="farida",
                created_at=api_clock.now,
            )
        )
    db.session.commit()

    seen, url, pages = [], f"{BATCHES}?limit=2", 0
    while url:
        page = client.get(url, headers=farida)
        assert page.status_code == 200, page.get_json()
        assert_answers_as_documented(document, BATCHES, "get", page)
        seen += [batch["reference"] for batch in page.get_json()["batches"]]
        url, pages = page.get_json()["next"], pages + 1

    assert seen == [f"PB-2026-{number:06d}" for number in range(5, 0, -1)]
    assert pages == 3
    whole = client.get(BATCHES, headers=farida).get_json()
    assert len(whole["batches"]) == 5 and whole["next"] is None
    for query, field in (
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("after=bm90LWEtY3Vyc29y", "after"),
        ("limit=&limit=2", "limit"),
    ):
        wrong = client.get(f"{BATCHES}?{query}", headers=farida)
        assert set(error_of(wrong, 422)["fields"]) == {field}, query
        assert_answers_as_documented(document, BATCHES, "get", wrong)


def test_an_unknown_batch_is_404(client, officers, api_clock, document):
    missing = client.get(f"{BATCHES}/424242", headers=officers.headers("farida"))

    assert error_of(missing, 404)["message"] == "no payout batch 424242"
    assert_answers_as_documented(document, f"{BATCHES}/{{batch_id}}", "get", missing)
    beyond = 10**30  # past any integer column: still a plain 404, on PostgreSQL too
    for path, method in (
        ("", "get"),
        ("/approve", "post"),
        ("/register.csv", "post"),
        ("/pain001.xml", "post"),
    ):
        answer = client.open(f"{BATCHES}/{beyond}{path}", method=method, headers=officers.headers("farida"))
        assert error_of(answer, 404)["code"] == "not_found", path


def test_a_batch_cancelled_before_export_frees_its_claims_and_an_exported_one_stays(
    client, submit, officers, fatima, api_clock, document
):
    (reference,) = approved_claims(submit, officers, 1)
    farida = officers.headers("farida")
    first = build(client, farida).get_json()

    cancelled = client.post(f"{first['url']}/cancel", headers={**fatima, "Idempotency-Key": "cancel-1"})

    assert cancelled.status_code == 200, cancelled.get_json()
    assert_answers_as_documented(document, f"{BATCHES}/{{batch_id}}/cancel", "post", cancelled)
    assert (cancelled.get_json()["status"], cancelled.get_json()["cancelled_by"]) == ("cancelled", "fatima")
    assert [p["status"] for p in cancelled.get_json()["payments"]] == ["cancelled"]
    second = build(client, farida)
    assert second.status_code == 201
    assert [p["claim_reference"] for p in second.get_json()["payments"]] == [reference]
    client.post(f"{second.get_json()['url']}/approve", headers=fatima)
    client.post(f"{second.get_json()['url']}/pain001.xml", headers=fatima)

    too_late = client.post(f"{second.get_json()['url']}/cancel", headers=farida)

    assert error_of(too_late, 409)["message"] == (
        f"batch {second.get_json()['reference']} is exported; only a batch not yet exported can be cancelled"
    )
    assert_answers_as_documented(document, f"{BATCHES}/{{batch_id}}/cancel", "post", too_late)
