"""Documents a claimant sends after the claim was submitted, and those that arrive after a decision.

A claimant may send documents at any time while the claim is open (:mod:`fund.portal.requests`).
While an officer's step is still to come (intake's check, a review), a new document joins that
step's work. Once the fund has decided (approved, rejected, the payment failed, or a rejection is
being reconsidered), nobody's next step would show it: such a document is marked
``after_decision`` and stays on the worklist's list "documents received after a decision" until an
officer who may see personal data opens it (the opening is written to the access log as every
document view is, and marks it seen). The claim's timeline shows every sending by the claimant,
and says when it came after a decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, func, select, update

from fund.extensions import db
from fund.models import Claim, Document, User

# The claim's status when the fund has decided it (before reconsideration, or during it).
DECIDED_STATUSES = ("approved", "payment_failed", "rejected", "reconsideration")
# Who must look at a document received after a decision: those who work claims and may open it.
LOOK_ROLES = ("intake", "reviewer", "approver")
CLAIMANT_UPLOADER = "claimant"  # Document.uploaded_by for the claimant's own uploads


def received_after_decision(status: str) -> bool:
    """Whether a document arriving while the claim has ``status`` came after the fund's decision."""
    return status in DECIDED_STATUSES


def mark_seen(document: Document, user: User, now: datetime) -> None:
    """An officer who works claims opened the document: a late document is no longer unseen."""
    if document.after_decision and document.seen_at is None and user.has_role(*LOOK_ROLES):
        db.session.execute(
            update(Document)
            .where(Document.id == document.id, Document.seen_at.is_(None))
            .values(seen_at=now, seen_by=user.username)
            .execution_options(synchronize_session=False)
        )


@dataclass(frozen=True)
class LateDocuments:
    """A claim with documents received after its decision that no officer has opened yet."""

    claim_reference: str
    claim_status: str
    count: int
    first_received_at: datetime


def claims_with_unseen_documents(user: User, limit: int = 20) -> list[LateDocuments]:
    """The claims (oldest first, at most ``limit``) with documents received after a decision that no
    officer has opened; for the worklist of those who must look at them (others get an empty list).
    One query on the ``ix_documents_not_seen`` index; no personal data."""
    if not user.has_role(*LOOK_ROLES):
        return []
    rows = db.session.execute(
        select(Claim.reference, Claim.status, func.count(Document.id).label("count"),
               func.min(Document.uploaded_at).label("first"))
        .join(Claim, Claim.id == Document.claim_id)
        .where(Document.after_decision.is_(True), Document.seen_at.is_(None))
        .group_by(Claim.reference, Claim.status)
        .order_by(func.min(Document.uploaded_at))
        .limit(limit)
    )  # fmt: skip
    return [LateDocuments(row.reference, row.status, row.count, row.first) for row in rows]


@dataclass(frozen=True)
class Sending:
    """Documents the claimant sent together after submitting the claim, for the timeline."""

    at: datetime
    count: int
    after_decision: bool


def sendings_after_submission(claim: Claim) -> list[Sending]:
    """The claimant's sendings of documents after the claim was submitted, oldest first (names and
    contents are in the documents panel, whose every opening is logged)."""
    rows = db.session.execute(
        select(Document.uploaded_at, func.count(Document.id).label("count"),
               func.max(Document.after_decision.cast(Integer)).label("late"))
        .where(Document.claim_id == claim.id, Document.uploaded_by == CLAIMANT_UPLOADER,
               Document.uploaded_at > claim.submitted_at)
        .group_by(Document.uploaded_at)
        .order_by(Document.uploaded_at)
    )  # fmt: skip
    return [Sending(row.uploaded_at, row.count, bool(row.late)) for row in rows]
