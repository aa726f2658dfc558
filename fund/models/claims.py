"""Claimants, claims (with their status projection) and letters."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UtcDateTime


class Claimant(db.Model):
    """The person who applies: the victim, a minor's representative or a successor."""

    __tablename__ = "claimants"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    iin: Mapped[str] = mapped_column(String(12), index=True)
    birth_date: Mapped[date]
    phone: Mapped[str] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2))
    iban: Mapped[str] = mapped_column(String(20))


class Claim(db.Model):
    __tablename__ = "claims"
    __table_args__ = (Index("ix_claims_status_category", "status", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    access_code_hash: Mapped[str] = mapped_column(String(255))
    claimant_id: Mapped[int] = mapped_column(ForeignKey("claimants.id"), index=True)
    claimant_role: Mapped[str] = mapped_column(String(20))
    victim_full_name: Mapped[str | None] = mapped_column(String(200))
    victim_iin: Mapped[str | None] = mapped_column(String(12))
    victim_birth_date: Mapped[date | None]
    erdr_number: Mapped[str] = mapped_column(String(15), index=True)
    article: Mapped[str] = mapped_column(String(10))
    article_part: Mapped[int]
    committed_on: Mapped[date]
    recognized_on: Mapped[date]
    harm: Mapped[str] = mapped_column(String(20))
    deadline_restored_by_court: Mapped[bool]
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Projection of the workflow, rewritten by every command.
    status: Mapped[str] = mapped_column(String(30))
    category: Mapped[str | None] = mapped_column(String(30))
    eligibility_reason: Mapped[str | None] = mapped_column(String(60))
    amount_mci: Mapped[int | None]
    amount_kzt: Mapped[int | None] = mapped_column(BigInteger)
    decision_date: Mapped[date | None]
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    claimant: Mapped[Claimant] = relationship(lazy="joined")
    letters: Mapped[list[Letter]] = relationship(back_populates="claim", order_by="Letter.id")


class Letter(db.Model):
    """A letter the process made due; once issued, its PDF and sha256 never change.

    A reissue is a new letter with a new number that points to the one it replaces.
    """

    __tablename__ = "letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    language: Mapped[str | None] = mapped_column(String(2))
    verification_code_hash: Mapped[str | None] = mapped_column(String(255))
    reissue_of_id: Mapped[int | None] = mapped_column(ForeignKey("letters.id"))
    status: Mapped[str] = mapped_column(String(10), default="due")
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    number: Mapped[str | None] = mapped_column(String(30), unique=True)
    issued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    sha256: Mapped[str | None] = mapped_column(String(64))
    claim: Mapped[Claim] = relationship(back_populates="letters")


class Document(db.Model):
    """A document of a claim (uploaded by the claimant or scanned by intake), kept with its sha256."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))  # a document code of bpmn/forms/codes.json
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    uploaded_by: Mapped[str] = mapped_column(String(80))


class AccessLogEntry(db.Model):
    """Who saw a claimant's personal data, when, and why: written for every unmasked view."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_claim_time", "claim_id", "viewed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    username: Mapped[str] = mapped_column(String(80), index=True)
    viewed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    what: Mapped[str] = mapped_column(String(100))
