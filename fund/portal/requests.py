"""What a signed-in claimant asks of the fund: to take documents, and to reconsider a rejection.

Each request is one transaction: the claim's instance is locked, the request is checked against
where the claim stands now, and what it stores (documents) and the message it delivers to the
process are committed together or not at all.

Documents are PDF, JPEG or PNG, recognised by their content (signature and a complete ending),
never by their name; the stored name is the file's own name without any path, in characters
that are safe everywhere, with the extension of the type found. Every refusal names the file by
its place in the request (``files.<n>.content``, ``files.<n>.code``) with a stable code from
:data:`UPLOAD_PROBLEMS`, so the page can say which file and what is allowed.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from fund.claims.claim_file import claim_process
from fund.claims.explanations import document_labels
from fund.claims.history import MESSAGE_DELIVERED
from fund.claims.instances import lock_instance, run_engine_command
from fund.claims.letter_issuing import issue_letters_made_due
from fund.claims.submission import PORTAL_ACTOR
from fund.common.errors import Conflict, Invalid
from fund.common.time import fund_date
from fund.extensions import db
from fund.models import Document
from fund.portal.claim_view import DOCUMENTS_SUBMITTED, RECONSIDERATION_REQUESTED, DocumentRef, claim_position
from fund.portal.sign_in import PortalSession, claim_of_session, portal_setting
from workflows import engine

CLAIMANT_UPLOADER = "claimant"  # Document.uploaded_by for the claimant's own uploads
MAX_FILES = 10  # default of FUND_PORTAL_MAX_FILES, per request
MAX_UPLOAD_MB = 15  # default of FUND_MAX_UPLOAD_MB, per file
REASON_MIN, REASON_MAX = 10, 4000
FILENAME_MAX = 120
UPLOAD_PROBLEMS = (
    "required",  # files: no file was sent; files.<n>.code: no document code
    "too_many",  # files: more files than allowed in one request
    "unknown_code",  # files.<n>.code: not a document code of the fund (codes.json)
    "empty",  # files.<n>.content: the file is empty
    "too_large",  # files.<n>.content: larger than the limit
    "type_not_allowed",  # files.<n>.content: not a PDF, JPEG or PNG
    "truncated",  # files.<n>.content: starts like a PDF, JPEG or PNG but its end is missing
)
# Types by content: (content type, extension, how it starts, how its end looks).
_PNG_END = b"IEND\xaeB`\x82"
_TYPES = (
    ("application/pdf", ".pdf", b"%PDF-"),
    ("image/jpeg", ".jpg", b"\xff\xd8\xff"),
    ("image/png", ".png", b"\x89PNG\r\n\x1a\n"),
)
_TAIL = 1024  # the end marker must lie this close to the end (PDF allows trailing bytes)
_UNSAFE = re.compile(r"[^\w .()\-]+")


@dataclass(frozen=True)
class UploadedFile:
    """A file the claimant sends: the document code it is meant as, its name, its bytes."""

    code: str
    filename: str
    content: bytes


def detect_type(content: bytes) -> tuple[str, str] | str:
    """(content type, extension) of a PDF, JPEG or PNG by its bytes; else a problem code."""
    if not content:
        return "empty"
    for content_type, extension, signature in _TYPES:
        if content.startswith(signature):
            tail = content[-_TAIL:]
            complete = {
                "application/pdf": b"%%EOF" in tail,
                "image/jpeg": len(content) > 4 and b"\xff\xd9" in tail,
                "image/png": _PNG_END in tail and content[12:16] == b"IHDR",
            }[content_type]
            return (content_type, extension) if complete else "truncated"
    return "type_not_allowed"


def safe_filename(filename: str, extension: str | None = None) -> str:
    """The file's own name without any path, in safe characters, ending in ``extension``.

    ``C:\\scans\\..\\паспорт.PDF`` -> ``паспорт.pdf``; a PNG named ``scan.pdf`` -> ``scan.png``.
    Without ``extension`` the name keeps its own (made safe): for naming a refused file.
    """
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C")
    stem, dot, own = name.rpartition(".") if "." in name else (name, "", "")
    if extension is None:
        extension = dot + _UNSAFE.sub("_", own)[:10].lower()
    stem = re.sub(r"\s+", " ", _UNSAFE.sub("_", stem)).strip(" ._")
    return (stem[: FILENAME_MAX - len(extension)] or "document") + extension


def _max_file_bytes() -> int:
    from flask import current_app, has_app_context

    if has_app_context() and current_app.config.get("FUND_MAX_UPLOAD_MB") is None:
        configured = current_app.config.get("MAX_CONTENT_LENGTH")
        if configured:
            return int(configured)
    return portal_setting("FUND_MAX_UPLOAD_MB", MAX_UPLOAD_MB) * 1024 * 1024


def _checked_files(files: list[UploadedFile], known_codes: set[str]) -> list[tuple[UploadedFile, str, str]]:
    """Each file with its detected (content type, extension); Invalid naming every problem."""
    max_files = portal_setting("FUND_PORTAL_MAX_FILES", MAX_FILES)
    if not files:
        raise Invalid("choose at least one file", {"files": ["required"]})
    if len(files) > max_files:
        raise Invalid(f"send at most {max_files} files at a time", {"files": ["too_many"]})
    max_bytes = _max_file_bytes()
    problems: dict[str, list[str]] = {}
    words: list[str] = []
    checked = []
    for number, file in enumerate(files):
        name = safe_filename(file.filename)
        if not file.code:
            problems[f"files.{number}.code"] = ["required"]
            words.append(f"{name}: choose which document it is")
        elif file.code not in known_codes:
            problems[f"files.{number}.code"] = ["unknown_code"]
            words.append(f"{name}: {file.code!r} is not a document the fund knows")
        content = file.content or b""
        found = "too_large" if len(content) > max_bytes else detect_type(content)
        if isinstance(found, str):
            problems[f"files.{number}.content"] = [found]
            words.append(
                {
                    "empty": f"{name}: the file is empty",
                    "too_large": f"{name}: larger than {max_bytes // (1024 * 1024)} MB",
                    "type_not_allowed": f"{name}: only PDF, JPEG or PNG files are accepted",
                    "truncated": f"{name}: the file is incomplete (its end is missing)",
                }[found]
            )
        else:
            checked.append((file, *found))
    if problems:
        raise Invalid("the files were not accepted: " + "; ".join(words), problems)
    return checked


def upload_documents(session: PortalSession, files: list[UploadedFile], now: datetime) -> list[DocumentRef]:
    """Store the claimant's documents; when the claim waits for them, deliver ``documents_submitted``.

    Accepted while the claim waits for the documents the fund asked for (until the end of
    ``respond_by``), and right after submission, before intake's first check. All or nothing: one
    refused file refuses the request and nothing is stored. Raises Invalid (422) naming each
    file's problem, Conflict (409) when the claim does not take documents now.
    """
    claim = claim_of_session(session)
    try:
        instance = lock_instance(claim)
        position = claim_position(claim, now)
        if not position.can_upload:
            code = "deadline_passed" if DOCUMENTS_SUBMITTED in position.waiting else "nothing_requested"
            raise Conflict(
                "the fund asked for no documents now"
                if code == "nothing_requested"
                else "the deadline for sending the requested documents has passed",
                {"files": [code]},
            )
        checked = _checked_files(files, set(document_labels(claim_process(claim.id))))
        documents = [
            Document(
                claim_id=claim.id,
                code=file.code,
                filename=safe_filename(file.filename, extension),
                content_type=content_type,
                size=len(file.content),
                sha256=hashlib.sha256(file.content).hexdigest(),
                content=file.content,
                uploaded_at=now,
                uploaded_by=CLAIMANT_UPLOADER,
            )
            for file, content_type, extension in checked
        ]
        db.session.add_all(documents)
        db.session.flush()
        if position.documents_until is not None:
            payload = {
                "documents": [document.code for document in documents],
                "document_ids": [document.id for document in documents],
                "sha256": [document.sha256 for document in documents],
            }
            run_engine_command(
                claim,
                MESSAGE_DELIVERED,
                PORTAL_ACTOR,
                now,
                {"message": DOCUMENTS_SUBMITTED, "payload": payload},
                lambda process, state, ctx: engine.deliver_message(
                    process, state, DOCUMENTS_SUBMITTED, payload, ctx
                ),
                instance=instance,
            )
        refs = [DocumentRef(d.id, d.code, d.filename, fund_date(d.uploaded_at)) for d in documents]
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    issue_letters_made_due(now)
    return refs


def _clean_reason(reason: str | None) -> str:
    text = "".join(
        char for char in (reason or "") if char in "\n\t" or unicodedata.category(char)[0] != "C"
    ).strip()
    if not text:
        raise Invalid("write why the decision should be reconsidered", {"reason": ["required"]})
    if len(text) < REASON_MIN:
        raise Invalid(f"the reason must be at least {REASON_MIN} characters", {"reason": ["too_short"]})
    if len(text) > REASON_MAX:
        raise Invalid(f"the reason must be at most {REASON_MAX} characters", {"reason": ["too_long"]})
    return text


def request_reconsideration(session: PortalSession, reason: str, now: datetime) -> None:
    """Ask for the rejected claim to be reconsidered, with the claimant's reason.

    Accepted only while the window is open (until the end of ``reconsideration_until`` in
    Almaty) and once per claim; delivers ``reconsideration_requested`` in the same transaction.
    Raises Invalid (422) for a missing, too short (< 10) or too long (> 4000) reason, Conflict
    (409) with ``already_requested``, ``window_closed`` or ``not_rejected`` otherwise.
    """
    claim = claim_of_session(session)
    text = _clean_reason(reason)
    try:
        instance = lock_instance(claim)
        position = claim_position(claim, now)
        if position.reconsideration_until is None:
            if position.data.get("reconsidered"):
                code, message = "already_requested", "reconsideration was already requested for this claim"
            elif position.status == "rejected":
                code, message = "window_closed", "the time to ask for reconsideration has passed"
            else:
                code, message = "not_rejected", "only a rejected claim can be reconsidered"
            raise Conflict(message, {"reason": [code]})
        payload = {"text": text}
        run_engine_command(
            claim,
            MESSAGE_DELIVERED,
            PORTAL_ACTOR,
            now,
            {"message": RECONSIDERATION_REQUESTED, "payload": payload},
            lambda process, state, ctx: engine.deliver_message(
                process, state, RECONSIDERATION_REQUESTED, payload, ctx
            ),
            instance=instance,
        )
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    issue_letters_made_due(now)
