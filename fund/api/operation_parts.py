"""Parts the API modules' OPERATIONS share (the components they name are in fund/api/openapi.py)."""

from __future__ import annotations

from typing import Any

ERROR = {"$ref": "#/components/schemas/Error"}
IDEMPOTENCY_KEY = "IdempotencyKey"  # apispec makes a component's name its $ref
STAFF = [{"staffToken": []}]
STAFF_OR_CLAIMANT = [{"staffToken": []}, {"claimantAccessCode": []}]
REFERENCE = {
    "name": "reference",
    "in": "path",
    "required": True,
    "description": "The claim's reference.",
    "schema": {"type": "string"},
    "example": "VCF-2026-000123",
}
_STATUS = {
    "BadRequest": "400",
    "Unauthenticated": "401",
    "Forbidden": "403",
    "NotFound": "404",
    "Conflict": "409",
    "Invalid": "422",
    "TooManyRequests": "429",
}


def error_responses(*names: str) -> dict[str, Any]:
    """The shared error answers (``components/responses``) by name, under their status codes."""
    return {_STATUS[name]: {"$ref": f"#/components/responses/{name}"} for name in names}


def integer_path_parameter(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "integer", "minimum": 0},
    }


def limit_parameter(page_size: int, description: str) -> dict[str, Any]:
    """The ``limit`` query parameter of a paged list: 1 to ``page_size``, or empty for the most."""
    return {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": description,
        "schema": {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": page_size},
                {"type": "string", "maxLength": 0},
            ]
        },
    }


def after_parameter(description: str) -> dict[str, Any]:
    """The ``after`` query parameter of a paged list: the cursor the previous page gave."""
    return {
        "name": "after",
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string"},
    }
