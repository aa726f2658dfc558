"""A lost access code: the claimant asks for a new one, an intake officer checks who they are and
issues it, the old code stops working at once.

The access code is the only key to a claim on the portal, so a new one is never sent to whoever
asks: the request only tells the fund that someone wants one. An intake officer issues it after
checking the claimant's identity the fund's way (:data:`IDENTITY_CHECKS`: at a fund office with an
identity document, a notarised application, a video call by the fund's procedure) and hands it
over; it is shown to the officer once, for that, and never kept (only its hash, on the claim).
From that moment the old code is refused and every portal session signed in before ends
(``claims.access_code_changed_at``, read by :func:`fund.portal.sign_in.claim_of_session`).

The request asks for the claim's reference, the claimant's IIN and date of birth. Its answer is
the same whether they match a claim or not, so it tells nobody which references exist or whose
they are; a match is recorded as a waiting request (one per claim: asking again only moves its
time) and the claimant is told by e-mail that a new code was asked for (a warning if it was not
them), never the code. Requests are limited per address like the sign-in (the web layer's job).

Each request and how it ended (issued, by whom, when and how the identity was checked; or refused
and why) is in the claim's history for officers (:func:`access_code_history`). It is not a fact
of the process, so it is not in the claim's hash-chained events. Officers' views of a waiting
request show the claimant's name, IIN and date of birth (they must compare them with the
document): each view is written to the claim's access log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import select, update

from fund.claims.personal_data import log_access
from fund.claims.submission import new_access_code
from fund.common.access import require_role
from fund.common.errors import Conflict, Invalid, NotFound
from fund.common.fund_settings import public_url
from fund.common.keyed_codes import ACCESS_CODE, hash_code
from fund.common.validation import is_valid_iin
from fund.extensions import db
from fund.models import AccessCodeRequest, Claim, Notification, User
from fund.notifications.queue import outbox_row
from fund.notifications.render import render_message

INTAKE = "intake"
WAITING, ISSUED, REFUSED = "waiting", "issued", "refused"
# How an intake officer may have checked that the person is the claimant (the fund's procedure).
IDENTITY_CHECKS = ("in_person", "notarised_application", "video_call")
MAX_NOTE = 500
REQUESTED_KIND, ISSUED_KIND = "access_code_requested", "access_code_reissued"
# Outbox rows not caused by a process event carry a negative number in ``event_sequence``
# (see fund.notifications.queue.message_notification): here the request's id, offset so that it
# never meets a message's id of the same kind.
_NOTICE_OFFSET = 1_000_000_000


@dataclass(frozen=True)
class RequestForOfficer:
    """A waiting request as the intake officer sees it to check the claimant's identity."""

    id: int
    reference: str
    requested_at: datetime
    full_name: str
    iin: str
    birth_date: date


@dataclass(frozen=True)
class IssuedCode:
    """A new access code, to hand over once: it is not kept anywhere and cannot be shown again."""

    reference: str
    access_code: str
    issued_at: datetime
    full_name: str


class HistoryLine(NamedTuple):
    """A request and how it ended, for the claim's timeline (staff only)."""

    at: datetime
    state: str  # waiting, issued, refused
    officer: str | None
    identity_check: str | None
    note: str | None


def _parsed_request(reference: str, iin: str, birth_date: str) -> tuple[str, str, date]:
    problems: dict[str, list[str]] = {}
    reference = (reference or "").strip().upper()
    if not reference or len(reference) > 40:
        problems["reference"] = ["reference_invalid"]
    iin = "".join((iin or "").split())
    if not is_valid_iin(iin):
        problems["iin"] = ["iin_invalid"]
    try:
        born = date.fromisoformat((birth_date or "").strip())
    except ValueError:
        born = None
        problems["birth_date"] = ["date_invalid"]
    if problems:
        raise Invalid("some answers need another look", problems)
    return reference, iin, born


def ask_for_new_access_code(reference: str, iin: str, birth_date: str, now: datetime) -> None:
    """Record a request for a new access code when the three answers match a claim's claimant.

    Returns nothing either way, so that the answer never tells whether they matched; refuses only
    answers that are not of the right form (Invalid, naming the field with a problem code:
    ``reference_invalid``, ``iin_invalid``, ``date_invalid``). Commits.
    """
    reference, iin, born = _parsed_request(reference, iin, birth_date)
    claim = db.session.scalar(select(Claim).where(Claim.reference == reference))
    if claim is None or claim.claimant.iin != iin or claim.claimant.birth_date != born:
        return
    waiting = db.session.scalar(
        select(AccessCodeRequest).where(
            AccessCodeRequest.claim_id == claim.id, AccessCodeRequest.state == WAITING
        )
    )
    if waiting is not None:  # asked again: the same request, its time moved on, no second e-mail
        waiting.requested_at = now
        db.session.commit()
        return
    request = AccessCodeRequest(claim_id=claim.id, requested_at=now, state=WAITING)
    db.session.add(request)
    db.session.flush()
    db.session.add(_notice(claim, REQUESTED_KIND, request.id, now))
    db.session.commit()


def _notice(claim: Claim, kind: str, request_id: int, now: datetime) -> Notification:
    """The e-mail telling the claimant that a new code was asked for, or issued: never the code."""
    claimant = claim.claimant
    message = render_message(kind, claimant.language, claimant.full_name, claim.reference, {}, public_url())
    key = -(_NOTICE_OFFSET + request_id)
    return Notification(**outbox_row(claim.id, key, kind, message, claimant.email, now))


def waiting_requests(user: User, limit: int = 200) -> list[tuple[int, str, datetime]]:
    """The waiting requests, oldest first: (id, claim reference, asked at). No personal data:
    the officer opens one (:func:`request_for_officer`) with the claimant in front of them."""
    require_role(user, INTAKE)
    rows = db.session.execute(
        select(AccessCodeRequest.id, Claim.reference, AccessCodeRequest.requested_at)
        .join(Claim, Claim.id == AccessCodeRequest.claim_id)
        .where(AccessCodeRequest.state == WAITING)
        .order_by(AccessCodeRequest.requested_at, AccessCodeRequest.id)
        .limit(limit)
    )
    return [(row.id, row.reference, row.requested_at) for row in rows]


def _waiting(request_id: int) -> tuple[AccessCodeRequest, Claim]:
    request = db.session.get(AccessCodeRequest, request_id) if 0 < request_id < 2**31 else None
    if request is None:
        raise NotFound(f"no request for a new access code {request_id}")
    if request.state != WAITING:
        raise Conflict(
            "this request has already been decided; the claim's history says how",
            {"request": ["already_decided"]},
        )
    return request, db.session.get(Claim, request.claim_id)


def request_for_officer(user: User, request_id: int, now: datetime) -> RequestForOfficer:
    """A waiting request with the claimant's name, IIN and date of birth, to compare with their
    identity document. The view is written to the claim's access log. Commits."""
    require_role(user, INTAKE)
    request, claim = _waiting(request_id)
    claimant = claim.claimant
    shown = RequestForOfficer(
        id=request.id,
        reference=claim.reference,
        requested_at=request.requested_at,
        full_name=claimant.full_name,
        iin=claimant.iin,
        birth_date=claimant.birth_date,
    )
    log_access(claim, user, now, f"identity check for a new access code (request {request.id})")
    db.session.commit()
    return shown


def _note(note: str | None, required: bool) -> str | None:
    text = " ".join((note or "").split())
    if required and not text:
        raise Invalid("say why the request is refused", {"note": ["required"]})
    if len(text) > MAX_NOTE:
        raise Invalid(f"the note is too long: at most {MAX_NOTE} characters", {"note": ["too_long"]})
    return text or None


def issue_new_access_code(
    user: User, request_id: int, identity_check: str, note: str | None, now: datetime
) -> IssuedCode:
    """Replace the claim's access code after the officer checked the claimant's identity.

    The old code and every portal session signed in with it stop working at once; the claimant is
    told by e-mail (without the code). The new code is returned to be handed over and is not kept.
    Commits.
    """
    require_role(user, INTAKE)
    if identity_check not in IDENTITY_CHECKS:
        raise Invalid(
            f"say how the claimant's identity was checked: one of {', '.join(IDENTITY_CHECKS)}",
            {"identity_check": ["required"]},
        )
    note = _note(note, required=False)
    request, claim = _waiting(request_id)
    code = new_access_code()
    changed = db.session.execute(
        update(AccessCodeRequest)
        .where(AccessCodeRequest.id == request.id, AccessCodeRequest.state == WAITING)
        .values(
            state=ISSUED, decided_at=now, decided_by=user.username, identity_check=identity_check, note=note
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:  # another officer decided it meanwhile
        db.session.rollback()
        raise Conflict("this request has already been decided", {"request": ["already_decided"]})
    claim.access_code_hash = hash_code(code, ACCESS_CODE)
    claim.access_code_changed_at = now
    db.session.add(_notice(claim, ISSUED_KIND, request.id, now))
    log_access(claim, user, now, f"new access code issued (request {request.id})")
    issued = IssuedCode(claim.reference, code, now, claim.claimant.full_name)
    db.session.commit()
    return issued


def refuse_access_code_request(user: User, request_id: int, note: str, now: datetime) -> str:
    """Refuse a request (the identity could not be checked, nobody came…): the code stays as it
    was. Returns the claim's reference. Commits."""
    require_role(user, INTAKE)
    note = _note(note, required=True)
    request, claim = _waiting(request_id)
    request.state, request.decided_at, request.decided_by, request.note = REFUSED, now, user.username, note
    db.session.commit()
    return claim.reference


def access_code_history(claim_id: int) -> list[HistoryLine]:
    """Every request for a new access code of the claim and how it ended, oldest first."""
    rows = db.session.scalars(
        select(AccessCodeRequest)
        .where(AccessCodeRequest.claim_id == claim_id)
        .order_by(AccessCodeRequest.requested_at, AccessCodeRequest.id)
    )
    lines = []
    for row in rows:
        lines.append(HistoryLine(row.requested_at, WAITING, None, None, None))
        if row.state != WAITING:
            lines.append(HistoryLine(row.decided_at, row.state, row.decided_by, row.identity_check, row.note))
    return lines
