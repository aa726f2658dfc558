"""What a signed-in claimant asks of the fund: to take documents, and to reconsider a rejection.

Each request is one transaction: the claim's instance is locked, the request is checked against
where the claim stands now, and what it stores (documents) and the message it delivers to the
process are committed together or not at all.

Documents pass the checks of :mod:`fund.claims.documents`, the same wherever they come from:
PDF, JPEG or PNG, recognised by their content, never by their name, stored with their sha256.
Every refusal names the file by its place in the request (``files.<n>.content``,
``files.<n>.code``) with a stable code from :data:`UPLOAD_PROBLEMS`, so the page can say which
file and what is allowed.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from fund.claims.claim_file import claim_process

# The checks every document passes, wherever it comes from (named here too, as the portal's).
from fund.claims.documents import UPLOAD_PROBLEMS as UPLOAD_PROBLEMS
from fund.claims.documents import UploadedFile as UploadedFile
from fund.claims.documents import checked_files, new_documents
from fund.claims.documents import detect_type as detect_type
from fund.claims.documents import safe_filename as safe_filename
from fund.claims.explanations import document_labels
from fund.claims.history import MESSAGE_DELIVERED
from fund.claims.instances import lock_instance, run_engine_command
from fund.claims.late_documents import received_after_decision
from fund.claims.letter_issuing import issue_letters_made_due
from fund.claims.submission import PORTAL_ACTOR, get_claim
from fund.common.access import require_role
from fund.common.errors import Conflict, Invalid
from fund.common.time import fund_date
from fund.extensions import db
from fund.models import Claim, User
from fund.portal.claim_view import DOCUMENTS_SUBMITTED, RECONSIDERATION_REQUESTED, DocumentRef, claim_position
from fund.portal.sign_in import PortalSession, claim_of_session
from workflows import engine

CLAIMANT_UPLOADER = "claimant"  # Document.uploaded_by for the claimant's own uploads
OFFICE_UPLOAD_ROLES = ("intake",)  # who adds documents handed in at the office to a claim
REASON_MIN, REASON_MAX = 10, 4000


def upload_documents(session: PortalSession, files: list[UploadedFile], now: datetime) -> list[DocumentRef]:
    """Store the claimant's documents; when the claim waits for them, deliver ``documents_submitted``.

    Accepted while the claim waits for the documents the fund asked for (until the end of
    ``respond_by``), and while intake's check is to come (after submission, or after requested
    documents were sent: more join that check, several times over). All or nothing: one
    refused file refuses the request and nothing is stored. Raises Invalid (422) naming each
    file's problem, Conflict (409) with ``deadline_passed`` or ``claim_closed`` when the claim
    takes no documents now.

    "Open" is any time until the claim's process ends or it is withdrawn, several times over
    (also after a decision, e.g. with a reconsideration request); a document arriving after a
    decision is marked ``after_decision`` for an officer to look at (:mod:`fund.claims.late_documents`).
    """
    return _store_documents(claim_of_session(session), files, now, CLAIMANT_UPLOADER, PORTAL_ACTOR)


def upload_documents_at_office(
    officer: User, reference: str, files: list[UploadedFile], now: datetime
) -> list[DocumentRef]:
    """Intake adds documents the claimant handed in at the office (or sent by post) to their claim.

    The same checks, moments and effects as the claimant's own upload (:func:`upload_documents`):
    accepted only while the claim takes documents; when it waits for the requested ones, only those
    kinds, and ``documents_submitted`` is delivered with the officer as its actor. Forbidden
    without the intake role; the documents record the officer as their uploader.
    """
    require_role(officer, *OFFICE_UPLOAD_ROLES)
    claim = get_claim(officer, reference)
    return _store_documents(claim, files, now, officer.username, officer.username)


def _store_documents(
    claim: Claim, files: list[UploadedFile], now: datetime, uploaded_by: str, actor: str
) -> list[DocumentRef]:
    try:
        instance = lock_instance(claim)
        position = claim_position(claim, now)
        if not position.can_upload:
            code = "deadline_passed" if DOCUMENTS_SUBMITTED in position.waiting else "claim_closed"
            raise Conflict(
                "the claim is closed: it takes no more documents"
                if code == "claim_closed"
                else "the deadline for sending the requested documents has passed",
                {"files": [code]},
            )
        # While the fund waits for the documents it asked for, only those kinds are taken.
        requested = set(position.data.get("missing_documents") or []) if position.documents_until else set()
        checked = checked_files(files, requested or set(document_labels(claim_process(claim.id))))
        documents = new_documents(claim.id, checked, uploaded_by, now)
        late = received_after_decision(position.status)
        for document in documents:
            document.after_decision = late
        db.session.add_all(documents)
        db.session.flush()
        if position.documents_until is not None:
            payload = {
                "documents": [document.code for document in documents],
                "document_ids": [document.id for document in documents],
                "sha256": [document.sha256 for document in documents],
            }
            run_engine_command(
                claim,
                MESSAGE_DELIVERED,
                actor,
                now,
                {"message": DOCUMENTS_SUBMITTED, "payload": payload},
                lambda process, state, ctx: engine.deliver_message(
                    process, state, DOCUMENTS_SUBMITTED, payload, ctx
                ),
                instance=instance,
            )
        refs = [
            DocumentRef(d.id, d.code, d.filename, fund_date(d.uploaded_at), d.size, d.uploaded_at,
                        d.uploaded_by == CLAIMANT_UPLOADER)
            for d in documents
        ]  # fmt: skip
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    issue_letters_made_due(now)
    return refs


def _clean_reason(reason: str | None) -> str:
    text = "".join(
        char for char in (reason or "") if char in "\n\t" or unicodedata.category(char)[0] != "C"
    ).strip()
    if not text:
        raise Invalid("write why the decision should be reconsidered", {"reason": ["required"]})
    if len(text) < REASON_MIN:
        raise Invalid(f"the reason must be at least {REASON_MIN} characters", {"reason": ["too_short"]})
    if len(text) > REASON_MAX:
        raise Invalid(f"the reason must be at most {REASON_MAX} characters", {"reason": ["too_long"]})
    return text


def request_reconsideration(session: PortalSession, reason: str, now: datetime) -> None:
    """Ask for the rejected claim to be reconsidered, with the claimant's reason.

    Accepted only while the window is open (until the end of ``reconsideration_until`` in
    Almaty) and once per claim; delivers ``reconsideration_requested`` in the same transaction.
    Raises Invalid (422) for a missing, too short (< 10) or too long (> 4000) reason, Conflict
    (409) with ``already_requested``, ``window_closed`` or ``not_rejected`` otherwise.
    """
    claim = claim_of_session(session)
    text = _clean_reason(reason)
    try:
        instance = lock_instance(claim)
        position = claim_position(claim, now)
        if position.reconsideration_until is None:
            if position.data.get("reconsidered"):
                code, message = "already_requested", "reconsideration was already requested for this claim"
            elif position.status == "rejected":
                code, message = "window_closed", "the time to ask for reconsideration has passed"
            else:
                code, message = "not_rejected", "only a rejected claim can be reconsidered"
            raise Conflict(message, {"reason": [code]})
        payload = {"text": text}
        run_engine_command(
            claim,
            MESSAGE_DELIVERED,
            PORTAL_ACTOR,
            now,
            {"message": RECONSIDERATION_REQUESTED, "payload": payload},
            lambda process, state, ctx: engine.deliver_message(
                process, state, RECONSIDERATION_REQUESTED, payload, ctx
            ),
            instance=instance,
        )
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    issue_letters_made_due(now)
