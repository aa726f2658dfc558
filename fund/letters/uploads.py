"""Checking a letter's PDF file that anyone uploads at /verify: is it a letter the fund issued,
unchanged, and is its signature valid and the fund's?

Two independent answers, both shown: the file's sha256 against the letter it names (the number in
the file's metadata, looked up among issued letters), and its signature validated with pyHanko
against the fund's trust roots (``FUND_SIGNING_TRUST_ROOT``). A file with one byte changed fails
both. Nothing is stored; the answer names the letter's number, kind and date, never the person.
"""

from __future__ import annotations

import hashlib
import hmac
import io
from dataclasses import dataclass

from flask import current_app
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import select

from ..extensions import db
from ..models import Letter
from .service import NUMBER_PATTERN, LetterCheck, _has_reissue
from .signing import SignatureCheck, check_signature, trust_roots


@dataclass(frozen=True)
class LetterFileCheck:
    """The answer about an uploaded file."""

    number: str  # the letter number the file names, or ""
    letter: LetterCheck | None  # the issued letter of that number, if there is one
    sha256: str  # of the uploaded file
    sha256_matches: bool  # the file is exactly the issued letter's stored PDF
    signature: SignatureCheck

    @property
    def verdict(self) -> str:
        """``authentic`` (the very file issued, its signature valid or the letter issued unsigned),
        ``tampered`` (changed after issuing or signing) or ``unknown`` (no letter of ours)."""
        if self.sha256_matches and self.signature.state in ("valid", "unsigned"):
            return "authentic"
        if self.signature.state in ("tampered", "appended") or (
            self.letter is not None and not self.sha256_matches
        ):
            return "tampered"
        return "unknown"


def _named_number(pdf: bytes) -> str:
    """The letter number a file names in its metadata (the renderer writes it as the subject)."""
    try:
        trailer = PdfFileReader(io.BytesIO(pdf), strict=False).trailer_view
        info = trailer["/Info"] if "/Info" in trailer else None  # [] resolves the indirect reference
        subject = str(info["/Subject"]) if info is not None and "/Subject" in info else ""
    except Exception:  # any damage: the file names nothing we can read
        return ""
    subject = subject.strip().upper()
    return subject if NUMBER_PATTERN.fullmatch(subject) else ""


def check_letter_file(pdf: bytes) -> LetterFileCheck:
    """Whether ``pdf`` is a letter the fund issued, unchanged, with a valid signature of the fund."""
    from fund.common.time import fund_date

    digest = hashlib.sha256(pdf).hexdigest()
    number = _named_number(pdf)
    letter = None
    if number:
        letter = db.session.scalar(select(Letter).where(Letter.number == number, Letter.status == "issued"))
    check = None
    if letter is not None:
        check = LetterCheck(
            number=letter.number,
            kind=letter.kind,
            issued_on=fund_date(letter.issued_at),
            sha256=letter.sha256,
            status=letter.status,
            reissued=_has_reissue(letter),
        )
    roots = trust_roots(current_app.config.get("FUND_SIGNING_TRUST_ROOT") or "")
    return LetterFileCheck(
        number=number,
        letter=check,
        sha256=digest,
        sha256_matches=check is not None and hmac.compare_digest(digest, check.sha256),
        signature=check_signature(pdf, roots),
    )
