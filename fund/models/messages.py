"""Messages between a claimant and the fund: the claimant writes on the portal's status page, an
officer answers from the claim page.

Unlike an internal note, a message is shared with the claimant: both directions are shown on the
claimant's status page. Messages are not commands on the claim's process (they live beside the
hash-chained history, like notes). A claimant's message is unread until an officer who works
claims opens the claim page.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UtcDateTime

FROM_CLAIMANT = "claimant"  # ClaimMessage.sender for the claimant's own messages
FROM_FUND = "fund"  # an officer's answer, which the claimant reads


class ClaimMessage(db.Model):
    """One message on a claim, from the claimant or from the fund (an officer named in ``author``)."""

    __tablename__ = "claim_messages"
    __table_args__ = (
        Index("ix_claim_messages_claim_time", "claim_id", "written_at"),
        # The worklist's "unread" marker: the page's claims with a claimant message nobody read.
        Index("ix_claim_messages_unread", "claim_id", "sender", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    sender: Mapped[str] = mapped_column(String(10))  # FROM_CLAIMANT or FROM_FUND
    author: Mapped[str | None] = mapped_column(String(80))  # the officer's username; None: the claimant
    written_at: Mapped[datetime] = mapped_column(UtcDateTime)
    text: Mapped[str] = mapped_column(Text)
    # A claimant's message: when and by whom it was first read at the fund (None: unread).
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    read_by: Mapped[str | None] = mapped_column(String(80))


class MessageAttachment(db.Model):
    """A file attached to a message (by the claimant or in an officer's answer), checked like a
    claim's documents (PDF, JPEG or PNG by its content) and kept with its sha256."""

    __tablename__ = "message_attachments"
    __table_args__ = (Index("ix_message_attachments_message", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("claim_messages.id"))
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
