"""What officers write and decide beside the process: internal notes on a claim, tasks assigned.

Neither is a command on the claim's process, so neither is in its hash-chained history (which
replay runs again step by step); both are append-only rows of their own, shown on the claim page.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UtcDateTime


class ClaimNote(db.Model):
    """An internal note an officer wrote on a claim: staff only, never shown to the claimant."""

    __tablename__ = "claim_notes"
    __table_args__ = (Index("ix_claim_notes_claim_time", "claim_id", "written_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    author: Mapped[str] = mapped_column(String(80))
    written_at: Mapped[datetime] = mapped_column(UtcDateTime)
    text: Mapped[str] = mapped_column(Text)


class TaskAssignment(db.Model):
    """A supervisor gave an open task to a named colleague: who, to whom, when."""

    __tablename__ = "task_assignments"
    __table_args__ = (Index("ix_task_assignments_claim_time", "claim_id", "assigned_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    task_id: Mapped[str] = mapped_column(String(36))
    task_name: Mapped[str] = mapped_column(String(100))
    assigned_by: Mapped[str] = mapped_column(String(80))
    assignee: Mapped[str] = mapped_column(String(80))
    # Who held the task before (None: nobody had taken it).
    previous_assignee: Mapped[str | None] = mapped_column(String(80))
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime)
