"""Claimants, claims (with their status projection) and letters."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
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
    # The phone's last ten digits, as officers' searches compare it (fund/claims/search_terms.py).
    phone_digits: Mapped[str] = mapped_column(String(10), server_default="", index=True)


# One payment per victim and criminal case (Art. 6: compensation is a one-time payment). A claim in
# one of these statuses holds the victim's compensation for its case: decided, paid, or its payment
# failed (the decision stands; the bank details are corrected and it is paid again).
AWARDED_STATUSES = ("approved", "payment_failed", "paid")
# A claim in one of these statuses ended without compensation (a rejected claim may still be
# reconsidered: it then counts again, as open).
ENDED_WITHOUT_COMPENSATION_STATUSES = ("rejected", "closed_incomplete", "withdrawn")


class Claim(db.Model):
    __tablename__ = "claims"
    __table_args__ = (
        Index("ix_claims_status_category", "status", "category"),
        # The claims of one victim in one criminal case: found with one indexed query.
        Index("ix_claims_victim_case", "victim_iin", "erdr_number"),
        # The auditors' search: newest first (and by period), by status or category in the same order.
        Index("ix_claims_submitted", "submitted_at", "id"),
        Index("ix_claims_status_submitted", "status", "submitted_at", "id"),
        Index("ix_claims_category_submitted", "category", "submitted_at", "id"),
        # Officers' search by any part of a name: a trigram index (pg_trgm) on PostgreSQL. SQLite has
        # no such index: there the trigram full-text table claim_names_fts indexes the column
        # (revision 0014), and this index is an empty partial one, declared so that models and
        # revisions agree.
        Index(
            "ix_claims_search_names",
            "search_names",
            postgresql_using="gin",
            postgresql_ops={"search_names": "gin_trgm_ops"},
            sqlite_where=text("0"),
        ),
        # The service levels' watch (fund/officers/service_levels.py): the claims waiting for a
        # decision or a payment, oldest first; only those waiting are indexed.
        Index(
            "ix_claims_awaiting_decision", "awaiting_decision_since", "id",
            postgresql_where=text("awaiting_decision_since IS NOT NULL"),
            sqlite_where=text("awaiting_decision_since IS NOT NULL"),
        ),
        Index(
            "ix_claims_awaiting_payment", "awaiting_payment_since", "id",
            postgresql_where=text("awaiting_payment_since IS NOT NULL"),
            sqlite_where=text("awaiting_payment_since IS NOT NULL"),
        ),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    access_code_hash: Mapped[str] = mapped_column(String(255))
    # When the access code was last replaced (fund/claims/access_codes.py): sessions older end.
    access_code_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimant_id: Mapped[int] = mapped_column(ForeignKey("claimants.id"), index=True)
    claimant_role: Mapped[str] = mapped_column(String(20))
    victim_full_name: Mapped[str | None] = mapped_column(String(200))
    # The victim's IIN: the claimant's own when the claimant is the victim (filled for every claim
    # since revision 0009; the column stays nullable so that SQLite need not rebuild the table).
    victim_iin: Mapped[str | None] = mapped_column(String(12))
    victim_birth_date: Mapped[date | None]
    erdr_number: Mapped[str] = mapped_column(String(15), index=True)
    article: Mapped[str] = mapped_column(String(10))
    # The crime as the law names it: "art. 120, paragraph 2) of part 3", "art. 116 part 2, committed
    # by a criminal group". The part is text ("3", "3-1"); paragraph and qualifier are none when not given.
    article_part: Mapped[str] = mapped_column(String(10))
    article_paragraph: Mapped[int | None]
    by_criminal_group: Mapped[bool | None]
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
    # The claimant's and the victim's names folded and in Latin letters, as officers' searches
    # compare them (fund/claims/search_terms.py).
    search_names: Mapped[str] = mapped_column(Text, server_default="")
    # The service levels' clocks (fund/claims/service_clocks.py): since when the claim, complete,
    # waits for a decision, and since when, approved, it waits for its payment; None when not.
    awaiting_decision_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    awaiting_payment_since: Mapped[datetime | None] = mapped_column(UtcDateTime)

    claimant: Mapped[Claimant] = relationship(lazy="joined")
    letters: Mapped[list[Letter]] = relationship(back_populates="claim", order_by="Letter.id")


class Compensation(db.Model):
    """The compensation a victim was awarded for a criminal case: at most one per victim and case.

    Written in the transaction that approves the claim. The unique constraint over the victim's IIN
    and the ERDR number is what lets only one of two approvals at the same moment commit: the other
    fails on it and is refused. A row stays when the claim is paid or its payment fails.
    """

    __tablename__ = "compensations"
    __table_args__ = (UniqueConstraint("victim_iin", "erdr_number", name="uq_compensations_victim_case"),)

    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), primary_key=True)
    victim_iin: Mapped[str] = mapped_column(String(12))
    erdr_number: Mapped[str] = mapped_column(String(15))
    awarded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Letter(db.Model):
    """A letter the process made due; once issued, its PDF and sha256 never change.

    A reissue is a new letter with a new number that points to the one it replaces.
    """

    __tablename__ = "letters"
    # The letters still to be issued, oldest first: the worker's letters round reads the first of
    # them every few seconds, and at 1,000,000 claims the table holds millions of issued ones.
    __table_args__ = (
        Index(
            "ix_letters_due", "id",
            postgresql_where=text("status = 'due'"), sqlite_where=text("status = 'due'"),
        ),
    )  # fmt: skip

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
    # Deferred: ~30 KB a letter, read only to download, verify or export it (those queries
    # undefer it); lists of letters and the status lookup never load it.
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str | None] = mapped_column(String(64))
    # The id of the request whose command made the letter due, for the worker's log lines.
    request_id: Mapped[str | None] = mapped_column(String(100))
    claim: Mapped[Claim] = relationship(back_populates="letters")


class Document(db.Model):
    """A document of a claim (uploaded by the claimant or scanned by intake), kept with its sha256."""

    __tablename__ = "documents"
    # The worklist's list of documents that arrived after a decision and no officer has opened yet.
    __table_args__ = (Index("ix_documents_not_seen", "after_decision", "seen_at"),)

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
    # Sent by the claimant after the fund decided the claim: an officer must look at it (see
    # fund/claims/late_documents.py); seen_* say when one who may see personal data first opened it.
    after_decision: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    seen_by: Mapped[str | None] = mapped_column(String(80))


class AccessLogEntry(db.Model):
    """Who saw a claimant's personal data, when, and why: written for every unmasked view."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_claim_time", "claim_id", "viewed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    username: Mapped[str] = mapped_column(String(80), index=True)
    viewed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    what: Mapped[str] = mapped_column(String(100))


# SQLite's trigram full-text table over claims.search_names and the tables FTS5 keeps for it
# (revision 0014): the search index, not data; autogenerate and the schema tests leave them out.
SQLITE_SEARCH_INDEX_TABLES = (
    "claim_names_fts",
    "claim_names_fts_config",
    "claim_names_fts_data",
    "claim_names_fts_docsize",
    "claim_names_fts_idx",
)


def in_declared_schema(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's ``include_object``: everything but SQLite's search index tables."""
    return not (type_ == "table" and name in SQLITE_SEARCH_INDEX_TABLES)


class PersonalDataSearch(db.Model):
    """An officer's search for a claim by personal data (IIN, name or phone): it tells whether a
    person is a claimant, so it is logged like a view of personal data.

    The query itself is not kept (an IIN holds a birth date): only its keyed hash, with which an
    auditor who holds the key can tell whether a given person was searched for, and by whom.
    """

    __tablename__ = "personal_data_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    searched_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    kind: Mapped[str] = mapped_column(String(10))  # iin, name, phone
    query_hash: Mapped[str] = mapped_column(String(80), index=True)
    found: Mapped[int]  # claims found, counted up to the search's count limit
