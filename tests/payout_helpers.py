"""Helpers for the payout specifications: approved claims made through the real process, finance
officers, and the Treasury's status file.
"""

from __future__ import annotations

from datetime import date

from fund.extensions import db
from fund.models import Claim, Payment, PayoutBatch
from fund.payouts.batches import BatchFilters, approve_payout_batch, build_payout_batch
from tests.conftest import make_iin

STATUS_HEADER = "end_to_end_id,status,amount_kzt,paid_on,reason\r\n"


def approved_claims(submit, officers, count: int, first_serial: int = 1) -> list[str]:
    """``count`` torture claims (40 MCI each), checked, reviewed and approved; their references.

    Each has its own claimant (IIN) so that the register has one row per person.
    """
    references = []
    for n in range(count):
        claimant = {
            "full_name": f"Айгүл Сәрсенова {n}",
            "iin": make_iin(date(1990, 1, 15), serial=first_serial + n * 3, female=True),
            "birth_date": "1990-01-15",
            "phone": "+7 701 234 56 78",
            "email": "aigul@example.kz",
            "language": "kk",
            "iban": "KZ86125KZT5004100100",
        }
        reference = submit(claimant=claimant)["reference"]
        officers.check_documents(reference)
        officers.review(reference)
        officers.approve(reference)
        references.append(reference)
    return references


def finance_officer(staff, username: str):
    return staff.user(username, "finance")


def built_and_approved(staff, now, filters: BatchFilters | None = None) -> PayoutBatch:
    """A batch built by ``farida`` and approved by ``fatima`` (two finance officers)."""
    batch = build_payout_batch(finance_officer(staff, "farida"), filters or BatchFilters(), now)
    return approve_payout_batch(finance_officer(staff, "fatima"), batch.id, now)


def payments_of(batch_id: int) -> list[Payment]:
    db.session.expire_all()
    return list(
        db.session.scalars(db.select(Payment).where(Payment.batch_id == batch_id).order_by(Payment.id))
    )


def claim_of(reference: str) -> Claim:
    db.session.expire_all()
    return db.session.scalar(db.select(Claim).where(Claim.reference == reference))


def status_file(*rows: tuple) -> bytes:
    """A status file: the documented header, then rows (end_to_end_id, status, amount, paid_on, reason)."""
    lines = [STATUS_HEADER] + [",".join(str(value) for value in row) + "\r\n" for row in rows]
    return "".join(lines).encode()


def paid_rows(batch_id: int, paid_on: str = "2026-03-02") -> list[tuple]:
    return [(p.end_to_end_id, "paid", p.amount_kzt, paid_on, "") for p in payments_of(batch_id)]


def empty_built_batch(builder: str = "builder") -> int:
    """A built batch with no payments, straight in the database (for the pages' authorization matrix)."""
    from datetime import UTC, datetime

    batch = PayoutBatch(
        reference="PB-2026-000000",
        status="built",
        payment_count=0,
        total_kzt=0,
        created_by=builder,
        created_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
    )
    db.session.add(batch)
    db.session.commit()
    return batch.id


# Rows that once answered 500 instead of refusing the file, each with the problem the refusal names.
MALFORMED = {
    "an amount of thousands of digits": (
        lambda end_to_end_id: (end_to_end_id, "paid", "9" * 5000, "2026-03-02", ""),
        "amount_kzt: whole tenge of at most 15 digits, e.g. 173000",
    ),
    "a field over 131,072 characters": (
        lambda end_to_end_id: (end_to_end_id, "failed", 173000, "", "account closed " * 10_000),
        "cannot be read as CSV: field larger than field limit (131072)",
    ),
    "a NUL byte in end_to_end_id": (
        lambda end_to_end_id: (f"{end_to_end_id}\x00", "paid", 173000, "2026-03-02", ""),
        "end_to_end_id: must not contain control characters such as NUL",
    ),
}


def malformed_status_file(case: str, good_end_to_end_id: str, bad_end_to_end_id: str) -> tuple[bytes, str]:
    """A status file whose row 2 is right and row 3 is malformed as ``case`` says; and row 3's problem."""
    bad_row, problem = MALFORMED[case]
    good_row = (good_end_to_end_id, "paid", 173000, "2026-03-02", "")
    return status_file(good_row, bad_row(bad_end_to_end_id)), problem
