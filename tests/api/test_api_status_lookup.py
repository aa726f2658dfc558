"""The claimant's status lookup, ``GET /api/v1/claims/<reference>/status`` with ``X-Access-Code``:
the busiest request of the portal, held to a small number of round trips to the database, and
access codes stored as keyed hashes (HMAC-SHA256) while codes stored with scrypt before still work.
"""

from __future__ import annotations

import re

from sqlalchemy import select, update
from werkzeug.security import generate_password_hash

from fund.extensions import db
from fund.models import Claim, PortalSignInFailure
from tests.conftest import error_of
from tests.db_helpers import round_trips

ROUND_TRIPS_PER_LOOKUP = 4  # issue 13's target, BEGIN and COMMIT included
WRONG_CODE = "AAAA-BBBB-CCCC"


def status_of(client, reference: str, access_code: str):
    return client.get(f"/api/v1/claims/{reference}/status", headers={"X-Access-Code": access_code})


def stored_hash(reference: str) -> str:
    db.session.expire_all()
    return db.session.scalar(select(Claim.access_code_hash).where(Claim.reference == reference))


def store_hash(reference: str, access_code_hash: str) -> None:
    db.session.execute(
        update(Claim).where(Claim.reference == reference).values(access_code_hash=access_code_hash)
    )
    db.session.commit()


def test_a_status_lookup_takes_at_most_four_round_trips_and_reads_no_letter_pdf(client, submit, clock):
    claim = submit()  # with its acknowledgement letter issued
    assert status_of(client, claim["reference"], claim["access_code"]).status_code == 200

    with round_trips() as sent:
        answer = status_of(client, claim["reference"], claim["access_code"])

    assert answer.status_code == 200 and len(answer.get_json()["letters"]) == 1
    assert len(sent) <= ROUND_TRIPS_PER_LOOKUP, "\n".join(sent)
    assert not any(re.search(r"\bletters\.pdf\b", statement) for statement in sent), sent
    # A right code for a reference with no failures recorded is a read: nothing is written.
    assert not [statement for statement in sent if statement.split()[0] in ("INSERT", "UPDATE", "DELETE")]


def test_wrong_codes_are_still_counted_and_a_right_code_then_clears_them(client, submit, clock):
    claim = submit()
    for _ in range(2):
        assert status_of(client, claim["reference"], WRONG_CODE).status_code == 404
    db.session.expire_all()
    assert db.session.get(PortalSignInFailure, claim["reference"]).failures == 2

    assert status_of(client, claim["reference"], claim["access_code"]).status_code == 200

    db.session.expire_all()
    assert db.session.get(PortalSignInFailure, claim["reference"]) is None


def test_a_new_access_code_is_stored_as_a_keyed_hash(submit, clock):
    claim = submit()

    stored = stored_hash(claim["reference"])
    assert re.fullmatch("hmac-sha256:[0-9a-f]{64}", stored)
    assert claim["access_code"] not in stored and claim["access_code"].replace("-", "") not in stored


def test_an_access_code_stored_with_scrypt_still_opens_the_status_and_is_then_stored_keyed(
    client, submit, clock
):
    """Claims submitted before keyed hashes keep their codes: the first right code re-hashes it."""
    claim = submit()
    store_hash(claim["reference"], generate_password_hash(claim["access_code"], method="scrypt:4096:8:1"))

    assert status_of(client, claim["reference"], WRONG_CODE).status_code == 404
    assert stored_hash(claim["reference"]).startswith("scrypt:")  # a wrong code changes nothing
    answer = status_of(client, claim["reference"], claim["access_code"].lower())

    assert answer.status_code == 200 and answer.get_json()["reference"] == claim["reference"]
    assert stored_hash(claim["reference"]).startswith("hmac-sha256:")
    assert status_of(client, claim["reference"], claim["access_code"]).status_code == 200
    assert status_of(client, claim["reference"], WRONG_CODE).status_code == 404


def test_a_wrong_code_gets_the_same_404_whichever_way_the_right_one_is_stored(client, submit, clock):
    keyed, old = submit(), submit()
    store_hash(old["reference"], generate_password_hash(old["access_code"], method="scrypt:4096:8:1"))

    answers = [
        status_of(client, keyed["reference"], old["access_code"]),
        status_of(client, old["reference"], keyed["access_code"]),
        status_of(client, "VCF-2026-999999", keyed["access_code"]),
    ]

    assert {answer.status_code for answer in answers} == {404}
    assert len({str(error_of(answer, 404)) for answer in answers}) == 1
