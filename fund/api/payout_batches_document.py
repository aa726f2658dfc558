"""The payout batches' place in the API's OpenAPI document: ``OPERATIONS``, by path and method,
merged by :mod:`fund.api.openapi` (the views are in :mod:`fund.api.payout_batches`).

The errors refer to the document's shared answers (``#/components/responses/...``, the ``Error``
shape), the retries to its ``IdempotencyKey`` header.
"""

from __future__ import annotations

from typing import Any

from fund.api.operation_parts import (
    IDEMPOTENCY_KEY,
    STAFF,
    after_parameter,
    error_responses,
    limit_parameter,
)
from fund.api.payout_batches import BATCHES_PAGE_SIZE, STATUS_FILE_PART
from fund.payouts.batches import CATEGORIES
from fund.payouts.register import REGISTER_COLUMNS
from fund.payouts.results import STATUS_FILE_COLUMNS

DATE = {"type": ["string", "null"], "format": "date"}
MOMENT = {"type": ["string", "null"], "format": "date-time"}
TEXT = {"type": ["string", "null"]}
NO_STORE = {
    "Cache-Control": {"description": "`no-store`: the answer names claimants.", "schema": {"type": "string"}}
}


def _json(schema: dict[str, Any], description: str, example: Any, **extra: Any) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {**NO_STORE, **extra.pop("headers", {})},
        "content": {"application/json": {"schema": schema, "example": example}},
        **extra,
    }


BATCH_ID = {
    "name": "batch_id",
    "in": "path",
    "required": True,
    "description": "The batch's id (`id` in its answers; its reference is `PB-<year>-<id>`).",
    "schema": {"type": "integer", "minimum": 1},
    "example": 7,
}

PAYOUT_BATCH = {
    "type": "object",
    "required": ["id", "reference", "status", "payment_count", "total_kzt", "created_by", "url"],
    "properties": {
        "id": {"type": "integer"},
        "reference": {"type": "string", "examples": ["PB-2026-000007"]},
        "status": {"type": "string", "enum": ["built", "approved", "exported", "cancelled"]},
        "payment_count": {"type": "integer"},
        "total_kzt": {"type": "integer", "description": "Whole tenge."},
        "filters": {
            "type": "object",
            "description": "What the batch was built from (null: any).",
            "properties": {"decided_from": DATE, "decided_to": DATE, "category": TEXT},
        },
        "created_by": {"type": "string"},
        "created_at": MOMENT,
        "approved_by": TEXT,
        "approved_at": MOMENT,
        "execution_date": {**DATE, "description": "The day the Treasury is asked to pay (Almaty)."},
        "exported_by": TEXT,
        "exported_at": MOMENT,
        "cancelled_by": TEXT,
        "cancelled_at": MOMENT,
        "url": {"type": "string"},
    },
}
PAYMENT = {
    "type": "object",
    "properties": {
        "claim_reference": {"type": "string"},
        "recipient_name": {"type": "string"},
        "recipient_iban": {"type": "string", "description": "Masked; the files carry it in full."},
        "amount_kzt": {"type": "integer", "description": "Whole tenge."},
        "end_to_end_id": {"type": "string", "description": "How the Treasury's status file names it."},
        "status": {"type": "string", "enum": ["in_batch", "paid", "failed", "cancelled"]},
        "paid_on": DATE,
        "failure_reason": TEXT,
    },
}
PAYOUT_BATCH_DETAIL = {
    "allOf": [
        PAYOUT_BATCH,
        {
            "type": "object",
            "required": ["totals", "payments", "files"],
            "properties": {
                "totals": {
                    "type": "array",
                    "description": "By payment state.",
                    "items": {
                        "type": "object",
                        "properties": {
                            "status": {"type": "string"},
                            "payments": {"type": "integer"},
                            "total_kzt": {"type": "integer"},
                        },
                    },
                },
                "payments": {"type": "array", "items": PAYMENT},
                "files": {
                    "type": "object",
                    "description": "Where to download the Treasury's files (once approved).",
                    "properties": {"register_csv": {"type": "string"}, "pain001": {"type": "string"}},
                },
            },
        },
    ]
}
BUILT_BATCH = {
    "allOf": [
        PAYOUT_BATCH_DETAIL,
        {
            "type": "object",
            "required": ["left_out"],
            "properties": {
                "left_out": {
                    "type": "array",
                    "description": "Claims the filters chose that the build left out, and why.",
                    "items": {
                        "type": "object",
                        "properties": {"claim_reference": {"type": "string"}, "why": {"type": "string"}},
                    },
                }
            },
        },
    ]
}
BATCH_FILTERS = {
    "type": "object",
    "additionalProperties": False,
    "description": "Which approved, unpaid claims to pay; each filter optional (null or absent: any).",
    "properties": {
        "decided_from": {**DATE, "description": "Decided on or after this day (Almaty)."},
        "decided_to": {**DATE, "description": "Decided on or before this day (Almaty)."},
        "category": {"type": ["string", "null"], "enum": [*CATEGORIES, None]},
    },
}

_ROW = {
    "line": {"type": "integer", "description": "The file's line (the header is line 1)."},
    "end_to_end_id": {"type": "string"},
    "claim_reference": {"type": "string"},
    "outcome": {"type": "string"},
}
IMPORT_REPORT = {
    "type": "object",
    "required": ["file_sha256", "rows", "changed_nothing", "applied", "already_applied", "refused"],
    "properties": {
        "file_sha256": {"type": "string"},
        "rows": {"type": "integer"},
        "changed_nothing": {"type": "boolean"},
        "applied": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {**_ROW, "result": {"type": "string", "enum": ["paid", "failed"]}},
            },
        },
        "already_applied": {"type": "array", "items": {"type": "object", "properties": _ROW}},
        "refused": {"type": "array", "items": {"type": "object", "properties": _ROW}},
    },
}

BATCH_EXAMPLE = {
    "id": 7,
    "reference": "PB-2026-000007",
    "status": "built",
    "payment_count": 1,
    "total_kzt": 173000,
    "filters": {"decided_from": None, "decided_to": None, "category": "torture"},
    "created_by": "farida",
    "created_at": "2026-03-02T09:00:00+00:00",
    "approved_by": None,
    "approved_at": None,
    "execution_date": None,
    "exported_by": None,
    "exported_at": None,
    "cancelled_by": None,
    "cancelled_at": None,
    "url": "/api/v1/payout-batches/7",
}
DETAIL_EXAMPLE = {
    **BATCH_EXAMPLE,
    "totals": [{"status": "in_batch", "payments": 1, "total_kzt": 173000}],
    "payments": [
        {
            "claim_reference": "VCF-2026-000123",
            "recipient_name": "Айгүл Серікқызы Нұрланова",
            "recipient_iban": "KZ86••••••••••••0100",
            "amount_kzt": 173000,
            "end_to_end_id": "VCF-2026-000123-B7",
            "status": "in_batch",
            "paid_on": None,
            "failure_reason": None,
        }
    ],
    "files": {},
}
APPROVED_EXAMPLE = {
    **DETAIL_EXAMPLE,
    "status": "approved",
    "approved_by": "fatima",
    "approved_at": "2026-03-02T10:00:00+00:00",
    "execution_date": "2026-03-02",
    "files": {
        "register_csv": "/api/v1/payout-batches/7/register.csv",
        "pain001": "/api/v1/payout-batches/7/pain001.xml",
    },
}
CANCELLED_EXAMPLE = {
    **DETAIL_EXAMPLE,
    "status": "cancelled",
    "cancelled_by": "fatima",
    "cancelled_at": "2026-03-02T10:00:00+00:00",
    "totals": [{"status": "cancelled", "payments": 1, "total_kzt": 173000}],
    "payments": [{**DETAIL_EXAMPLE["payments"][0], "status": "cancelled"}],
}
REPORT_EXAMPLE = {
    "file_sha256": "9f2c1b7d4a0e6c3f8b5d2a1e7c4f9b0d3a6e8c1f5b2d7a4e0c9f6b3d8a1e5c2f",
    "rows": 1,
    "changed_nothing": False,
    "applied": [
        {
            "line": 2,
            "end_to_end_id": "VCF-2026-000123-B7",
            "claim_reference": "VCF-2026-000123",
            "outcome": "payment_confirmed",
            "result": "paid",
        }
    ],
    "already_applied": [],
    "refused": [],
}
STATUS_FILE_EXAMPLE = ",".join(STATUS_FILE_COLUMNS) + "\r\nVCF-2026-000123-B7,paid,173000,2026-03-05,\r\n"

STAFF_ERRORS = ("Unauthenticated", "Forbidden", "TooManyRequests")


def _batch_links(batch_id: str) -> dict[str, Any]:
    """Links from an answer naming a batch (``batch_id`` a runtime expression) to its operations."""
    return {
        name: {"operationId": operation, "parameters": {"batch_id": batch_id}, "description": description}
        for name, operation, description in (
            ("PayoutBatch", "payoutBatch", "The batch."),
            ("ApprovePayoutBatch", "approvePayoutBatch", "Approve it (another finance officer)."),
            ("CancelPayoutBatch", "cancelPayoutBatch", "Cancel it before export."),
            ("PayoutBatchRegisterCsv", "payoutBatchRegisterCsv", "Its register (CSV), once approved."),
            ("PayoutBatchPain001", "payoutBatchPain001", "Its pain.001 file, once approved."),
        )
    }


def _file(media_type: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {
            **NO_STORE,
            "Content-Disposition": {
                "description": "`attachment; filename=PB-<year>-<id>…`",
                "schema": {"type": "string"},
            },
        },
        "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
    }


OPERATIONS: dict[str, dict[str, dict[str, Any]]] = {
    "/api/v1/payout-batches": {
        "get": {
            "operationId": "listPayoutBatches",
            "summary": "Payout batches, newest first, a page at a time (finance)",
            "security": STAFF,
            "parameters": [
                limit_parameter(
                    BATCHES_PAGE_SIZE, f"Per page: 1 to {BATCHES_PAGE_SIZE} ({BATCHES_PAGE_SIZE} when empty)."
                ),
                after_parameter("The cursor of the next page (in the answer's `next` link)."),
            ],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["batches", "next"],
                        "properties": {
                            "batches": {"type": "array", "items": PAYOUT_BATCH},
                            "next": {"type": ["string", "null"], "description": "The next page, or null."},
                        },
                    },
                    "A page of batches.",
                    {"batches": [BATCH_EXAMPLE], "next": None},
                    links=_batch_links("$response.body#/batches/0/id"),
                ),
                **error_responses("Invalid", *STAFF_ERRORS),
            },
        },
        "post": {
            "operationId": "buildPayoutBatch",
            "summary": "Build a batch of approved, unpaid claims (finance; another officer approves it)",
            "security": STAFF,
            "parameters": [IDEMPOTENCY_KEY],
            "requestBody": {
                "required": False,
                "content": {
                    "application/json": {"schema": BATCH_FILTERS, "example": {"category": "torture"}}
                },
            },
            "responses": {
                "201": _json(
                    BUILT_BATCH,
                    "Built: the batch, and the claims left out with why.",
                    {**DETAIL_EXAMPLE, "left_out": []},
                    headers={"Location": {"description": "The batch.", "schema": {"type": "string"}}},
                    links=_batch_links("$response.body#/id"),
                ),
                **error_responses("BadRequest", "Conflict", "Invalid", *STAFF_ERRORS),
            },
        },
    },
    "/api/v1/payout-batches/{batch_id}": {
        "get": {
            "operationId": "payoutBatch",
            "summary": "A batch with its payments and totals (finance)",
            "security": STAFF,
            "parameters": [BATCH_ID],
            "responses": {
                "200": _json(PAYOUT_BATCH_DETAIL, "The batch.", DETAIL_EXAMPLE),
                **error_responses("NotFound", *STAFF_ERRORS),
            },
        }
    },
    "/api/v1/payout-batches/{batch_id}/approve": {
        "post": {
            "operationId": "approvePayoutBatch",
            "summary": "Approve a built batch: finance, not the officer who built it (four eyes)",
            "description": "Every payment is checked against its claim again; any difference is 409 "
            "naming the claims in `fields.claims`. The officer who built the batch gets 403.",
            "security": STAFF,
            "parameters": [BATCH_ID, IDEMPOTENCY_KEY],
            "responses": {
                "200": _json(PAYOUT_BATCH_DETAIL, "Approved.", APPROVED_EXAMPLE),
                **error_responses("BadRequest", "NotFound", "Conflict", "Invalid", *STAFF_ERRORS),
            },
        }
    },
    "/api/v1/payout-batches/{batch_id}/cancel": {
        "post": {
            "operationId": "cancelPayoutBatch",
            "summary": "Cancel a batch not yet exported; its claims can go into another batch (finance)",
            "security": STAFF,
            "parameters": [BATCH_ID, IDEMPOTENCY_KEY],
            "responses": {
                "200": _json(PAYOUT_BATCH_DETAIL, "Cancelled.", CANCELLED_EXAMPLE),
                **error_responses("BadRequest", "NotFound", "Conflict", "Invalid", *STAFF_ERRORS),
            },
        }
    },
    "/api/v1/payout-batches/{batch_id}/register.csv": {
        "post": {
            "operationId": "payoutBatchRegisterCsv",
            "summary": "Download the payment register (CSV) of an approved batch (finance)",
            "description": "The bytes the page downloads: UTF-8 with a byte order mark, the columns "
            f"{', '.join(REGISTER_COLUMNS)}. A POST, as on the page: the first download marks the batch "
            "exported, and each is written to every claim's access log.",
            "security": STAFF,
            "parameters": [BATCH_ID],
            "responses": {
                "200": _file("text/csv", "The register."),
                **error_responses("NotFound", "Conflict", *STAFF_ERRORS),
            },
        }
    },
    "/api/v1/payout-batches/{batch_id}/pain001.xml": {
        "post": {
            "operationId": "payoutBatchPain001",
            "summary": "Download the ISO 20022 pain.001.001.09 file of an approved batch (finance)",
            "description": "The bytes the page downloads, checked against the ISO 20022 schema. A POST, "
            "as on the page: the first download marks the batch exported, and each is logged per claim.",
            "security": STAFF,
            "parameters": [BATCH_ID],
            "responses": {
                "200": _file("application/xml", "The credit transfer initiation."),
                **error_responses("NotFound", "Conflict", *STAFF_ERRORS),
            },
        }
    },
    "/api/v1/payout-results": {
        "post": {
            "operationId": "importPayoutResults",
            "summary": "Import the Treasury's status file: each payment paid or failed (finance)",
            "description": "CSV, UTF-8, a header row naming the columns "
            f"{', '.join(STATUS_FILE_COLUMNS)}. The whole file is checked first: if any row is wrong, "
            "422 names each in `fields` as `row <line>` with `<column>: <problem>`, and nothing is "
            "applied. A row already recorded changes nothing, so a file imported again applies "
            "nothing twice.",
            "security": STAFF,
            "parameters": [IDEMPOTENCY_KEY],
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": [STATUS_FILE_PART],
                            "additionalProperties": False,
                            "properties": {
                                STATUS_FILE_PART: {
                                    "type": "string",
                                    "format": "binary",
                                    "description": f"The status file (CSV), e.g. `{STATUS_FILE_EXAMPLE!r}`.",
                                }
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": _json(IMPORT_REPORT, "What was applied, row by row.", REPORT_EXAMPLE),
                **error_responses("BadRequest", "Conflict", "Invalid", *STAFF_ERRORS),
            },
        }
    },
}
