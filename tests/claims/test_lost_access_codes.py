"""A lost access code: the claimant asks, intake checks who they are and issues a new one.

Specifications: the request answers the same whether its details match a claim or not, and only a
match is recorded (with an e-mail to the claimant that never holds a code); only intake decides;
the new code works at once while the old one, and every portal session signed in with it, stop;
the claim's history says who issued it and how the identity was checked, or why it was refused.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from fund.claims import access_codes
from fund.claims.claim_file import claim_view
from fund.common.errors import Conflict, Forbidden, Invalid, Unauthenticated
from fund.common.users import create_user
from fund.extensions import db
from fund.models import AccessCodeRequest, AccessLogEntry, Claim, Notification
from fund.portal import PortalSignInRefused, sign_in_claimant
from fund.portal.sign_in import claim_of_session
from tests.conftest import PASSWORD, make_iin
from tests.portal.test_portal_services import T0, file_claim

CLAIMANT_IIN_BIRTH = "1990-01-15"  # claim_body()'s claimant


def officer(username: str, *roles: str):
    return create_user(username, PASSWORD, list(roles), T0)


def claimant_iin(reference: str) -> str:
    return db.session.scalar(select(Claim).where(Claim.reference == reference)).claimant.iin


def ask(filed, iin: str | None = None, born: str = CLAIMANT_IIN_BIRTH, at=T0 + timedelta(days=3)) -> None:
    access_codes.ask_for_new_access_code(filed.reference, iin or claimant_iin(filed.reference), born, at)


def requests_of(reference: str) -> list[AccessCodeRequest]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AccessCodeRequest)
            .join(Claim, Claim.id == AccessCodeRequest.claim_id)
            .where(Claim.reference == reference)
        )
    )


def notices(kind: str) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.kind == kind)))


def test_a_request_that_matches_is_recorded_and_the_claimant_warned_without_any_code(app):
    filed = file_claim()
    ask(filed)
    ask(filed, at=T0 + timedelta(days=4))  # asked again: the same request, no second e-mail

    (request,) = requests_of(filed.reference)
    assert request.state == "waiting" and request.requested_at == T0 + timedelta(days=4)
    (mail,) = notices("access_code_requested")
    assert mail.recipient == "aigul@example.kz" and filed.reference in mail.body
    assert filed.access_code not in mail.body and "код" in mail.body.lower()  # in the claimant's Kazakh


@pytest.mark.parametrize(
    "change",
    [  # another person born the same day; the right IIN with another date; a claim that does not exist
        {"iin": make_iin(date(1990, 1, 15), serial=2, female=True)},
        {"born": "1990-01-16"},
        {"reference": "VCF-2026-999999"},
    ],
)
def test_details_that_do_not_match_are_answered_alike_and_recorded_nowhere(app, change):
    filed = file_claim()
    reference = change.get("reference", filed.reference)
    iin = change.get("iin", claimant_iin(filed.reference))
    access_codes.ask_for_new_access_code(reference, iin, change.get("born", CLAIMANT_IIN_BIRTH), T0)

    assert requests_of(filed.reference) == [] and notices("access_code_requested") == []


def test_answers_of_the_wrong_form_are_refused_naming_each_field(app):
    with pytest.raises(Invalid) as refused:
        access_codes.ask_for_new_access_code("", "12345", "15.01.1990", T0)
    assert refused.value.fields == {
        "reference": ["reference_invalid"],
        "iin": ["iin_invalid"],
        "birth_date": ["date_invalid"],
    }


def test_intake_issues_a_new_code_the_old_one_and_its_sessions_stop_and_the_history_says_how(app):
    filed = file_claim()
    old_session = sign_in_claimant(filed.reference, filed.access_code, T0 + timedelta(days=2))
    ask(filed)
    (request,) = requests_of(filed.reference)
    dana = officer("dana", "intake")

    shown = access_codes.request_for_officer(dana, request.id, T0 + timedelta(days=5))
    assert (shown.full_name, shown.iin) == ("Айгүл Сәрсенова", claimant_iin(filed.reference))
    issued = access_codes.issue_new_access_code(
        dana, request.id, "in_person", "ID card, Almaty office", T0 + timedelta(days=5, hours=1)
    )

    with pytest.raises(PortalSignInRefused):
        sign_in_claimant(filed.reference, filed.access_code, T0 + timedelta(days=6))
    with pytest.raises(Unauthenticated):
        claim_of_session(old_session)
    typed = issued.access_code.lower().replace("-", "")  # as people type it
    new_session = sign_in_claimant(filed.reference, typed, T0 + timedelta(days=6))
    assert claim_of_session(new_session).reference == filed.reference

    (mail,) = notices("access_code_reissued")
    assert issued.access_code not in mail.body and filed.reference in mail.body
    viewed = db.session.scalars(select(AccessLogEntry.what).where(AccessLogEntry.username == "dana")).all()
    assert any("identity check" in what for what in viewed) and any("issued" in what for what in viewed)

    auditor = officer("rita", "reviewer")
    view = claim_view(auditor, filed.reference, T0, with_diagram=False)
    timeline = [(entry.what, entry.details) for entry in view.history]
    assert ("New access code asked for", []) in timeline
    checked = ("Identity checked", "In person at a Fund office, identity document seen")
    assert (
        "New access code issued; the old one no longer works",
        [checked, ("Note", "ID card, Almaty office")],
    ) in timeline


def test_a_refusal_keeps_the_code_and_records_why(app):
    filed = file_claim()
    ask(filed)
    (request,) = requests_of(filed.reference)
    dana = officer("dana", "intake")

    with pytest.raises(Invalid) as no_reason:
        access_codes.refuse_access_code_request(dana, request.id, "   ", T0 + timedelta(days=5))
    assert no_reason.value.fields == {"note": ["required"]}
    why = "Nobody came to the office"
    access_codes.refuse_access_code_request(dana, request.id, why, T0 + timedelta(days=5))

    still = sign_in_claimant(filed.reference, filed.access_code, T0 + timedelta(days=6))
    assert still.reference == filed.reference
    (refused,) = requests_of(filed.reference)
    assert (refused.state, refused.decided_by, refused.note) == ("refused", "dana", why)
    with pytest.raises(Conflict):  # decided once: neither issued nor refused again
        access_codes.issue_new_access_code(dana, request.id, "in_person", None, T0 + timedelta(days=7))


def test_only_intake_sees_and_decides_requests_and_the_identity_check_must_be_named(app):
    filed = file_claim()
    ask(filed)
    (request,) = requests_of(filed.reference)
    reviewer = officer("rita", "reviewer")

    for attempt in (
        lambda: access_codes.waiting_requests(reviewer),
        lambda: access_codes.request_for_officer(reviewer, request.id, T0),
        lambda: access_codes.issue_new_access_code(reviewer, request.id, "in_person", None, T0),
        lambda: access_codes.refuse_access_code_request(reviewer, request.id, "no", T0),
    ):
        with pytest.raises(Forbidden):
            attempt()
    dana = officer("dana", "intake")
    with pytest.raises(Invalid) as unnamed:
        access_codes.issue_new_access_code(dana, request.id, "asked nicely", None, T0)
    assert unnamed.value.fields == {"identity_check": ["required"]}
    assert [reference for _, reference, _ in access_codes.waiting_requests(dana)] == [filed.reference]
    assert requests_of(filed.reference)[0].state == "waiting"
