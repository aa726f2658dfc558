"""Documents sent through the portal: read from the form, checked by their content, not their name.

A file is accepted when the portal service's own check (``detect_type``: a complete PDF, JPEG or
PNG) takes it and it is not larger than ``FUND_MAX_UPLOAD_MB``. The service checks again and
stores it with its sha256; this check runs first so that, when a claim is sent with documents,
a bad file is refused before the claim is saved.
"""

from __future__ import annotations

from flask import current_app, request
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from fund.claims.explanations import document_labels
from fund.claims.process_versions import process_for_version
from fund.extensions import db
from fund.models import ProcessVersion
from fund.portal import UploadedFile
from fund.portal.requests import detect_type

ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
SLOTS_AT_SUBMISSION = 3


def document_codes() -> tuple[str, ...]:
    """The kinds of document the fund knows: codes.json of the process new claims start on."""
    # The current version's id only (as current_process_version orders them), not its stored files.
    version = db.session.scalar(
        select(ProcessVersion.version).order_by(ProcessVersion.deployed_at.desc()).limit(1)
    )
    return tuple(document_labels(process_for_version(version))) if version else ()


def max_file_mb() -> int:
    """The largest file accepted, in MB (the request limit, FUND_MAX_UPLOAD_MB)."""
    return int(current_app.config.get("MAX_CONTENT_LENGTH") or 15 * 1024 * 1024) // (1024 * 1024)


def _read(upload: FileStorage, code: str, field: str, errors: dict[str, list[str]]) -> UploadedFile | None:
    limit = max_file_mb() * 1024 * 1024
    content = upload.stream.read(limit + 1)
    found = "too_large" if len(content) > limit else detect_type(content)
    if isinstance(found, str):
        errors.setdefault(field, []).append(found)
        return None
    return UploadedFile(code=code, filename=upload.filename or "document", content=content)


def files_with_chosen_kinds(slots: int) -> tuple[list[UploadedFile], dict[str, list[str]]]:
    """Files from ``document_file_<n>`` with their kind from ``document_code_<n>`` (submission page)."""
    files: list[UploadedFile] = []
    errors: dict[str, list[str]] = {}
    known_codes = document_codes()
    for slot in range(1, slots + 1):
        upload = request.files.get(f"document_file_{slot}")
        if upload is None or not upload.filename:
            continue
        code = request.form.get(f"document_code_{slot}", "")
        if code not in known_codes:
            errors.setdefault(f"document_code_{slot}", []).append("unknown_code")
            continue
        read = _read(upload, code, f"document_file_{slot}", errors)
        if read is not None:
            files.append(read)
    return files, errors


def files_for_requested(codes: list[str]) -> tuple[list[UploadedFile], dict[str, list[str]]]:
    """Files from ``file_<code>``, one input per requested document (status page)."""
    files: list[UploadedFile] = []
    errors: dict[str, list[str]] = {}
    for code in codes:
        upload = request.files.get(f"file_{code}")
        if upload is not None and upload.filename:
            read = _read(upload, code, f"file_{code}", errors)
            if read is not None:
                files.append(read)
    return files, errors


def attached_files(field: str) -> tuple[list[UploadedFile], dict[str, list[str]]]:
    """The files chosen in the multiple input ``field`` (a message's attachments), with no kind of
    document; problems under ``field``. The service checks them again, with the count."""
    files: list[UploadedFile] = []
    errors: dict[str, list[str]] = {}
    for upload in request.files.getlist(field):
        if upload is not None and upload.filename:
            read = _read(upload, "", field, errors)
            if read is not None:
                files.append(read)
    return files, errors
