"""``POST /api/v1/claims`` with an intake officer's bearer token: a paper or walk-in claim.

The request is ``multipart/form-data`` with these parts:

- ``claim``: the submission as JSON text, the public body's shape (``claimant``, ``role``,
  ``victim``, ``crime``, ``consent``);
- ``application``: the scanned application signed by the claimant (PDF, JPEG or PNG), required;
- ``documents.<n>.code`` and ``documents.<n>.file`` for n = 0, 1, …: each document handed in, its
  code from ``codes.json`` and its file.

The claim is registered by :func:`fund.claims.paper_claims.register_paper_claim` (intake only,
the officer as the actor of its first event, channel ``office``); errors name the part:
``claimant.iin``, ``application``, ``documents.1.content``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from werkzeug.datastructures import FileStorage

from fund.claims.documents import UploadedFile, max_file_bytes
from fund.claims.paper_claims import APPLICATION_FIELD, DOCUMENTS_FIELD, PaperApplication
from fund.common.errors import Invalid

CLAIM_PART = "claim"
_DOCUMENT_PART = re.compile(r"documents\.([0-9]|[1-9][0-9])\.(code|file)")
UNKNOWN_PART_MESSAGE = (
    "is not a part here; allowed: claim, application, documents.<n>.code and documents.<n>.file "
    "(n from 0 to 99)"
)
MULTIPART_MESSAGE = (
    "an intake officer registers a claim as multipart/form-data: the part 'claim' (the submission "
    "as JSON), 'application' (the scanned application) and 'documents.<n>.code' with "
    "'documents.<n>.file' for each document"
)


def paper_application(
    form: Mapping[str, str], files: Mapping[str, FileStorage], parse_json: Callable[[str, str], Any]
) -> tuple[PaperApplication, list[int]]:
    """The service's input from the request's parts, and the number ``<n>`` of each document sent
    (in order; see :func:`renamed_fields`). ``parse_json(text, part)`` reads the ``claim`` part as
    the API reads every JSON body."""
    unknown = sorted(
        name
        for name in {*form, *files}
        if name not in (CLAIM_PART, APPLICATION_FIELD) and not _DOCUMENT_PART.fullmatch(name)
    )
    if unknown:
        raise Invalid(MULTIPART_MESSAGE, {name: [UNKNOWN_PART_MESSAGE] for name in unknown})
    text = form.get(CLAIM_PART)
    if text is None:
        raise Invalid(MULTIPART_MESSAGE, {CLAIM_PART: ["is required: the submission as JSON text"]})
    submission = parse_json(text, CLAIM_PART)
    numbers = sorted({int(match[1]) for name in [*form, *files] if (match := _DOCUMENT_PART.fullmatch(name))})
    documents = []
    for number in numbers:
        upload = files.get(f"documents.{number}.file")
        content = upload.stream.read(max_file_bytes() + 1) if upload is not None else b""
        filename = (upload.filename if upload is not None else "") or "document"
        documents.append(UploadedFile(form.get(f"documents.{number}.code", ""), filename, content))
    application = files.get(APPLICATION_FIELD)
    scan = None
    if application is not None:
        scan = UploadedFile(
            "", application.filename or "application", application.stream.read(max_file_bytes() + 1)
        )
    return PaperApplication(submission, scan, documents), numbers


def renamed_fields(fields: Mapping[str, list[str]], numbers: list[int]) -> dict[str, list[str]]:
    """``documents.<i>`` (the i-th document sent) as ``documents.<n>`` (the part's own number)."""
    renamed: dict[str, list[str]] = {}
    for path, messages in fields.items():
        parts = path.split(".")
        if (
            parts[0] == DOCUMENTS_FIELD
            and len(parts) == 3
            and parts[1].isdigit()
            and int(parts[1]) < len(numbers)
        ):
            path = f"{DOCUMENTS_FIELD}.{numbers[int(parts[1])]}.{parts[2]}"
        renamed.setdefault(path, []).extend(messages)
    return renamed
