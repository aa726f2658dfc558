"""Claimants sign in to the portal with their claim's reference and access code.

Guessing is limited per reference, in the database (so it holds across app servers): after
``FUND_PORTAL_MAX_FAILURES`` (5) wrong codes in a row the reference is locked for
``FUND_PORTAL_LOCK_MINUTES`` (15). References that do not exist are counted and locked exactly
like real ones, and the access code is checked against a hash even for them (see
:func:`fund.claims.submission.access_code_matches`), so neither the answers nor their timing tell
which references exist. While a reference is locked every attempt gets the same answer, right
code or not, and does not extend the lock: otherwise anyone could keep a claimant locked out for
good by typing their reference now and then. The API's status check
(:func:`claim_status_for_claimant`) goes through the same lock and counts on the same rows. Rate
limits per client address are the web layer's.

Wrong codes are counted one after another on the reference's failure row (``FOR UPDATE`` on
PostgreSQL, the database write lock on SQLite), so no failure is lost to a race. A right code for
a reference with no failure recorded is a plain read: one statement finds the claim and sees that
there is no failure row, and nothing is written (the claimant's status lookup is the portal's
busiest request). Such a code is accepted as of that read, when the reference had no failure;
wrong guesses sent at the same instant are still each counted. A reference with failures
recorded, locked or not, always goes through the lock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask import current_app, has_app_context
from sqlalchemy import Row, select

from fund.claims.submission import SubmittedClaim, access_code_matches, public_status, rehash_access_code
from fund.common.errors import NotFound, ServiceError, Unauthenticated
from fund.common.locked_rows import locked_row
from fund.extensions import db
from fund.models import Claim, PortalSignInFailure

MAX_FAILURES = 5  # default of FUND_PORTAL_MAX_FAILURES
LOCK_MINUTES = 15  # default of FUND_PORTAL_LOCK_MINUTES
REFERENCE_KEY_LENGTH = 40  # longer input cannot be a reference; its first 40 characters are counted


@dataclass(frozen=True)
class PortalSession:
    """A claimant signed in to one claim (kept by the web layer, which also decides its lifetime)."""

    claim_id: int
    reference: str
    signed_in_at: datetime


class PortalSignInRefused(ServiceError):
    """The reference or the access code is wrong: one answer for both."""

    code, http_status = "portal_sign_in_refused", 401


class PortalLocked(ServiceError):
    """Too many wrong access codes for this reference: signing in is refused until ``locked_until``."""

    code, http_status = "portal_locked", 429

    def __init__(self, locked_until: datetime):
        super().__init__(
            "too many wrong access codes for this reference: signing in is locked until "
            f"{locked_until:%Y-%m-%d %H:%M} UTC",
            {"reference": ["locked"]},
        )
        self.locked_until = locked_until


def portal_setting(name: str, default: int) -> int:
    """An integer setting of the portal from the app's configuration (the default without an app)."""
    if has_app_context():
        return int(current_app.config.get(name, default))
    return default


def _reference_key(reference: str | None) -> str:
    # PostgreSQL refuses text that holds U+0000; no reference holds one.
    return (reference or "").replace("\x00", "").strip().upper()[:REFERENCE_KEY_LENGTH]


def _locked_failure_row(key: str) -> PortalSignInFailure:
    """The reference's failure row, created if missing, locked until the transaction ends."""
    return locked_row(PortalSignInFailure, "reference", key, failures=0)


def _claim_for_sign_in(reference: str, key: str) -> Row[Any] | None:
    """The claim's id, reference, access code hash, status and last change, and ``failure_row``
    (None when the reference has no failures recorded): one statement, no lock."""
    if "\x00" in reference:  # no reference holds one, and PostgreSQL refuses to compare text that does
        return None
    failures = PortalSignInFailure
    return db.session.execute(
        select(
            Claim.id,
            Claim.reference,
            Claim.access_code_hash,
            Claim.status,
            Claim.updated_at,
            failures.reference.label("failure_row"),
        )
        .outerjoin(failures, failures.reference == key)
        .where(Claim.reference == reference.strip().upper())
    ).first()


Answer = TypeVar("Answer")


def _signed_in(
    reference: str, access_code: str, now: datetime, answer: Callable[[Row[Any]], Answer]
) -> Answer:
    """Check the reference and access code under the lockout; on success ``answer(claim row)``,
    computed in the same transaction, which then commits."""
    key = _reference_key(reference)
    max_failures = portal_setting("FUND_PORTAL_MAX_FAILURES", MAX_FAILURES)
    lock = timedelta(minutes=portal_setting("FUND_PORTAL_LOCK_MINUTES", LOCK_MINUTES))
    try:
        claim = _claim_for_sign_in(reference or "", key)
        code_ok = access_code_matches(claim.access_code_hash if claim is not None else None, access_code)
        if code_ok and claim.failure_row is None:  # nothing to lock, count or clear
            return _succeeded(claim, access_code, answer)
        row = _locked_failure_row(key)
        if row.locked_until is not None and row.locked_until > now:
            locked_until = row.locked_until
            db.session.commit()
            raise PortalLocked(locked_until)
        if code_ok:
            db.session.delete(row)
            return _succeeded(claim, access_code, answer)
        if row.locked_until is not None:  # a lock that has ended: counting starts again
            row.failures, row.locked_until = 0, None
        row.failures += 1
        row.last_failed_at = now
        if row.failures >= max_failures:
            row.locked_until = now + lock
        locked_until = row.locked_until
        db.session.commit()
    except ServiceError:
        raise
    except Exception:
        db.session.rollback()
        raise
    if locked_until is not None:
        raise PortalLocked(locked_until)
    raise PortalSignInRefused(
        "no claim with this reference and access code",
        {"reference": ["reference_or_code_wrong"], "access_code": ["reference_or_code_wrong"]},
    )


def _succeeded(claim: Row[Any], access_code: str, answer: Callable[[Row[Any]], Answer]) -> Answer:
    rehash_access_code(claim.id, claim.access_code_hash, access_code)
    result = answer(claim)
    db.session.commit()
    return result


def sign_in_claimant(reference: str, access_code: str, now: datetime) -> PortalSession:
    """Sign a claimant in with the claim's reference and access code.

    Raises :class:`PortalSignInRefused` (401) for a wrong reference or a wrong code alike, and
    :class:`PortalLocked` (429) once the reference is locked: on the failure that reaches the
    limit and on every attempt until the lock ends. A success clears the reference's failures.
    """
    return _signed_in(
        reference, access_code, now, lambda claim: PortalSession(claim.id, claim.reference, now)
    )


def claim_status_for_claimant(reference: str, access_code: str, now: datetime) -> dict[str, Any]:
    """The claim's status as the API shows it to its claimant (:func:`public_status`), for a
    reference and access code: a sign-in to the portal in all but name, so guesses here and on the
    portal's sign-in page count together.

    Raises :class:`NotFound` (404, the API's answer for a wrong reference or code alike) and
    :class:`PortalLocked` (429) once the reference is locked. A right code clears the failures.
    Two statements when the reference has no failures recorded: the claim, its letters.
    """
    try:
        return _signed_in(reference, access_code, now, public_status)
    except PortalSignInRefused:
        raise NotFound("no claim with this reference and access code") from None


def session_for_new_claim(submitted: SubmittedClaim, now: datetime) -> PortalSession:
    """A portal session for the claim just submitted in this request (no access code needed).

    The claimant may then add documents at once (see :func:`upload_documents`).
    """
    claim_id = db.session.scalar(select(Claim.id).where(Claim.reference == submitted.reference))
    if claim_id is None:
        raise NotFound(f"no claim {submitted.reference}", {"reference": ["not_found"]})
    return PortalSession(claim_id, submitted.reference, now)


def claim_of_session(session: PortalSession) -> Claim:
    """The session's claim; Unauthenticated (401) if the session names no such claim, or was
    signed in before the claim's access code was replaced (fund.claims.access_codes)."""
    valid_id = isinstance(session.claim_id, int) and 0 < session.claim_id < 2**31  # the column's range
    claim = db.session.get(Claim, session.claim_id) if valid_id else None
    if claim is None or claim.reference != session.reference:
        raise Unauthenticated("this portal session is not valid; sign in again", {"": ["session_invalid"]})
    changed = claim.access_code_changed_at
    if changed is not None and session.signed_in_at < changed:  # signed in with a code since replaced
        raise Unauthenticated("this portal session is not valid; sign in again", {"": ["session_invalid"]})
    return claim
