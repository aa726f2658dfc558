"""The claimant portal's protection against guessing access codes: failures and lockout per reference."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UtcDateTime


class PortalSignInFailure(db.Model):
    """Wrong access codes in a row for one claim reference, and until when it is locked.

    Keyed by the reference as typed (normalised), not by claim: references that do not exist are
    counted and locked the same way, so the answers never tell which references exist. A
    successful sign-in deletes the row.
    """

    __tablename__ = "portal_sign_in_failures"

    reference: Mapped[str] = mapped_column(String(40), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AccessCodeRequest(db.Model):
    """A claimant's request for a new access code, and how it ended (fund/claims/access_codes.py).

    ``state``: ``waiting`` until an intake officer decides; ``issued`` (``identity_check`` says how
    the claimant's identity was checked, ``note`` the officer's words) or ``refused`` (``note``:
    why). The new code itself is never kept here: only its hash, on the claim.
    """

    __tablename__ = "access_code_requests"
    __table_args__ = (
        Index("ix_access_code_requests_state", "state", "requested_at"),
        Index("ix_access_code_requests_claim", "claim_id", "requested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(10))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(80))
    identity_check: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
