"""The payment register of an approved batch, for the Treasury: CSV and ISO 20022 pain.001.001.09.

Both files are made only from what the batch recorded when it was built and approved (amount,
account, name and IIN of each payment, the approval time and execution date), never from the
claims as they are now: exporting again gives the same bytes. The first export moves the batch
from ``approved`` to ``exported``; from then on it can no longer be cancelled.

Both files carry claimants' IBANs and IINs, so every export is written to the access log of each
claim of the batch, by the database in one statement (cheap for 10,000 claims).

The fund's own account (the debtor) comes from the configuration, with demo defaults:
``FUND_NAME``, ``FUND_TREASURY_IBAN``, ``FUND_TREASURY_BIC``.

The register CSV (UTF-8 with a byte order mark, comma separated, a header row, one row per payment;
the mark is what tells Excel the file is UTF-8, so that Kazakh and Russian names are not garbled):
``row, end_to_end_id, claim_reference, recipient_name, recipient_iin, recipient_iban, amount_kzt,
currency, purpose, batch_reference, execution_date`` (amount in whole tenge; dates YYYY-MM-DD).
"""

from __future__ import annotations

import csv
import io
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from flask import current_app
from lxml import etree
from sqlalchemy import select

from fund.common.access import require_role
from fund.common.errors import Conflict, ServiceError
from fund.common.validation import is_valid_kz_iban
from fund.extensions import db
from fund.models import Claim, Payment, PayoutBatch, User
from fund.payouts.batches import FINANCE, lock_batch, log_batch_access

log = logging.getLogger(__name__)

PAIN001_NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
CURRENCY = "KZT"
REGISTER_COLUMNS = (
    "row",
    "end_to_end_id",
    "claim_reference",
    "recipient_name",
    "recipient_iin",
    "recipient_iban",
    "amount_kzt",
    "currency",
    "purpose",
    "batch_reference",
    "execution_date",
)
# The demo's debtor: the fund's account at the Treasury (a made-up account with valid check digits)
# and the Treasury's BIC. Real installations set FUND_NAME, FUND_TREASURY_IBAN, FUND_TREASURY_BIC.
DEFAULT_DEBTOR = {
    "FUND_NAME": "Victims Compensation Fund",
    "FUND_TREASURY_IBAN": "KZ77070105KZT0000001",
    "FUND_TREASURY_BIC": "KKMFKZ2A",
}


class MisconfiguredDebtor(ServiceError):
    code, http_status = "misconfigured", 500


class ExportFailed(ServiceError):
    """The program made a file the Treasury would refuse: a defect, logged, never handed out."""

    code, http_status = "export_failed", 500


@dataclass(frozen=True)
class Debtor:
    name: str
    iban: str
    bic: str


@dataclass(frozen=True)
class RegisterFile:
    filename: str
    content_type: str
    content: bytes


def debtor() -> Debtor:
    """The fund's account from the app config or the environment, else the demo defaults; checked."""

    def setting(name: str) -> str:
        return str(current_app.config.get(name) or os.environ.get(name) or DEFAULT_DEBTOR[name]).strip()

    found = Debtor(setting("FUND_NAME"), setting("FUND_TREASURY_IBAN"), setting("FUND_TREASURY_BIC"))
    if not is_valid_kz_iban(found.iban) or " " in found.iban:
        raise MisconfiguredDebtor("FUND_TREASURY_IBAN is not a Kazakh IBAN (20 characters, no spaces)")
    if len(found.bic) not in (8, 11) or not found.bic.isalnum():
        raise MisconfiguredDebtor("FUND_TREASURY_BIC must be a BIC of 8 or 11 letters and digits")
    return found


def purpose(payment: Any) -> str:
    """The remittance text: what the money is for, with the claim's reference."""
    return f"Compensation to a victim, Law 131-VI Art. 9, claim {payment.claim_reference}"


def tenge_decimal(amount_kzt: int) -> str:
    """Whole tenge as the decimal the XML carries, ``173000`` -> ``173000.00``; never via float."""
    if not isinstance(amount_kzt, int) or isinstance(amount_kzt, bool):
        raise TypeError("amounts are whole tenge (int)")
    return f"{amount_kzt}.00"


# --- exports ---------------------------------------------------------------------------------------


def export_register_csv(user: User, batch_id: int, now: datetime) -> RegisterFile:
    """The batch's payment register as CSV (columns in the module's docstring); finance only."""
    batch, payments = _export(user, batch_id, now, "CSV register")
    return RegisterFile(f"{batch.reference}.csv", "text/csv; charset=utf-8", register_csv(batch, payments))


def export_pain001(user: User, batch_id: int, now: datetime) -> RegisterFile:
    """The batch as an ISO 20022 pain.001.001.09 credit transfer initiation; finance only.

    Validated against the official schema before it is handed out when the schema is installed
    (the ``sepaxml`` package ships it); without it the check is skipped and a warning logged.
    """
    batch, payments = _export(user, batch_id, now, "pain.001 XML")
    content = pain001_xml(batch, payments, debtor())
    problems = pain001_problems(content)
    if problems:
        log.error("pain.001 of batch %s fails the schema: %s", batch.reference, problems[:5])
        raise ExportFailed(f"the pain.001 file of {batch.reference} fails the ISO 20022 schema")
    return RegisterFile(f"{batch.reference}.pain.001.xml", "application/xml", content)


def _export(user: User, batch_id: int, now: datetime, what: str) -> tuple[PayoutBatch, list[Any]]:
    require_role(user, FINANCE)
    try:
        batch = lock_batch(batch_id)
        if batch.status not in ("approved", "exported"):
            raise Conflict(
                f"batch {batch.reference} is {batch.status}; only an approved batch can be exported"
            )
        if batch.status == "approved":
            batch.status = "exported"
            batch.exported_by = user.username
            batch.exported_at = now
        log_batch_access(batch, user, now, f"payout batch {batch.reference}: {what} exported")
        debtor()  # a misconfigured account stops the export before anything is recorded
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return batch, register_rows(batch)


def register_rows(batch: PayoutBatch) -> list[Any]:
    """What the files say of each payment, in payment order: plain rows, not ORM objects (10,000 of
    those with their claims cost several times the file itself).
    """
    return list(
        db.session.execute(
            select(
                Payment.end_to_end_id,
                Payment.amount_kzt,
                Payment.creditor_name,
                Payment.creditor_iin,
                Payment.creditor_iban,
                Claim.reference.label("claim_reference"),
            )
            .join(Claim, Claim.id == Payment.claim_id)
            .where(Payment.batch_id == batch.id)
            .order_by(Payment.id)
        )
    )


# --- the files -------------------------------------------------------------------------------------


def register_csv(batch: PayoutBatch, payments: list[Any]) -> bytes:
    """The register rows, in payment order (same input, same bytes)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(REGISTER_COLUMNS)
    execution_date = batch.execution_date.isoformat() if batch.execution_date else ""
    for number, payment in enumerate(payments, start=1):
        writer.writerow(
            (
                number,
                payment.end_to_end_id,
                payment.claim_reference,
                payment.creditor_name,
                payment.creditor_iin,
                payment.creditor_iban,
                payment.amount_kzt,
                CURRENCY,
                purpose(payment),
                batch.reference,
                execution_date,
            )
        )
    return out.getvalue().encode("utf-8-sig")  # with the byte order mark, for Excel


def _add(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{PAIN001_NAMESPACE}}}{tag}", **attributes)
    if text is not None:
        element.text = text
    return element


def _path(parent: etree._Element, path: str, text: str) -> etree._Element:
    """``_path(x, "Id/IBAN", iban)``: nested elements, the last holding ``text``."""
    *outer, last = path.split("/")
    for tag in outer:
        parent = _add(parent, tag)
    return _add(parent, last, text)


def pain001_xml(batch: PayoutBatch, payments: list[Any], account: Debtor) -> bytes:
    """The credit transfer initiation: one group header, one payment information block for the
    whole batch (the fund's account pays), one transaction per payment.
    """
    if batch.approved_at is None or batch.execution_date is None:
        raise Conflict(f"batch {batch.reference} has not been approved")
    count, total = str(len(payments)), tenge_decimal(sum(p.amount_kzt for p in payments))
    document = etree.Element(f"{{{PAIN001_NAMESPACE}}}Document", nsmap={None: PAIN001_NAMESPACE})
    initiation = _add(document, "CstmrCdtTrfInitn")
    header = _add(initiation, "GrpHdr")
    _add(header, "MsgId", batch.reference)
    # The approval instant, not the export's: exporting again gives the same file.
    _add(header, "CreDtTm", batch.approved_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    _add(header, "NbOfTxs", count)
    _add(header, "CtrlSum", total)
    _path(header, "InitgPty/Nm", account.name[:140])

    information = _add(initiation, "PmtInf")
    _add(information, "PmtInfId", batch.reference)
    _add(information, "PmtMtd", "TRF")
    _add(information, "NbOfTxs", count)
    _add(information, "CtrlSum", total)
    _path(information, "ReqdExctnDt/Dt", batch.execution_date.isoformat())
    _path(information, "Dbtr/Nm", account.name[:140])
    debtor_account = _add(information, "DbtrAcct")
    _path(debtor_account, "Id/IBAN", account.iban)
    _add(debtor_account, "Ccy", CURRENCY)
    _path(information, "DbtrAgt/FinInstnId/BICFI", account.bic)
    for payment in payments:
        transaction = _add(information, "CdtTrfTxInf")
        _path(transaction, "PmtId/EndToEndId", payment.end_to_end_id)
        _path(transaction, "Amt/InstdAmt", tenge_decimal(payment.amount_kzt)).set("Ccy", CURRENCY)
        creditor = _add(transaction, "Cdtr")
        _add(creditor, "Nm", payment.creditor_name[:140])
        other = _path(creditor, "Id/PrvtId/Othr/Id", payment.creditor_iin).getparent()
        _path(other, "SchmeNm/Cd", "NIDN")  # national identity number: the claimant's IIN
        _path(transaction, "CdtrAcct/Id/IBAN", payment.creditor_iban)
        _path(transaction, "RmtInf/Ustrd", purpose(payment)[:140])
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)


@lru_cache(maxsize=1)
def pain001_schema() -> etree.XMLSchema | None:
    """The official ISO 20022 schema of pain.001.001.09, if installed (package ``sepaxml``)."""
    try:
        schema_file = resources.files("sepaxml").joinpath("schemas/pain.001.001.09.xsd")
        return etree.XMLSchema(etree.parse(str(schema_file)))
    except (ModuleNotFoundError, OSError, etree.XMLSchemaParseError):
        log.warning("the pain.001.001.09 schema is not installed: pain.001 files are not validated")
        return None


def pain001_problems(content: bytes) -> list[str]:
    """What the official schema finds wrong with the file (empty when valid or when not installed)."""
    schema = pain001_schema()
    if schema is None:
        return []
    if schema.validate(etree.fromstring(content)):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]
