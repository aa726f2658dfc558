"""The API's contract: an OpenAPI 3.1 document at ``/api/v1/openapi.json``, and a page to browse it
at ``/api/docs``.

Built with apispec and its marshmallow plugin from the very schema that checks a submitted claim
(:class:`fund.claims.submission_schema.ClaimSubmissionSchema`), so that the document and the checks
cannot drift apart; the answers, which no marshmallow schema shapes, are described here by hand,
route by route (``OPERATIONS``). apispec rather than flask-smorest: it documents the routes and
schemas as they are, without rewriting the views around another framework's decorators.

``tests/api/test_openapi.py`` fails when a route under ``/api/v1`` is missing from the document or
the document names a path the application does not serve. Public, built once per process.
The page's scripts and styles come from the ``swagger-ui-py`` package, served by this server
(the fund's network may be closed to CDNs), under a Content-Security-Policy that allows only them.
"""

from __future__ import annotations

import copy
from datetime import date
from importlib.resources import files
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Flask, current_app, jsonify, render_template_string, send_from_directory
from werkzeug.exceptions import NotFound

from fund.api.conversation import OPERATIONS as CONVERSATION_OPERATIONS
from fund.api.documents import OPERATIONS as DOCUMENT_OPERATIONS
from fund.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from fund.api.idempotency import MAX_KEY_LENGTH, REPLAYED_HEADER
from fund.api.letters import OPERATIONS as LETTER_OPERATIONS
from fund.api.operation_parts import limit_parameter
from fund.api.payout_batches_document import OPERATIONS as PAYOUT_BATCH_OPERATIONS
from fund.api.recourse import OPERATIONS as RECOURSE_OPERATIONS
from fund.api.routes import TASKS_PAGE_SIZE, api_blueprint
from fund.claims import submission_schema
from fund.officers.search import MAX_QUERY_LENGTH

DOCUMENT_KEY = "fund_openapi_document"
TITLE = "Victims Compensation Fund: claims API"
VERSION = "1"

# ---------------------------------------------------------------------------------------------
# Shared components: the error shape, the two ways to sign in, the common headers and answers.

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every 4xx and 5xx of the API. `fields` maps each failing field (a dotted path, "
    "e.g. `claimant.iin`; a header by its name) to messages that say what is allowed.",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "examples": ["validation_failed"]},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}

SECURITY_SCHEMES = {
    "staffToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "A staff user's token from `POST /api/v1/tokens` (`Authorization: Bearer <token>`).",
    },
    "claimantAccessCode": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Access-Code",
        "description": "The access code given once when the claim was submitted.",
    },
}

RETRY_AFTER = {
    "description": "Seconds to wait before trying again.",
    "schema": {"type": "integer", "minimum": 1},
}

RESPONSES: dict[str, dict[str, Any]] = {
    "BadRequest": {"description": "The request cannot be read (e.g. the body is not JSON)."},
    "Unauthenticated": {"description": "No valid bearer token (a claimant: no access code)."},
    "Forbidden": {"description": "The caller's roles do not allow this (or the four-eyes rule bars them)."},
    "NotFound": {"description": "No such thing."},
    "Conflict": {"description": "Not possible in the present state (e.g. the task is no longer ready)."},
    "Invalid": {"description": "The request has errors; `fields` names each and says what is allowed."},
    "TooManyRequests": {
        "description": "Too many requests from this address, or the account or reference is locked.",
        "headers": {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}},
    },
}
ERROR_EXAMPLES = {
    "BadRequest": (
        "bad_request",
        "the body must be JSON (Content-Type: application/json)",
        {"": ["must be JSON"]},
    ),
    "Unauthenticated": ("unauthenticated", "send 'Authorization: Bearer <token>'", {}),
    "Forbidden": ("forbidden", "this needs the role intake", {}),
    "NotFound": ("not_found", "no claim VCF-2026-000123", {}),
    "Conflict": ("conflict", "the task is no longer ready", {}),
    "Invalid": ("validation_failed", "the request has errors", {"claimant.iin": ["must be 12 digits"]}),
    "TooManyRequests": (
        "too_many_requests",
        "too many requests from this address: try again in 60 seconds",
        {},
    ),
}
for _name, _response in RESPONSES.items():
    _code, _message, _fields = ERROR_EXAMPLES[_name]
    _response["content"] = {
        "application/json": {
            "schema": {"$ref": "#/components/schemas/Error"},
            "example": {"error": {"code": _code, "message": _message, "fields": _fields}},
        }
    }

IDEMPOTENCY_PARAMETER = {
    "name": IDEMPOTENCY_HEADER,
    "in": "header",
    "required": False,
    "description": "Safe retries: a retry with the same key and the same request gets the first answer "
    f"again (with `{REPLAYED_HEADER}: true`); the same key with another request is 422. Kept 24 hours.",
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": "^[ -~]+$"},
    "example": "6f1d2c1e-claim-0001",
}


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _errors(*names: str) -> dict[str, Any]:
    codes = {
        "BadRequest": "400",
        "Unauthenticated": "401",
        "Forbidden": "403",
        "NotFound": "404",
        "Conflict": "409",
        "Invalid": "422",
        "TooManyRequests": "429",
    }
    return {codes[name]: _ref("responses", name) for name in names}


def _json(schema: dict[str, Any], description: str, example: Any = None, **extra: Any) -> dict[str, Any]:
    content: dict[str, Any] = {"schema": schema}
    if example is not None:
        content["example"] = example
    return {"description": description, "content": {"application/json": content}, **extra}


def _path_parameter(name: str, description: str, example: str | None = None) -> dict[str, Any]:
    parameter = {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }
    if example:
        parameter["example"] = example
    return parameter


def _query(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string", **schema},
    }


STAFF = [{"staffToken": []}]
REFERENCE = _path_parameter("reference", "The claim's reference.", "VCF-2026-000123")
DATE_TIME = {"type": "string", "format": "date-time"}
NULLABLE_TEXT = {"type": ["string", "null"]}
# A query's day, where an empty value (as a form sends an empty field) is no bound at all.
DAY_OR_EMPTY = [{"format": "date"}, {"maxLength": 0}]

# ---------------------------------------------------------------------------------------------
# The answers, route by route (the views in fund/api/routes.py shape them).

# POST /claims
SUBMITTED_CLAIM = {
    "type": "object",
    "required": ["reference", "access_code", "status"],
    "properties": {
        "reference": {"type": "string"},
        "access_code": {"type": "string", "description": "Shown once; the claimant's key to the status."},
        "status": {"type": "string", "examples": ["submitted"]},
    },
}
SUBMISSION_EXAMPLE = {
    "claimant": {
        "full_name": "Айгүл Серікқызы Нұрланова",
        "iin": "900115400018",
        "birth_date": "1990-01-15",
        "phone": "+7 701 234 56 78",
        "email": "aigul@example.kz",
        "language": "kk",
        "iban": "KZ86125KZT5004100100",
    },
    "role": "victim",
    "crime": {
        "erdr_number": "251750010099999",
        "article": "146",
        "part": "3",
        "committed_on": "2025-05-01",
        "recognized_on": "2025-06-01",
        "harm": "none",
        "deadline_restored_by_court": False,
    },
    "consent": True,
}
PAPER_CLAIM_FORM = {
    "type": "object",
    "description": "An intake officer's paper or walk-in claim (with a bearer token): "
    "`documents.<n>.code` and `documents.<n>.file` for each document, n from 0 to 99.",
    "required": ["claim", "application"],
    "properties": {
        "claim": {
            "$ref": "#/components/schemas/ClaimSubmission",
            "description": "The submission as JSON text (the part's `Content-Type` is `application/json`).",
        },
        "application": {
            "type": "string",
            "format": "binary",
            "description": "The signed application (PDF, JPEG, PNG).",
        },
    },
    "patternProperties": {
        r"^documents\.[0-9]{1,2}\.code$": {"type": "string"},
        r"^documents\.[0-9]{1,2}\.file$": {"type": "string", "format": "binary"},
    },
}

# GET /claims
CLAIM_SEARCH_RESULTS = {
    "type": "object",
    "required": ["claims", "total", "more_than_counted", "sampled", "next", "previous"],
    "properties": {
        "claims": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "reference": {"type": "string"},
                    "submitted_at": DATE_TIME,
                    "status": {"type": "string"},
                    "category": NULLABLE_TEXT,
                    "claimant": {
                        "type": "object",
                        "description": "Name and IIN, masked as the caller's roles require.",
                    },
                    "victim": {"type": ["object", "null"]},
                    "erdr_number": NULLABLE_TEXT,
                    "open_tasks": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
        "total": {"type": "integer"},
        "more_than_counted": {"type": "boolean"},
        "sampled": {
            "type": "boolean",
            "description": "A name part with so many matches that the pages go through a few thousand of "
            "them (newest first among those), not all: more letters or a filter narrow the search.",
        },
        "next": {"type": ["string", "null"], "description": "The next page's URL (cursor `after`)."},
        "previous": {"type": ["string", "null"], "description": "The previous page's URL (cursor `before`)."},
    },
}


# What a client does next with a claim it was given (OpenAPI links; schemathesis follows them too).
def _claim_links(reference: str) -> dict[str, Any]:
    """Links from an answer naming a claim (``reference`` a runtime expression) to its operations."""
    return {
        name: {"operationId": operation, "parameters": {"reference": reference}, "description": description}
        for name, operation, description in (
            ("ClaimStatus", "claimStatus", "The claim's status for its claimant (with the access code)."),
            ("ClaimDetail", "claimDetail", "The claim for staff."),
            ("ClaimEvents", "claimEvents", "The claim's history."),
            ("ReplayClaim", "replayClaim", "Replay the claim's history."),
            ("DeliverMessage", "deliverMessage", "Deliver a message to the claim's process."),
            ("ClaimDocuments", "claimDocuments", "The claim's documents."),
            ("ClaimLetters", "claimLetters", "The claim's letters."),
        )
    }


# GET /claims/{reference}/status
CLAIM_STATUS = {
    "type": "object",
    "required": ["reference", "status", "updated_at", "letters"],
    "properties": {
        "reference": {"type": "string"},
        "status": {"type": "string"},
        "updated_at": DATE_TIME,
        "letters": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "kind": {"type": "string"},
                    "number": {"type": "string"},
                    "issued_at": DATE_TIME,
                },
            },
        },
    },
}

# POST /tokens
CREDENTIALS = {
    "type": "object",
    "required": ["username", "password"],
    "properties": {"username": {"type": "string"}, "password": {"type": "string", "format": "password"}},
}
TOKEN = {
    "type": "object",
    "required": ["token", "expires_at"],
    "properties": {"token": {"type": "string"}, "expires_at": DATE_TIME},
}

# GET /tasks
TASK = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "claim_reference": {"type": "string"},
        "name": {"type": "string", "examples": ["intake_check"]},
        "title": {"type": "string"},
        "role": {"type": "string"},
        "created_at": DATE_TIME,
        "due_at": {"type": ["string", "null"], "format": "date-time"},
        "form": {
            "type": "object",
            "properties": {"id": {"type": "string"}, "url": {"type": "string"}},
        },
        "assignee": NULLABLE_TEXT,
        "can_take": {"type": "boolean"},
        "barred_because": {
            "type": ["string", "null"],
            "description": "Why the four-eyes rule bars the caller.",
        },
    },
}

# GET /claims/{reference}
CLAIM = {
    "type": "object",
    "properties": {
        "reference": {"type": "string"},
        "status": {"type": "string"},
        "category": NULLABLE_TEXT,
        "eligibility_reason": NULLABLE_TEXT,
        "amount_mci": {"type": ["integer", "null"]},
        "amount_kzt": {"type": ["integer", "null"], "description": "Whole tenge."},
        "decision_date": {"type": ["string", "null"], "format": "date"},
        "submitted_at": DATE_TIME,
        "updated_at": DATE_TIME,
        "open_tasks": {"type": "array", "items": {"type": "object"}},
        "flags": {"type": "array", "items": {"type": "string", "examples": ["duplicate_claim"]}},
        "prior_claims": {},
        "same_victim_and_case": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "reference": {"type": "string"},
                    "status": {"type": "string"},
                    "url": {"type": "string"},
                },
            },
        },
    },
}

# GET /claims/{reference}/events
CLAIM_EVENTS = {
    "type": "object",
    "properties": {
        "reference": {"type": "string"},
        "events": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "sequence": {"type": "integer"},
                    "type": {"type": "string"},
                    "actor": {"type": "string"},
                    "occurred_at": DATE_TIME,
                    "input": {},
                    "result": {},
                    "state_digest": NULLABLE_TEXT,
                    "previous_hash": NULLABLE_TEXT,
                    "hash": {"type": "string"},
                },
            },
        },
    },
}

# POST /claims/{reference}/replay
REPLAY_REPORT = {
    "type": "object",
    "properties": {
        "ok": {"type": "boolean"},
        "reference": {"type": "string"},
        "process_version": {"type": "string"},
        "events": {"type": "integer"},
        "steps": {"type": "array", "items": {"type": "object"}},
        "divergence": {"type": ["object", "null"]},
        "finding": {"type": ["string", "null"], "description": "Why replay cannot be run at all."},
    },
}

# POST /tasks/{task_id}/complete, POST /claims/{reference}/messages/{name}
CLAIM_MOVED = {
    "type": "object",
    "required": ["claim_reference", "status"],
    "properties": {"claim_reference": {"type": "string"}, "status": {"type": "string"}},
}

ETAG_HEADER = {"description": "A digest of this answer.", "schema": {"type": "string"}}


def _operations() -> dict[str, dict[str, dict[str, Any]]]:
    """Every operation under /api/v1, by OpenAPI path and method."""
    return {
        "/api/v1/": {
            "get": {
                "operationId": "index",
                "summary": "What the API offers, for a person exploring it",
                "security": [],
                "responses": {"200": _json({"type": "object"}, "The operations, in words.")},
            }
        },
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "openapiDocument",
                "summary": "This document",
                "security": [],
                "responses": {"200": _json({"type": "object"}, "The OpenAPI 3.1 document.")},
            }
        },
        "/api/v1/claims": {
            "post": {
                "operationId": "submitClaim",
                "summary": "Submit a claim (public), or register a paper claim (intake, multipart)",
                "description": "Without a token: the JSON body, checked by the same schema as the portal. "
                "With an intake officer's bearer token: `multipart/form-data` (a paper or walk-in claim, "
                "channel `office`). Either way the answer carries the access code, shown once.",
                "security": [{}, {"staffToken": []}],
                "parameters": ["IdempotencyKey"],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": _ref("schemas", "ClaimSubmission"),
                            "example": SUBMISSION_EXAMPLE,
                        },
                        "multipart/form-data": {
                            "schema": _ref("schemas", "PaperClaimForm"),
                            "encoding": {"claim": {"contentType": "application/json"}},
                        },
                    },
                },
                "responses": {
                    "201": _json(
                        _ref("schemas", "SubmittedClaim"),
                        "The claim is registered.",
                        {
                            "reference": "VCF-2026-000123",
                            "access_code": "K7QP-2M9D-XW4T",
                            "status": "submitted",
                        },
                        links=_claim_links("$response.body#/reference"),
                    ),
                    **_errors(
                        "BadRequest", "Unauthenticated", "Forbidden", "Conflict", "Invalid", "TooManyRequests"
                    ),
                },
            },
            "get": {
                "operationId": "searchClaims",
                "summary": "Find claims (the officers' search), newest first, a page at a time",
                "security": STAFF,
                "parameters": [
                    _query(
                        "q",
                        "A reference, an IIN, a name or part of one, an ERDR number or a phone.",
                        maxLength=MAX_QUERY_LENGTH,
                    ),
                    _query("status", "A claim status."),
                    _query("category", "A category."),
                    _query("task", "An open task's name."),
                    _query("officer", "An officer who acted on the claim."),
                    _query("from", "Submitted on or after (YYYY-MM-DD; empty: none).", anyOf=DAY_OR_EMPTY),
                    _query("to", "Submitted on or before (YYYY-MM-DD; empty: none).", anyOf=DAY_OR_EMPTY),
                    _query("after", "The cursor of the next page (from `next`)."),
                    _query("before", "The cursor of the previous page (from `previous`)."),
                ],
                "responses": {
                    "200": _json(
                        _ref("schemas", "ClaimSearchResults"),
                        "A page of claims, masked per role.",
                        links=_claim_links("$response.body#/claims/0/reference"),
                    ),
                    **_errors("Unauthenticated", "Forbidden", "Invalid", "TooManyRequests"),
                },
            },
        },
        "/api/v1/claims/{reference}/status": {
            "get": {
                "operationId": "claimStatus",
                "summary": "A claim's status for its claimant",
                "security": [{"claimantAccessCode": []}],
                "parameters": [REFERENCE],
                "responses": {
                    "200": _json(
                        _ref("schemas", "ClaimStatus"),
                        "The status and the letters issued.",
                        {
                            "reference": "VCF-2026-000123",
                            "status": "under_review",
                            "updated_at": "2026-03-02T09:15:00+00:00",
                            "letters": [],
                        },
                    ),
                    **_errors("Unauthenticated", "NotFound", "TooManyRequests"),
                },
            }
        },
        "/api/v1/tokens": {
            "post": {
                "operationId": "createToken",
                "summary": "Exchange a username and password for a bearer token",
                "security": [],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": _ref("schemas", "Credentials"),
                            "example": {"username": "ivan", "password": "correct-horse-battery"},
                        }
                    },
                },
                "responses": {
                    "201": _json(
                        _ref("schemas", "Token"),
                        "A token.",
                        {"token": "Zm9yIGV4YW1wbGUgb25seQ", "expires_at": "2026-03-02T17:15:00+00:00"},
                    ),
                    **_errors("BadRequest", "Unauthenticated", "Invalid", "TooManyRequests"),
                },
            }
        },
        "/api/v1/tasks": {
            "get": {
                "operationId": "listTasks",
                "summary": "Ready tasks for the caller's roles, oldest first",
                "security": STAFF,
                "parameters": [
                    _query("role", "Only this role's tasks."),
                    limit_parameter(
                        TASKS_PAGE_SIZE, f"Tasks per page (1 to {TASKS_PAGE_SIZE}; empty: {TASKS_PAGE_SIZE})."
                    ),
                    _query("after", 'The cursor of the next page (from the `Link` header\'s rel="next").'),
                ],
                "responses": {
                    "200": _json(
                        {"type": "array", "items": _ref("schemas", "Task")},
                        "A page of tasks.",
                        links={
                            "TaskForm": {
                                "operationId": "taskForm",
                                "parameters": {"form_id": "$response.body#/0/form/id"},
                                "description": "The first task's form.",
                            },
                            "CompleteTask": {
                                "operationId": "completeTask",
                                "parameters": {"task_id": "$response.body#/0/id"},
                                "description": "Complete the first task.",
                            },
                        },
                        headers={
                            "Link": {
                                "description": 'The next page: `<url>; rel="next"`.',
                                "schema": {"type": "string"},
                            }
                        },
                    ),
                    **_errors("Unauthenticated", "Forbidden", "Invalid", "TooManyRequests"),
                },
            }
        },
        "/api/v1/forms/{form_id}": {
            "get": {
                "operationId": "taskForm",
                "summary": "A task's form (JSON Schema) by its id; never changes",
                "security": STAFF,
                "parameters": [_path_parameter("form_id", "`<process version>/<form>.json`.")],
                "responses": {
                    "200": _json({"type": "object"}, "The JSON Schema.", headers={"ETag": ETAG_HEADER}),
                    "304": {"description": "Unchanged (`If-None-Match`)."},
                    **_errors("Unauthenticated", "Forbidden", "NotFound", "TooManyRequests"),
                },
            }
        },
        "/api/v1/tasks/{task_id}/complete": {
            "post": {
                "operationId": "completeTask",
                "summary": "Complete a task with its form as JSON",
                "security": STAFF,
                "parameters": [_path_parameter("task_id", "The task's id."), "IdempotencyKey"],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "description": "The task's form (GET /api/v1/forms/{form_id}).",
                            },
                            "example": {"documents_complete": True},
                        }
                    },
                },
                "responses": {
                    "200": _json(
                        _ref("schemas", "ClaimMoved"),
                        "Done.",
                        {"claim_reference": "VCF-2026-000123", "status": "under_review"},
                    ),
                    **_errors(
                        "BadRequest",
                        "Unauthenticated",
                        "Forbidden",
                        "NotFound",
                        "Conflict",
                        "Invalid",
                        "TooManyRequests",
                    ),
                },
            }
        },
        "/api/v1/claims/{reference}": {
            "get": {
                "operationId": "claimDetail",
                "summary": "A claim for staff, with its ETag",
                "security": STAFF,
                "parameters": [REFERENCE],
                "responses": {
                    "200": _json(_ref("schemas", "Claim"), "The claim.", headers={"ETag": ETAG_HEADER}),
                    "304": {"description": "Unchanged since the `If-None-Match` ETag."},
                    **_errors("Unauthenticated", "Forbidden", "NotFound", "TooManyRequests"),
                },
            }
        },
        "/api/v1/claims/{reference}/events": {
            "get": {
                "operationId": "claimEvents",
                "summary": "A claim's history with its hash chain (auditors, administrators)",
                "security": STAFF,
                "parameters": [REFERENCE],
                "responses": {
                    "200": _json(_ref("schemas", "ClaimEvents"), "The whole history."),
                    **_errors("Unauthenticated", "Forbidden", "NotFound", "TooManyRequests"),
                },
            }
        },
        "/api/v1/claims/{reference}/replay": {
            "post": {
                "operationId": "replayClaim",
                "summary": "Replay a claim's recorded commands (auditors, administrators; read-only)",
                "security": STAFF,
                "parameters": [REFERENCE],
                "responses": {
                    "200": _json(_ref("schemas", "ReplayReport"), "The replay's report."),
                    **_errors("Unauthenticated", "Forbidden", "NotFound", "TooManyRequests"),
                },
            }
        },
        "/api/v1/claims/{reference}/messages/{name}": {
            "post": {
                "operationId": "deliverMessage",
                "summary": "Deliver a message (documents_submitted, payment_confirmed, …) to a claim",
                "security": STAFF,
                "parameters": [
                    REFERENCE,
                    _path_parameter("name", "The message.", "documents_submitted"),
                    {
                        "name": "If-Match",
                        "in": "header",
                        "required": False,
                        "description": "The claim's ETag as read: act only if it is unchanged (else 412).",
                        "schema": {"type": "string"},
                    },
                    "IdempotencyKey",
                ],
                "requestBody": {
                    "required": False,
                    "content": {"application/json": {"schema": {"type": "object"}, "example": {}}},
                },
                "responses": {
                    "200": _json(
                        _ref("schemas", "ClaimMoved"),
                        "Delivered.",
                        {"claim_reference": "VCF-2026-000123", "status": "submitted"},
                    ),
                    "412": {
                        "description": "The claim changed since the `If-Match` ETag was read.",
                        "content": {"application/json": {"schema": _ref("schemas", "Error")}},
                    },
                    **_errors(
                        "BadRequest",
                        "Unauthenticated",
                        "Forbidden",
                        "NotFound",
                        "Conflict",
                        "Invalid",
                        "TooManyRequests",
                    ),
                },
            }
        },
    }


def _register_field_types(plugin: MarshmallowPlugin) -> None:
    """The submission schema's own fields, as the JSON types they take."""
    schema = submission_schema
    plugin.map_to_openapi_type(schema._IsoDate, "string", "date")
    plugin.map_to_openapi_type(schema._StrictBoolean, "boolean", None)
    plugin.map_to_openapi_type(schema._Consent, "boolean", None)
    plugin.map_to_openapi_type(schema._ArticlePart, "string", None)


def build_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of /api/v1."""
    plugin = MarshmallowPlugin()
    spec = APISpec(
        title=TITLE,
        version=VERSION,
        openapi_version="3.1.0",
        plugins=[plugin],
        info={
            "description": "The JSON API of the Victims Compensation Fund's claims system. Errors always "
            "have the shape `Error`. Within v1 changes are only compatible (see the README's Versioning)."
        },
        servers=[{"url": "/"}],
    )
    _register_field_types(plugin)
    # The date only bounds "not after today" checks, which a JSON Schema cannot state anyway.
    spec.components.schema(
        "ClaimSubmission", schema=submission_schema.ClaimSubmissionSchema(today=date(2000, 1, 1))
    )
    for name, component in (
        ("Error", ERROR_SCHEMA),
        ("PaperClaimForm", PAPER_CLAIM_FORM),
        ("SubmittedClaim", SUBMITTED_CLAIM),
        ("ClaimSearchResults", CLAIM_SEARCH_RESULTS),
        ("ClaimStatus", CLAIM_STATUS),
        ("Credentials", CREDENTIALS),
        ("Token", TOKEN),
        ("Task", TASK),
        ("Claim", CLAIM),
        ("ClaimEvents", CLAIM_EVENTS),
        ("ReplayReport", REPLAY_REPORT),
        ("ClaimMoved", CLAIM_MOVED),
    ):
        spec.components.schema(name, copy.deepcopy(component))
    for name, scheme in SECURITY_SCHEMES.items():
        spec.components.security_scheme(name, scheme)
    for name, response in RESPONSES.items():
        spec.components.response(name, copy.deepcopy(response))
    spec.components.parameter(
        IDEMPOTENCY_HEADER.replace("-", ""), "header", copy.deepcopy(IDEMPOTENCY_PARAMETER)
    )
    spec.components.header("RetryAfter", RETRY_AFTER)
    for path, operations in {**_operations(), **copy.deepcopy(PAYOUT_BATCH_OPERATIONS)}.items():
        spec.path(path=path, operations=operations)
    for module_operations in (
        DOCUMENT_OPERATIONS, LETTER_OPERATIONS, RECOURSE_OPERATIONS, CONVERSATION_OPERATIONS
    ):  # fmt: skip
        for path, operations in copy.deepcopy(module_operations).items():
            spec.path(path=path, operations=operations)
    built = spec.to_dict()
    _as_json_schema_says(built["components"]["schemas"])
    return built


def _as_json_schema_says(schemas: dict[str, Any]) -> None:
    """What the marshmallow plugin cannot know: a pattern in JSON Schema's (ECMA-262) terms, not
    Python's (``\\Z`` ends the text), and the article's part taken as text or a whole number."""
    for schema in schemas.values():
        for field in schema.get("properties", {}).values():
            pattern = field.get("pattern")
            if pattern is not None:
                field["pattern"] = "^" + pattern.removesuffix("\\Z") + "$"
    schemas["Crime"]["properties"]["part"] = {
        "type": ["string", "integer"],
        "description": 'The part of the article as the law writes it: "3", "3-1" (or a whole number, 1-10).',
        "examples": ["3", "3-1"],
    }


def document() -> dict[str, Any]:
    """The document, built once per process (per application)."""
    cached = current_app.extensions.get(DOCUMENT_KEY)
    if cached is None:
        cached = current_app.extensions[DOCUMENT_KEY] = build_document()
    return cached


@api_blueprint.get("/openapi.json")
def openapi_document():
    """The API's OpenAPI 3.1 document (public)."""
    response = jsonify(document())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


# ---------------------------------------------------------------------------------------------
# /api/docs: Swagger UI from the swagger-ui-py package.

docs_blueprint = Blueprint("api_docs", __name__, url_prefix="/api/docs")

# Swagger UI sets inline styles on its elements; no inline script runs (the start is a file).
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
DOCS_ASSETS = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png"})
# Swagger UI 5 (it reads OpenAPI 3.1; swagger-ui-bundle's 4.15 does not), as swagger-ui-py ships it.
SWAGGER_UI_FILES = str(files("swagger_ui") / "static")

DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<link rel="stylesheet" href="{{ url_for('api_docs.asset', filename='swagger-ui.css') }}">
<link rel="icon" href="{{ url_for('api_docs.asset', filename='favicon-32x32.png') }}">
<style>
/* Swagger UI's own colours, darkened to WCAG 2.1 AA contrast (tests/e2e/test_accessibility.py). */
.swagger-ui .info .title small.version-stamp { background: #4d7300; }
.swagger-ui .info .url, .swagger-ui .info a { color: #1d5fb4; }
.swagger-ui .btn.authorize { color: #1b7a4f; border-color: #1b7a4f; }
.swagger-ui .btn.authorize svg { fill: #1b7a4f; }
.swagger-ui .opblock.opblock-get .opblock-summary-method { background: #0f62b8; }
.swagger-ui .opblock.opblock-post .opblock-summary-method { background: #1b7a4f; }
.swagger-ui .opblock.opblock-put .opblock-summary-method { background: #8a5300; }
.swagger-ui .opblock.opblock-patch .opblock-summary-method { background: #0f7a66; }
.swagger-ui .opblock.opblock-delete .opblock-summary-method { background: #b3261e; }
.swagger-ui .json-schema-2020-12-expand-deep-button { color: #4d4d4d; }
</style>
</head>
<body>
<div id="swagger-ui" data-url="{{ url_for('api.openapi_document') }}"></div>
<script src="{{ url_for('api_docs.asset', filename='swagger-ui-bundle.js') }}"></script>
<script src="{{ url_for('api_docs.start') }}"></script>
</body>
</html>
"""

START_SCRIPT = """window.addEventListener("load", function () {
  var element = document.getElementById("swagger-ui");
  // No deep links: they put a link inside each operation's button, which screen readers cannot
  // reach (nested interactive controls). The servers list gets the name Swagger UI leaves out.
  window.ui = SwaggerUIBundle({
    url: element.dataset.url, dom_id: "#swagger-ui", deepLinking: false,
    onComplete: function () {
      var servers = document.getElementById("servers");
      if (servers) { servers.setAttribute("aria-label", "Servers"); }
    }
  });
});
"""


@docs_blueprint.after_request
def _docs_headers(response):
    response.headers["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@docs_blueprint.get("")
def page():
    """The document, browsable (public)."""
    return render_template_string(DOCS_PAGE, title=f"{TITLE} v{VERSION}")


@docs_blueprint.get("/start.js")
def start():
    """Starts Swagger UI on the page's element (a file: the policy allows no inline script)."""
    response = current_app.response_class(START_SCRIPT, mimetype="text/javascript")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@docs_blueprint.get("/assets/<filename>")
def asset(filename: str):
    """Swagger UI's own files, from the swagger-ui-py package."""
    if filename not in DOCS_ASSETS:
        raise NotFound()
    return send_from_directory(SWAGGER_UI_FILES, filename, max_age=86400)


def register(app: Flask) -> None:
    """Serve ``/api/docs`` (the document's route is on the API's blueprint)."""
    app.register_blueprint(docs_blueprint)
