"""Personal data: who may see it, how it is masked, and the access log of every unmasked view.

IINs, birth dates, phone, e-mail and IBAN are masked (``900115•••013``, ``KZ86••••••••••••0100``)
unless an officer whose work needs them (intake, reviewer, approver, finance) asks to see them;
each such view, and each download of a claim's document or letter, is written to the access log
with who, when and what. Auditors and administrators see masked data and initials only: they
check the work, they do not work the claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import undefer

from fund.claims.submission import get_claim
from fund.common.access import require_role
from fund.common.errors import NotFound
from fund.extensions import db
from fund.models import AccessLogEntry, Claim, Document, Letter, User

PERSONAL_DATA_ROLES = ("intake", "reviewer", "approver", "finance")
MASK = "•"
SAFE_DOCUMENT_TYPES = {"application/pdf", "image/jpeg", "image/png"}


# --- masking ---------------------------------------------------------------------------------------


def mask_iin(iin: str | None) -> str:
    """``900115450013`` -> ``900115•••013``."""
    if not iin:
        return ""
    return iin[:6] + MASK * 3 + iin[-3:] if len(iin) == 12 else MASK * len(iin)


def mask_iban(iban: str | None) -> str:
    """``KZ86125KZT5004100100`` -> ``KZ86••••••••••••0100``."""
    compact = (iban or "").replace(" ", "")
    if len(compact) < 12:
        return MASK * len(compact)
    return compact[:4] + MASK * (len(compact) - 8) + compact[-4:]


def mask_phone(phone: str | None) -> str:
    """``+7 701 234 56 78`` -> ``+7 701 ••• •• 78``: the operator code and the last two digits."""
    digits = [i for i, char in enumerate(phone or "") if char.isdigit()]
    keep = set(digits[:4] + digits[-2:])
    return "".join(char if not char.isdigit() or i in keep else MASK for i, char in enumerate(phone or ""))


def mask_email(email: str | None) -> str:
    """``aigul@example.kz`` -> ``a•••@example.kz``."""
    if not email:
        return ""
    local, _, domain = email.partition("@")
    return f"{local[:1]}{MASK * 3}@{domain}"


def mask_date(day: date | None) -> str:
    """A birth date with the day and month hidden: ``••.••.1990``."""
    return f"{MASK * 2}.{MASK * 2}.{day.year}" if day else ""


def mask_name(name: str | None) -> str:
    """Initials only, for those who check rather than work a claim: ``А. С.``."""
    return " ".join(f"{part[0]}." for part in (name or "").split())


def answer_masker(unmasked: bool):
    """For form answers in the history: masks an IBAN unless the view is unmasked."""

    def masker(name: str, value: Any) -> str | None:
        if "iban" in name.lower() and isinstance(value, str) and not unmasked:
            return mask_iban(value)
        return None

    return masker


@dataclass(frozen=True)
class Person:
    """A claimant or victim as shown: every value already masked, or not, as the viewer may see."""

    full_name: str
    iin: str
    birth_date: str
    phone: str = ""
    email: str = ""
    iban: str = ""


def people_of(user: User, claim: Claim, unmasked: bool) -> tuple[Person, Person | None]:
    """The claimant and (when someone else claims) the victim, masked unless ``unmasked``.

    Names are shown to the roles that work claims, initials to everyone else.
    """
    names_shown = user.has_role(*PERSONAL_DATA_ROLES)

    def name(value: str | None) -> str:
        return (value or "") if names_shown else mask_name(value)

    person = claim.claimant
    claimant = Person(
        full_name=name(person.full_name),
        iin=person.iin if unmasked else mask_iin(person.iin),
        birth_date=person.birth_date.strftime("%d.%m.%Y") if unmasked else mask_date(person.birth_date),
        phone=person.phone if unmasked else mask_phone(person.phone),
        email=(person.email or "") if unmasked else mask_email(person.email),
        iban=person.iban if unmasked else mask_iban(person.iban),
    )
    victim = None
    if claim.claimant_role != "victim" and (claim.victim_full_name or claim.victim_iin):
        victim = Person(
            full_name=name(claim.victim_full_name),
            iin=(claim.victim_iin or "") if unmasked else mask_iin(claim.victim_iin),
            birth_date=(
                claim.victim_birth_date.strftime("%d.%m.%Y")
                if unmasked and claim.victim_birth_date
                else mask_date(claim.victim_birth_date)
            ),
        )
    return claimant, victim


@dataclass(frozen=True)
class DownloadedFile:
    filename: str
    content_type: str
    content: bytes


def open_document(user: User, reference: str, document_id: int, now: datetime) -> DownloadedFile:
    """A document of the claim, for the roles that may see personal data; the download is logged."""
    require_role(user, *PERSONAL_DATA_ROLES)
    claim = get_claim(user, reference)
    document = db.session.scalar(
        select(Document).where(Document.id == document_id, Document.claim_id == claim.id)
    )
    if document is None:
        raise NotFound(f"claim {reference} has no document {document_id}")
    log_access(claim, user, now, f"document {document.id}: {document.code} ({document.filename})")
    db.session.commit()
    content_type = document.content_type if document.content_type in SAFE_DOCUMENT_TYPES else ""
    return DownloadedFile(document.filename, content_type or "application/octet-stream", document.content)


def open_letter(user: User, reference: str, letter_id: int, now: datetime) -> DownloadedFile:
    """An issued letter's PDF, for the roles that may see personal data; the download is logged."""
    require_role(user, *PERSONAL_DATA_ROLES)
    claim = get_claim(user, reference)
    letter = db.session.scalar(
        select(Letter).where(Letter.id == letter_id, Letter.claim_id == claim.id).options(undefer(Letter.pdf))
    )
    if letter is None or letter.status != "issued" or letter.pdf is None:
        raise NotFound(f"claim {reference} has no issued letter {letter_id}")
    # Taken before the commit, which expires the letter: its PDF is not read a second time.
    downloaded = DownloadedFile(f"{letter.number}.pdf", "application/pdf", letter.pdf)
    log_access(claim, user, now, f"letter {letter.number} ({letter.kind})")
    db.session.commit()
    return downloaded


def log_access(claim: Claim, user: User, now: datetime, what: str) -> None:
    db.session.add(AccessLogEntry(claim_id=claim.id, username=user.username, viewed_at=now, what=what[:100]))
