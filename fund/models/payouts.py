"""Payout batches and payments: money reaches the right account exactly once.

A finance officer builds a batch from approved, unpaid claims; a second finance officer approves
it; the approved batch is exported as the Treasury's payment register (CSV) and as an ISO 20022
pain.001.001.09 credit transfer; the Treasury's status file then marks each payment paid or failed.

"A claim is never paid twice" is enforced by the database, not only by the services: the partial
unique index ``uq_payments_claim_open`` allows at most one payment per claim that is still open
(``in_batch``) or done (``paid``). A failed or cancelled payment leaves the claim free for a later
batch, once its bank details are corrected.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UtcDateTime

# A batch: built -> approved -> exported; built or approved -> cancelled (never once exported).
BATCH_STATUSES = ("built", "approved", "exported", "cancelled")
# A payment: in_batch -> paid | failed; in_batch -> cancelled when its batch is cancelled.
PAYMENT_STATUSES = ("in_batch", "paid", "failed", "cancelled")
# The payments that hold a claim: at most one of these per claim (see the module's docstring).
HOLDING_STATUSES = ("in_batch", "paid")

_HOLDING = text("status IN ('in_batch', 'paid')")


class PayoutBatch(db.Model):
    """A set of payments built, approved (four eyes) and exported together."""

    __tablename__ = "payout_batches"
    __table_args__ = (
        CheckConstraint("status IN ('built', 'approved', 'exported', 'cancelled')", name="status"),
        CheckConstraint("approved_by IS NULL OR approved_by <> created_by", name="four_eyes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The pain.001 message id (MsgId, at most 35 characters) and the batch's name on pages.
    reference: Mapped[str] = mapped_column(String(35), unique=True)
    status: Mapped[str] = mapped_column(String(10))
    # The filters the batch was built with (None: any).
    decided_from: Mapped[date | None]
    decided_to: Mapped[date | None]
    category: Mapped[str | None] = mapped_column(String(30))
    payment_count: Mapped[int]
    total_kzt: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    approved_by: Mapped[str | None] = mapped_column(String(80))
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The day the Treasury is asked to pay (Asia/Almaty): the day of approval.
    execution_date: Mapped[date | None]
    exported_by: Mapped[str | None] = mapped_column(String(80))
    exported_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancelled_by: Mapped[str | None] = mapped_column(String(80))
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    payments: Mapped[list[Payment]] = relationship(back_populates="batch", order_by="Payment.id")


class Payment(db.Model):
    """One claim's payment in one batch, with the account and amount approved for it."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("status IN ('in_batch', 'paid', 'failed', 'cancelled')", name="status"),
        CheckConstraint("amount_kzt > 0", name="positive_amount"),
        CheckConstraint("status <> 'paid' OR paid_on IS NOT NULL", name="paid_has_date"),
        Index(
            "uq_payments_claim_open",
            "claim_id",
            unique=True,
            postgresql_where=_HOLDING,
            sqlite_where=_HOLDING,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("payout_batches.id"), index=True)
    # Integer tenge, copied from the claim's decision when the batch is built, re-checked at approval.
    amount_kzt: Mapped[int] = mapped_column(BigInteger)
    # The account and name approved for this payment (copied from the claimant when built).
    creditor_iban: Mapped[str] = mapped_column(String(20))
    creditor_name: Mapped[str] = mapped_column(String(200))
    creditor_iin: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(10))
    # The ISO 20022 EndToEndId (at most 35 characters): how the Treasury's status file names us.
    end_to_end_id: Mapped[str] = mapped_column(String(35), unique=True)
    paid_on: Mapped[date | None]  # Asia/Almaty, from the status file
    failure_reason: Mapped[str | None] = mapped_column(String(200))
    result_recorded_by: Mapped[str | None] = mapped_column(String(80))
    result_recorded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    batch: Mapped[PayoutBatch] = relationship(back_populates="payments")
    claim = relationship("Claim", lazy="joined")
