"""A claim's documents over the API: list, upload, download; the roles and checks of the pages.

- ``GET /claims/<reference>/documents``: staff who may open the claim (its page lists them) get
  each document's metadata with its sha256 and uploader; the claimant, with ``X-Access-Code``,
  the list the portal shows them (names and dates).
- ``POST /claims/<reference>/documents`` (``multipart/form-data``, parts ``documents.<n>.code``
  and ``documents.<n>.file``, n from 0 to 99): the claimant with ``X-Access-Code`` exactly as on
  the portal (:func:`fund.portal.upload_documents`), or intake for documents handed in at the
  office (:func:`fund.portal.requests.upload_documents_at_office`). The same checks wherever a
  document comes from: PDF, JPEG or PNG by content, the size limit, a known kind (only the
  requested kinds while the fund waits for them); errors name the part (``documents.1.file``).
- ``GET /claims/<reference>/documents/<id>``: the file, for the roles that may see personal data,
  written to the claim's access log as the document viewer's downloads are; an attachment, never
  sniffed. Claimants do not download documents on the portal, nor here.
"""

from __future__ import annotations

import re
from typing import Any

from flask import jsonify, request
from werkzeug.datastructures import FileStorage

from fund import portal
from fund.api import idempotency
from fund.api.callers import claimant_limited, staff_only_here, staff_or_claimant
from fund.api.operation_parts import (
    ERROR,
    IDEMPOTENCY_KEY,
    REFERENCE,
    STAFF,
    STAFF_OR_CLAIMANT,
    error_responses,
    integer_path_parameter,
)
from fund.api.routes import api_blueprint
from fund.claims import claim_papers
from fund.claims import personal_data as personal_data_service
from fund.claims.documents import MAX_FILES, UploadedFile, max_file_bytes, upload_setting
from fund.common.errors import BadRequest, Conflict, Invalid
from fund.common.time import utc_now
from fund.portal import requests as claimant_requests
from fund.web.downloads import attachment

_PART = re.compile(r"documents\.([0-9]|[1-9][0-9])\.(code|file)")
UNKNOWN_PART_MESSAGE = (
    "is not a part here; allowed: documents.<n>.code and documents.<n>.file (n from 0 to 99)"
)
MULTIPART_MESSAGE = (
    "send the documents as multipart/form-data: 'documents.<n>.code' (the kind, from the fund's "
    "document codes) and 'documents.<n>.file' (a PDF, JPEG or PNG) for each, n from 0 to 99"
)
CONFLICT_MESSAGES = {  # the portal's reasons (fund.portal.requests), in words
    "claim_closed": "the claim is closed (paid, finally rejected, withdrawn or ended): it takes no "
    "more documents",
    "nothing_requested": "the claim takes no documents now",
    "deadline_passed": "the deadline for sending the requested documents has passed",
}


def _problem_message(code: str) -> str:
    """A file's problem code (:data:`fund.claims.documents.UPLOAD_PROBLEMS`) as a sentence that
    says what is allowed."""
    return {
        "required": "is required: the kind of document this file is",
        "too_many": f"at most {upload_setting('FUND_PORTAL_MAX_FILES', MAX_FILES)} documents at a time",
        "unknown_code": "must be one of the fund's document codes (while the fund waits for documents "
        "it asked for: one of those)",
        "empty": "no file was sent, or the file is empty",
        "too_large": f"must be at most {max_file_bytes() // (1024 * 1024)} MB",
        "type_not_allowed": "must be a PDF, JPEG or PNG file",
        "truncated": "the file is incomplete (its end is missing): scan or save it again",
    }.get(code, code)


def _uploaded_files() -> tuple[list[UploadedFile], list[int]]:
    """The files of the request's parts, in the order of their numbers, and those numbers."""
    if request.mimetype != "multipart/form-data":
        raise BadRequest(MULTIPART_MESSAGE, {"": ["must be multipart/form-data"]})
    form, files = request.form, request.files
    unknown = sorted(name for name in {*form, *files} if not _PART.fullmatch(name))
    if unknown:
        raise Invalid(MULTIPART_MESSAGE, {name: [UNKNOWN_PART_MESSAGE] for name in unknown})
    numbers = sorted({int(match[1]) for name in [*form, *files] if (match := _PART.fullmatch(name))})
    uploaded = []
    for number in numbers:
        upload: FileStorage | None = files.get(f"documents.{number}.file")
        content = upload.stream.read(max_file_bytes() + 1) if upload is not None else b""
        filename = (upload.filename if upload is not None else "") or "document"
        uploaded.append(UploadedFile(form.get(f"documents.{number}.code", ""), filename, content))
    return uploaded, numbers


def _renamed(fields: dict[str, list[str]], numbers: list[int]) -> dict[str, list[str]]:
    """The service's ``files.<i>.code`` / ``files.<i>.content`` as this request's parts
    (``documents.<n>.code`` / ``documents.<n>.file``), each problem code as a sentence."""
    renamed: dict[str, list[str]] = {}
    for path, codes in fields.items():
        parts = path.split(".")
        if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(numbers):
            part = {"content": "file"}.get(parts[2], parts[2])
            path = f"documents.{numbers[int(parts[1])]}.{part}"
        else:
            path = "documents"
        renamed.setdefault(path, []).extend(CONFLICT_MESSAGES.get(c) or _problem_message(c) for c in codes)
    return renamed


def _staff_document(record: claim_papers.DocumentRecord, reference: str) -> dict[str, Any]:
    return {
        "id": record.id,
        "code": record.code,
        "filename": record.filename,
        "content_type": record.content_type,
        "size": record.size,
        "sha256": record.sha256,
        "uploaded_at": record.uploaded_at.isoformat(),
        "uploaded_by": record.uploaded_by,
        "channel": "claimant" if record.by_claimant else "staff",
        "url": f"/api/v1/claims/{reference}/documents/{record.id}",
    }


@api_blueprint.get("/claims/<reference>/documents")
@claimant_limited("FUND_RATELIMIT_PORTAL_SIGN_IN", methods=("GET", "HEAD"))
def claim_documents(reference: str):
    """A claim's documents: metadata for staff; names and dates for the claimant (``X-Access-Code``)."""
    caller = staff_or_claimant(reference)
    if caller.user is not None:
        records = claim_papers.claim_documents(caller.user, reference)
        documents = [_staff_document(record, reference) for record in records]
        return jsonify({"reference": reference, "documents": documents})
    view = portal.claimant_view(caller.session, utc_now())
    return jsonify(
        {
            "reference": view.reference,
            "documents": [
                {"id": d.id, "code": d.code, "filename": d.filename, "uploaded_on": d.uploaded_on.isoformat()}
                for d in view.documents
            ],
        }
    )


@api_blueprint.post("/claims/<reference>/documents")
@idempotency.idempotent
@claimant_limited("FUND_RATELIMIT_PORTAL_SIGN_IN", methods=("POST",))
@claimant_limited("FUND_RATELIMIT_PORTAL_UPLOAD", methods=("POST",))
def upload_documents(reference: str):
    """Add documents to a claim: the claimant (``X-Access-Code``) as on the portal, or intake."""
    caller = staff_or_claimant(reference)
    files, numbers = _uploaded_files()
    now = utc_now()
    try:
        if caller.user is not None:
            stored = claimant_requests.upload_documents_at_office(caller.user, reference, files, now)
        else:
            stored = portal.upload_documents(caller.session, files, now)
    except Conflict as error:
        raise Conflict(error.message, _renamed(error.fields, numbers)) from error
    except Invalid as error:
        raise Invalid(error.message, _renamed(error.fields, numbers)) from error
    body = {
        "reference": reference,
        "documents": [
            {"id": d.id, "code": d.code, "filename": d.filename, "uploaded_on": d.uploaded_on.isoformat()}
            for d in stored
        ],
    }
    return jsonify(body), 201


@api_blueprint.get("/claims/<reference>/documents/<int:document_id>")
def download_document(reference: str, document_id: int):
    """A document's file (roles that may see personal data); written to the claim's access log."""
    user = staff_only_here("downloading a claim's document")
    found = personal_data_service.open_document(user, reference, document_id, utc_now())
    response = attachment(found.content, found.content_type, found.filename)
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------------------------
# The operations' place in the OpenAPI document (merged by fund/api/openapi.py).

EXAMPLE_SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
DOCUMENT_SEEN_BY_CLAIMANT = {
    "type": "object",
    "required": ["id", "code", "filename", "uploaded_on"],
    "properties": {
        "id": {"type": "integer"},
        "code": {"type": "string", "examples": ["identity_document"]},
        "filename": {"type": "string"},
        "uploaded_on": {"type": "string", "format": "date", "description": "The day, in Almaty."},
    },
}
DOCUMENT_SEEN_BY_STAFF = {
    "type": "object",
    "required": [
        "id",
        "code",
        "filename",
        "content_type",
        "size",
        "sha256",
        "uploaded_at",
        "uploaded_by",
        "channel",
        "url",
    ],  # fmt: skip
    "properties": {
        "id": {"type": "integer"},
        "code": {"type": "string", "description": "The kind of document (the fund's document codes)."},
        "filename": {"type": "string"},
        "content_type": {"type": "string", "enum": ["application/pdf", "image/jpeg", "image/png"]},
        "size": {"type": "integer", "description": "Bytes."},
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "uploaded_at": {"type": "string", "format": "date-time"},
        "uploaded_by": {"type": "string", "description": "`claimant`, or the officer's username."},
        "channel": {"type": "string", "enum": ["claimant", "staff"]},
        "url": {"type": "string", "description": "Where to download the file (staff)."},
    },
}
DOCUMENTS_FORM = {
    "type": "object",
    "description": "`documents.<n>.code` (the kind) and `documents.<n>.file` (the file) for each "
    "document, n from 0 to 99.",
    "patternProperties": {
        r"^documents\.[0-9]{1,2}\.code$": {"type": "string"},
        r"^documents\.[0-9]{1,2}\.file$": {"type": "string", "format": "binary"},
    },
    "additionalProperties": False,
}

OPERATIONS: dict[str, dict[str, Any]] = {
    "/api/v1/claims/{reference}/documents": {
        "get": {
            "operationId": "claimDocuments",
            "summary": "A claim's documents (staff: metadata with sha256; the claimant: names and dates)",
            "security": STAFF_OR_CLAIMANT,
            "parameters": [REFERENCE],
            "responses": {
                "200": {
                    "description": "The documents, oldest first: staff get every field, the claimant "
                    "(`X-Access-Code`) what the portal shows.",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["reference", "documents"],
                                "properties": {
                                    "reference": {"type": "string"},
                                    "documents": {
                                        "type": "array",
                                        "items": {
                                            "anyOf": [DOCUMENT_SEEN_BY_STAFF, DOCUMENT_SEEN_BY_CLAIMANT]
                                        },  # noqa: E501
                                    },
                                },
                            },
                            "example": {
                                "reference": "VCF-2026-000123",
                                "documents": [
                                    {
                                        "id": 7,
                                        "code": "identity_document",
                                        "filename": "passport.pdf",
                                        "content_type": "application/pdf",
                                        "size": 18211,
                                        "sha256": EXAMPLE_SHA256,
                                        "uploaded_at": "2026-03-02T09:15:00+00:00",
                                        "uploaded_by": "claimant",
                                        "channel": "claimant",
                                        "url": "/api/v1/claims/VCF-2026-000123/documents/7",
                                    }
                                ],
                            },
                        }
                    },
                },
                **error_responses("Unauthenticated", "Forbidden", "NotFound", "TooManyRequests"),
            },
        },
        "post": {
            "operationId": "uploadDocuments",
            "summary": "Add documents to a claim (the claimant when the portal takes them; intake)",
            "description": "Accepted while the claim takes documents: after submission until intake's "
            "check, and while the fund waits for documents it asked for (then only those kinds, until "
            "the deadline). PDF, JPEG or PNG by content, within the size limit. All or nothing.",
            "security": STAFF_OR_CLAIMANT,
            "parameters": [REFERENCE, IDEMPOTENCY_KEY],
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": DOCUMENTS_FORM}}},
            "responses": {
                "201": {
                    "description": "Stored.",
                    "links": {
                        "DownloadDocument": {
                            "operationId": "downloadDocument",
                            "parameters": {
                                "reference": "$request.path.reference",
                                "document_id": "$response.body#/documents/0/id",
                            },
                            "description": "The first document stored (staff).",
                        }
                    },
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["reference", "documents"],
                                "properties": {
                                    "reference": {"type": "string"},
                                    "documents": {"type": "array", "items": DOCUMENT_SEEN_BY_CLAIMANT},
                                },
                            }
                        }
                    },
                },
                "413": {
                    "description": "The request is larger than the server takes.",
                    "content": {"application/json": {"schema": ERROR}},
                },
                **error_responses(
                    "BadRequest",
                    "Unauthenticated",
                    "Forbidden",
                    "NotFound",
                    "Conflict",
                    "Invalid",
                    "TooManyRequests",
                ),  # fmt: skip
            },
        },
    },
    "/api/v1/claims/{reference}/documents/{document_id}": {
        "get": {
            "operationId": "downloadDocument",
            "summary": "A document's file (roles that see personal data; written to the access log)",
            "security": STAFF,
            "parameters": [
                REFERENCE,
                integer_path_parameter("document_id", "The document's id (from the list)."),
            ],
            "responses": {
                "200": {
                    "description": "The file, as an attachment (`X-Content-Type-Options: nosniff`).",
                    "content": {
                        media: {"schema": {"type": "string", "format": "binary"}}
                        for media in (
                            *sorted(personal_data_service.SAFE_DOCUMENT_TYPES),
                            "application/octet-stream",
                        )
                    },
                },
                **error_responses("Unauthenticated", "Forbidden", "NotFound", "TooManyRequests"),
            },
        }
    },
}
