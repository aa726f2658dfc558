"""The claimant portal's protection against guessing access codes: failures and lockout per reference."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
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
