"""A claimant's request that a crisis centre contact them, and its passing on by an officer.

Victims of torture, trafficking and violence have the right to psychological, medical, legal and
social help; crisis centres work in every region. The portal asks, optionally, on the application
form and later on the status page, "Would you like a crisis centre to contact you?", with the kinds
of help. The claim's data has no region (the submission names none), so the claimant may name the
region where they want help; the referral proposes that region's first active crisis centre. When
no region is named, or the region has no centre, the officer picks the centre.

An intake officer or reviewer opens the referral on the claim page (each opening written to the
access log, as every view of personal data is) and records that it was passed on: by whom, when, to
which centre and how. The claimant's status page then says when it was passed on.

Nothing of it reaches the claim's submission, process, history, letters, e-mails, exports or the
API: it lives in its own table (:class:`~fund.models.CrisisReferral`) and is read only here.
Refusals carry codes in ``fields``; the pages say them in the reader's language.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from fund.claims.personal_data import log_access
from fund.claims.submission import get_claim
from fund.common.access import require_role
from fund.common.errors import Conflict, Invalid
from fund.extensions import db
from fund.models import HELP_KINDS, Claim, CrisisCentre, CrisisReferral, User

REFERRAL_ROLES = ("intake", "reviewer")  # who opens a referral and passes it on
FROM_APPLICATION = "application"
FROM_STATUS_PAGE = "status_page"
ASKED_FROM = (FROM_APPLICATION, FROM_STATUS_PAGE)
PASSING_WAYS = ("phone", "email", "in_person", "other")  # how an officer passed the request on
NOTE_MAX = 1000
# The portal's pages read the regions through a copy kept this long in each server process
# (FUND_CRISIS_CENTRES_CACHE_SECONDS; 0 reads every time); answers are checked against the database.
_CACHE = "fund_crisis_regions"
DEFAULT_CACHE_SECONDS = 60
VIEWED = "crisis-centre referral"
PASSED_ON = "crisis-centre referral passed on"


# --- the directory, as claimants and officers read it -----------------------------------------------


def active_crisis_centres() -> list[CrisisCentre]:
    """The crisis centres in use, in the administrators' order (no role: the directory is public)."""
    return list(
        db.session.scalars(
            select(CrisisCentre)
            .where(CrisisCentre.active.is_(True))
            .order_by(CrisisCentre.position, CrisisCentre.id)
        )
    )


def _regions_now() -> dict[str, dict[str, str]]:
    """Each region with a crisis centre in use, in list order: its name in kk, ru and en."""
    regions: dict[str, dict[str, str]] = {}
    for centre in active_crisis_centres():
        regions.setdefault(
            centre.region_code,
            {language: centre.words(language)["region"] for language in ("kk", "ru", "en")},
        )
    return regions


def crisis_regions(language: str) -> list[tuple[str, str]]:
    """The regions that have a crisis centre in use: (code, name in ``language``), in list order.

    For the portal's pages: read through this process's short-lived copy (like the contact points).
    """
    seconds = current_app.config.get("FUND_CRISIS_CENTRES_CACHE_SECONDS", DEFAULT_CACHE_SECONDS)
    kept = current_app.extensions.get(_CACHE)
    if kept is None or seconds <= 0 or time.monotonic() - kept[0] >= seconds:
        kept = (time.monotonic(), _regions_now())
        current_app.extensions[_CACHE] = kept
    language = language if language in ("kk", "ru", "en") else "en"
    return [(code, names[language]) for code, names in kept[1].items()]


def forget_crisis_regions() -> None:
    """Drop this process's copy of the regions: the next page reads them again (after a change)."""
    current_app.extensions.pop(_CACHE, None)


def centre_of_region(region_code: str | None) -> CrisisCentre | None:
    """The region's first active crisis centre, or None (no region, or no centre there)."""
    if not region_code:
        return None
    return next((centre for centre in active_crisis_centres() if centre.region_code == region_code), None)


# --- the claimant asks ------------------------------------------------------------------------------


def help_answer_problems(kinds: Sequence[str], region_code: str | None) -> dict[str, list[str]]:
    """What is wrong with an answer to the question (codes by field); empty when it can be kept.

    No kind ticked is allowed (any help); an unknown kind or region is refused: the form offers
    only the known ones, so such an answer was not typed by a claimant.
    """
    problems: dict[str, list[str]] = {}
    if any(kind not in HELP_KINDS for kind in kinds):
        problems["help.kinds"] = ["not_one_of"]
    if region_code and region_code not in _regions_now():
        problems["help.region"] = ["not_one_of"]
    return problems


def ask_for_help(
    claim: Claim, kinds: Sequence[str], region_code: str | None, asked_from: str, now: datetime
) -> CrisisReferral:
    """Record that the claimant of ``claim`` wants a crisis centre to contact them.

    ``claim`` is the portal session's own claim (the portal checks the session; no staff role).
    Invalid names a wrong kind or region; Conflict ``already_asked`` when the claim has a referral.
    """
    if asked_from not in ASKED_FROM:
        raise ValueError(f"asked_from must be one of {ASKED_FROM}")
    region_code = region_code or None
    problems = help_answer_problems(kinds, region_code)
    if problems:
        raise Invalid("the request for a crisis centre was not kept", problems)
    if db.session.scalar(select(CrisisReferral.id).where(CrisisReferral.claim_id == claim.id)) is not None:
        raise Conflict("a crisis centre was already asked for on this claim", {"help": ["already_asked"]})
    centre = centre_of_region(region_code)
    referral = CrisisReferral(
        claim_id=claim.id,
        asked_at=now,
        asked_from=asked_from,
        kinds=",".join(kind for kind in HELP_KINDS if kind in kinds),
        region_code=region_code,
        centre_id=centre.id if centre else None,
    )
    db.session.add(referral)
    try:
        db.session.commit()
    except IntegrityError as clash:  # the same request sent twice at once: the first one is kept
        db.session.rollback()
        raise Conflict(
            "a crisis centre was already asked for on this claim", {"help": ["already_asked"]}
        ) from clash
    return referral


@dataclass(frozen=True)
class ClaimantReferral:
    """The referral as its claimant sees it on the status page."""

    asked_at: datetime
    kinds: list[str]
    passed_at: datetime | None
    centre: dict[str, str] | None  # the centre passed to (or proposed), in the claimant's language


def referral_for_claimant(claim_id: int, language: str) -> ClaimantReferral | None:
    """The session's claim's referral for its status page, or None if the claimant never asked."""
    centre_of = aliased(CrisisCentre)
    found = db.session.execute(  # one statement: the status page reads each part of it in one
        select(CrisisReferral, centre_of)
        .outerjoin(
            centre_of,
            centre_of.id == func.coalesce(CrisisReferral.passed_centre_id, CrisisReferral.centre_id),
        )
        .where(CrisisReferral.claim_id == claim_id)
    ).first()
    if found is None:
        return None
    referral, centre = found
    return ClaimantReferral(
        asked_at=referral.asked_at,
        kinds=referral.kind_list,
        passed_at=referral.passed_at,
        centre=centre.words(language) if centre else None,
    )


# --- officers ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralState:
    """What the claim page shows before the referral is opened: that there is one, and its state."""

    asked_at: datetime
    passed_at: datetime | None


@dataclass(frozen=True)
class StaffReferral:
    """The opened referral: what was asked, for which region, and how it was passed on."""

    reference: str
    asked_at: datetime
    asked_from: str
    kinds: list[str]
    region: str | None  # the region's name in the officer's language, or its code if no centre has it
    proposed_centre_id: int | None
    passed_at: datetime | None
    passed_by: str | None
    passed_centre: dict[str, str] | None
    passed_how: str | None
    passed_note: str | None
    centres: list[CrisisCentre]  # the centres an officer may pass it to


def _referral_of(claim: Claim) -> CrisisReferral | None:
    return db.session.scalar(select(CrisisReferral).where(CrisisReferral.claim_id == claim.id))


def referral_state(user: User, reference: str) -> ReferralState | None:
    """Whether the claim has a referral and whether it was passed on (nothing more: not logged)."""
    require_role(user, *REFERRAL_ROLES)
    found = db.session.execute(  # one statement: the claim page has read the claim already
        select(CrisisReferral.asked_at, CrisisReferral.passed_at)
        .join(Claim, Claim.id == CrisisReferral.claim_id)
        .where(Claim.reference == reference)
    ).first()
    return None if found is None else ReferralState(asked_at=found.asked_at, passed_at=found.passed_at)


def open_referral(user: User, reference: str, language: str, now: datetime) -> StaffReferral | None:
    """The claim's referral in full, for intake and reviewers; the opening is written to the access log."""
    require_role(user, *REFERRAL_ROLES)
    claim = get_claim(user, reference)
    referral = _referral_of(claim)
    if referral is None:
        return None
    log_access(claim, user, now, VIEWED)
    db.session.commit()
    return _staff_view(claim, referral, language)


def _staff_view(claim: Claim, referral: CrisisReferral, language: str) -> StaffReferral:
    centres = active_crisis_centres()
    proposed = next((centre for centre in centres if centre.id == referral.centre_id), None)
    proposed = proposed or centre_of_region(referral.region_code)
    region = None
    if referral.region_code:
        named = db.session.scalar(
            select(CrisisCentre).where(CrisisCentre.region_code == referral.region_code).limit(1)
        )
        region = named.words(language)["region"] if named else referral.region_code
    passed_centre = (
        db.session.get(CrisisCentre, referral.passed_centre_id) if referral.passed_centre_id else None
    )
    return StaffReferral(
        reference=claim.reference,
        asked_at=referral.asked_at,
        asked_from=referral.asked_from,
        kinds=referral.kind_list,
        region=region,
        proposed_centre_id=proposed.id if proposed else None,
        passed_at=referral.passed_at,
        passed_by=referral.passed_by,
        passed_centre=passed_centre.words(language) if passed_centre else None,
        passed_how=referral.passed_how,
        passed_note=referral.passed_note,
        centres=centres,
    )


def record_passed_on(
    user: User, reference: str, centre_id: str, how: str, note: str, now: datetime
) -> CrisisReferral:
    """Record that ``user`` passed the claim's referral on to a crisis centre, and how.

    Intake and reviewers only. Invalid names the field (``centre_id``: an active centre; ``how``:
    one of PASSING_WAYS; ``note``: at most NOTE_MAX characters). Conflict ``no_referral`` when the
    claimant asked for none, ``already_passed`` when someone recorded it already (checked in the
    same statement that records it, so two officers at once cannot both record it).
    """
    require_role(user, *REFERRAL_ROLES)
    claim = get_claim(user, reference)
    referral = _referral_of(claim)
    if referral is None:
        raise Conflict("the claimant asked for no crisis centre", {"referral": ["no_referral"]})
    problems: dict[str, list[str]] = {}
    centre = None
    if centre_id.isascii() and centre_id.isdigit() and len(centre_id) < 10:
        centre = db.session.get(CrisisCentre, int(centre_id))
    if centre is None or not centre.active:
        problems["centre_id"] = ["choose one of the crisis centres in the list"]
    if how not in PASSING_WAYS:
        problems["how"] = [f"choose how it was passed on: one of {', '.join(PASSING_WAYS)}"]
    note = note.strip()
    if len(note) > NOTE_MAX:
        problems["note"] = [f"must be at most {NOTE_MAX} characters"]
    if problems:
        raise Invalid("the referral was not recorded as passed on", problems)
    recorded = db.session.execute(
        update(CrisisReferral)
        .where(CrisisReferral.id == referral.id, CrisisReferral.passed_at.is_(None))
        .values(
            passed_at=now,
            passed_by=user.username,
            passed_centre_id=centre.id,
            passed_how=how,
            passed_note=note or None,
        )
    )
    if recorded.rowcount != 1:
        db.session.rollback()
        raise Conflict("the referral was already passed on", {"referral": ["already_passed"]})
    log_access(claim, user, now, PASSED_ON)
    db.session.commit()
    db.session.refresh(referral)
    return referral
