"""Every JSON body the API takes is checked in one place before any service sees it: text no
database can store and numbers no JSON can carry are refused with the field named, and nothing
is saved.

A JSON string may spell an unpaired UTF-16 surrogate (``"\\ud800"``), which Python decodes to a
character that UTF-8, and so SQLite and PostgreSQL, cannot hold. A number such as ``1e400`` is
beyond a float's range: Python reads it as infinity, which PostgreSQL refuses and which the
history would later show as ``Infinity`` (not JSON).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from fund.extensions import db
from fund.models import (
    ApiToken,
    Claim,
    Claimant,
    ClaimMessage,
    Conviction,
    PayoutBatch,
    RecoveredPayment,
    WorkflowEvent,
)
from tests.conftest import DOCUMENTS_COMPLETE, PASSWORD, claim_body, error_of, make_iin, stored_claim

# What a client may spell in a JSON string; an error names a key holding it by the same escape.
SURROGATES = [
    pytest.param("\\ud800", id="high surrogate"),
    pytest.param("\\udbff", id="last high surrogate"),
    pytest.param("\\udc00", id="low surrogate"),
    pytest.param("\\udfff", id="last low surrogate"),
    pytest.param("\\udc00\\ud800", id="a pair the wrong way round"),
]
PLACE = "@@"  # where the bad text goes in a body, replaced in the JSON text as sent
TOO_BIG = [
    pytest.param("1e400", id="1e400"),
    pytest.param("-1e400", id="-1e400"),
    pytest.param("2E308", id="2E308"),
]

# POST routes of /api/v1 that read no body, so that nothing sent with them is stored.
TAKE_NO_BODY = {
    "/api/v1/claims/<reference>/replay",  # read-only: replays the stored history
    # A payout batch's decisions and its files: the batch in the address is all they take.
    "/api/v1/payout-batches/<int:batch_id>/approve",
    "/api/v1/payout-batches/<int:batch_id>/cancel",
    "/api/v1/payout-batches/<int:batch_id>/register.csv",
    "/api/v1/payout-batches/<int:batch_id>/pain001.xml",
}
# POST routes of /api/v1 that take multipart/form-data only (a JSON body is refused, 400).
TAKE_MULTIPART_ONLY = {"/api/v1/claims/<reference>/documents", "/api/v1/payout-results"}


@dataclass(frozen=True)
class Place:
    """One place a client can put bad text or a bad number: a body (with PLACE where it goes) and
    the field the refusal must name (with PLACE standing for the key as named).
    """

    body: Any
    field: str


@dataclass(frozen=True)
class Endpoint:
    rule: str
    send: Callable[[str | bytes], Any]  # the body as sent -> the response
    saved: Callable[[], Any]  # what the database holds that this endpoint could change
    values: tuple[Place, ...]  # places for a string value
    keys: tuple[Place, ...]  # places for a key
    numbers: tuple[Place, ...]  # places for a number (PLACE stands for the bare number)


def _claims_saved() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Claim, Claimant, WorkflowEvent)
    )


def _tokens_saved() -> int:
    return db.session.scalar(select(func.count()).select_from(ApiToken))


def _representative(**victim: str) -> dict[str, Any]:
    born = date(2010, 4, 2)
    block = {"full_name": "Данияр Сәрсенов", "iin": make_iin(born), "birth_date": born.isoformat(), **victim}
    return claim_body(role="representative", victim=block)


@pytest.fixture
def awaiting_payment(submit, officers) -> str:
    """A torture claim approved and waiting for the Treasury's payment_confirmed."""
    reference = submit()["reference"]
    officers.check_documents(reference)
    officers.review(reference)
    officers.approve(reference)
    return reference


@pytest.fixture
def endpoints(client, staff, officers, submit, awaiting_payment, clock) -> dict[str, Endpoint]:
    """Every POST route of /api/v1 that reads a JSON body, each with the places of its body."""
    staff.user("ivan", "intake")  # the tokens endpoint signs in a real officer
    reference = submit()["reference"]
    task_id = officers.task(reference, "intake_check", "ivan")["id"]

    def post(url: str, username: str | None = None) -> Callable[[str], Any]:
        headers = officers.headers(username) if username else {}
        return lambda body: client.post(url, data=body, content_type="application/json", headers=headers)

    messages = f"/api/v1/claims/{awaiting_payment}/messages"
    conviction = {"erdr_number": "251750010001234", "court": "Court", "verdict_date": "2026-02-20",
                  "verdict_number": "1-101/2026", "offenders": [{"full_name": "Ерлан Жұмабаев"}]}  # fmt: skip
    recovery = {"debt_id": 1, "amount_kzt": 1000, "received_on": "2026-03-01", "treasury_reference": "TR-1"}
    return {
        "/api/v1/convictions": Endpoint(
            "/api/v1/convictions",
            post("/api/v1/convictions", "farida"),
            lambda: db.session.scalar(select(func.count()).select_from(Conviction)),
            values=(
                Place({**conviction, "court": "Court " + PLACE}, "court"),
                Place({**conviction, "offenders": [{"full_name": "Ерлан " + PLACE}]}, "offenders.full_name"),
            ),
            keys=(Place({**conviction, PLACE: "x"}, PLACE),),
            numbers=(Place({**conviction, "verdict_number": PLACE}, "verdict_number"),),
        ),
        "/api/v1/payout-batches": Endpoint(
            "/api/v1/payout-batches",
            post("/api/v1/payout-batches", "farida"),
            lambda: db.session.scalar(select(func.count()).select_from(PayoutBatch)),
            values=(Place({"category": "torture" + PLACE}, "category"),),
            keys=(Place({PLACE: "torture"}, PLACE),),
            numbers=(Place({"decided_from": PLACE}, "decided_from"),),
        ),
        "/api/v1/claims/<reference>/recourse/payments": Endpoint(
            "/api/v1/claims/<reference>/recourse/payments",
            post(f"/api/v1/claims/{reference}/recourse/payments", "farida"),
            lambda: db.session.scalar(select(func.count()).select_from(RecoveredPayment)),
            values=(Place({**recovery, "treasury_reference": "TR " + PLACE}, "treasury_reference"),),
            keys=(Place({**recovery, "no" + PLACE + "te": "x"}, "no" + PLACE + "te"),),
            numbers=(Place({**recovery, "amount_kzt": PLACE}, "amount_kzt"),),
        ),
        "/api/v1/claims": Endpoint(
            "/api/v1/claims",
            post("/api/v1/claims"),
            _claims_saved,
            values=(
                Place(claim_body(claimant__full_name=f"Айгүл {PLACE}"), "claimant.full_name"),
                Place(_representative(full_name=f"Данияр {PLACE}"), "victim.full_name"),
                Place(claim_body(crime__erdr_number=PLACE), "crime.erdr_number"),
            ),
            keys=(
                Place(claim_body(**{"claimant__nick" + PLACE: "x"}), "claimant.nick" + PLACE),
                Place({**claim_body(), PLACE: 1}, PLACE),
            ),
            numbers=(Place(claim_body(crime__part=PLACE), "crime.part"),),
        ),
        "/api/v1/tokens": Endpoint(
            "/api/v1/tokens",
            post("/api/v1/tokens"),
            _tokens_saved,
            values=(
                Place({"username": "ivan" + PLACE, "password": PASSWORD}, "username"),
                Place({"username": "ivan", "password": PASSWORD + PLACE}, "password"),
            ),
            keys=(Place({"username": "ivan", "password": PASSWORD, PLACE: ""}, PLACE),),
            numbers=(Place({"username": "ivan", "password": PLACE}, "password"),),
        ),
        "/api/v1/tasks/<task_id>/complete": Endpoint(
            "/api/v1/tasks/<task_id>/complete",
            post(f"/api/v1/tasks/{task_id}/complete", "ivan"),
            lambda: stored_claim(reference),
            values=(
                Place({**DOCUMENTS_COMPLETE, "note": "all here " + PLACE}, "note"),
                Place(
                    {"documents_complete": False, "missing_documents": ["forensic" + PLACE]},
                    "missing_documents",
                ),
            ),
            keys=(Place({**DOCUMENTS_COMPLETE, "no" + PLACE + "te": "x"}, "no" + PLACE + "te"),),
            numbers=(Place({**DOCUMENTS_COMPLETE, "note": PLACE}, "note"),),
        ),
        "/api/v1/claims/<reference>/conversation": Endpoint(  # multipart too; JSON for words only
            "/api/v1/claims/<reference>/conversation",
            post(f"/api/v1/claims/{reference}/conversation", "ivan"),
            lambda: db.session.scalar(select(func.count()).select_from(ClaimMessage)),
            values=(Place({"message": "Когда? " + PLACE}, "message"),),
            keys=(Place({"message": "Когда?", PLACE: "x"}, PLACE),),
            numbers=(Place({"message": PLACE}, "message"),),
        ),
        "/api/v1/claims/<reference>/messages/<name>": Endpoint(
            "/api/v1/claims/<reference>/messages/<name>",
            post(f"{messages}/payment_confirmed", "farida"),
            lambda: stored_claim(awaiting_payment),
            values=(
                Place({"batch": "PB-2026-001" + PLACE}, "batch"),
                Place({"batch": "PB-2026-001", "treasury": {"reference": PLACE}}, "treasury.reference"),
            ),
            keys=(
                Place({"batch": "PB-2026-001", PLACE: "x"}, PLACE),
                Place({"batch": "PB-2026-001", "treasury": {"ref" + PLACE: "x"}}, "treasury.ref" + PLACE),
            ),
            numbers=(
                Place({"batch": "PB-2026-001", "amount_kzt": PLACE}, "amount_kzt"),
                Place({"batch": "PB-2026-001", "amounts": [1, PLACE]}, "amounts"),
            ),
        ),
    }


def _send_with(endpoint: Endpoint, place: Place, spelled: str, inside_string: bool):
    """Send the place's body with ``spelled`` at PLACE, as raw JSON text (so nothing re-encodes it)."""
    text = json.dumps(place.body, ensure_ascii=False)
    if not inside_string:  # a bare number: take the quotes around the marker away too
        text = text.replace(f'"{PLACE}"', spelled)
    return endpoint.send(text.replace(PLACE, spelled))


def _check_refused(endpoint: Endpoint, place: Place, spelled: str, says: str, inside_string: bool):
    before = endpoint.saved()

    response = _send_with(endpoint, place, spelled, inside_string)

    assert response.status_code in (400, 422), (endpoint.rule, place.field, response.text[:500])
    error = error_of(response, response.status_code)
    field = place.field.replace(PLACE, spelled)  # a key is named as the client spelled it
    assert field in error["fields"], (endpoint.rule, field, error["fields"])
    assert any(says in message for message in error["fields"][field]), (endpoint.rule, error["fields"])
    db.session.expire_all()
    assert endpoint.saved() == before, endpoint.rule


def test_every_post_route_that_reads_a_body_is_in_this_fuzz(app, endpoints):
    posted = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and "POST" in (rule.methods or ())
    }
    assert posted == set(endpoints) | TAKE_NO_BODY | TAKE_MULTIPART_ONLY


@pytest.mark.parametrize("spelled", SURROGATES)
def test_an_unpaired_surrogate_in_any_value_is_refused_naming_the_field(endpoints, spelled):
    for endpoint in endpoints.values():
        for place in endpoint.values:
            _check_refused(endpoint, place, spelled, "surrogate", inside_string=True)


@pytest.mark.parametrize("spelled", SURROGATES)
def test_an_unpaired_surrogate_in_any_key_is_refused_naming_the_key(endpoints, spelled):
    for endpoint in endpoints.values():
        for place in endpoint.keys:
            _check_refused(endpoint, place, spelled, "surrogate", inside_string=True)


def test_a_surrogate_sent_as_raw_utf8_bytes_is_refused_too(endpoints):
    """Python's JSON parser decodes bytes with 'surrogatepass', so ED A0 80 arrives as U+D800."""
    endpoint = endpoints["/api/v1/claims/<reference>/messages/<name>"]
    before = endpoint.saved()

    response = endpoint.send(b'{"batch": "PB-2026-001\xed\xa0\x80"}')

    assert "surrogate" in error_of(response, 422)["fields"]["batch"][0]
    assert endpoint.saved() == before


def test_a_proper_surrogate_pair_is_an_ordinary_character_and_is_taken(endpoints):
    endpoint = endpoints["/api/v1/claims"]
    place = Place(claim_body(claimant__full_name=f"Айгүл {PLACE}"), "claimant.full_name")

    response = _send_with(endpoint, place, "\\ud83c\\udf37", inside_string=True)

    assert response.status_code == 201, response.text
    claim = db.session.scalar(select(Claim).where(Claim.reference == response.get_json()["reference"]))
    assert claim.claimant.full_name == "Айгүл \U0001f337"


@pytest.mark.parametrize("number", TOO_BIG)
def test_a_number_beyond_a_floats_range_is_refused_naming_the_field(endpoints, number):
    for endpoint in endpoints.values():
        for place in endpoint.numbers:
            _check_refused(endpoint, place, number, "range", inside_string=False)
