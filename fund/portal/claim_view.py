"""What a signed-in claimant sees of their claim: its status, what happens next and by when, the
letters issued to them, the documents the fund asks for and the ones it has.

Everything is read from the claim's projections and its process: the status is the BPMN's
``claim_status``; which message the claim waits for (documents, a reconsideration request) is in
its snapshot; the claimant's own deadlines (``respond_by``, ``reconsideration_until``) are in its
process data and end, like the process's timers, at the end of that day in Asia/Almaty.

A claimant seeing their own letter is not written to the access log: the log records which
*staff member* saw a claimant's personal data (for auditors and the claimant to check); the data
subject reading their own letter discloses nothing to anyone. The download is logged in the
application log with the claim's reference and the letter's number only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from fund.claims.claimant_messages import MessageRow, claimant_messages
from fund.claims.late_documents import CLAIMANT_UPLOADER
from fund.claims.process_versions import process_for_version
from fund.common.errors import NotFound
from fund.common.time import fund_date
from fund.extensions import db
from fund.models import Claim, Document, HumanTask, Letter, WorkflowInstance
from fund.portal.sign_in import PortalSession, claim_of_session
from workflows import engine
from workflows.scripting import end_of_day

log = logging.getLogger(__name__)

DOCUMENTS_SUBMITTED = "documents_submitted"
RECONSIDERATION_REQUESTED = "reconsideration_requested"
PAYMENT_MESSAGES = ("payment_confirmed", "payment_failed")
WITHDRAWN = "withdrawn"  # the claimant withdrew the claim: it is closed
# Why documents can no longer be sent (ClaimantView.uploads_closed_because); the page says each.
UPLOADS_CLOSED = (
    "paid",  # the compensation was paid: the claim is closed
    "closed_incomplete",  # closed because the requested documents did not arrive in time
    "rejected_final",  # rejected, and the time to ask for reconsideration has passed (or it was done)
    "payment_abandoned",  # the payment failed for good: the fund contacts the claimant
    "withdrawn",  # the claimant withdrew the claim
    "deadline_passed",  # the deadline for the requested documents has passed (the claim closes)
    "closed",  # any other end of the process
)

# What happens next, by the status of a claim that waits for the fund (an officer's task).
NEXT_STEP_BY_STATUS = {
    "submitted": "intake_check",
    "under_review": "officer_review",
    "awaiting_approval": "approval",
    "reconsideration": "reconsideration_review",
    "payment_failed": "correct_bank_details",
}
NEXT_STEPS: tuple[str, ...] = (
    "intake_check",  # intake checks the documents (by the task's due date)
    "send_documents",  # the claimant sends the requested documents (by respond_by)
    "officer_review",  # a reviewer examines the claim
    "approval",  # an approver decides
    "payment",  # approved: the Treasury pays
    "correct_bank_details",  # the payment failed: intake corrects the bank details
    "reconsideration_possible",  # rejected: reconsideration may be asked (by reconsideration_until)
    "reconsideration_review",  # another reviewer examines the rejected claim
    "none",  # nothing more happens: paid, closed, or a deadline has passed
)


@dataclass(frozen=True)
class LetterRef:
    id: int
    kind: str
    number: str
    issued_on: date
    language: str


@dataclass(frozen=True)
class DocumentRef:
    id: int
    code: str
    filename: str
    uploaded_on: date
    size: int = 0
    uploaded_at: datetime | None = None  # when the fund received it (UTC)
    by_claimant: bool = True  # False: scanned by intake at the office


@dataclass(frozen=True)
class ClaimantView:
    """The claim as its claimant sees it; codes only (the pages translate them)."""

    reference: str
    language: str
    status: str
    next_step: str
    due_on: date | None
    submitted_on: date
    letters: list[LetterRef]
    letters_preparing: list[str]  # kinds of letters being prepared (issued within minutes)
    requested_documents: list[str]
    documents: list[DocumentRef]
    can_upload: bool
    reconsideration_until: date | None  # set only while a request can be made now
    # Why no documents can be sent now (a key of UPLOADS_CLOSED), None while they can.
    uploads_closed_because: str | None = None
    # The messages with the fund, both ways, oldest first (the claimant's own: not access-logged).
    messages: list[MessageRow] = field(default_factory=list)


@dataclass(frozen=True)
class ClaimPosition:
    """Where a claim stands at an instant, as the claimant's requests need it."""

    status: str
    completed: bool
    data: dict[str, Any]
    waiting: tuple[str, ...]  # messages the process waits for
    documents_until: date | None  # set only while the documents can be sent now
    reconsideration_until: date | None  # set only while a request can be made now
    fund_due_on: date | None = None  # the earliest due date of the claim's open officer tasks

    @property
    def awaiting_intake_check(self) -> bool:
        """Submitted, or the requested documents sent, and intake's check not done yet: more
        documents join that check, so a wrong or missing file can still be added after an upload."""
        return self.status == "submitted" and not self.completed

    @property
    def is_open(self) -> bool:
        """The claim is open: its process has not ended and it was not withdrawn. Documents may be
        sent at any time then, also after a decision (with a reconsideration request, say)."""
        return not self.completed and self.status != WITHDRAWN

    @property
    def can_upload(self) -> bool:
        if DOCUMENTS_SUBMITTED in self.waiting:  # requested documents: only until respond_by
            return self.documents_until is not None
        return self.is_open

    @property
    def uploads_closed_because(self) -> str | None:
        """Why no documents can be sent now (a key of :data:`UPLOADS_CLOSED`), None while they can."""
        if self.can_upload:
            return None
        if self.status == WITHDRAWN:
            return "withdrawn"
        if not self.completed:
            return "deadline_passed"
        return {
            "paid": "paid",
            "closed_incomplete": "closed_incomplete",
            "rejected": "rejected_final",
            "payment_failed": "payment_abandoned",
        }.get(self.status, "closed")


def deadline_open(day: date, now: datetime) -> bool:
    """Whether a claimant's deadline ``day`` is still open at ``now`` (all of that day in Almaty).

    The process's timer on ``end_of_day(day)`` fires at any instant after it, so the instant
    itself still belongs to the claimant, as it does for the engine.
    """
    return now <= datetime.fromisoformat(end_of_day(day))


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def claim_position(claim: Claim, now: datetime) -> ClaimPosition:
    """The claim's status, process data and open requests to the claimant at ``now``, and when the
    fund expects to finish its current step. One statement."""
    fund_due_at = (
        select(func.min(HumanTask.due_at))
        .where(HumanTask.claim_id == claim.id, HumanTask.state == "open", HumanTask.due_at.is_not(None))
        .scalar_subquery()
    )
    instance = db.session.execute(
        select(
            WorkflowInstance.snapshot,
            WorkflowInstance.completed,
            WorkflowInstance.process_data,
            WorkflowInstance.process_version,
            fund_due_at.label("fund_due_at"),
        ).where(WorkflowInstance.claim_id == claim.id)
    ).first()
    if instance is None:
        raise NotFound("this claim has no process", {"": ["not_found"]})
    data = instance.process_data or {}
    waiting: tuple[str, ...] = ()
    if not instance.completed:
        # Which messages the claim waits for is only in the snapshot (one claim: cheap).
        process = process_for_version(instance.process_version)
        waiting = tuple(engine.inspect(process, instance.snapshot, now).waiting_messages)
    documents_until = _day(data.get("respond_by")) if DOCUMENTS_SUBMITTED in waiting else None
    reconsideration_until = (
        _day(data.get("reconsideration_until")) if RECONSIDERATION_REQUESTED in waiting else None
    )
    return ClaimPosition(
        status=claim.status,
        completed=bool(instance.completed),
        data=data,
        waiting=waiting,
        documents_until=documents_until if documents_until and deadline_open(documents_until, now) else None,
        reconsideration_until=(
            reconsideration_until
            if reconsideration_until and deadline_open(reconsideration_until, now)
            else None
        ),
        fund_due_on=fund_date(instance.fund_due_at) if instance.fund_due_at is not None else None,
    )


def _next_step(position: ClaimPosition) -> tuple[str, date | None]:
    if position.completed:
        return "none", None
    if DOCUMENTS_SUBMITTED in position.waiting:
        return ("send_documents", position.documents_until) if position.documents_until else ("none", None)
    if RECONSIDERATION_REQUESTED in position.waiting:
        if position.reconsideration_until:
            return "reconsideration_possible", position.reconsideration_until
        return "none", None
    if any(name in position.waiting for name in PAYMENT_MESSAGES):
        return "payment", None
    step = NEXT_STEP_BY_STATUS.get(position.status)
    if step is None:
        return "none", None
    return step, position.fund_due_on


def _letters(claim: Claim) -> tuple[list[LetterRef], list[str]]:
    """The claim's issued letters, and the kinds of those being prepared (made due by a decision,
    rendered moments later): one query, no PDFs."""
    rows = db.session.execute(
        select(Letter.id, Letter.kind, Letter.status, Letter.number, Letter.issued_at, Letter.language)
        .where(Letter.claim_id == claim.id, Letter.status.in_(("issued", "due")))
        .order_by(Letter.id)
    ).all()
    issued = sorted((row for row in rows if row.status == "issued"), key=lambda row: (row.issued_at, row.id))
    letters = [
        LetterRef(
            row.id, row.kind, row.number, fund_date(row.issued_at), row.language or claim.claimant.language
        )
        for row in issued
    ]
    return letters, [row.kind for row in rows if row.status == "due"]


def _documents(claim: Claim) -> list[DocumentRef]:
    rows = db.session.execute(  # no contents: only what the list shows
        select(Document.id, Document.code, Document.filename, Document.uploaded_at, Document.size,
               Document.uploaded_by)
        .where(Document.claim_id == claim.id)
        .order_by(Document.uploaded_at, Document.id)
    )  # fmt: skip
    return [
        DocumentRef(row.id, row.code, row.filename, fund_date(row.uploaded_at), row.size, row.uploaded_at,
                    row.uploaded_by == CLAIMANT_UPLOADER)
        for row in rows
    ]  # fmt: skip


def claimant_view(session: PortalSession, now: datetime) -> ClaimantView:
    """The signed-in claimant's claim: status, next step and its date, letters and documents.

    ``due_on`` is the claimant's own deadline while the fund waits for them (documents:
    ``respond_by``; reconsideration: ``reconsideration_until``), otherwise the due date of the
    officer's task the claim waits for, and None when there is none. Dates are in Asia/Almaty.
    Every document of the claim is listed (names and dates only), including those intake
    scanned: they are the claimant's own papers, and the list answers "what does the fund have?".
    """
    claim = claim_of_session(session)
    position = claim_position(claim, now)
    next_step, due_on = _next_step(position)
    requested = list(position.data.get("missing_documents") or []) if position.documents_until else []
    letters, preparing = _letters(claim)
    return ClaimantView(
        reference=claim.reference,
        language=claim.claimant.language,
        status=claim.status,
        next_step=next_step,
        due_on=due_on,
        submitted_on=fund_date(claim.submitted_at),
        letters=letters,
        letters_preparing=preparing,
        requested_documents=requested,
        documents=_documents(claim),
        can_upload=position.can_upload,
        reconsideration_until=position.reconsideration_until,
        uploads_closed_because=position.uploads_closed_because,
        messages=claimant_messages(claim),
    )


def claimant_letter(session: PortalSession, letter_id: int) -> tuple[str, bytes]:
    """An issued letter of the session's claim: (file name, PDF bytes).

    Any other id (another claim's letter, a letter not issued yet, no such letter) gets the same
    NotFound. Not written to the access log (see the module's note).
    """
    claim = claim_of_session(session)
    if not isinstance(letter_id, int) or not 0 < letter_id < 2**31:  # the column's range
        raise NotFound("this claim has no such letter", {"letter_id": ["not_found"]})
    letter = db.session.scalar(
        select(Letter)
        .where(Letter.id == letter_id, Letter.claim_id == claim.id, Letter.status == "issued")
        .options(undefer(Letter.pdf))
    )
    if letter is None or letter.pdf is None or not letter.number:
        raise NotFound("this claim has no such letter", {"letter_id": ["not_found"]})
    log.info("claim %s: the claimant downloaded letter %s", claim.reference, letter.number)
    return f"{letter.number}.pdf", letter.pdf
