"""A claim's letters over the API: the list, and an issued letter's PDF; the roles of the pages.

- ``GET /claims/<reference>/letters``: staff who may open the claim (its page lists the letters,
  issued or being prepared); the claimant, with ``X-Access-Code``, the issued letters the portal
  shows them and the kinds being prepared.
- ``GET /claims/<reference>/letters/<id>/pdf``: staff whose roles see personal data, the download
  written to the claim's access log (:func:`fund.claims.personal_data.open_letter`); the claimant,
  their own issued letters, as on the portal (:func:`fund.portal.claimant_letter`).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify

from fund import portal
from fund.api.callers import claimant_limited, staff_or_claimant
from fund.api.operation_parts import REFERENCE, STAFF_OR_CLAIMANT, error_responses, integer_path_parameter
from fund.api.routes import api_blueprint
from fund.claims import claim_papers
from fund.claims import personal_data as personal_data_service
from fund.common.time import fund_date, utc_now
from fund.web.downloads import attachment


def _pdf_url(reference: str, letter_id: int) -> str:
    return f"/api/v1/claims/{reference}/letters/{letter_id}/pdf"


@api_blueprint.get("/claims/<reference>/letters")
@claimant_limited("FUND_RATELIMIT_PORTAL_SIGN_IN", methods=("GET", "HEAD"))
def claim_letters(reference: str):
    """A claim's letters: every letter for staff; the issued ones for the claimant (``X-Access-Code``)."""
    caller = staff_or_claimant(reference)
    if caller.user is not None:
        letters = [
            {
                "id": row.id,
                "kind": row.kind,
                "status": row.status,
                "number": row.number,
                "issued_on": fund_date(row.issued_at).isoformat() if row.issued_at else None,
                "language": row.language,
                "pdf": _pdf_url(reference, row.id) if row.status == "issued" else None,
            }
            for row in claim_papers.claim_letters(caller.user, reference)
        ]
        return jsonify({"reference": reference, "letters": letters, "preparing": []})
    view = portal.claimant_view(caller.session, utc_now())
    letters = [
        {
            "id": ref.id,
            "kind": ref.kind,
            "status": "issued",
            "number": ref.number,
            "issued_on": ref.issued_on.isoformat(),
            "language": ref.language,
            "pdf": _pdf_url(view.reference, ref.id),
        }
        for ref in view.letters
    ]
    preparing = list(view.letters_preparing)
    return jsonify({"reference": view.reference, "letters": letters, "preparing": preparing})


@api_blueprint.get("/claims/<reference>/letters/<int:letter_id>/pdf")
@claimant_limited("FUND_RATELIMIT_PORTAL_SIGN_IN", methods=("GET", "HEAD"))
def letter_pdf(reference: str, letter_id: int):
    """An issued letter's PDF: staff (logged in the claim's access log) or its claimant."""
    caller = staff_or_claimant(reference)
    if caller.user is not None:
        found = personal_data_service.open_letter(caller.user, reference, letter_id, utc_now())
        filename, pdf = found.filename, found.content
    else:
        filename, pdf = portal.claimant_letter(caller.session, letter_id)
    response = attachment(pdf, "application/pdf", filename)
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------------------------
# The operations' place in the OpenAPI document (merged by fund/api/openapi.py).

LETTER = {
    "type": "object",
    "required": ["id", "kind", "status", "number", "issued_on", "language", "pdf"],
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "examples": ["acknowledgement", "decision_approved"]},
        "status": {
            "type": "string",
            "description": "`issued`, or (staff only) `due`: being prepared, issued within minutes.",
        },
        "number": {"type": ["string", "null"], "description": "The letter's number, once issued."},
        "issued_on": {"type": ["string", "null"], "format": "date", "description": "The day, in Almaty."},
        "language": {"type": ["string", "null"], "enum": ["kk", "ru", "en", None]},
        "pdf": {"type": ["string", "null"], "description": "Where to download the PDF, once issued."},
    },
}

OPERATIONS: dict[str, dict[str, Any]] = {
    "/api/v1/claims/{reference}/letters": {
        "get": {
            "operationId": "claimLetters",
            "summary": "A claim's letters (staff: all; the claimant: the issued ones)",
            "security": STAFF_OR_CLAIMANT,
            "parameters": [REFERENCE],
            "responses": {
                "200": {
                    "description": "The letters in the order they were made; `preparing`: kinds of "
                    "letters being prepared (for the claimant; staff see them as `due`).",
                    "links": {
                        "LetterPdf": {
                            "operationId": "letterPdf",
                            "parameters": {
                                "reference": "$request.path.reference",
                                "letter_id": "$response.body#/letters/0/id",
                            },
                            "description": "The first letter's PDF.",
                        }
                    },
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["reference", "letters", "preparing"],
                                "properties": {
                                    "reference": {"type": "string"},
                                    "letters": {"type": "array", "items": LETTER},
                                    "preparing": {"type": "array", "items": {"type": "string"}},
                                },
                            },
                            "example": {
                                "reference": "VCF-2026-000123",
                                "letters": [
                                    {
                                        "id": 3,
                                        "kind": "acknowledgement",
                                        "status": "issued",
                                        "number": "VCF-L-2026-000031",
                                        "issued_on": "2026-03-02",
                                        "language": "kk",
                                        "pdf": "/api/v1/claims/VCF-2026-000123/letters/3/pdf",
                                    }
                                ],
                                "preparing": [],
                            },
                        }
                    },
                },
                **error_responses("Unauthenticated", "Forbidden", "NotFound", "TooManyRequests"),
            },
        }
    },
    "/api/v1/claims/{reference}/letters/{letter_id}/pdf": {
        "get": {
            "operationId": "letterPdf",
            "summary": "An issued letter's PDF (staff, written to the access log; or its claimant)",
            "security": STAFF_OR_CLAIMANT,
            "parameters": [
                REFERENCE,
                integer_path_parameter("letter_id", "The letter's id (from the list)."),
            ],
            "responses": {
                "200": {
                    "description": "The PDF, as an attachment.",
                    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
                },
                **error_responses("Unauthenticated", "Forbidden", "NotFound", "TooManyRequests"),
            },
        }
    },
}
