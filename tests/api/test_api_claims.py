"""The public claim API, as a claimant meets it: submit a claim, keep the access code, follow the
status; and the staff view of a claim with its amounts.

Errors are always ``{"error": {"code", "message", "fields"}}`` with the failing fields named.
"""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from fund.claims.submission import access_code_matches
from fund.extensions import db
from fund.models import Claim, Claimant, Letter, WorkflowEvent
from tests.conftest import claim_body, error_of, make_iin, stored_claim

REFERENCE = re.compile(r"VCF-2026-[0-9]{6}")
ACCESS_CODE = re.compile(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}")


def status_of(client, reference: str, access_code: str):
    return client.get(f"/api/v1/claims/{reference}/status", headers={"X-Access-Code": access_code})


def claims_stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Claim))


# --- submitting a claim --------------------------------------------------------------------------


def test_a_submitted_claim_gets_a_reference_an_access_code_and_the_status_submitted(client, clock):
    response = client.post("/api/v1/claims", json=claim_body())

    assert response.status_code == 201
    answer = response.get_json()
    assert set(answer) == {"reference", "access_code", "status"}
    assert REFERENCE.fullmatch(answer["reference"])
    assert ACCESS_CODE.fullmatch(answer["access_code"])
    assert answer["status"] == "submitted"


def test_every_claim_gets_its_own_reference_and_access_code(submit, clock):
    first, second = submit(), submit()

    assert first["reference"] != second["reference"]
    assert first["access_code"] != second["access_code"]


def test_the_access_code_is_shown_once_and_only_its_hash_is_kept(client, submit, officers, clock):
    answer = submit()

    claim = db.session.scalar(select(Claim).where(Claim.reference == answer["reference"]))
    assert answer["access_code"] not in claim.access_code_hash
    assert access_code_matches(claim.access_code_hash, answer["access_code"])
    stored_text = " ".join(str(value) for value in claim.__dict__.values())
    assert answer["access_code"] not in stored_text
    # Neither the claimant's status page nor the staff view ever shows it again.
    assert answer["access_code"] not in status_of(client, answer["reference"], answer["access_code"]).text
    assert answer["access_code"] not in json.dumps(officers.claim(answer["reference"]))


def test_the_claimant_sees_the_status_with_the_access_code(client, submit, clock):
    answer = submit()

    response = status_of(client, answer["reference"], answer["access_code"])

    assert response.status_code == 200
    body = response.get_json()
    assert body == {
        "reference": answer["reference"],
        "status": "submitted",
        "updated_at": "2026-03-02T09:00:00+00:00",
        "letters": [
            {
                "kind": "acknowledgement",
                "number": body["letters"][0]["number"],
                "issued_at": "2026-03-02T09:00:00+00:00",
            }
        ],
    }


def test_the_access_code_and_reference_may_be_typed_in_lower_case(client, submit, clock):
    answer = submit()

    response = status_of(client, answer["reference"].lower(), answer["access_code"].lower())

    assert response.status_code == 200
    assert response.get_json()["reference"] == answer["reference"]


def test_a_wrong_code_and_an_unknown_reference_get_the_same_not_found_no_code_a_401(client, submit, clock):
    answer = submit()
    other = submit()

    wrong_code = status_of(client, answer["reference"], other["access_code"])
    unknown_reference = status_of(client, "VCF-2026-999999", answer["access_code"])
    no_code = client.get(f"/api/v1/claims/{answer['reference']}/status")
    no_code_unknown = client.get("/api/v1/claims/VCF-2026-999999/status")

    assert error_of(wrong_code, 404)["code"] == "not_found"
    assert wrong_code.get_json() == unknown_reference.get_json()
    assert unknown_reference.status_code == 404
    # No code at all: the header is named, the same answer whether the reference exists or not.
    assert error_of(no_code, 401)["fields"] == {
        "X-Access-Code": ["is required: the claim's access code, given once when the claim was submitted"]
    }
    assert no_code.get_json() == no_code_unknown.get_json() and no_code_unknown.status_code == 401


def test_the_acknowledgement_letter_is_issued_at_submission_and_listed_in_the_status(client, submit, clock):
    answer = submit()
    claim = db.session.scalar(select(Claim).where(Claim.reference == answer["reference"]))
    (letter,) = db.session.scalars(select(Letter).where(Letter.claim_id == claim.id)).all()
    assert letter.kind == "acknowledgement" and letter.status == "issued"
    assert letter.number == f"VCF-L-2026-{letter.id:07d}"

    letters = status_of(client, answer["reference"], answer["access_code"]).get_json()["letters"]
    assert letters == [
        {"kind": "acknowledgement", "number": letter.number, "issued_at": "2026-03-02T09:00:00+00:00"}
    ]


def test_a_letter_still_due_is_not_listed_in_the_status(client, submit, clock):
    answer = submit()
    claim = db.session.scalar(select(Claim).where(Claim.reference == answer["reference"]))
    db.session.add(
        Letter(claim_id=claim.id, kind="document_request", status="due", details={}, due_at=clock.now)
    )
    db.session.commit()

    letters = status_of(client, answer["reference"], answer["access_code"]).get_json()["letters"]
    assert [letter["kind"] for letter in letters] == ["acknowledgement"]


# --- what a claimant is told when the claim has errors -------------------------------------------


def _wrong_check_digit(iin: str) -> str:
    return iin[:11] + str((int(iin[11]) + 1) % 10)


@pytest.mark.parametrize(
    ("overrides", "field", "says"),
    [
        pytest.param(
            {"claimant__iin": _wrong_check_digit(make_iin(date(1990, 1, 15), female=True))},
            "claimant.iin",
            "valid check digit",
            id="IIN check digit",
        ),
        pytest.param(
            {"claimant__birth_date": "1990-01-16"},
            "claimant.iin",
            "does not match the birth date; this IIN encodes 1990-01-15",
            id="IIN and birth date disagree",
        ),
        pytest.param(
            {"claimant__iban": "KZ86125KZT5004100101"},
            "claimant.iban",
            "check digits",
            id="IBAN checksum",
        ),
        pytest.param(
            {"claimant__iban": "KZ86125KZT500410010"},
            "claimant.iban",
            "20 in all",
            id="IBAN length",
        ),
        pytest.param(
            {"crime__committed_on": "2026-03-03"},
            "crime.committed_on",
            "must not be after today (2026-03-02)",
            id="crime in the future",
        ),
        pytest.param(
            {"crime__committed_on": "2026-01-01", "crime__recognized_on": "2026-03-03"},
            "crime.recognized_on",
            "must not be after today (2026-03-02)",
            id="recognition in the future",
        ),
        pytest.param(
            {"crime__recognized_on": "2025-04-30"},
            "crime.recognized_on",
            "must not be before the date the crime was committed",
            id="recognition before the crime",
        ),
        pytest.param(
            {"crime__committed_on": "2025-02-30"},
            "crime.committed_on",
            "YYYY-MM-DD",
            id="no such date",
        ),
    ],
)
def test_a_claim_with_an_error_is_refused_naming_the_field(client, clock, overrides, field, says):
    response = client.post("/api/v1/claims", json=claim_body(**overrides))

    error = error_of(response, 422)
    assert error["code"] == "validation_failed"
    assert field in error["fields"], error["fields"]
    assert any(says in message for message in error["fields"][field]), error["fields"][field]
    assert claims_stored() == 0


def test_every_error_of_a_claim_is_reported_at_once(client, clock):
    body = claim_body(
        claimant__iban="KZ00",
        claimant__phone="12",
        crime__committed_on="2027-01-01",
        consent=False,
    )

    error = error_of(client.post("/api/v1/claims", json=body), 422)

    assert {"claimant.iban", "claimant.phone", "crime.committed_on", "consent"} <= set(error["fields"])


def test_a_refused_claim_leaves_nothing_behind(client, clock):
    client.post("/api/v1/claims", json=claim_body(claimant__iban="KZ86125KZT5004100101"))

    assert claims_stored() == 0
    assert db.session.scalar(select(func.count()).select_from(Claimant)) == 0
    assert db.session.scalar(select(func.count()).select_from(WorkflowEvent)) == 0


DEEP = "[" * 5000 + "]" * 5000


@pytest.mark.parametrize(
    ("send", "status"),
    [
        pytest.param({"data": "my claim", "content_type": "text/plain"}, 400, id="plain text"),
        pytest.param({"data": {"role": "victim"}}, 400, id="form encoded"),
        pytest.param({"data": '{"claimant": ', "content_type": "application/json"}, 400, id="broken JSON"),
        pytest.param({"data": "", "content_type": "application/json"}, 400, id="empty body"),
        pytest.param({"data": b"\xff\xfe\xfa", "content_type": "application/json"}, 400, id="not UTF-8"),
        pytest.param({"data": DEEP, "content_type": "application/json"}, 400, id="nested 5000 deep"),
        pytest.param(
            {
                "data": json.dumps(claim_body()).replace('"part": 3', '"part": NaN'),
                "content_type": "application/json",
            },
            400,
            id="NaN",
        ),
        pytest.param(
            {
                "data": json.dumps(claim_body()).replace('"part": 3', '"part": ' + "9" * 5000),
                "content_type": "application/json",
            },
            400,
            id="5000-digit number",
        ),
        pytest.param({"json": [claim_body()]}, 422, id="JSON array"),
        pytest.param({"json": "claim"}, 422, id="JSON string"),
        pytest.param({"json": 42}, 422, id="JSON number"),
        pytest.param({"data": "null", "content_type": "application/json"}, 422, id="JSON null"),
    ],
)
def test_a_body_that_is_not_a_claim_is_refused_without_a_server_error(client, clock, send, status):
    response = client.post("/api/v1/claims", **send)

    error = error_of(response, status)
    assert "Traceback" not in response.text
    assert error["code"] in ("bad_request", "validation_failed")
    assert claims_stored() == 0


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        pytest.param(
            {"claimant": [1], "crime": "146", "role": 5, "consent": "yes"},
            {"claimant", "crime", "role", "consent"},
            id="blocks of the wrong type",
        ),
        pytest.param(
            {"crime__part": [3], "crime__article": 146, "crime__deadline_restored_by_court": "no"},
            {"crime.part", "crime.article", "crime.deadline_restored_by_court"},
            id="fields of the wrong type",
        ),
        pytest.param({"claimant__full_name": "А" * 1_000_000}, {"claimant.full_name"}, id="a megabyte name"),
        pytest.param({"claimant__phone": "7" * 1_000_000}, {"claimant.phone"}, id="a megabyte phone"),
        pytest.param({"claimant__email": "a" * 1_000_000 + "@x.kz"}, {"claimant.email"}, id="a huge email"),
        pytest.param({"crime__erdr_number": "1" * 1_000_000}, {"crime.erdr_number"}, id="a huge case number"),
        pytest.param({"claimant__full_name": "Айгүл\u0000"}, {"claimant.full_name"}, id="NUL in a name"),
        pytest.param({"colour": "red"}, {"colour"}, id="an unknown field"),
    ],
)
def test_wrong_types_and_huge_values_are_refused_naming_the_field(client, clock, overrides, fields):
    response = client.post("/api/v1/claims", json=claim_body(**overrides))

    error = error_of(response, 422)
    assert fields <= set(error["fields"]), error["fields"]
    assert claims_stored() == 0


# --- a claim's life, as the claimant and the staff see it ----------------------------------------


def test_the_status_follows_the_claim_from_submission_to_payment(client, submit, officers, clock):
    answer = submit()
    reference, code = answer["reference"], answer["access_code"]

    def claimant_sees() -> tuple[str, str]:
        body = status_of(client, reference, code).get_json()
        return body["status"], body["updated_at"]

    assert claimant_sees() == ("submitted", "2026-03-02T09:00:00+00:00")

    clock.advance(days=1)
    assert officers.check_documents(reference) == {"claim_reference": reference, "status": "under_review"}
    assert claimant_sees() == ("under_review", "2026-03-03T09:00:00+00:00")

    clock.advance(days=1)
    assert officers.review(reference)["status"] == "awaiting_approval"
    assert claimant_sees() == ("awaiting_approval", "2026-03-04T09:00:00+00:00")

    clock.advance(days=1)
    assert officers.approve(reference)["status"] == "approved"
    assert claimant_sees() == ("approved", "2026-03-05T09:00:00+00:00")

    clock.advance(days=7)
    assert officers.confirm_payment(reference)["status"] == "paid"
    assert claimant_sees() == ("paid", "2026-03-12T09:00:00+00:00")
    assert stored_claim(reference).status == "paid"


def test_torture_under_article_146_part_3_decided_in_2026_is_paid_173000_tenge(submit, officers, clock):
    reference = submit()["reference"]
    officers.check_documents(reference)
    officers.review(reference)
    officers.approve(reference)

    claim = officers.claim(reference)

    assert claim["category"] == "torture"
    assert claim["amount_mci"] == 40
    assert claim["amount_kzt"] == 173_000  # 40 MCI x 4,325 tenge (MCI of 2026)
    assert type(claim["amount_kzt"]) is int and type(claim["amount_mci"]) is int
    assert claim["decision_date"] == "2026-03-02"
    stored = db.session.scalar(select(Claim.amount_kzt).where(Claim.reference == reference))
    assert stored == 173_000 and type(stored) is int


def test_staff_see_a_claims_status_category_amounts_and_open_tasks(submit, officers, clock):
    reference = submit()["reference"]

    claim = officers.claim(reference, "ivan")

    assert claim["reference"] == reference
    assert claim["status"] == "submitted"
    assert claim["category"] == "torture"
    assert claim["amount_mci"] == 40  # what the rules give this category
    assert claim["amount_kzt"] is None  # in tenge only once decided, at the MCI of the decision date
    intake_task = officers.task(reference, "intake_check", "ivan")
    assert claim["open_tasks"] == [
        {"id": intake_task["id"], "name": "intake_check", "title": intake_task["title"], "role": "intake"}
    ]

    officers.check_documents(reference)
    review = officers.task(reference, "review_torture", "rita")
    assert [t["id"] for t in officers.claim(reference)["open_tasks"]] == [review["id"]]


def test_staff_asking_for_an_unknown_claim_get_not_found(client, officers, clock):
    for reference in ("VCF-2026-999999", "nothing-like-a-reference", "VCF%00", "A" * 5000):
        response = client.get(f"/api/v1/claims/{reference}", headers=officers.headers("ivan"))
        assert error_of(response, 404)["code"] == "not_found"


def test_a_claimant_asking_with_nonsense_gets_the_same_not_found(client, submit, clock):
    answer = submit()
    expected = status_of(client, "VCF-2026-999999", answer["access_code"]).get_json()

    for reference, code in (
        ("VCF%00", answer["access_code"]),
        ("A" * 5000, "x"),
        (answer["reference"], "A" * 10_000),
    ):
        response = status_of(client, reference, code)
        assert response.status_code == 404
        assert response.get_json() == expected


def test_unknown_api_addresses_and_methods_answer_in_the_apis_error_format(client, clock):
    assert error_of(client.get("/api/v1/no-such-thing"), 404)["code"] == "not_found"
    assert error_of(client.delete("/api/v1/claims"), 405)["code"] == "method_not_allowed"
    wrong_method = client.get("/api/v1/tokens")
    assert error_of(wrong_method, 405)["code"] == "method_not_allowed"
    assert "POST" in wrong_method.headers["Allow"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"crime__recognized_on": "9999-12-31"}, "crime.recognized_on", id="recognised 9999"),
        pytest.param({"crime__recognized_on": "9997-01-01"}, "crime.recognized_on", id="deadline in 10000"),
        pytest.param(
            {"crime__committed_on": "9999-12-31", "crime__recognized_on": "9999-12-31"},
            "crime.committed_on",
            id="committed 9999",
        ),
        pytest.param({"claimant__birth_date": "9999-12-31"}, "claimant.birth_date", id="born 9999"),
    ],
)
def test_a_date_in_the_calendars_last_years_is_in_the_future_like_any_other(client, clock, overrides, field):
    response = client.post("/api/v1/claims", json=claim_body(**overrides))

    error = error_of(response, 422)
    assert "must not be after today (2026-03-02)" in error["fields"][field], error["fields"]
    assert claims_stored() == 0
