"""Kind input: phone numbers as people in Kazakhstan write them are taken and stored in E.164, and
an access code is taken in any case, with or without its dashes, with spaces; such a code is the
right code, so it never counts toward the lockout of the claim's reference."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from fund.claims.submission import typed_access_code
from fund.extensions import db
from fund.models import Claim, PortalSignInFailure
from fund.portal import PortalSignInRefused, claim_status_for_claimant, sign_in_claimant
from tests.portal import test_portal_submission
from tests.portal.test_portal_services import T0, file_claim
from tests.portal.test_portal_status import portal_sign_in, text_of
from tests.portal.test_portal_submission import answers, apply, page, post_step

portal_clock = test_portal_submission.portal_clock  # a fixture: the portal's clock, frozen

# --- phones --------------------------------------------------------------------------------------------

PHONES_AS_WRITTEN = [
    "8 701 234 56 78",
    "+7 (701) 234-56-78",
    "87012345678",
    "8 (701) 234-56-78",
    "+7 701 234 56 78",
    "8-701-234-56-78",
    "7 701 234 56 78",
]


@pytest.mark.parametrize("typed", PHONES_AS_WRITTEN)
def test_a_phone_written_as_people_do_is_stored_in_e164(client, portal_clock, typed):
    steps = answers()
    steps["contact"]["claimant.phone"] = typed

    sent = apply(client, steps)

    assert sent.status_code == 303
    claim = db.session.scalar(select(Claim))
    assert claim.claimant.phone == "+77012345678"
    assert claim.claimant.phone_digits == "7012345678"  # the officers' search finds it the same way


@pytest.mark.parametrize(
    "typed",
    [
        "701 234 56 78",  # no +7 or 8: a digit lost would look the same
        "8 701 234 56 7",
        "+7 701 234 56 789",
        "+1 701 234 56 78",
        "8.701.234.56.78",
        "телефон",
    ],
)
def test_anything_else_is_refused_naming_the_phone_field(client, portal_clock, typed):
    steps = answers()
    post_step(client, "who", steps["who"])
    post_step(client, "case", steps["case"])

    refused = post_step(client, "contact", {**steps["contact"], "claimant.phone": typed})

    assert refused.status_code == 422
    summary = page(refused).get_element_by_id("error-summary").text_content()
    assert "Phone number: Please enter the phone number as you usually write it: +7 or 8" in summary
    assert page(refused).get_element_by_id("claimant-phone-error") is not None


def test_the_api_stores_a_domestic_number_in_e164_too(client):
    from tests.conftest import claim_body

    answer = client.post("/api/v1/claims", json=claim_body(claimant__phone="8 (701) 234-56-78"))

    assert answer.status_code == 201, answer.get_json()
    assert db.session.scalar(select(Claim)).claimant.phone == "+77012345678"


# --- access codes --------------------------------------------------------------------------------------


def variants(code: str) -> list[str]:
    """The code as people type it: small letters, without dashes, with spaces, around it too."""
    compact = code.replace("-", "")
    return [
        code.lower(),
        compact,
        compact.lower(),
        " ".join(code.split("-")),
        f"  {compact[:4].lower()} {compact[4:8]} - {compact[8:].lower()} ",
        code.replace("-", "\u2013"),  # en dashes, from a word processor
    ]


def test_an_access_code_is_read_in_the_form_it_is_printed():
    assert typed_access_code("abcd efgh jklm") == "ABCD-EFGH-JKLM"
    assert typed_access_code("ABCDEFGHJKLM") == "ABCD-EFGH-JKLM"
    assert typed_access_code(" abcd-efgh-jklm ") == "ABCD-EFGH-JKLM"
    assert typed_access_code("ABCD-EFGH-JKL") == "ABCD-EFGH-JKL"  # a character short: no code of ours
    assert typed_access_code("ABCD-EFGH-JKL0") == "ABCD-EFGH-JKL0"  # 0 is never in a code


def test_every_form_of_the_right_code_signs_in_and_none_is_counted_as_a_failure(app):
    filed = file_claim()

    for attempt, typed in enumerate(variants(filed.access_code)):
        session = sign_in_claimant(filed.reference, typed, T0 + timedelta(seconds=attempt))
        assert session.reference == filed.reference, typed

    assert db.session.scalar(select(PortalSignInFailure)) is None  # nothing toward a lockout


def test_a_right_code_in_another_form_clears_the_failures_before_the_lock(app):
    filed = file_claim()
    for attempt in range(4):  # one short of the lock
        with pytest.raises(PortalSignInRefused):
            sign_in_claimant(filed.reference, "AAAA-BBBB-CCCC", T0 + timedelta(seconds=attempt))
    assert db.session.scalar(select(PortalSignInFailure.failures)) == 4

    sign_in_claimant(filed.reference, filed.access_code.replace("-", " ").lower(), T0 + timedelta(minutes=1))

    assert db.session.scalar(select(PortalSignInFailure)) is None
    # The next wrong code is the first of a new count, not the fifth that locks.
    with pytest.raises(PortalSignInRefused):
        sign_in_claimant(filed.reference, "AAAA-BBBB-CCCC", T0 + timedelta(minutes=2))


def test_a_code_with_a_wrong_character_is_still_a_failure(app):
    filed = file_claim()
    wrong = ("A" if filed.access_code[0] != "A" else "B") + filed.access_code[1:].replace("-", "")

    with pytest.raises(PortalSignInRefused):
        sign_in_claimant(filed.reference, wrong.lower(), T0)

    assert db.session.scalar(select(PortalSignInFailure.failures)) == 1


def test_the_api_status_lookup_takes_the_code_in_any_form(app):
    filed = file_claim()

    status = claim_status_for_claimant(filed.reference, filed.access_code.replace("-", "").lower(), T0)

    assert status["reference"] == filed.reference
    assert db.session.scalar(select(PortalSignInFailure)) is None


def test_the_sign_in_page_takes_the_code_as_typed_and_says_so(client, submit):
    claim = submit()
    hint = text_of(client.get("/portal/sign-in", headers={"Accept-Language": "ru"}))
    assert "заглавными или строчными буквами, с дефисами или без" in hint

    typed = " ".join(claim["access_code"].lower().split("-"))
    signed_in = portal_sign_in(client, claim["reference"], typed)

    assert signed_in.status_code == 303 and signed_in.headers["Location"] == "/portal/status"
