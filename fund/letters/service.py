"""Issuing, reissuing and verifying letters.

A letter is made due by the process (a ``letter_due_<kind>`` message: see
:mod:`fund.claims.instances`) and issued here in the same transaction: rendered as PDF in the
claimant's language, numbered, hashed and given a verification code. Only the code's keyed hash
(:mod:`fund.common.keyed_codes`) is stored; the code itself is printed on the letter and nowhere
else. An issued letter never changes (a mapper guard below refuses it); a correction is a reissue,
a new letter with a new number that points to the one it replaces.

Anyone holding a letter can check it at /verify/<number> with its code: the answer says whether
the Fund issued it and whether a file is the very PDF the Fund stored, and shows no personal data.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import event, exists, inspect, select

from fund.common import fund_settings
from fund.common.contact_points import contact_lines, contacts_url, fallback_line, main_contact_point
from fund.common.errors import Conflict
from fund.common.keyed_codes import LETTER_CODE, code_matches, hash_code
from fund.common.time import fund_date

from ..extensions import db
from ..models import Claim, Letter, WorkflowEvent
from . import texts
from .certificates import choose_signer
from .pdf import LetterContent, SignatureBlock, render_letter_and_place
from .signing import (
    LetterSignature,
    configured_signers,
    configured_timestamper,
    sign_pdf,
    signature_of,
    signer_common_name,
)

log = logging.getLogger(__name__)

DEFAULT_PUBLIC_URL = fund_settings.DEFAULT_PUBLIC_URL
# No 0/O, 1/I: the code is read off paper and typed by hand.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10  # 50 random bits: a keyed hash protects them (see fund.common.keyed_codes)
NUMBER_PATTERN = re.compile(r"VCF-L-\d{4}-\d{7,}")
# A Kazakh or Russian keyboard types Cyrillic letters that look like the Latin ones of the code.
_CYRILLIC_LOOKALIKES = str.maketrans("АВЕКМНОРСТУХ", "ABEKMHOPCTYX")
# Everything that makes a letter what it is; none of it may change once the letter is issued.
IMMUTABLE_FIELDS = (
    "claim_id",
    "kind",
    "language",
    "details",
    "number",
    "issued_at",
    "pdf",
    "sha256",
    "verification_code_hash",
    "reissue_of_id",
    "status",
)


class LetterAlreadyIssued(Conflict):
    """Issued letters never change: a correction is a reissue, with a new number."""


@dataclass(frozen=True)
class LetterCheck:
    """What the public verification page may say about a letter: nothing about the person."""

    number: str
    kind: str
    issued_on: date
    sha256: str
    status: str
    reissued: bool  # a newer letter replaces this one
    signature: LetterSignature | None = None  # who signed the stored PDF, and when; None: unsigned


def public_url() -> str:
    """The site's address as printed on letters (config FUND_PUBLIC_URL), without a trailing slash."""
    return fund_settings.public_url()


def verify_url(number: str) -> str:
    """The address where anyone can check the letter ``number``."""
    return f"{public_url()}/verify/{number}"


def format_code(code: str) -> str:
    """A code as printed and typed: two groups of five, ``XXXXX-XXXXX``."""
    return f"{code[:5]}-{code[5:]}"


def normalize_code(typed: str) -> str:
    """A code as typed by a person, reduced to its ten characters (case, dashes, spaces, Cyrillic)."""
    return re.sub(r"[^0-9A-Z]", "", (typed or "").upper().translate(_CYRILLIC_LOOKALIKES))


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def letter_number(letter: Letter, now: datetime) -> str:
    """``VCF-L-<year in Almaty>-<letter id, 7 digits>``: unique because the id is."""
    return f"VCF-L-{fund_date(now).year}-{letter.id:07d}"


def _table_key(table: str | None) -> str:
    """A decision table as the engine names it in a step ("DecisionTable_eligibility") -> "eligibility"."""
    return (table or "").removeprefix("DecisionTable_")


def decision_rules(claim: Claim, table: str) -> dict | None:
    """The rows of decision table ``table`` that matched last in the claim's history, as the
    engine recorded them in its steps (``workflows.engine._matched_rules``); None if it never ran."""
    results = db.session.scalars(
        select(WorkflowEvent.result)
        .where(WorkflowEvent.claim_id == claim.id)
        .order_by(WorkflowEvent.sequence.desc())
    )
    for result in results:
        for step in reversed((result or {}).get("steps") or []):
            decision = step.get("decision") or {}
            if _table_key(decision.get("table")) == table:
                rules = [
                    {"row": rule.get("row"), "description": rule.get("description") or ""}
                    for rule in decision.get("rules") or []
                ]
                return {"table": table, "rules": rules}
    return None


def _with_legal_basis(letter: Letter, claim: Claim) -> None:
    """Record in a due letter's details the decision rule it rests on, once: a reissue copies the
    details, so it cites the same rule even if the claim was decided again since."""
    table = texts.LEGAL_BASIS_TABLES.get(letter.kind)
    details = dict(letter.details or {})
    if table is None or "legal_basis" in details:
        return
    details["legal_basis"] = decision_rules(claim, table) or {"table": table, "rules": []}
    letter.details = details


def _content(
    letter: Letter,
    claim: Claim,
    number: str,
    code: str,
    now: datetime,
    signature: SignatureBlock | None = None,
) -> LetterContent:
    replaces = None
    if letter.reissue_of_id is not None:
        previous = db.session.get(Letter, letter.reissue_of_id)
        replaces = (previous.number, fund_date(previous.issued_at))
    language = letter.language
    point = main_contact_point()
    signatory_name, signatory_position = fund_settings.signatory(language)
    return LetterContent(
        kind=letter.kind,
        language=letter.language,
        number=number,
        issued_on=fund_date(now),
        claimant_name=claim.claimant.full_name,
        claim_reference=claim.reference,
        verification_code=format_code(code),
        verify_url=verify_url(number),
        site_url=f"{public_url()}/portal/status",  # where the claimant follows the claim
        details=dict(letter.details or {}),
        submitted_on=fund_date(claim.submitted_at),
        iban_tail=(claim.claimant.iban or "")[-4:],
        replaces=replaces,
        contact=vars(contact_lines(point, language)) if point is not None else None,
        contact_fallback=fallback_line(language),
        contacts_url=contacts_url(),
        signatory_name=signatory_name,
        signatory_position=signatory_position,
        appeal_text=fund_settings.appeal_text(language),
        signature=signature,
    )


def issue_letter(letter: Letter, now: datetime) -> str:
    """Issue a due letter: render its PDF in the claimant's language, number, hash and store it.

    Sets ``number``, ``language``, ``issued_at``, ``pdf``, ``sha256``, ``verification_code_hash``
    and ``status = "issued"``; returns the plain verification code (``XXXXX-XXXXX``), which is
    printed in the PDF and kept nowhere else. Raises :class:`LetterAlreadyIssued` for a letter
    that is not due. Does not commit.
    """
    # sha256 is set with the PDF: testing it does not load the (deferred) PDF column.
    if letter.status == "issued" or letter.number is not None or letter.sha256 is not None:
        raise LetterAlreadyIssued(
            f"letter {letter.number or letter.id} is already issued; issued letters never change"
        )
    if letter.status != "due":
        raise Conflict(f"letter {letter.id} is {letter.status}, not due: only due letters are issued")
    if letter.id is None:
        db.session.add(letter)
        db.session.flush()  # the number is made from the id
    claim = letter.claim or db.session.get(Claim, letter.claim_id)
    letter.language = claim.claimant.language
    if letter.language not in texts.LANGUAGES:
        raise ValueError(f"claim {claim.reference}: no letters in language {letter.language!r}")
    _with_legal_basis(letter, claim)
    number = letter_number(letter, now)
    code = _new_code()
    # Signed before it is hashed: the stored PDF, its sha256 and the claim's history cover the signature.
    signer = choose_signer(configured_signers(), now)
    block = SignatureBlock(signer_common_name(signer), fund_date(now)) if signer is not None else None
    pdf, place = render_letter_and_place(_content(letter, claim, number, code, now, block))
    if signer is not None:
        pdf = sign_pdf(
            pdf,
            now,
            signer,
            page=place.page if place else 0,
            box=place.box if place else None,
            timestamper=configured_timestamper(),
        )
    letter.number = number
    letter.issued_at = now
    letter.pdf = pdf
    letter.sha256 = hashlib.sha256(pdf).hexdigest()
    letter.verification_code_hash = hash_code(code, LETTER_CODE)
    letter.status = "issued"
    log.info("claim %s: %s letter %s issued", claim.reference, letter.kind, number)
    return format_code(code)


def issue_due_letters(claim: Claim, now: datetime) -> list[Letter]:
    """Issue every due letter of the claim, oldest first; returns them. Does not commit.

    Called in the command's transaction right after the process made a letter due, so a letter
    is issued with the decision it announces, or not at all.
    """
    due = db.session.scalars(
        select(Letter).where(Letter.claim_id == claim.id, Letter.status == "due").order_by(Letter.id)
    ).all()
    for letter in due:
        issue_letter(letter, now)
    return list(due)


def _has_reissue(letter: Letter) -> bool:
    return bool(db.session.scalar(select(exists().where(Letter.reissue_of_id == letter.id))))


def reissue_letter(letter: Letter, now: datetime, actor: str) -> Letter:
    """Issue the letter again as a new letter: new number and code, same kind and details.

    The new letter points to the old one (``reissue_of_id``) and says that it replaces it; the old
    letter stays exactly as it was. Only the latest letter of a chain can be reissued. It is
    written in the claimant's current language. The caller checks that ``actor`` may do this and
    commits.
    """
    if letter.status != "issued":
        raise Conflict(f"letter {letter.id} is not issued yet; issue it instead of reissuing it")
    if _has_reissue(letter):
        raise Conflict(f"letter {letter.number} was already reissued; reissue the newest letter instead")
    reissue = Letter(
        claim_id=letter.claim_id,
        kind=letter.kind,
        details=dict(letter.details or {}),
        reissue_of_id=letter.id,
        status="due",
        due_at=now,
    )
    db.session.add(reissue)
    db.session.flush()
    issue_letter(reissue, now)
    log.info("letter %s reissued as %s by %s", letter.number, reissue.number, actor)
    return reissue


def _checked_letter(number: str, code: str) -> Letter | None:
    number = (number or "").strip().upper()
    letter = None
    if NUMBER_PATTERN.fullmatch(number):
        letter = db.session.scalar(select(Letter).where(Letter.number == number, Letter.status == "issued"))
    # Hash even for an unknown number, so the time taken does not tell which of the two was wrong.
    stored = letter.verification_code_hash if letter is not None else None
    code_ok = code_matches(stored, normalize_code(code), LETTER_CODE)
    return letter if letter is not None and code_ok else None


def verify_letter(number: str, code: str) -> LetterCheck | None:
    """What the Fund can confirm about letter ``number`` to someone holding its code.

    None for an unknown number and for a wrong code alike. No personal data in the answer.
    """
    letter = _checked_letter(number, code)
    if letter is None:
        return None
    return LetterCheck(
        number=letter.number,
        kind=letter.kind,
        issued_on=fund_date(letter.issued_at),
        sha256=letter.sha256,
        status=letter.status,
        reissued=_has_reissue(letter),
        signature=signature_of(letter.pdf) if letter.pdf else None,
    )


def pdf_matches(check: LetterCheck, pdf_bytes: bytes) -> bool:
    """Whether ``pdf_bytes`` are exactly the PDF stored for the checked letter."""
    return hmac.compare_digest(hashlib.sha256(pdf_bytes).hexdigest(), check.sha256)


def matches_stored_pdf(number: str, code: str, pdf_bytes: bytes) -> bool:
    """Whether ``pdf_bytes`` are exactly the PDF the Fund issued as letter ``number`` (with its code)."""
    check = verify_letter(number, code)
    return check is not None and pdf_matches(check, pdf_bytes)


def _stored_status(connection, letter: Letter) -> str | None:
    # Read from the database, not the object: an expired object knows nothing of its status.
    letters = Letter.__table__
    return connection.scalar(select(letters.c.status).where(letters.c.id == letter.id))


@event.listens_for(Letter, "before_delete")
def _refuse_deleting_issued_letters(mapper, connection, letter: Letter) -> None:
    """An issued letter is part of the claim's record: it is kept, not deleted."""
    if _stored_status(connection, letter) == "issued":
        raise LetterAlreadyIssued(f"letter {letter.number} is issued and is never deleted")


@event.listens_for(Letter, "before_update")
def _refuse_changes_to_issued_letters(mapper, connection, letter: Letter) -> None:
    """The last line of defence: whatever code path tries it, an issued letter is never rewritten."""
    state = inspect(letter)
    changed = [name for name in IMMUTABLE_FIELDS if state.attrs[name].history.has_changes()]
    if changed and _stored_status(connection, letter) == "issued":
        raise LetterAlreadyIssued(
            f"letter {letter.number} is issued and never changes (attempted: {', '.join(changed)})"
        )
