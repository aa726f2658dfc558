"""Personal data: who may see it, how it is masked, and the access log of every unmasked view.

IINs, birth dates, phone, e-mail and IBAN are masked (``••••••••0013``, ``KZ86••••••••••••0100``)
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

from fund.claims.explanations import document_labels
from fund.claims.late_documents import mark_seen
from fund.claims.process_versions import process_for_version
from fund.claims.submission import get_claim
from fund.common.access import require_role
from fund.common.errors import NotFound
from fund.extensions import db
from fund.models import AccessLogEntry, Claim, Document, Letter, User, WorkflowInstance

PERSONAL_DATA_ROLES = ("intake", "reviewer", "approver", "finance")
MASK = "•"
SAFE_DOCUMENT_TYPES = {"application/pdf", "image/jpeg", "image/png"}


# --- masking ---------------------------------------------------------------------------------------


def mask_iin(iin: str | None) -> str:
    """``900115450013`` -> ``••••••••0013``: the last four digits only.

    An IIN's first six digits are the holder's birth date (YYMMDD) and its seventh their sex and
    century, so none of them is shown; the last four (a serial number and the check digit) are
    enough to tell two people apart on the phone.
    """
    if not iin:
        return ""
    return MASK * 8 + iin[-4:] if len(iin) == 12 else MASK * len(iin)


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

    @property
    def viewable(self) -> bool:
        """Whether a browser may show the file in the page: see :func:`viewable`."""
        return viewable(self.content_type, self.content)


# Shown in the page (inline) only when the stored type is one of these and the bytes begin as
# that type does; anything else is only downloaded (and never sniffed as something else).
VIEWABLE_TYPES = {
    "application/pdf": b"%PDF-",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
}


def viewable(content_type: str, content: bytes | None = None) -> bool:
    """A PDF, PNG or JPEG (by its stored type and, when given, by its first bytes)."""
    signature = VIEWABLE_TYPES.get(content_type)
    return signature is not None and (content is None or content.startswith(signature))


def open_document(
    user: User, reference: str, document_id: int, now: datetime, *, viewing: bool = False
) -> DownloadedFile:
    """A document of the claim, for the roles that may see personal data; the download is logged.

    With ``viewing`` the file is to be shown in the page: the access log says "viewed", and a view
    is written like a download, once per time the file is sent.
    """
    require_role(user, *PERSONAL_DATA_ROLES)
    claim = get_claim(user, reference)
    document = db.session.scalar(
        select(Document).where(Document.id == document_id, Document.claim_id == claim.id)
    )
    if document is None:
        raise NotFound(f"claim {reference} has no document {document_id}")
    how = " viewed" if viewing else ""
    log_access(claim, user, now, f"document {document.id}{how}: {document.code} ({document.filename})")
    mark_seen(document, user, now)  # a document received after a decision: looked at now
    db.session.commit()
    content_type = document.content_type if document.content_type in SAFE_DOCUMENT_TYPES else ""
    return DownloadedFile(document.filename, content_type or "application/octet-stream", document.content)


@dataclass(frozen=True)
class DocumentDetails:
    """What the document viewer shows around the file: never the file itself."""

    id: int
    claim_reference: str
    label: str
    filename: str
    content_type: str
    size: int
    uploaded_at: datetime

    @property
    def viewable(self) -> bool:
        return viewable(self.content_type)

    @property
    def image(self) -> bool:
        return self.viewable and self.content_type.startswith("image/")


def document_details(user: User, reference: str, document_id: int) -> DocumentDetails:
    """A document's name, kind and size, for the roles that may open it (not logged: no content)."""
    require_role(user, *PERSONAL_DATA_ROLES)
    claim = get_claim(user, reference)
    row = db.session.execute(
        select(Document.id, Document.code, Document.filename, Document.content_type, Document.size,
               Document.uploaded_at, WorkflowInstance.process_version)
        .outerjoin(WorkflowInstance, WorkflowInstance.claim_id == Document.claim_id)
        .where(Document.id == document_id, Document.claim_id == claim.id)
    ).first()  # fmt: skip
    if row is None:
        raise NotFound(f"claim {reference} has no document {document_id}")
    labels = document_labels(process_for_version(row.process_version)) if row.process_version else {}
    return DocumentDetails(
        row.id, claim.reference, labels.get(row.code, row.code), row.filename, row.content_type, row.size,
        row.uploaded_at,
    )  # fmt: skip


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
