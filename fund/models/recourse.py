"""Recourse (Art. 11): convictions per criminal case, recourse cases, offenders' debts, recoveries.

After the fund pays a claim, the state may recover the amount paid from the convicted offenders.
A finance officer records that a criminal case (its ERDR number) ended with a conviction and who
was convicted; a recourse case opens for every paid claim of that case (one per claim, by a
unique constraint); each offender's debt is its own balance (see
:func:`fund.recourse.rules.owed_by_each_offender`), and recovered payments (Treasury
documents) are recorded against one offender's debt, each Treasury reference once.

These rows are append-only records with who and when: they are not part of the claim's workflow
event chain (auditors replay that chain; recourse happens after the claim's process has ended).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UtcDateTime

# A recourse case is open until what is legally recoverable has come back; then settled.
RECOURSE_STATES = ("open", "settled")


class Conviction(db.Model):
    """A verdict convicting offenders in a criminal case (ERDR number), as recorded by finance."""

    __tablename__ = "convictions"
    __table_args__ = (UniqueConstraint("erdr_number", "verdict_number", name="uq_convictions_verdict"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    erdr_number: Mapped[str] = mapped_column(String(15), index=True)
    court: Mapped[str] = mapped_column(String(200))
    verdict_date: Mapped[date]
    verdict_number: Mapped[str] = mapped_column(String(60))
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)

    offenders: Mapped[list[ConvictedOffender]] = relationship(
        back_populates="conviction", order_by="ConvictedOffender.id", lazy="selectin"
    )


class ConvictedOffender(db.Model):
    """One person convicted by a verdict: personal data (masked for roles that do not need it)."""

    __tablename__ = "convicted_offenders"

    id: Mapped[int] = mapped_column(primary_key=True)
    conviction_id: Mapped[int] = mapped_column(ForeignKey("convictions.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    iin: Mapped[str | None] = mapped_column(String(12))

    conviction: Mapped[Conviction] = relationship(back_populates="offenders")


class RecourseCase(db.Model):
    """The state's claim against the offenders for what the fund paid on one claim."""

    __tablename__ = "recourse_cases"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'settled')", name="state"),
        CheckConstraint("amount_paid_kzt > 0", name="positive_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), unique=True)
    erdr_number: Mapped[str] = mapped_column(String(15), index=True)
    # The payment this case recovers: its amount (integer tenge) and day (Asia/Almaty).
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), unique=True)
    amount_paid_kzt: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date]
    state: Mapped[str] = mapped_column(String(10), default="open")
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    opened_by: Mapped[str] = mapped_column(String(80))
    settled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    claim = relationship("Claim", lazy="joined")
    debts: Mapped[list[OffenderDebt]] = relationship(
        back_populates="recourse_case", order_by="OffenderDebt.id", lazy="selectin"
    )


class OffenderDebt(db.Model):
    """What one convicted offender owes on one recourse case: its own balance."""

    __tablename__ = "offender_debts"
    __table_args__ = (
        UniqueConstraint("recourse_case_id", "offender_id", name="uq_offender_debts_case_offender"),
        CheckConstraint("amount_owed_kzt > 0", name="positive_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recourse_case_id: Mapped[int] = mapped_column(ForeignKey("recourse_cases.id"), index=True)
    offender_id: Mapped[int] = mapped_column(ForeignKey("convicted_offenders.id"), index=True)
    amount_owed_kzt: Mapped[int] = mapped_column(BigInteger)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)

    recourse_case: Mapped[RecourseCase] = relationship(back_populates="debts")
    offender: Mapped[ConvictedOffender] = relationship(lazy="joined")
    recoveries: Mapped[list[RecoveredPayment]] = relationship(
        back_populates="debt", order_by="RecoveredPayment.id", lazy="selectin"
    )


class RecoveredPayment(db.Model):
    """Money an offender paid back, as a Treasury document shows; each document recorded once."""

    __tablename__ = "recovered_payments"
    __table_args__ = (CheckConstraint("amount_kzt > 0", name="positive_amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    debt_id: Mapped[int] = mapped_column(ForeignKey("offender_debts.id"), index=True)
    amount_kzt: Mapped[int] = mapped_column(BigInteger)
    received_on: Mapped[date]  # Asia/Almaty, the day on the Treasury document
    treasury_reference: Mapped[str] = mapped_column(String(60), unique=True)
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)

    debt: Mapped[OffenderDebt] = relationship(back_populates="recoveries")
