"""Paper and walk-in claims: intake registers a claim for a claimant who came to the fund's office
or sent a paper application.

The claim is the portal's claim in every rule: the same submission schema and its checks, the
same process, an access code shown once with only its hash kept. What differs is recorded in the
claim's first event, under the history's hash chain: the channel ``office``, the intake officer
as its actor, and the code and sha256 of every file handed in. The scanned application (what the
claimant signed, code :data:`APPLICATION_FORM`) and the documents are stored in the same
transaction as the claim, after the same checks as the portal's uploads
(:mod:`fund.claims.documents`; document codes from the process's ``codes.json``).

All or nothing: every problem of the form and of the files is found first and reported at once,
each named by its field (``claimant.iin``, ``application``, ``documents.<n>.content``), and a
refused registration stores nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from fund.claims.documents import (
    MAX_FILES,
    CheckedFile,
    UploadedFile,
    checked_files,
    max_file_bytes,
    new_documents,
    upload_setting,
)
from fund.claims.explanations import document_labels
from fund.claims.letter_issuing import issue_letters_made_due
from fund.claims.process_versions import current_process_version, process_for_version
from fund.claims.submission import (
    OFFICE_CHANNEL,
    SubmittedClaim,
    get_claim,
    load_submission,
    start_claim,
    submission_channel,
)
from fund.claims.submission_messages import ErrorMessage
from fund.common.access import require_role
from fund.common.errors import Invalid, NotFound
from fund.extensions import db
from fund.models import Letter, User, WorkflowEvent

INTAKE_ROLE = "intake"
# The scanned paper application itself. Not a code of codes.json: the rules never ask for it
# (they ask for the documents that come with it), and the intake check's lists do not offer it.
APPLICATION_FORM = "application_form"
APPLICATION_FIELD = "application"
DOCUMENTS_FIELD = "documents"


@dataclass(frozen=True)
class PaperApplication:
    """What intake hands in: the submission (the shape the portal and the JSON API take), the
    scanned application (None when no file was chosen) and the documents that came with it."""

    submission: Any
    application: UploadedFile | None
    documents: list[UploadedFile] = field(default_factory=list)


def document_codes() -> dict[str, str]:
    """The document codes a new claim's process knows, with their English words (``codes.json``)."""
    version = current_process_version()
    return document_labels(process_for_version(version.version)) if version is not None else {}


def require_intake(user: User) -> User:
    """The user, when intake may register paper claims with them; Forbidden otherwise."""
    return require_role(user, INTAKE_ROLE)


def register_paper_claim(officer: User, paper: PaperApplication, now: datetime) -> SubmittedClaim:
    """Register a paper or walk-in claim for intake and start its process; store its files.

    Returns the reference and the access code, which the caller shows once (the acknowledgement
    the claimant takes home). Raises Forbidden without the intake role, and Invalid naming every
    failing field, of the submission and of the files, when anything is wrong: nothing is stored.
    """
    require_intake(officer)
    problems: dict[str, list[str]] = {}
    sentences: list[str] = []
    data: dict[str, Any] = {}
    try:
        data = load_submission(paper.submission, now)
    except Invalid as error:
        problems.update(error.fields)
        sentences.append(error.message)
    files = _checked(paper, set(document_codes()), problems, sentences)
    if problems:
        raise Invalid("the claim was not registered: " + "; ".join(sentences), problems)
    try:
        claim, access_code = start_claim(data, now, officer.username, OFFICE_CHANNEL, _recorded(files))
        db.session.add_all(new_documents(claim.id, files, officer.username, now))
        db.session.flush()
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    issue_letters_made_due(now)
    return SubmittedClaim(claim.reference, access_code, claim.status)


def _file_problem(code: str, known_codes: set[str]) -> ErrorMessage:
    """A file's problem code (:data:`~fund.claims.documents.UPLOAD_PROBLEMS`) as an English sentence
    that says what is allowed (the JSON API's answer), keeping the code (pages word it by the code)."""
    allowed = ", ".join(sorted(known_codes))
    text = {
        "required": "is required: the kind of document this file is",
        "too_many": f"at most {upload_setting('FUND_PORTAL_MAX_FILES', MAX_FILES)} documents at a time",
        "unknown_code": f"must be one of the document codes: {allowed}",
        "empty": "no file was chosen, or the file is empty",
        "too_large": f"must be at most {max_file_bytes() // (1024 * 1024)} MB",
        "type_not_allowed": "must be a PDF, JPEG or PNG file",
        "truncated": "the file is incomplete (its end is missing): scan or save it again",
    }.get(code, code)
    return ErrorMessage(text, code, allowed=allowed)


def _recorded(files: list[CheckedFile]) -> dict[str, Any]:
    """What the claim's first event records of the files: their codes and sha256, in order."""
    return {
        "documents": [
            {"code": item.file.code, "sha256": hashlib.sha256(item.file.content).hexdigest()}
            for item in files
        ]
    }


def _checked(
    paper: PaperApplication, known_codes: set[str], problems: dict[str, list[str]], sentences: list[str]
) -> list[CheckedFile]:
    """The application and the documents, checked as the portal checks uploads."""
    checked: list[CheckedFile] = []
    if paper.application is None:
        message = "is required: the application the claimant signed, scanned (PDF, JPEG or PNG)"
        problems[APPLICATION_FIELD] = [ErrorMessage(message, "required")]
        sentences.append("the scanned application is required")
    else:
        scan = UploadedFile(APPLICATION_FORM, paper.application.filename, paper.application.content)
        checked += _files_checked([scan], {APPLICATION_FORM}, APPLICATION_FIELD, problems, sentences)
    if paper.documents:
        checked += _files_checked(paper.documents, known_codes, DOCUMENTS_FIELD, problems, sentences)
    return checked


def _files_checked(
    files: list[UploadedFile],
    known_codes: set[str],
    name: str,
    problems: dict[str, list[str]],
    sentences: list[str],
) -> list[CheckedFile]:
    """:func:`checked_files`, its problems named by this form's fields: ``documents.<n>.code``,
    ``documents.<n>.content``, ``documents``; the application's (one file) as ``application``."""
    try:
        return checked_files(files, known_codes)
    except Invalid as error:
        sentences.append(error.message)
        for path, codes in error.fields.items():
            renamed = name if name == APPLICATION_FIELD else path.replace("files", name, 1)
            problems.setdefault(renamed, []).extend(_file_problem(code, known_codes) for code in codes)
        return []


@dataclass(frozen=True)
class PaperClaimReceipt:
    """What the acknowledgement the claimant takes home says (never any personal data)."""

    reference: str
    language: str  # the claimant's language of letters: the acknowledgement is printed in it
    registered_at: datetime
    registered_by: str  # the officer's username, as the history records the actor
    registered_by_name: str
    documents: list[str]  # the codes of the files handed in, the application first
    acknowledgement_letter_id: int | None  # the process's acknowledgement letter, once issued


def paper_claim_receipt(officer: User, reference: str) -> PaperClaimReceipt:
    """The acknowledgement of a claim registered at the office, for intake to print again.

    Read from the claim's first event (who registered it, which files); NotFound for a claim that
    came through the portal. The access code is not part of it: it is shown once, at registration.
    """
    require_intake(officer)
    claim = get_claim(officer, reference)
    first = db.session.execute(
        select(WorkflowEvent.actor, WorkflowEvent.occurred_at, WorkflowEvent.input).where(
            WorkflowEvent.claim_id == claim.id, WorkflowEvent.sequence == 1
        )
    ).one_or_none()
    if first is None or submission_channel(first.input) != OFFICE_CHANNEL:
        raise NotFound(f"claim {claim.reference} was not registered at the fund's office")
    full_name = db.session.scalar(select(User.full_name).where(User.username == first.actor))
    letter_id = db.session.scalar(
        select(Letter.id)
        .where(Letter.claim_id == claim.id, Letter.kind == "acknowledgement", Letter.status == "issued")
        .order_by(Letter.id.desc())
        .limit(1)
    )
    return PaperClaimReceipt(
        reference=claim.reference,
        language=claim.claimant.language,
        registered_at=first.occurred_at,
        registered_by=first.actor,
        registered_by_name=full_name or first.actor,
        documents=[item["code"] for item in (first.input or {}).get("documents", [])],
        acknowledgement_letter_id=letter_id,
    )
