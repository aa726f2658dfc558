"""A claim's papers as lists for staff: its documents and its letters, without their contents.

What the claim page lists (:mod:`fund.claims.claim_file`), for the same staff roles (those who may
open the claim), with what a system receiving them needs besides: each document's sha256 and who
uploaded it (the claimant, or the officer who scanned or added it). Listing reads no file and no
personal data beyond the file names the claim page shows, so it is not written to the access log;
opening a document or a letter is (:mod:`fund.claims.personal_data`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from fund.claims.submission import get_claim
from fund.extensions import db
from fund.models import Document, Letter, User

# Document.uploaded_by of the claimant's own uploads (the portal's, :data:`fund.portal.CLAIMANT_UPLOADER`).
CLAIMANT_UPLOADER = "claimant"


@dataclass(frozen=True)
class DocumentRecord:
    """A document of a claim, described: never its bytes."""

    id: int
    code: str
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: str  # "claimant", or the officer's username

    @property
    def by_claimant(self) -> bool:
        return self.uploaded_by == CLAIMANT_UPLOADER


@dataclass(frozen=True)
class LetterRecord:
    """A letter of a claim: issued (with its number), or being prepared (``due``)."""

    id: int
    kind: str
    status: str
    number: str | None
    issued_at: datetime | None
    language: str | None


def claim_documents(user: User, reference: str) -> list[DocumentRecord]:
    """The claim's documents, oldest first, for any staff role that may open the claim."""
    claim = get_claim(user, reference)
    rows = db.session.execute(  # columns only: the files stay in the database
        select(Document.id, Document.code, Document.filename, Document.content_type, Document.size,
               Document.sha256, Document.uploaded_at, Document.uploaded_by)
        .where(Document.claim_id == claim.id)
        .order_by(Document.uploaded_at, Document.id)
    )  # fmt: skip
    return [DocumentRecord(*row) for row in rows]


def claim_letters(user: User, reference: str) -> list[LetterRecord]:
    """The claim's letters in the order they were made, for any staff role that may open the claim."""
    claim = get_claim(user, reference)
    rows = db.session.execute(  # no PDFs: only what the list shows
        select(Letter.id, Letter.kind, Letter.status, Letter.number, Letter.issued_at, Letter.language)
        .where(Letter.claim_id == claim.id)
        .order_by(Letter.id)
    )
    return [LetterRecord(*row) for row in rows]
