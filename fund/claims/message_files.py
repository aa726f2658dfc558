"""Files attached to the messages between a claimant and the fund.

A claimant's message, and an officer's answer, may carry files: the same checks as a claim's
documents (:func:`fund.claims.documents.checked_files`: PDF, JPEG or PNG by their content, at most
FUND_MAX_UPLOAD_MB each and FUND_PORTAL_MAX_FILES at a time), kept with their sha256, never with a
kind of document (they are not on the checklist; an officer who finds one is a required document
asks for it, or intake adds it). They are listed with their message on both sides.

Who may open one: the claimant with their portal session (their own: not access-logged, see
:mod:`fund.portal.claim_view`); on the claim page the officers who may see personal data, each
opening written to the access log as a document's is. Auditors see that a file is there, and its
name, as they see a document's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from fund.claims.documents import CheckedFile, UploadedFile, checked_files, safe_filename
from fund.claims.personal_data import PERSONAL_DATA_ROLES, SAFE_DOCUMENT_TYPES, DownloadedFile, log_access
from fund.claims.submission import get_claim
from fund.common.access import require_role
from fund.common.errors import NotFound
from fund.extensions import db
from fund.models import Claim, MessageAttachment, User


@dataclass(frozen=True)
class AttachmentRow:
    """A file of a message as a page lists it (never its content)."""

    id: int
    message_id: int
    filename: str
    content_type: str
    size: int


def checked_attachments(files: Sequence[UploadedFile]) -> list[CheckedFile]:
    """The files with their type found by content; Invalid naming each refused one
    (``files.<n>.content``: ``empty``, ``too_large``, ``type_not_allowed``, ``truncated``;
    ``files``: ``too_many``). An empty list is no files, not a problem."""
    return checked_files(list(files), None) if files else []


def attach(claim_id: int, message_id: int, checked: list[CheckedFile]) -> list[MessageAttachment]:
    """The checked files as attachments of the message, added to the session (not committed)."""
    attachments = [
        MessageAttachment(
            message_id=message_id,
            claim_id=claim_id,
            filename=safe_filename(item.file.filename, item.extension),
            content_type=item.content_type,
            size=len(item.file.content),
            sha256=hashlib.sha256(item.file.content).hexdigest(),
            content=item.file.content,
        )
        for item in checked
    ]
    db.session.add_all(attachments)
    return attachments


def attachments_by_message(claim_id: int) -> dict[int, list[AttachmentRow]]:
    """Every message file of the claim, by message (one query; names and sizes only)."""
    rows = db.session.execute(
        select(MessageAttachment.id, MessageAttachment.message_id, MessageAttachment.filename,
               MessageAttachment.content_type, MessageAttachment.size)
        .where(MessageAttachment.claim_id == claim_id)
        .order_by(MessageAttachment.id)
    )  # fmt: skip
    found: dict[int, list[AttachmentRow]] = {}
    for row in rows:
        found.setdefault(row.message_id, []).append(
            AttachmentRow(row.id, row.message_id, row.filename, row.content_type, row.size)
        )
    return found


def _attachment(claim: Claim, attachment_id: int) -> MessageAttachment:
    if not isinstance(attachment_id, int) or not 0 < attachment_id < 2**31:  # the column's range
        raise NotFound("this claim has no such file", {"file_id": ["not_found"]})
    attachment = db.session.scalar(
        select(MessageAttachment).where(
            MessageAttachment.id == attachment_id, MessageAttachment.claim_id == claim.id
        )
    )
    if attachment is None:
        raise NotFound("this claim has no such file", {"file_id": ["not_found"]})
    return attachment


def _downloaded(attachment: MessageAttachment) -> DownloadedFile:
    content_type = attachment.content_type if attachment.content_type in SAFE_DOCUMENT_TYPES else ""
    return DownloadedFile(attachment.filename, content_type or "application/octet-stream", attachment.content)


def file_for_claimant(claim: Claim, attachment_id: int) -> DownloadedFile:
    """A file of a message on ``claim`` (the caller checked the claim is the session's); any other
    id gets the same NotFound. Not access-logged: the claimant's own correspondence."""
    return _downloaded(_attachment(claim, attachment_id))


def file_for_staff(user: User, reference: str, attachment_id: int, now: datetime) -> DownloadedFile:
    """A file of a message on the claim, for the roles that may see personal data (403 otherwise);
    the opening is written to the access log first, like a document's."""
    require_role(user, *PERSONAL_DATA_ROLES)
    claim = get_claim(user, reference)
    attachment = _attachment(claim, attachment_id)
    downloaded = _downloaded(attachment)
    log_access(claim, user, now, f"message file {attachment.id}: {attachment.filename}")
    db.session.commit()
    return downloaded
