"""The conversation between a claimant and the fund over the API: read it, write in it, open its
files; the roles, checks and logging of the claim page and the portal's status page.

Why "conversation" and not "messages": ``POST /claims/<reference>/messages/<name>`` already
delivers a process message (the Treasury's ``payment_confirmed``, ``documents_submitted``) to the
claim's workflow, and a claimant's words are no command on the process. A second meaning under the
same path would make ``/messages/files`` a process message called "files".

- ``GET /claims/<reference>/conversation``: every message, both ways, oldest first, answered whole
  as the claim page and the status page show it whole (an officer's read marks every unread
  message of the claimant read, so a page of them would mark read what the officer never saw).
  Staff: :func:`fund.claims.claimant_messages.messages_for_staff` (the officers who work claims
  and auditors; the view written to the access log; an officer who works claims marks the
  claimant's messages read, an auditor does not). The claimant (``X-Access-Code``):
  :func:`fund.portal.messages.conversation` (their own words: not logged).
- ``POST /claims/<reference>/conversation``: the claimant writes to the fund
  (:func:`fund.portal.messages.write_to_fund`: no e-mail to officers), or an officer who works
  claims answers (:func:`fund.claims.claimant_messages.answer_claimant`: the claimant is told by
  e-mail, without the words or the files). ``multipart/form-data`` with ``message`` and any number
  of ``files`` parts, or ``application/json`` ``{"message": "..."}`` for words only.
- ``GET /claims/<reference>/conversation/files/<id>``: a file of a message; the claimant of the
  claim (not logged), or the roles that see personal data, each download written to the access log
  (:func:`fund.claims.message_files.file_for_staff`, as the claim page's link).
"""

from __future__ import annotations

import re
from typing import Any

from flask import jsonify, request
from werkzeug.datastructures import FileStorage

from fund.api import idempotency
from fund.api.callers import claimant_limited, staff_or_claimant
from fund.api.operation_parts import (
    ERROR,
    IDEMPOTENCY_KEY,
    REFERENCE,
    STAFF_OR_CLAIMANT,
    error_responses,
    integer_path_parameter,
)
from fund.api.routes import api_blueprint, json_body
from fund.claims import claimant_messages, message_files
from fund.claims.claimant_messages import MAX_MESSAGE, MessageRow
from fund.claims.documents import MAX_FILES, UploadedFile, max_file_bytes, upload_setting
from fund.claims.personal_data import SAFE_DOCUMENT_TYPES
from fund.common.errors import BadRequest, Invalid
from fund.common.time import utc_now
from fund.models import ClaimMessage
from fund.portal import messages as portal_messages
from fund.web.downloads import attachment

SIGN_IN_LIMIT = "FUND_RATELIMIT_PORTAL_SIGN_IN"  # every claimant's request signs in, as the portal's
MESSAGE_RULE = f"must be 1 to {MAX_MESSAGE} characters of text (it may be left empty when files are attached)"
BODY_MESSAGE = (
    "send multipart/form-data with a 'message' part and any number of 'files' parts (PDF, JPEG or "
    'PNG), or application/json {"message": "..."} for words only'
)
UNKNOWN_PART = "is not a part here; allowed: 'message' and 'files'"
UNKNOWN_KEY = "is not a field here; allowed: 'message'"
_FILE_PATH = re.compile(r"files\.([0-9]+)\.content")


def _file_problem(code: str) -> str:
    """A file's problem code (:data:`fund.claims.documents.UPLOAD_PROBLEMS`) as a sentence that
    says what is allowed."""
    return {
        "too_many": f"at most {upload_setting('FUND_PORTAL_MAX_FILES', MAX_FILES)} files to one message",
        "empty": "no file was sent, or the file is empty",
        "too_large": f"must be at most {max_file_bytes() // (1024 * 1024)} MB",
        "type_not_allowed": "must be a PDF, JPEG or PNG file",
        "truncated": "the file is incomplete (its end is missing): scan or save it again",
    }.get(code, code)


def _in_words(error: Invalid) -> Invalid:
    """The service's refusal with each field as this request names it (``message``; ``files.<n>``
    for the n-th ``files`` part, from 0) and each problem code as a sentence."""
    fields: dict[str, list[str]] = {}
    for path, codes in error.fields.items():
        if path == "message":
            fields["message"] = [MESSAGE_RULE]
            continue
        match = _FILE_PATH.fullmatch(path)
        name = f"files.{match[1]}" if match else path
        fields.setdefault(name, []).extend(_file_problem(code) for code in codes)
    return Invalid(error.message if error.fields.keys() - {"message"} else "the message was not sent", fields)


def _what_was_sent() -> tuple[str, list[UploadedFile]]:
    """The words and the files of the request; 400 for another media type, 422 naming an unknown
    part or key, or a message that is not text."""
    if request.mimetype == "multipart/form-data":
        unknown = sorted({*request.form, *request.files} - {"message", "files"})
        if unknown:
            raise Invalid(BODY_MESSAGE, {name: [UNKNOWN_PART] for name in unknown})
        if len(request.form.getlist("message")) > 1:
            raise Invalid(BODY_MESSAGE, {"message": ["send one 'message' part"]})
        if "files" in request.form:  # a part without a filename is text, not a file
            raise Invalid(BODY_MESSAGE, {"files": ["send each file as a file part, with its filename"]})
        limit = max_file_bytes()
        uploads: list[FileStorage] = request.files.getlist("files")
        files = [  # one byte past the limit is enough for the service to refuse it as too large
            UploadedFile(code="", filename=upload.filename or "file", content=upload.stream.read(limit + 1))
            for upload in uploads
        ]
        return request.form.get("message", ""), files
    if request.is_json:
        body = json_body()
        if not isinstance(body, dict):
            raise Invalid(BODY_MESSAGE, {"": ['must be a JSON object: {"message": "..."}']})
        unknown = sorted(set(body) - {"message"})
        if unknown:
            raise Invalid(BODY_MESSAGE, {key: [UNKNOWN_KEY] for key in unknown})
        text = body.get("message", "")
        if not isinstance(text, str):
            raise Invalid("the message was not sent", {"message": [MESSAGE_RULE]})
        return text, []
    raise BadRequest(BODY_MESSAGE, {"": ["must be multipart/form-data or application/json"]})


def _message(row: MessageRow, reference: str, *, for_staff: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": row.id,
        "sender": row.sender,
        "author": row.author,
        "written_at": row.written_at.isoformat(),
        "text": row.text,
        "files": [
            {
                "id": file.id,
                "filename": file.filename,
                "content_type": file.content_type,
                "size": file.size,
                "url": f"/api/v1/claims/{reference}/conversation/files/{file.id}",
            }
            for file in row.files
        ],
    }
    if for_staff:  # whether an officer has read it: the claim page's, not the claimant's, concern
        body["read_at"] = row.read_at.isoformat() if row.read_at else None
    return body


def _written(message: ClaimMessage) -> MessageRow:
    """The message just written, as the conversation lists it (its files: names and sizes)."""
    files = message_files.attachments_by_message(message.claim_id).get(message.id, [])
    return MessageRow(
        message.id, message.sender, message.author, message.written_at, message.text, message.read_at,
        tuple(files),
    )  # fmt: skip


@api_blueprint.get("/claims/<reference>/conversation")
@claimant_limited(SIGN_IN_LIMIT, methods=("GET", "HEAD"))
def claim_conversation(reference: str):
    """The messages between the claimant and the fund, oldest first (staff reading: logged)."""
    caller = staff_or_claimant(reference)
    if caller.user is not None:
        rows = claimant_messages.messages_for_staff(caller.user, reference, utc_now())
    else:
        rows = portal_messages.conversation(caller.session)
    for_staff = caller.user is not None
    response = jsonify(
        {"reference": reference, "messages": [_message(row, reference, for_staff=for_staff) for row in rows]}
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@api_blueprint.post("/claims/<reference>/conversation")
@idempotency.idempotent
@claimant_limited(SIGN_IN_LIMIT, methods=("POST",))
def write_in_conversation(reference: str):
    """The claimant writes to the fund (``X-Access-Code``), or an officer who works claims answers."""
    caller = staff_or_claimant(reference)
    text, files = _what_was_sent()
    now = utc_now()
    try:
        if caller.user is not None:
            message = claimant_messages.answer_claimant(caller.user, reference, text, now, files)
        else:
            message = portal_messages.write_to_fund(caller.session, text, now, files)
    except Invalid as error:
        raise _in_words(error) from error
    body = _message(_written(message), reference, for_staff=caller.user is not None)
    return jsonify({"reference": reference, "message": body}), 201


@api_blueprint.get("/claims/<reference>/conversation/files/<int:file_id>")
@claimant_limited(SIGN_IN_LIMIT, methods=("GET", "HEAD"))
def conversation_file(reference: str, file_id: int):
    """A file of a message: the claimant's own, or staff who see personal data (logged)."""
    caller = staff_or_claimant(reference)
    if caller.user is not None:
        found = message_files.file_for_staff(caller.user, reference, file_id, utc_now())
    else:
        found = portal_messages.message_file(caller.session, file_id)
    response = attachment(found.content, found.content_type, found.filename)
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------------------------
# The operations' place in the OpenAPI document (merged by fund/api/openapi.py).

_FILE = {
    "type": "object",
    "required": ["id", "filename", "content_type", "size", "url"],
    "properties": {
        "id": {"type": "integer"},
        "filename": {"type": "string"},
        "content_type": {"type": "string", "enum": ["application/pdf", "image/jpeg", "image/png"]},
        "size": {"type": "integer", "description": "Bytes."},
        "url": {
            "type": "string",
            "description": "Where to download it: the claimant, and staff who see personal data.",
        },
    },
}
MESSAGE = {
    "type": "object",
    "required": ["id", "sender", "author", "written_at", "text", "files"],
    "properties": {
        "id": {"type": "integer"},
        "sender": {"type": "string", "enum": ["claimant", "fund"]},
        "author": {
            "type": ["string", "null"],
            "description": "The officer who wrote the fund's message (username); null for the claimant's.",
        },
        "written_at": {"type": "string", "format": "date-time"},
        "text": {
            "type": "string",
            "maxLength": MAX_MESSAGE,
            "description": "The words (empty when only files were sent).",
        },
        "files": {"type": "array", "items": _FILE},
        "read_at": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "Staff only: when an officer first read the claimant's message (null: "
            "unread, or the fund's own). As it was before this request marked it read.",
        },
    },
}
_EXAMPLE_MESSAGES = [
    {
        "id": 41,
        "sender": "claimant",
        "author": None,
        "written_at": "2026-03-02T09:15:00+00:00",
        "text": "Мен медициналық қорытындыны қашан жіберуім керек?",
        "files": [],
        "read_at": None,
    },
    {
        "id": 42,
        "sender": "fund",
        "author": "ivan",
        "written_at": "2026-03-02T11:40:00+00:00",
        "text": "Қорытындыны 30 күн ішінде жіберіңіз.",
        "files": [
            {
                "id": 7,
                "filename": "list.pdf",
                "content_type": "application/pdf",
                "size": 18211,
                "url": "/api/v1/claims/VCF-2026-000123/conversation/files/7",
            }
        ],
        "read_at": None,
    },
]
_WRITE_FORM = {
    "type": "object",
    "properties": {
        "message": {"type": "string", "maxLength": MAX_MESSAGE},
        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
    },
    "additionalProperties": False,
}
_WRITE_JSON = {
    "type": "object",
    "required": ["message"],
    "properties": {"message": {"type": "string", "minLength": 1, "maxLength": MAX_MESSAGE}},
    "additionalProperties": False,
}

OPERATIONS: dict[str, dict[str, Any]] = {
    "/api/v1/claims/{reference}/conversation": {
        "get": {
            "operationId": "claimConversation",
            "summary": "The messages between the claimant and the fund, oldest first",
            "description": "Both ways, answered whole (as the claim page shows them). Staff: the officers "
            "who work claims and auditors; each read is written to the claim's access log, and an "
            "officer who works claims (not an auditor) marks the claimant's unread messages read. "
            "The claimant (`X-Access-Code`): their own conversation, not logged, without `read_at`. "
            "Not `/messages`: that path delivers process messages to the claim's workflow.",
            "security": STAFF_OR_CLAIMANT,
            "parameters": [REFERENCE],
            "responses": {
                "200": {
                    "description": "The messages, oldest first.",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["reference", "messages"],
                                "properties": {
                                    "reference": {"type": "string"},
                                    "messages": {"type": "array", "items": MESSAGE},
                                },
                            },
                            "example": {"reference": "VCF-2026-000123", "messages": _EXAMPLE_MESSAGES},
                        }
                    },
                },
                **error_responses("Unauthenticated", "Forbidden", "NotFound", "TooManyRequests"),
            },
        },
        "post": {
            "operationId": "writeInConversation",
            "summary": "Write to the fund (the claimant) or answer the claimant (officers who work claims)",
            "description": "The claimant (`X-Access-Code`) writes to the fund: no e-mail goes to officers, "
            "the worklist shows the claim as having an unread message. An officer who works claims "
            "(intake, reviewer, approver, finance, supervisor) answers: the claimant gets an e-mail in "
            "their language saying a message waits, without its words or files. Auditors and admins: "
            "403. Words: 1 to 4000 characters, or none when files are attached; files: PDF, JPEG or "
            "PNG by content, within the size limit. All or nothing.",
            "security": STAFF_OR_CLAIMANT,
            "parameters": [REFERENCE, IDEMPOTENCY_KEY],
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {"schema": _WRITE_FORM},
                    "application/json": {"schema": _WRITE_JSON, "example": {"message": "Рахмет."}},
                },
            },
            "responses": {
                "201": {
                    "description": "Written.",
                    "links": {
                        "ReadConversation": {
                            "operationId": "claimConversation",
                            "parameters": {"reference": "$request.path.reference"},
                            "description": "The conversation with this message in it.",
                        },
                    },
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["reference", "message"],
                                "properties": {"reference": {"type": "string"}, "message": MESSAGE},
                            },
                            "example": {"reference": "VCF-2026-000123", "message": _EXAMPLE_MESSAGES[1]},
                        }
                    },
                },
                "413": {
                    "description": "The request is larger than the server takes.",
                    "content": {"application/json": {"schema": ERROR}},
                },
                **error_responses(
                    "BadRequest", "Unauthenticated", "Forbidden", "NotFound", "Invalid", "TooManyRequests"
                ),
            },
        },
    },
    "/api/v1/claims/{reference}/conversation/files/{file_id}": {
        "get": {
            "operationId": "conversationFile",
            "summary": "A file of a message (the claimant; staff who see personal data, logged)",
            "description": "The claimant of the claim (`X-Access-Code`): any file of their conversation, "
            "not logged. Staff: intake, reviewer, approver, finance, each download written to the "
            "claim's access log as the claim page's link is; auditors and admins see the file's name "
            "in the conversation but get 403 here.",
            "security": STAFF_OR_CLAIMANT,
            "parameters": [
                REFERENCE,
                integer_path_parameter("file_id", "The file's id (from the conversation)."),
            ],
            "responses": {
                "200": {
                    "description": "The file, as an attachment (`X-Content-Type-Options: nosniff`).",
                    "content": {
                        media: {"schema": {"type": "string", "format": "binary"}}
                        for media in (*sorted(SAFE_DOCUMENT_TYPES), "application/octet-stream")
                    },
                },
                **error_responses("Unauthenticated", "Forbidden", "NotFound", "TooManyRequests"),
            },
        }
    },
}
