"""A claimant's request that a crisis centre contact them: asked once, with the kinds of help and a
region whose centre is proposed; opened only by intake and reviewers (each opening in the access
log); recorded as passed on (who, when, to which centre, how) once; and never seen by letters,
e-mails, the process's history or the API.
"""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pypdf
import pytest
from sqlalchemy import select

from fund.admin.crisis_centres import save_crisis_centre
from fund.claims import crisis_referrals
from fund.common.errors import Conflict, Forbidden, Invalid
from fund.common.users import create_user
from fund.extensions import db
from fund.models import (
    AccessLogEntry,
    Claim,
    CrisisCentre,
    CrisisReferral,
    Letter,
    Notification,
    WorkflowEvent,
)
from tests.conftest import PASSWORD
from tests.portal.test_portal_services import T0, file_claim, under_review

ASTANA = {
    "region_code": "astana",
    "region_kk": "Астана қаласы",
    "region_ru": "город Астана",
    "region_en": "Astana",
    "name_kk": "«Сенім» дағдарыс орталығы",
    "name_ru": "Кризисный центр «Сенім»",
    "name_en": "Senim crisis centre",
    "address_kk": "Астана қ., Бейбітшілік көшесі, 10",
    "address_ru": "г. Астана, улица Бейбитшилик, 10",
    "address_en": "10 Beibitshilik Street, Astana",
    "phone": "+7 7172 10 20 30",
    "email": "senim@example.kz",
    "position": "10",
    "active": "on",
}
ALMATY = {
    **ASTANA,
    "region_code": "almaty",
    "region_kk": "Алматы қаласы",
    "region_ru": "город Алматы",
    "region_en": "Almaty",
    "name_kk": "«Қамқор» орталығы",
    "name_ru": "Центр «Қамқор»",
    "name_en": "Kamkor centre",
    "phone": "+7 727 10 20 30",
    "position": "20",
}


def user(username: str, *roles: str):
    from fund.models import User

    found = db.session.scalar(select(User).where(User.username == username))
    return found or create_user(username, PASSWORD, list(roles), T0)


@pytest.fixture
def centres(app) -> dict[str, CrisisCentre]:
    admin = user("adil", "admin")
    return {
        "astana": save_crisis_centre(admin, ASTANA, ["psychological", "legal"], T0),
        "almaty": save_crisis_centre(admin, ALMATY, ["medical", "social"], T0),
    }


def claim_of(filed) -> Claim:
    return db.session.scalar(select(Claim).where(Claim.reference == filed.reference))


def referrals() -> list[CrisisReferral]:
    db.session.expire_all()
    return list(db.session.scalars(select(CrisisReferral)))


def access_log(reference: str) -> list[tuple[str, str]]:
    claim_id = db.session.scalar(select(Claim.id).where(Claim.reference == reference))
    return [
        (entry.username, entry.what)
        for entry in db.session.scalars(
            select(AccessLogEntry).where(AccessLogEntry.claim_id == claim_id).order_by(AccessLogEntry.id)
        )
    ]


def test_the_claimant_asks_once_and_the_centre_of_the_named_region_is_proposed(centres):
    filed = file_claim()
    referral = crisis_referrals.ask_for_help(
        claim_of(filed), ["legal", "psychological"], "astana", crisis_referrals.FROM_APPLICATION, T0
    )
    assert (referral.kinds, referral.region_code, referral.centre_id) == (
        "psychological,legal",  # in the directory's order, whatever order the form sent
        "astana",
        centres["astana"].id,
    )
    with pytest.raises(Conflict) as again:
        crisis_referrals.ask_for_help(claim_of(filed), [], None, crisis_referrals.FROM_STATUS_PAGE, T0)
    assert again.value.fields == {"help": ["already_asked"]}
    assert len(referrals()) == 1


def test_no_region_named_proposes_no_centre_and_no_kind_means_any_help(centres):
    referral = crisis_referrals.ask_for_help(
        claim_of(file_claim()), [], None, crisis_referrals.FROM_STATUS_PAGE, T0
    )
    assert (referral.kinds, referral.region_code, referral.centre_id) == ("", None, None)


@pytest.mark.parametrize(
    ("kinds", "region", "field"),
    [(["spiritual"], None, "help.kinds"), (["legal"], "atlantis", "help.region")],
)
def test_an_answer_the_form_does_not_offer_is_refused_naming_the_field(centres, kinds, region, field):
    with pytest.raises(Invalid) as refused:
        crisis_referrals.ask_for_help(
            claim_of(file_claim()), kinds, region, crisis_referrals.FROM_APPLICATION, T0
        )
    assert refused.value.fields == {field: ["not_one_of"]}
    assert referrals() == []


def test_a_region_whose_centres_are_out_of_use_is_not_offered(centres):
    centres["almaty"].active = False
    db.session.commit()
    crisis_referrals.forget_crisis_regions()  # as saving it on the administrators' page does
    assert crisis_referrals.crisis_regions("ru") == [("astana", "город Астана")]
    with pytest.raises(Invalid):
        crisis_referrals.ask_for_help(
            claim_of(file_claim()), [], "almaty", crisis_referrals.FROM_APPLICATION, T0
        )


@pytest.mark.parametrize("role", ["approver", "finance", "auditor", "admin", "supervisor"])
def test_only_intake_and_reviewers_see_a_referral(centres, role):
    filed = file_claim()
    crisis_referrals.ask_for_help(claim_of(filed), ["legal"], "astana", crisis_referrals.FROM_APPLICATION, T0)
    outsider = user(f"who-{role}", role)
    with pytest.raises(Forbidden):
        crisis_referrals.open_referral(outsider, filed.reference, "en", T0)
    with pytest.raises(Forbidden):
        crisis_referrals.referral_state(outsider, filed.reference)
    with pytest.raises(Forbidden):
        crisis_referrals.record_passed_on(
            outsider, filed.reference, str(centres["astana"].id), "phone", "", T0
        )
    assert access_log(filed.reference) == [] and referrals()[0].passed_at is None


def test_opening_a_referral_is_written_to_the_access_log_and_its_state_is_not(centres):
    filed = file_claim()
    crisis_referrals.ask_for_help(claim_of(filed), ["legal"], "astana", crisis_referrals.FROM_APPLICATION, T0)
    intake = user("ivan", "intake")
    state = crisis_referrals.referral_state(intake, filed.reference)
    assert (state.asked_at, state.passed_at) == (T0, None)
    assert access_log(filed.reference) == []

    opened = crisis_referrals.open_referral(intake, filed.reference, "kk", T0 + timedelta(minutes=5))
    assert (opened.kinds, opened.region, opened.proposed_centre_id) == (
        ["legal"],
        "Астана қаласы",
        centres["astana"].id,
    )
    assert [centre.id for centre in opened.centres] == [centres["astana"].id, centres["almaty"].id]
    assert access_log(filed.reference) == [("ivan", crisis_referrals.VIEWED)]


def test_an_officer_records_it_passed_on_once_with_who_when_where_and_how(centres):
    filed = file_claim()
    crisis_referrals.ask_for_help(claim_of(filed), [], None, crisis_referrals.FROM_STATUS_PAGE, T0)
    reviewer = user("rita", "reviewer")
    passed_at = T0 + timedelta(days=1)
    crisis_referrals.record_passed_on(
        reviewer,
        filed.reference,
        str(centres["almaty"].id),
        "phone",
        "  spoke to the duty psychologist ",
        passed_at,
    )
    (referral,) = referrals()
    assert (
        referral.passed_at,
        referral.passed_by,
        referral.passed_centre_id,
        referral.passed_how,
        referral.passed_note,
    ) == (passed_at, "rita", centres["almaty"].id, "phone", "spoke to the duty psychologist")
    assert access_log(filed.reference) == [("rita", crisis_referrals.PASSED_ON)]

    with pytest.raises(Conflict) as twice:
        crisis_referrals.record_passed_on(
            user("ivan", "intake"), filed.reference, str(centres["astana"].id), "email", "", passed_at
        )
    assert twice.value.fields == {"referral": ["already_passed"]}
    assert referrals()[0].passed_by == "rita"

    seen = crisis_referrals.referral_for_claimant(referral.claim_id, "ru")
    assert seen.passed_at == passed_at and seen.centre["name"] == "Центр «Қамқор»"


@pytest.mark.parametrize(
    ("centre", "how", "note", "field"),
    [
        ("", "phone", "", "centre_id"),
        ("99999", "phone", "", "centre_id"),
        ("1; drop table", "phone", "", "centre_id"),
        ("inactive", "phone", "", "centre_id"),
        ("astana", "pigeon", "", "how"),
        ("astana", "phone", "x" * 1001, "note"),
    ],
)
def test_a_wrong_passing_on_is_refused_naming_the_field_and_nothing_is_saved(
    centres, centre, how, note, field
):
    filed = file_claim()
    crisis_referrals.ask_for_help(claim_of(filed), [], None, crisis_referrals.FROM_STATUS_PAGE, T0)
    if centre == "inactive":
        centres["almaty"].active = False
        db.session.commit()
        centre = str(centres["almaty"].id)
    elif centre == "astana":
        centre = str(centres["astana"].id)
    with pytest.raises(Invalid) as refused:
        crisis_referrals.record_passed_on(user("ivan", "intake"), filed.reference, centre, how, note, T0)
    assert list(refused.value.fields) == [field]
    assert referrals()[0].passed_at is None and access_log(filed.reference) == []


def test_passing_on_a_claim_without_a_referral_is_a_conflict(centres):
    filed = file_claim()
    with pytest.raises(Conflict) as refused:
        crisis_referrals.record_passed_on(
            user("ivan", "intake"), filed.reference, str(centres["astana"].id), "phone", "", T0
        )
    assert refused.value.fields == {"referral": ["no_referral"]}


def test_nothing_of_a_referral_reaches_the_history_letters_e_mails_or_the_api(client, staff, centres):
    filed = file_claim()
    crisis_referrals.ask_for_help(
        claim_of(filed), ["psychological", "medical"], "astana", crisis_referrals.FROM_APPLICATION, T0
    )
    crisis_referrals.record_passed_on(
        user("ivan", "intake"), filed.reference, str(centres["astana"].id), "phone", "Сенім", T0
    )
    under_review(filed)  # the process moves on: events, letters, e-mails are written after the referral
    claim = claim_of(filed)
    events = db.session.scalars(select(WorkflowEvent).where(WorkflowEvent.claim_id == claim.id))
    written = [json.dumps([event.input, event.result], ensure_ascii=False, default=str) for event in events]
    written += [
        f"{note.subject} {note.body}"
        for note in db.session.scalars(select(Notification).where(Notification.claim_id == claim.id))
    ]
    written += [
        page.extract_text()
        for letter in db.session.scalars(select(Letter).where(Letter.claim_id == claim.id))
        if letter.pdf
        for page in pypdf.PdfReader(io.BytesIO(letter.pdf)).pages
    ]
    assert len(written) >= 3  # the events of submission and intake's check, and at least one e-mail
    api = client.get(f"/api/v1/claims/{filed.reference}", headers=staff.headers("ira", "intake"))
    assert api.status_code == 200
    written.append(api.get_data(as_text=True))
    status = client.get(
        f"/api/v1/claims/{filed.reference}/status", headers={"X-Access-Code": filed.access_code}
    )
    assert status.status_code == 200
    written.append(status.get_data(as_text=True))
    everything = "\n".join(written).lower()
    assert written and not any(
        word in everything for word in ("crisis", "psycholog", "сенім", "senim", "referral", "кризис")
    )
