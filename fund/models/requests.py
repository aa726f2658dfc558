"""What a claimant asks of the fund about their own details, from the portal's status page.

A change of contact details is applied at once and recorded here (the fields, before and after:
personal data changes must be auditable). A new bank account is only a request: it is paid to
only after an intake officer confirmed it (a changed account is the first thing a fraudster
tries). Neither is a command on the claim's process: like messages and notes they live beside
the hash-chained history and are shown on the claim's timeline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UtcDateTime

CONTACT_DETAILS = "contact_details"  # applied at once: state "done"
BANK_ACCOUNT = "bank_account"  # "pending", then "confirmed" or "refused" by intake
REQUEST_STATES = ("done", "pending", "confirmed", "refused")


class ClaimantRequest(db.Model):
    """One request of a claimant about their own details."""

    __tablename__ = "claimant_requests"
    __table_args__ = (
        Index("ix_claimant_requests_claim_time", "claim_id", "made_at"),
        Index("ix_claimant_requests_open", "kind", "state", "made_at"),
        # At most one pending request of a kind per claim, even with two requests at once.
        Index(
            "uq_claimant_requests_pending",
            "claim_id",
            "kind",
            unique=True,
            postgresql_where=text("state = 'pending'"),
            sqlite_where=text("state = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(10))
    made_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # contact_details: {"changed": [...], "before": {...}, "after": {...}}; bank_account: {"iban": ...}
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    refusal_reason: Mapped[str | None] = mapped_column(Text)
