"""Messages between a claimant and the fund, and what the officers' pages show of them.

The claimant writes from the portal's status page (:mod:`fund.portal.messages` checks that the
session's claim is theirs); the officers who work claims read and answer from the claim page;
auditors read and never answer. Unlike an internal note, an answer is shown to the claimant, and
the claimant is told of it by e-mail in their language, without its content
(:func:`fund.notifications.queue.message_notification`). A claimant's message is never e-mailed.

Messages are personal data: every officer's or auditor's view of them is written to the access log
first. A claimant's message is unread until an officer who works claims opens the claim page.
Messages are on the claim's timeline but are not commands on its process (not in the event chain).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update

from fund.claims.documents import UploadedFile
from fund.claims.internal_notes import NOTE_ROLES
from fund.claims.message_files import AttachmentRow, attach, attachments_by_message, checked_attachments
from fund.claims.personal_data import log_access
from fund.claims.submission import get_claim
from fund.common.access import require_role
from fund.common.errors import Invalid
from fund.extensions import db
from fund.models import FROM_CLAIMANT, FROM_FUND, Claim, ClaimMessage, User
from fund.notifications.queue import message_notification

ANSWER_ROLES = NOTE_ROLES  # the staff who work claims answer the claimant
READ_ROLES = (*ANSWER_ROLES, "auditor")  # auditors read, never answer
MAX_MESSAGE = 4000
TOO_LONG_OR_EMPTY = "message_length"  # the problem code the portal turns into words


@dataclass(frozen=True)
class MessageRow:
    """A message as a page shows it."""

    id: int
    sender: str  # FROM_CLAIMANT or FROM_FUND
    author: str | None
    written_at: datetime
    text: str
    read_at: datetime | None
    files: tuple[AttachmentRow, ...] = field(default=())  # attached files (names and sizes only)


def clean_text(text: str | None) -> str | None:
    """The message as stored (line ends unified, spaces around trimmed), or None when it is empty,
    longer than :data:`MAX_MESSAGE` characters or holds a NUL character."""
    text = (text or "").replace("\r\n", "\n").strip()
    if not text or len(text) > MAX_MESSAGE or "\x00" in text:
        return None
    return text


def _text_or_files_only(text: str | None, files: Sequence[UploadedFile]) -> str | None:
    """The message as stored; "" for files sent without words; None when the words are not allowed."""
    if files and not (text or "").strip():
        return ""
    return clean_text(text)


def write_from_claimant(
    claim: Claim, text: str, now: datetime, files: Sequence[UploadedFile] = ()
) -> ClaimMessage:
    """Store the claimant's message on ``claim`` (the caller checked it is theirs), with its files;
    one transaction, all or nothing.

    Invalid (field ``message``, code ``message_length``) when empty without files or longer than
    4,000 characters; Invalid naming each refused file (``files.<n>.content``) as for documents.
    No e-mail to officers: the worklist and the claim page show it as unread.
    """
    cleaned = _text_or_files_only(text, files)
    if cleaned is None:
        raise Invalid("the message must be 1 to 4000 characters", {"message": [TOO_LONG_OR_EMPTY]})
    checked = checked_attachments(files)
    message = ClaimMessage(claim_id=claim.id, sender=FROM_CLAIMANT, author=None, written_at=now, text=cleaned)
    db.session.add(message)
    db.session.flush()
    attach(claim.id, message.id, checked)
    db.session.commit()
    return message


def answer_claimant(
    user: User, reference: str, text: str, now: datetime, files: Sequence[UploadedFile] = ()
) -> ClaimMessage:
    """An officer's answer to the claimant, with its files, shown on their status page and announced
    by e-mail (without its content or files) in their language; one transaction. Auditors are
    refused (403).

    Invalid (field ``message``) when the answer is empty without files or longer than 4,000
    characters; Invalid naming each refused file (``files.<n>.content``) as for documents.
    """
    require_role(user, *ANSWER_ROLES)
    claim = get_claim(user, reference)
    cleaned = _text_or_files_only(text, files)
    if cleaned is None:
        raise Invalid(
            _("The answer was not sent."),
            {"message": [_("the answer must be between 1 and %(most)s characters", most=MAX_MESSAGE)]},
        )
    checked = checked_attachments(files)
    message = ClaimMessage(
        claim_id=claim.id, sender=FROM_FUND, author=user.username, written_at=now, text=cleaned
    )
    db.session.add(message)
    db.session.flush()
    attach(claim.id, message.id, checked)
    db.session.add(message_notification(claim, message.id, now))
    db.session.commit()
    return message


def _rows(claim_id: int) -> list[MessageRow]:
    rows = db.session.execute(
        select(ClaimMessage.id, ClaimMessage.sender, ClaimMessage.author, ClaimMessage.written_at,
               ClaimMessage.text, ClaimMessage.read_at)
        .where(ClaimMessage.claim_id == claim_id)
        .order_by(ClaimMessage.written_at, ClaimMessage.id)
    )  # fmt: skip
    messages = [MessageRow(r.id, r.sender, r.author, r.written_at, r.text, r.read_at) for r in rows]
    if not messages:
        return messages
    files = attachments_by_message(claim_id)
    return [replace(m, files=tuple(files.get(m.id, ()))) if m.id in files else m for m in messages]


def claimant_messages(claim: Claim) -> list[MessageRow]:
    """Every message of ``claim``, oldest first, for its own claimant (not logged: their own words)."""
    return _rows(claim.id)


def messages_for_staff(user: User, reference: str, now: datetime) -> list[MessageRow]:
    """The claim's messages for the claim page, oldest first; one transaction.

    The view is written to the access log (messages are personal data) when there are any. An
    officer who works claims marks the claimant's unread messages read; an auditor's look does not
    (the rows returned still show them unread, as they were when the page was opened).
    """
    require_role(user, *READ_ROLES)
    claim = get_claim(user, reference)
    rows = _rows(claim.id)
    if not rows:
        return rows
    log_access(claim, user, now, "messages with the claimant")
    if user.has_role(*ANSWER_ROLES) and any(r.sender == FROM_CLAIMANT and r.read_at is None for r in rows):
        db.session.execute(
            update(ClaimMessage)
            .where(
                ClaimMessage.claim_id == claim.id,
                ClaimMessage.sender == FROM_CLAIMANT,
                ClaimMessage.read_at.is_(None),
            )
            .values(read_at=now, read_by=user.username)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    return rows


def claims_with_unread(claim_ids: Iterable[int]) -> set[int]:
    """Which of these claims have a claimant's message no officer has read yet (one query)."""
    ids = set(claim_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(ClaimMessage.claim_id)
            .where(
                ClaimMessage.claim_id.in_(ids),
                ClaimMessage.sender == FROM_CLAIMANT,
                ClaimMessage.read_at.is_(None),
            )
            .distinct()
        )
    )


def timeline_entries(claim_id: int) -> list[tuple[datetime, str, str | None]]:
    """(when, sender, author) of each message, for the claim's timeline: what, not the words (the
    words are in the messages panel, whose every view is logged)."""
    rows = db.session.execute(
        select(ClaimMessage.written_at, ClaimMessage.sender, ClaimMessage.author)
        .where(ClaimMessage.claim_id == claim_id)
        .order_by(ClaimMessage.written_at, ClaimMessage.id)
    )
    return [(r.written_at, r.sender, r.author) for r in rows]
