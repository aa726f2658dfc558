"""The Treasury's status file: each payment of an exported batch confirmed as paid, or failed.

The status file is CSV (UTF-8, a BOM is accepted; comma separated; a header row; other columns
are ignored):

=============== ====================================================================
end_to_end_id   the payment's EndToEndId from the register / pain.001 file
status          ``paid`` or ``failed``
amount_kzt      whole tenge, must equal the payment's amount
paid_on         YYYY-MM-DD (Asia/Almaty), required when paid, empty when failed
reason          why it failed (at most 200 characters), required when failed
=============== ====================================================================

The whole file is checked first and refused if any row is wrong (unknown payment, other amount,
a result that contradicts one already recorded, ...): the answer names each row and field, and
nothing is applied. Then each row is applied in its own transaction, as one command on its claim:
``payment_confirmed`` or ``payment_failed`` (with the reason; the process then asks intake to
correct the bank details). A row whose result is already recorded changes nothing and is reported
as such, so importing the same file again, even twice at the same moment, delivers each message
exactly once: the claim's lock serialises the two, and the second finds the payment settled.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from fund.claims.instances import lock_instance
from fund.claims.messages import deliver_message
from fund.common.access import require_role
from fund.common.errors import Invalid, ServiceError
from fund.common.time import fund_date
from fund.extensions import db
from fund.models import Payment, PayoutBatch, User
from fund.payouts.batches import FINANCE

STATUS_FILE_COLUMNS = ("end_to_end_id", "status", "amount_kzt", "paid_on", "reason")
RESULT_MESSAGES = {"paid": "payment_confirmed", "failed": "payment_failed"}
MAX_REASON = 200
LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class ResultRow:
    line: int
    end_to_end_id: str
    status: str
    amount_kzt: int
    paid_on: date | None
    reason: str | None


@dataclass(frozen=True)
class RowOutcome:
    line: int
    end_to_end_id: str
    claim_reference: str
    outcome: str  # payment_confirmed, payment_failed, or why it was not applied


@dataclass
class ImportReport:
    """What an import did: rows applied, rows already applied before, rows refused while applying."""

    file_sha256: str
    rows: int
    applied: list[RowOutcome] = field(default_factory=list)
    already_applied: list[RowOutcome] = field(default_factory=list)
    refused: list[RowOutcome] = field(default_factory=list)

    @property
    def changed_nothing(self) -> bool:
        return not self.applied


def import_payment_results(user: User, content: bytes, now: datetime) -> ImportReport:
    """Apply the Treasury's status file (columns in the module's docstring); finance only.

    Invalid (naming rows and fields, nothing applied) when any row is wrong.
    """
    require_role(user, FINANCE)
    if not content:
        raise Invalid("no status file", {"status_file": ["choose the Treasury's status file (CSV)"]})
    rows, errors = _read_rows(content, fund_date(now))
    payments = _payments_by_end_to_end_id([row.end_to_end_id for row in rows])
    report = ImportReport(hashlib.sha256(content).hexdigest(), len(rows))
    checked = _check_against_payments(rows, payments, report, errors)
    if errors:
        db.session.rollback()
        ordered = dict(sorted(errors.items(), key=lambda item: int(item[0].removeprefix("row "))))
        raise Invalid("the status file was refused; nothing was applied", ordered)
    pending = [(row, payments[row.end_to_end_id].id) for row in checked]
    db.session.rollback()  # end the reading transaction: each row gets a transaction of its own
    for row, payment_id in pending:
        _apply(user, row, payment_id, now, report)
    return report


# --- reading the file ------------------------------------------------------------------------------


def parse_status_file(content: bytes, today: date) -> list[ResultRow]:
    """The rows of a status file, each checked on its own; Invalid naming every wrong row and field."""
    rows, errors = _read_rows(content, today)
    if errors:
        raise Invalid("the status file was refused; nothing was applied", errors)
    return rows


def _read_rows(content: bytes, today: date) -> tuple[list[ResultRow], dict[str, list[str]]]:
    """The well-formed rows and the problems of the others, by "row N"; Invalid if the file is unusable."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Invalid("the status file was refused", {"file": ["must be UTF-8 text (CSV)"]}) from error
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in STATUS_FILE_COLUMNS if name not in header]
    if missing:
        raise Invalid(
            "the status file was refused",
            {"file": [f"the header row must name the columns {', '.join(STATUS_FILE_COLUMNS)}; "
                      f"missing: {', '.join(missing)}"]},
        )  # fmt: skip
    reader.fieldnames = header
    rows: list[ResultRow] = []
    errors: dict[str, list[str]] = {}
    first_line: dict[str, int] = {}
    for number, raw in enumerate(reader, start=2):
        if not any((value or "").strip() for value in raw.values() if isinstance(value, str)):
            continue  # a blank line
        row, problems = _parse_row(number, raw, today)
        if row and row.end_to_end_id in first_line:
            problems.append(
                f"end_to_end_id: {row.end_to_end_id} is already in row {first_line[row.end_to_end_id]}"
            )
        if problems:
            errors[f"row {number}"] = problems
        elif row:
            first_line[row.end_to_end_id] = number
            rows.append(row)
    if not rows and not errors:
        raise Invalid("the status file was refused", {"file": ["has no rows after the header"]})
    return rows, errors


def _parse_row(line: int, raw: dict, today: date) -> tuple[ResultRow | None, list[str]]:
    def value(name: str) -> str:
        found = raw.get(name)
        return found.strip() if isinstance(found, str) else ""

    problems = []
    end_to_end_id, status = value("end_to_end_id"), value("status").lower()
    if not end_to_end_id or len(end_to_end_id) > 35:
        problems.append("end_to_end_id: required, at most 35 characters")
    if status not in RESULT_MESSAGES:
        problems.append("status: must be paid or failed")
    amount_text = value("amount_kzt")
    amount = int(amount_text) if amount_text.isascii() and amount_text.isdigit() else None
    if amount is None or amount == 0:
        problems.append("amount_kzt: must be whole tenge, digits only, more than 0, e.g. 173000")
    paid_on = None
    if status == "paid":
        try:
            paid_on = date.fromisoformat(value("paid_on"))
        except ValueError:
            problems.append("paid_on: a paid row needs the date as YYYY-MM-DD, e.g. 2026-03-05")
        else:
            if paid_on > today:
                problems.append(f"paid_on: {paid_on.isoformat()} is after today")
    elif value("paid_on"):
        problems.append("paid_on: must be empty when the payment failed")
    reason = value("reason") or None
    if status == "failed" and not reason:
        problems.append("reason: a failed row needs the reason the Treasury gave")
    if reason and len(reason) > MAX_REASON:
        problems.append(f"reason: at most {MAX_REASON} characters")
    if status == "paid" and reason:
        reason = None  # a note on a paid row is not a failure reason
    if problems:
        return None, problems
    return ResultRow(line, end_to_end_id, status, amount, paid_on, reason), []


# --- checking against the payments -----------------------------------------------------------------


def _payments_by_end_to_end_id(ids: list[str]) -> dict[str, Payment]:
    found: dict[str, Payment] = {}
    for start in range(0, len(ids), LOOKUP_CHUNK):
        chunk = ids[start : start + LOOKUP_CHUNK]
        for payment in db.session.scalars(select(Payment).where(Payment.end_to_end_id.in_(chunk))):
            found[payment.end_to_end_id] = payment
    return found


def _recorded(payment: Payment) -> str:
    return f"paid on {payment.paid_on.isoformat()}" if payment.status == "paid" else "failed"


def _same_result(payment: Payment, row: ResultRow) -> bool:
    if payment.status == "paid":
        return row.status == "paid" and row.paid_on == payment.paid_on
    return payment.status == "failed" and row.status == "failed"


def _check_against_payments(
    rows: list[ResultRow], payments: dict[str, Payment], report: ImportReport, errors: dict[str, list[str]]
) -> list[ResultRow]:
    """The rows still to apply; rows already applied go to the report, wrong rows to ``errors``."""
    pending: list[ResultRow] = []
    batches = {b.id: b for b in db.session.scalars(select(PayoutBatch).where(
        PayoutBatch.id.in_({p.batch_id for p in payments.values()})))}  # fmt: skip
    for row in rows:
        payment = payments.get(row.end_to_end_id)
        problems: list[str] = []
        if payment is None:
            problems.append(f"end_to_end_id: no payment {row.end_to_end_id} was exported by the fund")
        else:
            batch = batches[payment.batch_id]
            if row.amount_kzt != payment.amount_kzt:
                problems.append(
                    f"amount_kzt: {row.amount_kzt} differs from the {payment.amount_kzt} tenge "
                    f"of {row.end_to_end_id} in batch {batch.reference}"
                )
            if batch.status != "exported":
                problems.append(f"end_to_end_id: batch {batch.reference} is {batch.status}, not exported")
            elif payment.status in ("paid", "failed") and not _same_result(payment, row):
                problems.append(
                    f"status: {row.end_to_end_id} is already recorded as {_recorded(payment)}; "
                    f"the file says {row.status}"
                )
        if problems:
            errors[f"row {row.line}"] = problems
        elif payment.status == "in_batch":
            pending.append(row)
        else:
            report.already_applied.append(
                RowOutcome(
                    row.line, row.end_to_end_id, payment.claim.reference, f"already {_recorded(payment)}"
                )
            )
    return pending


# --- applying one row ------------------------------------------------------------------------------


def _apply(user: User, row: ResultRow, payment_id: int, now: datetime, report: ImportReport) -> None:
    """One claim command: record the result on the payment and deliver the message, or nothing."""
    payment = db.session.get(Payment, payment_id)
    claim = payment.claim
    lock_instance(claim)  # the claim's lock: a second import of the same row waits here
    payment = db.session.scalar(
        select(Payment)
        .where(Payment.id == payment_id)
        .with_for_update(of=Payment)
        .execution_options(populate_existing=True)
    )
    if payment.status != "in_batch":
        db.session.rollback()
        outcome = RowOutcome(row.line, row.end_to_end_id, claim.reference, f"already {_recorded(payment)}")
        (report.already_applied if _same_result(payment, row) else report.refused).append(outcome)
        return
    batch_reference = payment.batch.reference
    payment.status = row.status
    payment.paid_on = row.paid_on
    payment.failure_reason = row.reason
    payment.result_recorded_by = user.username
    payment.result_recorded_at = now
    payload: dict = {
        "batch": batch_reference,
        "end_to_end_id": row.end_to_end_id,
        "amount_kzt": row.amount_kzt,
    }
    if row.status == "paid":
        payload["paid_on"] = row.paid_on.isoformat()
    else:
        payload["reason"] = row.reason
    message = RESULT_MESSAGES[row.status]
    try:
        deliver_message(user, claim.reference, message, payload, now)  # commits, or rolls back
    except ServiceError as error:
        report.refused.append(RowOutcome(row.line, row.end_to_end_id, claim.reference, error.message))
        return
    report.applied.append(RowOutcome(row.line, row.end_to_end_id, claim.reference, message))
