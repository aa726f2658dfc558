"""Recourse (Art. 11) and the ledger over the API, with the roles of the pages: finance records
convictions and recovered payments; finance and auditors read a claim's recourse case; finance,
auditors, administrators and approvers read the ledger, its months a page at a time."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from fund.extensions import db
from fund.models import Conviction, RecourseCase, RecoveredPayment
from tests.conftest import error_of, make_iin
from tests.recourse.test_recourse import AWARD, ERDR, approved_claim, pay_approved_claims

OFFENDER_IIN = make_iin(date(1985, 7, 4), serial=7)
CONVICTION = {
    "erdr_number": ERDR,
    "court": "Specialised inter-district criminal court of Almaty",
    "verdict_date": "2026-02-20",
    "verdict_number": "1-101/2026",
    "offenders": [{"full_name": "Ерлан Жұмабаев", "iin": OFFENDER_IIN}, {"full_name": "Бауыржан Сейітов"}],
}


@pytest.fixture
def api_clock(clock, monkeypatch):
    monkeypatch.setattr("fund.api.recourse.utc_now", clock)
    return clock


@pytest.fixture
def paid_claim(app, api_clock, submit, officers, staff) -> str:
    """A torture claim of case ERDR paid on 5 March 2026 (no conviction yet); the clock at 1 May."""
    reference = approved_claim(submit, officers)
    pay_approved_claims(staff)
    api_clock.advance(days=60)
    return reference


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def record(client, officers, body=CONVICTION, username="farida", **headers):
    return client.post("/api/v1/convictions", json=body, headers={**officers.headers(username), **headers})


def debts(client, officers, reference, username="farida") -> list[dict]:
    answer = client.get(f"/api/v1/claims/{reference}/recourse", headers=officers.headers(username))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["debts"]


# --- convictions ---------------------------------------------------------------------------------


def test_finance_records_a_conviction_and_the_paid_claims_case_opens(client, officers, paid_claim):
    answer = record(client, officers)

    assert answer.status_code == 201, answer.get_json()
    recorded = answer.get_json()
    assert (recorded["erdr_number"], recorded["offenders"], recorded["recorded_by"]) == (ERDR, 2, "farida")
    case = client.get(f"/api/v1/claims/{paid_claim}/recourse", headers=officers.headers("farida")).get_json()
    assert (case["state"], case["amount_paid_kzt"], case["outstanding_kzt"]) == ("open", AWARD, AWARD)
    # Finance sees the offenders' names, their IINs masked (as on the case page).
    assert [d["offender"] for d in case["debts"]] == [
        {"name": "Ерлан Жұмабаев", "iin": "••••••••" + OFFENDER_IIN[-4:]},
        {"name": "Бауыржан Сейітов", "iin": ""},
    ]


@pytest.mark.parametrize("username", ["ivan", "rita", "aida", "adil"])
def test_only_finance_records_convictions(client, officers, paid_claim, username):
    refused = record(client, officers, username=username)

    assert error_of(refused, 403)["code"] == "forbidden"
    assert count(Conviction) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"erdr_number": "12345"}, "erdr_number"),
        ({"erdr_number": "251750010077777"}, "erdr_number"),  # no claim of the fund has this case
        ({"verdict_date": "2099-01-01"}, "verdict_date"),
        ({"verdict_date": "20.02.2026"}, "verdict_date"),
        ({"court": ""}, "court"),
        ({"court": 5}, "court"),
        ({"offenders": []}, "offenders.0.full_name"),
        ({"offenders": [{"full_name": "Ерлан Жұмабаев", "iin": "123456789012"}]}, "offenders.0.iin"),
        ({"offenders": [{"full_name": "Ерлан Жұмабаев", "passport": "N123"}]}, "offenders.0.passport"),
        ({"offenders": "Ерлан Жұмабаев"}, "offenders"),
        ({"offenders": [{"full_name": f"Offender {n}"} for n in range(11)]}, "offenders"),
        ({"judge": "Someone"}, "judge"),
    ],
)
def test_a_wrong_conviction_is_refused_naming_the_field(client, officers, paid_claim, change, field):
    refused = record(client, officers, {**CONVICTION, **change})

    assert field in error_of(refused, 422)["fields"]
    assert count(Conviction) == 0 and count(RecourseCase) == 0


def test_a_body_that_is_not_a_json_object_is_refused(client, officers, paid_claim):
    error_of(client.post("/api/v1/convictions", data="court=x", headers=officers.headers("farida")), 400)
    error_of(record(client, officers, ["not", "an", "object"]), 422)


def test_a_retried_conviction_is_recorded_once(client, officers, paid_claim):
    first = record(client, officers, **{"Idempotency-Key": "verdict-1-101"})
    again = record(client, officers, **{"Idempotency-Key": "verdict-1-101"})
    other = record(
        client,
        officers,
        {**CONVICTION, "verdict_number": "1-102/2026"},
        **{"Idempotency-Key": "verdict-1-101"},
    )
    # Without the key, the same verdict a second time is refused by the service's own rule.
    twice = record(client, officers)

    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json() == first.get_json()
    assert "Idempotency-Key" in error_of(other, 422)["fields"]
    assert "verdict_number" in error_of(twice, 422)["fields"]
    assert count(Conviction) == 1


# --- a claim's recourse case ---------------------------------------------------------------------


def test_auditors_read_the_case_with_initials_and_others_may_not(client, officers, paid_claim):
    record(client, officers)

    assert [d["offender"]["name"] for d in debts(client, officers, paid_claim, "aida")] == ["Е. Ж.", "Б. С."]
    for username in ("ivan", "rita", "adil"):
        refused = client.get(f"/api/v1/claims/{paid_claim}/recourse", headers=officers.headers(username))
        assert error_of(refused, 403)["code"] == "forbidden"


def test_a_claim_without_a_recourse_case_is_not_found(client, officers, paid_claim):
    error_of(client.get(f"/api/v1/claims/{paid_claim}/recourse", headers=officers.headers("farida")), 404)


# --- recovered payments --------------------------------------------------------------------------


def pay_back(client, officers, reference, body, username="farida", **headers):
    return client.post(
        f"/api/v1/claims/{reference}/recourse/payments",
        json=body,
        headers={**officers.headers(username), **headers},
    )


def test_finance_records_money_paid_back_and_the_case_settles_when_it_is_all_back(
    client, officers, paid_claim
):
    record(client, officers)
    first, second = debts(client, officers, paid_claim)
    body = {
        "debt_id": first["id"],
        "amount_kzt": 50_000,
        "received_on": "2026-04-15",
        "treasury_reference": "TR-1",
    }

    answer = pay_back(client, officers, paid_claim, body)

    assert answer.status_code == 201, answer.get_json()
    recorded = answer.get_json()
    assert (recorded["amount_kzt"], recorded["received_on"], recorded["case"]["outstanding_kzt"]) == (
        50_000,
        "2026-04-15",
        AWARD - 50_000,
    )
    rest = {
        "debt_id": second["id"],
        "amount_kzt": AWARD - 50_000,
        "received_on": "2026-04-20",
        "treasury_reference": "TR-2",
    }
    settled = pay_back(client, officers, paid_claim, rest).get_json()["case"]
    assert (settled["state"], settled["outstanding_kzt"]) == ("settled", 0)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount_kzt": AWARD + 1}, "amount_kzt"),  # over-recovery
        ({"amount_kzt": 0}, "amount_kzt"),
        ({"amount_kzt": 12.5}, "amount_kzt"),
        ({"amount_kzt": True}, "amount_kzt"),
        ({"amount_kzt": "²"}, "amount_kzt"),  # a digit to str.isdigit(), not to int()
        ({"debt_id": 999_999}, "debt_id"),
        ({"debt_id": "one"}, "debt_id"),
        ({"received_on": "2026-13-01"}, "received_on"),
        ({"received_on": "2099-01-01"}, "received_on"),
        ({"treasury_reference": ""}, "treasury_reference"),
        ({"note": "x"}, "note"),
    ],
)
def test_a_wrong_payment_is_refused_naming_the_field(client, officers, paid_claim, change, field):
    record(client, officers)
    debt = debts(client, officers, paid_claim)[0]
    body = {
        "debt_id": debt["id"],
        "amount_kzt": 1000,
        "received_on": "2026-04-15",
        "treasury_reference": "TR-1",
    }

    refused = pay_back(client, officers, paid_claim, {**body, **change})

    assert field in error_of(refused, 422)["fields"]
    assert count(RecoveredPayment) == 0


def test_only_finance_records_payments_and_a_retry_records_one(client, officers, paid_claim):
    record(client, officers)
    debt = debts(client, officers, paid_claim)[0]
    body = {
        "debt_id": debt["id"],
        "amount_kzt": 1000,
        "received_on": "2026-04-15",
        "treasury_reference": "TR-9",
    }

    assert error_of(pay_back(client, officers, paid_claim, body, "aida"), 403)["code"] == "forbidden"
    first = pay_back(client, officers, paid_claim, body, **{"Idempotency-Key": "tr-9"})
    again = pay_back(client, officers, paid_claim, body, **{"Idempotency-Key": "tr-9"})

    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json() == first.get_json()
    assert count(RecoveredPayment) == 1


# --- the ledger ----------------------------------------------------------------------------------


def test_the_ledger_pages_its_months_newest_first(client, officers, paid_claim):
    record(client, officers)
    debt = debts(client, officers, paid_claim)[0]
    pay_back(
        client,
        officers,
        paid_claim,
        {
            "debt_id": debt["id"],
            "amount_kzt": 50_000,
            "received_on": "2026-04-15",
            "treasury_reference": "TR-1",
        },
    )

    first = client.get("/api/v1/ledger?limit=1", headers=officers.headers("aida"))

    assert first.status_code == 200, first.get_json()
    page = first.get_json()
    assert page["total"] == {"payments": 1, "paid_kzt": AWARD, "recoveries": 1, "recovered_kzt": 50_000}
    assert (page["outstanding_kzt"], page["open_cases"]) == (AWARD - 50_000, 1)
    assert [m["month"] for m in page["months"]] == ["2026-04"]
    assert page["months"][0]["total"]["recovered_kzt"] == 50_000
    assert first.headers["Link"] == f'<{page["next"]}>; rel="next"'
    second = client.get(page["next"], headers=officers.headers("aida")).get_json()
    assert [m["month"] for m in second["months"]] == ["2026-03"] and second["next"] is None
    assert second["months"][0]["total"]["paid_kzt"] == AWARD


def test_the_ledgers_readers_and_its_paging_parameters(client, officers, paid_claim):
    for username in ("farida", "aida", "adil", "alma"):
        assert client.get("/api/v1/ledger", headers=officers.headers(username)).status_code == 200
    assert (
        error_of(client.get("/api/v1/ledger", headers=officers.headers("ivan")), 403)["code"] == "forbidden"
    )
    assert (
        "limit"
        in error_of(client.get("/api/v1/ledger?limit=0", headers=officers.headers("aida")), 422)["fields"]
    )
    assert (
        "after"
        in error_of(client.get("/api/v1/ledger?after=nonsense", headers=officers.headers("aida")), 422)[
            "fields"
        ]
    )
    error_of(client.get("/api/v1/ledger"), 401)
