"""Internal notes on a claim, and what the claim's timeline shows beside its process history.

An officer writes a note on the claim page; it is shown, with its author and time, in the claim's
timeline to staff, and never to the claimant: the portal, the API's status lookup and the letters
read neither the notes nor anything derived from them. A supervisor's task assignments (the
assignment log, :mod:`fund.officers.supervision`) are shown in the same timeline.

Notes are not commands on the claim's process: they live in their own append-only table, not in
the hash-chained history that replay runs again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from fund.claims.submission import get_claim
from fund.common.access import require_role
from fund.common.errors import Invalid
from fund.extensions import db
from fund.models import ClaimNote, TaskAssignment, User

# The staff who work claims write notes; auditors read them, they do not add to the file.
NOTE_ROLES = ("intake", "reviewer", "approver", "finance", "supervisor")
MAX_NOTE = 2000


@dataclass(frozen=True)
class DeskEntry:
    """A line of the timeline that is not a process step: an internal note or a task assignment."""

    at: datetime
    actor: str
    kind: str  # "note", "assignment" or "message" (text: its sender, never its words)
    text: str  # the note, or the task's name
    assignee: str | None = None
    previous_assignee: str | None = None


def add_note(user: User, reference: str, text: str, now: datetime) -> ClaimNote:
    """Write an internal note on the claim, as ``user``; one transaction.

    Invalid (field ``note``) when the note is empty or longer than 2,000 characters.
    """
    require_role(user, *NOTE_ROLES)
    claim = get_claim(user, reference)
    text = (text or "").replace("\r\n", "\n").strip()
    if not text or len(text) > MAX_NOTE or "\x00" in text:
        raise Invalid(
            _("The note was not saved."),
            {"note": [_("must be between 1 and %(most)s characters", most=MAX_NOTE)]},
        )
    note = ClaimNote(claim_id=claim.id, author=user.username, written_at=now, text=text)
    db.session.add(note)
    db.session.commit()
    return note


def desk_entries(claim_id: int) -> list[DeskEntry]:
    """The claim's internal notes and task assignments, oldest first (two indexed reads)."""
    notes = db.session.execute(
        select(ClaimNote.written_at, ClaimNote.author, ClaimNote.text)
        .where(ClaimNote.claim_id == claim_id)
        .order_by(ClaimNote.written_at, ClaimNote.id)
    )
    assignments = db.session.execute(
        select(
            TaskAssignment.assigned_at,
            TaskAssignment.assigned_by,
            TaskAssignment.task_name,
            TaskAssignment.assignee,
            TaskAssignment.previous_assignee,
        )
        .where(TaskAssignment.claim_id == claim_id)
        .order_by(TaskAssignment.assigned_at, TaskAssignment.id)
    )
    entries = [DeskEntry(row.written_at, row.author, "note", row.text) for row in notes]
    entries += [
        DeskEntry(
            row.assigned_at, row.assigned_by, "assignment", row.task_name, row.assignee, row.previous_assignee
        )
        for row in assignments
    ]
    return sorted(entries, key=lambda entry: entry.at)
