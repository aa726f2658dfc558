"""Recourse (Art. 11) and the fund's ledger over the API, with the roles of the pages.

- ``POST /convictions``: finance records a verdict (:func:`fund.recourse.cases.record_conviction`);
  the recourse cases now due open in the same transaction.
- ``GET /claims/<reference>/recourse``: the claim's recourse case (finance and auditors), offenders
  shown as the case page shows them (finance: names; auditors: initials; IINs masked).
- ``POST /claims/<reference>/recourse/payments``: finance records money an offender paid back
  (:func:`fund.recourse.cases.record_recovered_payment`; over-recovery is refused).
- ``GET /ledger``: the ledger's totals and its months, newest first, a page at a time
  (:func:`fund.recourse.ledger.fund_ledger`: finance, auditors, administrators, approvers).

The services check the roles and the rules; these views only read JSON into the services' inputs
(a wrong type is refused here, naming the field) and name the services' fields as the JSON does
(``offenders.0.iin`` for the form's ``offenders-0-iin``).
"""

from __future__ import annotations

from base64 import urlsafe_b64decode, urlsafe_b64encode
from binascii import Error as Base64Error
from datetime import date
from typing import Any

from flask import g, jsonify, request, url_for

from fund.api import idempotency, paging
from fund.api.operation_parts import (
    IDEMPOTENCY_KEY,
    REFERENCE,
    STAFF,
    after_parameter,
    error_responses,
    limit_parameter,
)
from fund.api.routes import api_blueprint, json_body, staff_only
from fund.common.errors import Invalid
from fund.common.time import utc_now
from fund.recourse import cases as recourse
from fund.recourse import ledger as ledger_service
from fund.recourse import pages as recourse_pages

CONVICTION_FIELDS = ("erdr_number", "court", "verdict_date", "verdict_number", "offenders")
OFFENDER_FIELDS = ("full_name", "iin")
PAYMENT_FIELDS = ("debt_id", "amount_kzt", "received_on", "treasury_reference")
LEDGER_PAGE_SIZE = 60  # months
TEXT_MESSAGE = "must be text"
WHOLE_NUMBER_MESSAGE = "must be a whole number"
UNKNOWN_FIELD_MESSAGE = "is not a field here; allowed: %s"


def _object(data: Any, path: str, allowed: tuple[str, ...], errors: dict[str, list[str]]) -> dict[str, Any]:
    """``data`` as a JSON object with only ``allowed`` keys (else the problems, in ``errors``)."""
    if not isinstance(data, dict):
        errors[path or "_schema"] = ["must be a JSON object"]
        return {}
    for key in data:
        if key not in allowed:
            errors[f"{path}.{key}" if path else key] = [UNKNOWN_FIELD_MESSAGE % ", ".join(allowed)]
    return data


def _text(data: dict[str, Any], name: str, path: str, errors: dict[str, list[str]]) -> str:
    """A text field as the service takes it ('' when absent: the service says it is required)."""
    value = data.get(name, "")
    if not isinstance(value, str):
        errors[path] = [TEXT_MESSAGE]
        return ""
    return value


def _whole_number(data: dict[str, Any], name: str, errors: dict[str, list[str]]) -> str:
    """A whole-number field as the text the service reads (it checks the value)."""
    value = data.get(name, "")
    if isinstance(value, bool) or not isinstance(value, int | str):
        errors[name] = [WHOLE_NUMBER_MESSAGE]
        return ""
    return str(value)


def _json_fields(fields: dict[str, list[str]]) -> dict[str, list[str]]:
    """The form's ``offenders-<i>-<field>`` as the JSON's ``offenders.<i>.<field>``."""
    return {
        name.replace("-", ".") if name.startswith("offenders-") else name: m for name, m in fields.items()
    }


# --- convictions -----------------------------------------------------------------------------------


@api_blueprint.post("/convictions")
@idempotency.idempotent
@staff_only
def record_conviction():
    """Record a verdict with its convicted offenders (finance); the recourse cases due open."""
    errors: dict[str, list[str]] = {}
    data = _object(json_body(), "", CONVICTION_FIELDS, errors)
    offenders_data = data.get("offenders", [])
    offenders: list[recourse.OffenderInput] = []
    if not isinstance(offenders_data, list):
        errors["offenders"] = ["must be a list of {full_name, iin}"]
    elif len(offenders_data) > recourse.MAX_OFFENDERS:
        errors["offenders"] = [f"at most {recourse.MAX_OFFENDERS} offenders; record more as another verdict"]
    else:
        for index, item in enumerate(offenders_data):
            path = f"offenders.{index}"
            offender = _object(item, path, OFFENDER_FIELDS, errors)
            offenders.append(
                recourse.OffenderInput(
                    _text(offender, "full_name", f"{path}.full_name", errors),
                    _text(offender, "iin", f"{path}.iin", errors),
                )
            )
    entered = recourse.ConvictionInput(
        erdr_number=_text(data, "erdr_number", "erdr_number", errors),
        court=_text(data, "court", "court", errors),
        verdict_date=_text(data, "verdict_date", "verdict_date", errors),
        verdict_number=_text(data, "verdict_number", "verdict_number", errors),
        offenders=offenders,
    )
    if errors:
        raise Invalid("the conviction has errors", errors)
    try:
        conviction = recourse.record_conviction(g.user, entered, utc_now())
    except Invalid as error:
        raise Invalid(error.message, _json_fields(error.fields)) from error
    body = {
        "id": conviction.id,
        "erdr_number": conviction.erdr_number,
        "court": conviction.court,
        "verdict_date": conviction.verdict_date.isoformat(),
        "verdict_number": conviction.verdict_number,
        "offenders": len(conviction.offenders),
        "recorded_by": conviction.recorded_by,
        "recorded_at": conviction.recorded_at.isoformat(),
    }
    return jsonify(body), 201


# --- a claim's recourse case -----------------------------------------------------------------------


def _case_json(view: recourse_pages.CaseView) -> dict[str, Any]:
    row = view.row
    return {
        "reference": row.reference,
        "erdr_number": row.erdr_number,
        "state": row.state,
        "paid_on": row.paid_on.isoformat(),
        "opened_at": row.opened_at.isoformat(),
        "opened_by": view.opened_by,
        "settled_at": view.settled_at.isoformat() if view.settled_at else None,
        "amount_paid_kzt": row.amount_paid_kzt,
        "recovered_kzt": row.recovered_kzt,
        "outstanding_kzt": row.outstanding_kzt,
        "verdicts": view.verdicts,
        "debts": [
            {
                "id": debt.id,
                "offender": {"name": debt.offender.name, "iin": debt.offender.iin},
                "owed_kzt": debt.owed_kzt,
                "recovered_kzt": debt.recovered_kzt,
                "balance_kzt": debt.balance_kzt,
                "recoverable_kzt": debt.recoverable_kzt,
            }
            for debt in view.debts
        ],
        "recoveries": [
            {
                "received_on": payment.received_on.isoformat(),
                "amount_kzt": payment.amount_kzt,
                "treasury_reference": payment.treasury_reference,
                "offender": payment.offender,
                "recorded_by": payment.recorded_by,
                "recorded_at": payment.recorded_at.isoformat(),
            }
            for payment in view.recoveries
        ],
        "may_record": view.may_record,
    }


@api_blueprint.get("/claims/<reference>/recourse")
@staff_only
def claim_recourse_case(reference: str):
    """The claim's recourse case: debts, recovered payments, outstanding (finance and auditors)."""
    return jsonify(_case_json(recourse_pages.recourse_case_view(g.user, reference)))


@api_blueprint.post("/claims/<reference>/recourse/payments")
@idempotency.idempotent
@staff_only
def record_recovered_payment(reference: str):
    """Record money an offender paid back on the claim's recourse case (finance)."""
    errors: dict[str, list[str]] = {}
    data = _object(json_body(), "", PAYMENT_FIELDS, errors)
    entered = recourse.RecoveryInput(
        debt_id=_whole_number(data, "debt_id", errors),
        amount_kzt=_whole_number(data, "amount_kzt", errors),
        received_on=_text(data, "received_on", "received_on", errors),
        treasury_reference=_text(data, "treasury_reference", "treasury_reference", errors),
    )
    if errors:
        raise Invalid("the payment has errors", errors)
    payment = recourse.record_recovered_payment(g.user, reference, entered, utc_now())
    body = {
        "id": payment.id,
        "debt_id": payment.debt_id,
        "amount_kzt": payment.amount_kzt,
        "received_on": payment.received_on.isoformat(),
        "treasury_reference": payment.treasury_reference,
        "recorded_by": payment.recorded_by,
        "recorded_at": payment.recorded_at.isoformat(),
        "case": _case_json(recourse_pages.recourse_case_view(g.user, reference)),
    }
    return jsonify(body), 201


# --- the ledger ------------------------------------------------------------------------------------


def _month_cursor(month: date) -> str:
    return urlsafe_b64encode(f"month|{month:%Y-%m}".encode()).decode().rstrip("=")


def _read_month_cursor(text: str | None) -> date | None:
    """The month a :func:`_month_cursor` names (the last one of the page before); 422 naming ``after``."""
    if not text:
        return None
    try:
        kind, month = urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii").split("|", 1)
        if kind == "month" and len(month) == 7:
            return date.fromisoformat(f"{month}-01")
    except (ValueError, Base64Error, UnicodeDecodeError):
        pass
    raise Invalid("the request has errors", {"after": [paging.CURSOR_MESSAGE]})


def _figures(cell: ledger_service.Figures) -> dict[str, int]:
    return {
        "payments": cell.payments,
        "paid_kzt": cell.paid_kzt,
        "recoveries": cell.recoveries,
        "recovered_kzt": cell.recovered_kzt,
    }


@api_blueprint.get("/ledger")
@staff_only
def ledger():
    """The fund's ledger as the ledger page shows it: totals and outstanding as of now, and the months
    with money moving, newest first, ``limit`` months a page (``next``: the following page)."""
    limit = paging.page_size(request.args.get("limit"), LEDGER_PAGE_SIZE)
    after = _read_month_cursor(request.args.get("after"))
    book = ledger_service.fund_ledger(g.user, utc_now())
    months = [line for line in reversed(book.months) if after is None or line.month < after]
    page, more = months[:limit], len(months) > limit
    next_url = None
    if more:
        keep = {"limit": request.args["limit"]} if request.args.get("limit") else {}
        next_url = url_for("api.ledger", after=_month_cursor(page[-1].month), **keep)
    response = jsonify(
        {
            "as_of": book.as_of.isoformat(),
            "categories": book.categories,
            "total": _figures(book.total),
            "by_category": {code: _figures(cell) for code, cell in sorted(book.by_category.items())},
            "outstanding_kzt": book.outstanding_kzt,
            "outstanding_by_category": dict(sorted(book.outstanding_by_category.items())),
            "open_cases": book.open_cases,
            "months": [
                {
                    "month": f"{line.month:%Y-%m}",
                    "total": _figures(line.total),
                    "by_category": {code: _figures(cell) for code, cell in sorted(line.by_category.items())},
                }
                for line in page
            ],
            "next": next_url,
        }
    )
    if next_url:
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return response


# ---------------------------------------------------------------------------------------------
# The operations' place in the OpenAPI document (merged by fund/api/openapi.py).

DATE = {"type": "string", "format": "date"}
DATE_TIME = {"type": "string", "format": "date-time"}
TENGE = {"type": "integer", "description": "Whole tenge."}
CONVICTION_BODY = {
    "type": "object",
    "required": ["erdr_number", "court", "verdict_date", "verdict_number", "offenders"],
    "additionalProperties": False,
    "properties": {
        "erdr_number": {"type": "string", "pattern": "^[0-9]{15}$", "description": "The case's ERDR number."},
        "court": {"type": "string", "minLength": 1, "maxLength": 200},
        "verdict_date": {**DATE, "description": "Not after today (Almaty)."},
        "verdict_number": {"type": "string", "minLength": 1, "maxLength": 60},
        "offenders": {
            "type": "array",
            "minItems": 1,
            "maxItems": recourse.MAX_OFFENDERS,
            "items": {
                "type": "object",
                "required": ["full_name"],
                "additionalProperties": False,
                "properties": {
                    "full_name": {"type": "string", "minLength": 1, "maxLength": 200},
                    "iin": {"type": "string", "description": "12 digits with a valid check digit, or empty."},
                },
            },
        },
    },
}
CONVICTION = {
    "type": "object",
    "required": ["id", "erdr_number", "court", "verdict_date", "verdict_number", "offenders"],
    "properties": {
        "id": {"type": "integer"},
        "erdr_number": {"type": "string"},
        "court": {"type": "string"},
        "verdict_date": DATE,
        "verdict_number": {"type": "string"},
        "offenders": {"type": "integer", "description": "How many offenders were recorded."},
        "recorded_by": {"type": "string"},
        "recorded_at": DATE_TIME,
    },
}
RECOURSE_CASE = {
    "type": "object",
    "required": ["reference", "state", "amount_paid_kzt", "recovered_kzt", "outstanding_kzt", "debts"],
    "properties": {
        "reference": {"type": "string"},
        "erdr_number": {"type": "string"},
        "state": {"type": "string", "enum": ["open", "settled"]},
        "paid_on": DATE,
        "opened_at": DATE_TIME,
        "opened_by": {"type": "string"},
        "settled_at": {"type": ["string", "null"], "format": "date-time"},
        "amount_paid_kzt": TENGE,
        "recovered_kzt": TENGE,
        "outstanding_kzt": {**TENGE, "description": "What may still be recovered on the case, in tenge."},
        "verdicts": {"type": "array", "items": {"type": "string"}},
        "debts": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer", "description": "The `debt_id` of a recovered payment."},
                    "offender": {
                        "type": "object",
                        "description": "Finance: the name; auditors: initials. The IIN masked.",
                        "properties": {"name": {"type": "string"}, "iin": {"type": "string"}},
                    },
                    "owed_kzt": TENGE,
                    "recovered_kzt": TENGE,
                    "balance_kzt": TENGE,
                    "recoverable_kzt": TENGE,
                },
            },
        },
        "recoveries": {"type": "array", "items": {"type": "object"}},
        "may_record": {"type": "boolean", "description": "Whether the caller may record a payment now."},
    },
}
PAYMENT_BODY = {
    "type": "object",
    "required": ["debt_id", "amount_kzt", "received_on", "treasury_reference"],
    "additionalProperties": False,
    "properties": {
        "debt_id": {
            "type": "integer",
            "description": "The debt of the offender who paid (the case's `debts`).",
        },
        "amount_kzt": {
            "type": "integer",
            "minimum": 1,
            "description": "Whole tenge, at most what is recoverable.",
        },
        "received_on": {**DATE, "description": "The day on the Treasury's document; not after today."},
        "treasury_reference": {"type": "string", "minLength": 1, "maxLength": 60},
    },
}
RECOVERED_PAYMENT = {
    "type": "object",
    "required": ["id", "debt_id", "amount_kzt", "received_on", "treasury_reference", "case"],
    "properties": {
        "id": {"type": "integer"},
        "debt_id": {"type": "integer"},
        "amount_kzt": TENGE,
        "received_on": DATE,
        "treasury_reference": {"type": "string"},
        "recorded_by": {"type": "string"},
        "recorded_at": DATE_TIME,
        "case": RECOURSE_CASE,
    },
}
FIGURES = {
    "type": "object",
    "properties": {"payments": {"type": "integer"}, "paid_kzt": TENGE, "recoveries": {"type": "integer"},
                   "recovered_kzt": TENGE},
}  # fmt: skip
LEDGER = {
    "type": "object",
    "required": ["as_of", "total", "outstanding_kzt", "months", "next"],
    "properties": {
        "as_of": {**DATE, "description": "Today in Almaty: outstanding is a balance as of now."},
        "categories": {"type": "array", "items": {"type": "string"}},
        "total": FIGURES,
        "by_category": {"type": "object", "additionalProperties": FIGURES},
        "outstanding_kzt": TENGE,
        "outstanding_by_category": {"type": "object", "additionalProperties": TENGE},
        "open_cases": {"type": "integer"},
        "months": {
            "type": "array",
            "description": "Months with money moving, newest first (paid by `paid_on`, recovered by "
            "`received_on`, days in Almaty).",
            "items": {
                "type": "object",
                "properties": {
                    "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                    "total": FIGURES,
                    "by_category": {"type": "object", "additionalProperties": FIGURES},
                },
            },
        },
        "next": {"type": ["string", "null"], "description": "The next page's URL (cursor `after`)."},
    },
}
_JSON = "application/json"

OPERATIONS: dict[str, dict[str, Any]] = {
    "/api/v1/convictions": {
        "post": {
            "operationId": "recordConviction",
            "summary": "Record a verdict with its convicted offenders (finance); due recourse cases open",
            "security": STAFF,
            "parameters": [IDEMPOTENCY_KEY],
            "requestBody": {
                "required": True,
                "content": {
                    _JSON: {
                        "schema": CONVICTION_BODY,
                        "example": {
                            "erdr_number": "251750010099999",
                            "court": "Specialised inter-district criminal court of Almaty",
                            "verdict_date": "2026-02-20",
                            "verdict_number": "1-101/2026",
                            "offenders": [{"full_name": "Серік Байұлы Жақсылықов", "iin": ""}],
                        },
                    }
                },
            },
            "responses": {
                "201": {"description": "Recorded.", "content": {_JSON: {"schema": CONVICTION}}},
                **error_responses(
                    "BadRequest", "Unauthenticated", "Forbidden", "Conflict", "Invalid", "TooManyRequests"
                ),
            },
        }
    },
    "/api/v1/claims/{reference}/recourse": {
        "get": {
            "operationId": "claimRecourseCase",
            "summary": "A claim's recourse case: debts, recovered payments, outstanding (finance, auditors)",
            "security": STAFF,
            "parameters": [REFERENCE],
            "responses": {
                "200": {"description": "The case.", "content": {_JSON: {"schema": RECOURSE_CASE}}},
                **error_responses("Unauthenticated", "Forbidden", "NotFound", "TooManyRequests"),
            },
        }
    },
    "/api/v1/claims/{reference}/recourse/payments": {
        "post": {
            "operationId": "recordRecoveredPayment",
            "summary": "Record money an offender paid back on the claim's recourse case (finance)",
            "security": STAFF,
            "parameters": [REFERENCE, IDEMPOTENCY_KEY],
            "requestBody": {
                "required": True,
                "content": {
                    _JSON: {
                        "schema": PAYMENT_BODY,
                        "example": {
                            "debt_id": 1,
                            "amount_kzt": 50000,
                            "received_on": "2026-03-05",
                            "treasury_reference": "TR-2026-0042",
                        },
                    }
                },
            },
            "responses": {
                "201": {"description": "Recorded.", "content": {_JSON: {"schema": RECOVERED_PAYMENT}}},
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
        }
    },
    "/api/v1/ledger": {
        "get": {
            "operationId": "ledger",
            "summary": "The fund's ledger: paid, recovered, outstanding; months newest first, paged",
            "security": STAFF,
            "parameters": [
                limit_parameter(
                    LEDGER_PAGE_SIZE, f"Months per page (1 to {LEDGER_PAGE_SIZE}; empty: {LEDGER_PAGE_SIZE})."
                ),
                after_parameter("The cursor of the next page (from `next` or the `Link` header)."),
            ],
            "responses": {
                "200": {
                    "description": "The ledger.",
                    "headers": {
                        "Link": {
                            "description": 'The next page: `<url>; rel="next"`.',
                            "schema": {"type": "string"},
                        }
                    },
                    "content": {_JSON: {"schema": LEDGER}},
                },
                **error_responses("Unauthenticated", "Forbidden", "Invalid", "TooManyRequests"),
            },
        }
    },
}
