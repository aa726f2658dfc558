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
a result that contradicts one already recorded, a field the CSV reader cannot take, a control
character such as NUL, ...): the answer names every problem of every row, by row and field, and
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
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from fund.claims.instances import lock_instance
from fund.claims.messages import deliver_payment_result
from fund.common.access import require_role
from fund.common.errors import Invalid, ServiceError
from fund.common.time import fund_date
from fund.extensions import db
from fund.models import Payment, PayoutBatch, User
from fund.payouts.batches import FINANCE

STATUS_FILE_COLUMNS = ("end_to_end_id", "status", "amount_kzt", "paid_on", "reason")
RESULT_MESSAGES = {"paid": "payment_confirmed", "failed": "payment_failed"}
MAX_REASON = 200
MAX_AMOUNT_DIGITS = 15  # 999 trillion tenge: more than any payment; an int of 4,300 digits cannot be read
# Control characters other than tab and line breaks: NUL cannot be stored in PostgreSQL text, and
# none of them belongs in a Treasury file.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class ResultRow:
    """What a row says. In a row with problems, a field it gets wrong is empty (None, or "" for
    the end_to_end_id), so that the rest can still be checked against the payment; such a row is
    never applied."""

    line: int
    end_to_end_id: str
    status: str
    amount_kzt: int | None
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
    payments = _payments_by_end_to_end_id([row.end_to_end_id for row in rows if row.end_to_end_id])
    report = ImportReport(hashlib.sha256(content).hexdigest(), len(rows))
    checked = _check_against_payments(rows, payments, report, errors)
    if errors:
        db.session.rollback()
        raise Invalid("the status file was refused; nothing was applied", _in_file_order(errors))
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
        raise Invalid("the status file was refused; nothing was applied", _in_file_order(errors))
    return rows


def _in_file_order(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """The rows in file order ("file" first), each row's problems in the order of the columns."""

    def column(problem: str) -> int:
        name = problem.split(":", 1)[0]
        return STATUS_FILE_COLUMNS.index(name) if name in STATUS_FILE_COLUMNS else len(STATUS_FILE_COLUMNS)

    def place(key: str) -> int:
        return int(key.removeprefix("row ")) if key.startswith("row ") else 0

    return {key: sorted(errors[key], key=column) for key in sorted(errors, key=place)}


def _read_rows(content: bytes, today: date) -> tuple[list[ResultRow], dict[str, list[str]]]:
    """Every row as it reads, and each row's own problems by "row N"; Invalid if the file is unusable."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Invalid("the status file was refused", {"file": ["must be UTF-8 text (CSV)"]}) from error
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in reader.fieldnames or []]
    except csv.Error as error:
        unreadable = {"file": [f"the header row cannot be read as CSV: {error}"]}
        raise Invalid("the status file was refused", unreadable) from error
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
    for number, raw, unreadable in _records(reader):
        if raw is None:
            errors[f"row {number}"] = [f"cannot be read as CSV: {unreadable}"]
            continue
        if not any((value or "").strip() for value in raw.values() if isinstance(value, str)):
            continue  # a blank line
        row, problems = _parse_row(number, raw, today)
        if row.end_to_end_id in first_line:
            problems.append(
                f"end_to_end_id: {row.end_to_end_id} is already in row {first_line[row.end_to_end_id]}"
            )
        elif row.end_to_end_id:
            first_line[row.end_to_end_id] = number
        if problems:
            errors[f"row {number}"] = problems
        rows.append(row)
    if not rows and not errors:
        raise Invalid("the status file was refused", {"file": ["has no rows after the header"]})
    return rows, errors


def _records(reader: csv.DictReader) -> Iterator[tuple[int, dict | None, str]]:
    """(row number, the row's fields, ""), or (row number, None, why) for a row past the reader's
    limits (a field over csv.field_size_limit(), 131,072 characters); reading goes on after it.
    """
    number = 1
    while True:
        number += 1
        try:
            raw = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield number, None, str(error)
        else:
            yield number, raw, ""


def _parse_row(line: int, raw: dict, today: date) -> tuple[ResultRow, list[str]]:
    """What the row says, and every problem it has on its own (the payment is checked later)."""
    values = {name: raw.get(name) for name in STATUS_FILE_COLUMNS}
    values = {name: found.strip() if isinstance(found, str) else "" for name, found in values.items()}
    spoilt = [name for name in STATUS_FILE_COLUMNS if CONTROL_CHARACTERS.search(values[name])]
    problems = [f"{name}: must not contain control characters such as NUL" for name in spoilt]
    values.update(dict.fromkeys(spoilt, ""))  # checked no further, and never sent to the database

    def refuse(name: str, why: str) -> None:
        if name not in spoilt:
            problems.append(f"{name}: {why}")

    end_to_end_id, status = values["end_to_end_id"], values["status"].lower()
    if not 0 < len(end_to_end_id) <= 35:
        refuse("end_to_end_id", "required, at most 35 characters")
        end_to_end_id = ""  # names no payment: not looked up
    if status not in RESULT_MESSAGES:
        refuse("status", "must be paid or failed")
    amount_text = values["amount_kzt"]
    digits = amount_text.isascii() and amount_text.isdigit()
    amount = int(amount_text) if digits and len(amount_text.lstrip("0")) <= MAX_AMOUNT_DIGITS else None
    if not digits or amount == 0:
        refuse("amount_kzt", "must be whole tenge, digits only, more than 0, e.g. 173000")
    elif amount is None:
        refuse("amount_kzt", f"whole tenge of at most {MAX_AMOUNT_DIGITS} digits, e.g. 173000")
    paid_on = None
    if status == "paid":
        try:
            paid_on = date.fromisoformat(values["paid_on"])
        except ValueError:
            refuse("paid_on", "a paid row needs the date as YYYY-MM-DD, e.g. 2026-03-05")
        else:
            if paid_on > today:
                refuse("paid_on", f"{paid_on.isoformat()} is after today")
    elif status == "failed" and values["paid_on"]:
        refuse("paid_on", "must be empty when the payment failed")
    reason = values["reason"] or None
    if status == "failed" and not reason:
        refuse("reason", "a failed row needs the reason the Treasury gave")
    if reason and len(reason) > MAX_REASON:
        refuse("reason", f"at most {MAX_REASON} characters")
    if status == "paid":
        reason = None  # a note on a paid row is not a failure reason
    return ResultRow(line, end_to_end_id, status, amount, paid_on, reason), problems


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


def _contradicts(payment: Payment, row: ResultRow) -> bool:
    """Whether the row says another result than the one recorded (a row too wrong to tell does not)."""
    if row.status not in RESULT_MESSAGES or (row.status == "paid" and row.paid_on is None):
        return False
    return not _same_result(payment, row)


def _against_payment(row: ResultRow, payment: Payment | None, batches: dict[int, PayoutBatch]) -> list[str]:
    """What is wrong with the row given the payment it names (what the row got wrong is not checked)."""
    if payment is None:
        return [f"end_to_end_id: no payment {row.end_to_end_id} was exported by the fund"]
    problems = []
    batch = batches[payment.batch_id]
    if row.amount_kzt is not None and row.amount_kzt != payment.amount_kzt:
        problems.append(
            f"amount_kzt: {row.amount_kzt} differs from the {payment.amount_kzt} tenge "
            f"of {row.end_to_end_id} in batch {batch.reference}"
        )
    if batch.status != "exported":
        problems.append(f"end_to_end_id: batch {batch.reference} is {batch.status}, not exported")
    elif payment.status in ("paid", "failed") and _contradicts(payment, row):
        problems.append(
            f"status: {row.end_to_end_id} is already recorded as {_recorded(payment)}; "
            f"the file says {row.status}"
        )
    return problems


def _check_against_payments(
    rows: list[ResultRow], payments: dict[str, Payment], report: ImportReport, errors: dict[str, list[str]]
) -> list[ResultRow]:
    """The rows still to apply; rows already applied go to the report, every problem to ``errors``."""
    pending: list[ResultRow] = []
    batches = {b.id: b for b in db.session.scalars(select(PayoutBatch).where(
        PayoutBatch.id.in_({p.batch_id for p in payments.values()})))}  # fmt: skip
    for row in rows:
        payment = payments.get(row.end_to_end_id)
        problems = _against_payment(row, payment, batches) if row.end_to_end_id else []
        if problems or f"row {row.line}" in errors:
            errors.setdefault(f"row {row.line}", []).extend(problems)  # with the row's own problems
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
        deliver_payment_result(user, claim, message, payload, now)  # commits both, or rolls back
    except ServiceError as error:
        report.refused.append(RowOutcome(row.line, row.end_to_end_id, claim.reference, error.message))
        return
    report.applied.append(RowOutcome(row.line, row.end_to_end_id, claim.reference, message))
