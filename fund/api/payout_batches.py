"""Payout batches over the API, for the Treasury's and the fund's finance systems.

The same services as the pages in :mod:`fund.payouts.views`, with the same roles and rules: every
operation needs the finance role, a batch is approved by another finance officer than the one who
built it (four eyes, 403 in the API's error shape), and the Treasury's files and status file are
the very ones the pages hand out and take.

=====================================================  =============================================
``GET  /api/v1/payout-batches``                        the batches, newest first, a page at a time
``POST /api/v1/payout-batches``                        build a batch (JSON filters; Idempotency-Key)
``GET  /api/v1/payout-batches/<id>``                   a batch: its payments and totals
``POST /api/v1/payout-batches/<id>/approve``           approve it, as another officer (Idempotency-Key)
``POST /api/v1/payout-batches/<id>/cancel``            cancel it before export (Idempotency-Key)
``POST /api/v1/payout-batches/<id>/register.csv``      the payment register (CSV)
``POST /api/v1/payout-batches/<id>/pain001.xml``       the ISO 20022 pain.001.001.09 file
``POST /api/v1/payout-results``                        import the Treasury's status file (multipart
                                                       part ``status_file``; Idempotency-Key)
=====================================================  =============================================

The two files are downloaded with a POST, as on the page: the first download marks the batch
exported (it can no longer be cancelled) and every download is written to each claim's access log,
so that no prefetcher or cache may fetch one by itself. Answers naming claimants are never stored
(``Cache-Control: no-store``); accounts are masked except in the files.
"""

from __future__ import annotations

from base64 import urlsafe_b64decode, urlsafe_b64encode
from binascii import Error as Base64Error
from collections.abc import Mapping
from typing import Any

from flask import Response, g, jsonify, request, url_for

from fund.api import idempotency, paging
from fund.api.routes import api_blueprint, json_body, staff_only
from fund.claims.personal_data import mask_iban
from fund.common.errors import BadRequest, Invalid
from fund.common.time import utc_now
from fund.models import PayoutBatch
from fund.payouts import batches as payout_batches
from fund.payouts.register import RegisterFile, export_pain001, export_register_csv
from fund.payouts.results import RESULT_MESSAGES, ImportReport, RowOutcome, import_payment_results
from fund.web.downloads import attachment

BATCHES_PAGE_SIZE = 100
FILTER_FIELDS = ("decided_from", "decided_to", "category")
STATUS_FILE_PART = "status_file"
REPEATED_MESSAGE = "must be given at most once"
CURSOR_MESSAGE = "is not a cursor this API gave: follow the answer's 'next' link as it is"
FILTERS_MESSAGE = (
    "the body is a JSON object with the optional filters decided_from and decided_to (YYYY-MM-DD, "
    "the decision date in Almaty) and category; an empty body builds from every approved, unpaid claim"
)
UNKNOWN_FILTER_MESSAGE = f"is not a filter here; allowed: {', '.join(FILTER_FIELDS)}"
STATUS_FILE_MESSAGE = (
    "the Treasury's status file is sent as multipart/form-data, in the file part 'status_file' "
    "(e.g. curl -F status_file=@status.csv)"
)
UNKNOWN_PART_MESSAGE = "is not a part here; allowed: status_file"
NOT_A_FILE_MESSAGE = (
    "must be a file part (with a file name), not a text field: e.g. -F status_file=@status.csv"
)
RESULTS_BY_MESSAGE = {message: result for result, message in RESULT_MESSAGES.items()}


# --- the answers -----------------------------------------------------------------------------------


def _moment(value) -> str | None:
    return value.isoformat() if value is not None else None


def batch_json(batch: PayoutBatch) -> dict[str, Any]:
    """A batch as the list shows it: its state, count and total (integer tenge), who did what."""
    return {
        "id": batch.id,
        "reference": batch.reference,
        "status": batch.status,
        "payment_count": batch.payment_count,
        "total_kzt": batch.total_kzt,
        "filters": {
            "decided_from": _moment(batch.decided_from),
            "decided_to": _moment(batch.decided_to),
            "category": batch.category,
        },
        "created_by": batch.created_by,
        "created_at": _moment(batch.created_at),
        "approved_by": batch.approved_by,
        "approved_at": _moment(batch.approved_at),
        "execution_date": _moment(batch.execution_date),
        "exported_by": batch.exported_by,
        "exported_at": _moment(batch.exported_at),
        "cancelled_by": batch.cancelled_by,
        "cancelled_at": _moment(batch.cancelled_at),
        "url": url_for("api.payout_batch", batch_id=batch.id),
    }


def batch_detail_json(batch: PayoutBatch) -> dict[str, Any]:
    """A batch with its payments (accounts masked, as on the page) and totals by payment state."""
    payments = payout_batches.batch_payments(batch)
    by_status: dict[str, list[int]] = {}
    for payment in payments:
        by_status.setdefault(payment.status, []).append(payment.amount_kzt)
    files = {}
    if batch.status in ("approved", "exported"):
        files = {
            "register_csv": url_for("api.payout_batch_register_csv", batch_id=batch.id),
            "pain001": url_for("api.payout_batch_pain001", batch_id=batch.id),
        }
    return {
        **batch_json(batch),
        "totals": [
            {"status": status, "payments": len(amounts), "total_kzt": sum(amounts)}
            for status, amounts in sorted(by_status.items())
        ],
        "payments": [
            {
                "claim_reference": payment.claim.reference,
                "recipient_name": payment.creditor_name,
                "recipient_iban": mask_iban(payment.creditor_iban),
                "amount_kzt": payment.amount_kzt,
                "end_to_end_id": payment.end_to_end_id,
                "status": payment.status,
                "paid_on": _moment(payment.paid_on),
                "failure_reason": payment.failure_reason,
            }
            for payment in payments
        ],
        "files": files,
    }


def _row_json(row: RowOutcome) -> dict[str, Any]:
    return {
        "line": row.line,
        "end_to_end_id": row.end_to_end_id,
        "claim_reference": row.claim_reference,
        "outcome": row.outcome,
    }


def report_json(report: ImportReport) -> dict[str, Any]:
    """What an import did, row by row (``line`` is the file's line, the header being line 1)."""
    return {
        "file_sha256": report.file_sha256,
        "rows": report.rows,
        "changed_nothing": report.changed_nothing,
        "applied": [
            {**_row_json(row), "result": RESULTS_BY_MESSAGE.get(row.outcome)} for row in report.applied
        ],
        "already_applied": [_row_json(row) for row in report.already_applied],
        "refused": [_row_json(row) for row in report.refused],
    }


def _not_stored(response: Response) -> Response:
    """Answers naming claimants stay in no browser's or proxy's cache, as the pages' do."""
    response.headers["Cache-Control"] = "no-store"
    return response


# --- reading the request ---------------------------------------------------------------------------


def batch_cursor(batch_id: int) -> str:
    """The cursor after a batch (the list is newest first, so: older than this one), opaque."""
    return urlsafe_b64encode(f"payout-batch|{batch_id}".encode()).decode().rstrip("=")


def read_batch_cursor(text: str | None) -> int | None:
    """The batch id a :func:`batch_cursor` names; None without one; 422 naming ``after``."""
    if not text:
        return None
    try:
        kind, _, number = urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii").partition("|")
    except (ValueError, Base64Error, UnicodeDecodeError):
        kind, number = "", ""
    if kind != "payout-batch" or not number.isascii() or not number.isdigit() or len(number) > 18:
        raise Invalid("the request has errors", {"after": [CURSOR_MESSAGE]})
    return int(number)


def _query_value(name: str) -> str | None:
    """A query parameter given at most once (``?limit=2&limit=5`` is a mistake, not a choice)."""
    values = request.args.getlist(name)
    if len(values) > 1:
        raise Invalid("the request has errors", {name: [REPEATED_MESSAGE]})
    return values[0] if values else None


def batch_filters(body: Any) -> payout_batches.BatchFilters:
    """The build's filters from its JSON body, checked by the page's own parser; 422 naming each
    wrong field (an unknown one too: a misspelt filter must not build a batch of everything)."""
    if not isinstance(body, dict):
        raise Invalid(FILTERS_MESSAGE, {"": ["must be a JSON object"]})
    errors = {name: [UNKNOWN_FILTER_MESSAGE] for name in body if name not in FILTER_FIELDS}
    for name in FILTER_FIELDS:
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            errors[name] = ["must be text, or null (or left out) for any"]
    if errors:
        raise Invalid(FILTERS_MESSAGE, errors)
    return payout_batches.parse_batch_filters({name: body.get(name) or "" for name in FILTER_FIELDS})


def status_file_content(form: Mapping[str, str], files: Mapping[str, Any]) -> bytes:
    """The status file's bytes from the multipart parts; 422 naming a part that is not one."""
    unknown = sorted(name for name in {*form, *files} if name != STATUS_FILE_PART)
    errors = {name: [UNKNOWN_PART_MESSAGE] for name in unknown}
    if STATUS_FILE_PART in form:
        errors[STATUS_FILE_PART] = [NOT_A_FILE_MESSAGE]
    if errors:
        raise Invalid(STATUS_FILE_MESSAGE, errors)
    upload = files.get(STATUS_FILE_PART)
    return upload.read() if upload is not None else b""  # none: the service names the part


# --- the routes ------------------------------------------------------------------------------------


@api_blueprint.get("/payout-batches")
@staff_only
def list_payout_batches():
    """The payout batches, newest first, ``limit`` (1 to 100, 100 unless told) at a time; ``next``
    is the next page's link (``?after=<cursor>``), null on the last page. Finance only."""
    limit = paging.page_size(_query_value("limit"), BATCHES_PAGE_SIZE)
    older_than = read_batch_cursor(_query_value("after"))
    found = payout_batches.list_payout_batches(g.user, limit + 1, older_than)
    more, found = len(found) > limit, found[:limit]
    keep = {"limit": request.args["limit"]} if request.args.get("limit") else {}
    next_page = url_for("api.list_payout_batches", after=batch_cursor(found[-1].id), **keep) if more else None
    return _not_stored(jsonify({"batches": [batch_json(batch) for batch in found], "next": next_page}))


@api_blueprint.post("/payout-batches")
@idempotency.idempotent
@staff_only
def build_payout_batch():
    """Build a batch of the approved, unpaid claims the filters choose (finance); 201 with the batch
    and the claims left out with why (an account that is not a valid Kazakh IBAN). 409 when there
    is nothing to build or a claim's amount disagrees with its decision (the claims are named)."""
    payout_batches.authorize(g.user)
    filters = batch_filters(json_body(optional=True))
    batch = payout_batches.build_payout_batch(g.user, filters, utc_now())
    left_out = payout_batches.claims_left_out(g.user, filters)
    body = {
        **batch_detail_json(batch),
        "left_out": [{"claim_reference": reference, "why": why} for reference, why in left_out],
    }
    response = _not_stored(jsonify(body))
    response.status_code = 201
    response.headers["Location"] = url_for("api.payout_batch", batch_id=batch.id)
    return response


@api_blueprint.get("/payout-batches/<int:batch_id>")
@staff_only
def payout_batch(batch_id: int):
    """A batch: its state, who built and approved it, its payments and totals (finance)."""
    return _not_stored(jsonify(batch_detail_json(payout_batches.get_payout_batch(g.user, batch_id))))


@api_blueprint.post("/payout-batches/<int:batch_id>/approve")
@idempotency.idempotent
@staff_only
def approve_payout_batch(batch_id: int):
    """Approve a built batch: finance, not the officer who built it (four eyes: 403); every payment
    is checked against its claim again (409 naming the claims that differ)."""
    batch = payout_batches.approve_payout_batch(g.user, batch_id, utc_now())
    return _not_stored(jsonify(batch_detail_json(batch)))


@api_blueprint.post("/payout-batches/<int:batch_id>/cancel")
@idempotency.idempotent
@staff_only
def cancel_payout_batch(batch_id: int):
    """Cancel a batch not yet exported (finance); its claims can go into another batch (409 once
    exported: the Treasury may already be paying it)."""
    batch = payout_batches.cancel_payout_batch(g.user, batch_id, utc_now())
    return _not_stored(jsonify(batch_detail_json(batch)))


@api_blueprint.post("/payout-batches/<int:batch_id>/register.csv")
@staff_only
def payout_batch_register_csv(batch_id: int):
    """The payment register (CSV) of an approved batch, the page's very bytes; logged per claim."""
    return _download(export_register_csv(g.user, batch_id, utc_now()))


@api_blueprint.post("/payout-batches/<int:batch_id>/pain001.xml")
@staff_only
def payout_batch_pain001(batch_id: int):
    """The batch's ISO 20022 pain.001.001.09 file, the page's very bytes; logged per claim."""
    return _download(export_pain001(g.user, batch_id, utc_now()))


@api_blueprint.post("/payout-results")
@idempotency.idempotent
@staff_only
def import_payout_results():
    """Import the Treasury's status file (finance): every row checked first, and if any is wrong
    422 naming each row (``row <line>``) and field, nothing applied; else each row applied as its
    claim's command. A row already recorded changes nothing, so a file imported again applies
    nothing twice; with an ``Idempotency-Key`` a retry even gets the first answer again."""
    payout_batches.authorize(g.user)
    if request.mimetype != "multipart/form-data":
        raise BadRequest(STATUS_FILE_MESSAGE, {"": ["must be multipart/form-data"]})
    content = status_file_content(request.form, request.files)
    report = import_payment_results(g.user, content, utc_now())
    return _not_stored(jsonify(report_json(report)))


def _download(found: RegisterFile) -> Response:
    return _not_stored(attachment(found.content, found.content_type, found.filename))
