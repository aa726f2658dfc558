"""Files an officer attaches to an answer to the claimant: read from the claim page's form, and the
problem said in the officer's language when the service refuses one.

The service (:func:`fund.claims.claimant_messages.answer_claimant`) checks them as it checks every
document: PDF, JPEG or PNG by their content, at most FUND_MAX_UPLOAD_MB each.
"""

from __future__ import annotations

from flask import request
from flask_babel import gettext

from fund.claims.documents import UploadedFile, max_file_bytes

ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


def chosen_files(field: str) -> list[UploadedFile]:
    """The files chosen in the form's multiple input ``field``; a file larger than the limit is read
    only one byte past it (the service then refuses it as too large)."""
    limit = max_file_bytes()
    return [
        UploadedFile(code="", filename=upload.filename, content=upload.stream.read(limit + 1))
        for upload in request.files.getlist(field)
        if upload is not None and upload.filename
    ]


def file_problem(fields: dict[str, list[str]]) -> str:
    """What is wrong with the attached files, in words (the first problem found)."""
    codes = [code for name, found in fields.items() if name.startswith("files") for code in found]
    code = codes[0] if codes else ""
    limit = max_file_bytes() // (1024 * 1024)
    return {
        "too_many": gettext("too many files at once"),
        "empty": gettext("a file is empty"),
        "too_large": gettext("a file is larger than %(limit)s MB", limit=limit),
        "type_not_allowed": gettext("a file is not a PDF, JPEG or PNG"),
        "truncated": gettext("a file is incomplete (its end is missing)"),
    }.get(code, gettext("a file was not accepted"))
