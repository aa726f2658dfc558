"""Payout batches: built by one finance officer, approved by another, cancelled before export.

Money must reach the right account exactly once, so every step re-reads what it relies on:

- **Build** takes the claims whose process waits for the Treasury (status ``approved``) and that
  hold no open or paid payment, checks each claim's amount against its decision (the award the
  process recorded: amount in MCI times the MCI rate), copies amount, IBAN and name into a
  payment, and logs the copy of the IBAN in each claim's access log. A claim whose amount
  disagrees with its decision stops the build, named in the answer. A claim whose account is not
  a valid Kazakh IBAN (stored before task forms checked IBANs) is left out, and
  :func:`claims_left_out` says which and why; the others are built.
- **Approval** is by a second finance officer (four eyes, also a CHECK in the database), and
  checks every payment again against its claim: still waiting for payment, same amount as the
  claim and its decision, same account. Any difference refuses the approval, naming the claims.
- The database has the last word: the partial unique index ``uq_payments_claim_open`` admits one
  ``in_batch`` or ``paid`` payment per claim. Builds on PostgreSQL take the claims with
  ``FOR UPDATE SKIP LOCKED``, so two officers building at once get disjoint batches; should the
  index still refuse a build (a claim taken between our look and our insert), it is built again
  from what is left.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, exists, insert, literal, select, text, update
from sqlalchemy.exc import IntegrityError

from fund.common.access import require_role
from fund.common.errors import Conflict, Forbidden, Invalid, NotFound
from fund.common.time import fund_date
from fund.common.validation import is_valid_kz_iban, normalize_iban
from fund.extensions import db
from fund.models import AccessLogEntry, Claim, Claimant, Payment, PayoutBatch, User, WorkflowInstance
from fund.models.payouts import HOLDING_STATUSES

FINANCE = "finance"
CATEGORIES = ("torture", "trafficking", "sexual_violence_minor", "grave_harm", "death")
BUILD_ATTEMPTS = 3
UNPAYABLE_ACCOUNT = (
    "its account is not a valid Kazakh IBAN; it is left out of payout batches until its bank "
    "details are corrected (the payment_failed message asks intake for them)"
)


@dataclass(frozen=True)
class BatchFilters:
    """Which approved claims a batch takes: decision date from/to (inclusive, Almaty) and category."""

    decided_from: date | None = None
    decided_to: date | None = None
    category: str | None = None


def parse_batch_filters(form: Mapping[str, str]) -> BatchFilters:
    """The filters of the build form (``decided_from``, ``decided_to``, ``category``); Invalid naming
    each wrong field. Empty values mean "any".
    """
    errors: dict[str, list[str]] = {}
    days: dict[str, date | None] = {}
    for name in ("decided_from", "decided_to"):
        value = (form.get(name) or "").strip()
        try:
            days[name] = date.fromisoformat(value) if value else None
        except ValueError:
            errors[name] = ["must be a date as YYYY-MM-DD, e.g. 2026-03-02"]
            days[name] = None
    if days["decided_from"] and days["decided_to"] and days["decided_from"] > days["decided_to"]:
        errors["decided_to"] = ["must be on or after the 'decided from' date"]
    category = (form.get("category") or "").strip() or None
    if category is not None and category not in CATEGORIES:
        errors["category"] = [f"must be empty (any) or one of: {', '.join(CATEGORIES)}"]
    if errors:
        raise Invalid("the batch filters have errors", errors)
    return BatchFilters(days["decided_from"], days["decided_to"], category)


# --- the decision a payment must agree with ----------------------------------------------------------


def payee_iban(claimant_iban: str, process_data: dict[str, Any] | None) -> str:
    """The account to pay: the one entered by "correct bank details" if the process holds one,
    else the claimant's own. Electronic form (no spaces, upper case).
    """
    corrected = (process_data or {}).get("iban")
    return normalize_iban(corrected if isinstance(corrected, str) and corrected else claimant_iban)


def decision_problem(amount_kzt: int | None, amount_mci: int | None, process_data: dict | None) -> str | None:
    """Why the claim's amount cannot be paid, or None when it agrees with the recorded decision."""
    data = process_data or {}
    decided, mci, rate = data.get("amount_kzt"), data.get("amount_mci"), data.get("mci_rate")
    if data.get("decision") != "approve" or not all(isinstance(v, int) for v in (decided, mci, rate)):
        return "has no recorded award decision"
    if decided != mci * rate or decided <= 0:
        return f"its decision does not add up: {mci} MCI × {rate} ≠ {decided} tenge"
    if amount_kzt != decided or amount_mci != mci:
        return f"its amount {amount_kzt} tenge differs from the decided {decided} tenge"
    return None


def _refuse(action: str, problems: list[tuple[str, str]]) -> Conflict:
    named = "; ".join(f"{reference}: {problem}" for reference, problem in problems[:20])
    more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
    return Conflict(
        f"{action} refused, nothing was changed. {named}{more}",
        {"claims": [f"{reference}: {problem}" for reference, problem in problems]},
    )


# --- building --------------------------------------------------------------------------------------


def _take_write_lock() -> None:
    """SQLite has no row locks: take its write lock first, so that two builds run one after the other
    instead of both reading the same claims (PostgreSQL uses FOR UPDATE SKIP LOCKED instead).
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(update(PayoutBatch).where(text("0")).values(status=PayoutBatch.status))


def _lock_eligible_claims(filters: BatchFilters) -> list[Any]:
    """The claims waiting for payment with no open or paid payment, locked for this transaction."""
    return list(db.session.execute(_eligible_claims(filters).with_for_update(of=Claim, skip_locked=True)))


def _eligible_claims(filters: BatchFilters) -> Select:
    """The claims waiting for payment with no open or paid payment, oldest decision first."""
    holding = exists().where(Payment.claim_id == Claim.id, Payment.status.in_(HOLDING_STATUSES))
    query = (
        select(
            Claim.id,
            Claim.reference,
            Claim.amount_kzt,
            Claim.amount_mci,
            Claimant.full_name,
            Claimant.iin,
            Claimant.iban,
            WorkflowInstance.process_data,
        )
        .join(Claimant, Claimant.id == Claim.claimant_id)
        .join(WorkflowInstance, WorkflowInstance.claim_id == Claim.id)
        .where(Claim.status == "approved", ~holding)
        .order_by(Claim.decision_date, Claim.id)
    )
    if filters.decided_from:
        query = query.where(Claim.decision_date >= filters.decided_from)
    if filters.decided_to:
        query = query.where(Claim.decision_date <= filters.decided_to)
    if filters.category:
        query = query.where(Claim.category == filters.category)
    return query


def _has_payable_account(claim: Any) -> bool:
    return is_valid_kz_iban(payee_iban(claim.iban, claim.process_data))


def claims_left_out(user: User, filters: BatchFilters) -> list[tuple[str, str]]:
    """(reference, why) of each approved, unpaid claim matching ``filters`` that a build leaves out:
    its account is not a valid Kazakh IBAN. Finance only.
    """
    require_role(user, FINANCE)
    claims = db.session.execute(_eligible_claims(filters))
    return [(claim.reference, UNPAYABLE_ACCOUNT) for claim in claims if not _has_payable_account(claim)]


def claims_stopping_builds() -> list[tuple[str, str, str]]:
    """(reference, kind, why) of each approved, unpaid claim that a build stops on (kind ``blocks``:
    its amount disagrees with its decision, and the whole build is refused) or leaves out (kind
    ``left_out``: its account is not a valid Kazakh IBAN). Callers check the reader's role.
    """
    stopping = []
    for claim in db.session.execute(_eligible_claims(BatchFilters())):
        problem = decision_problem(claim.amount_kzt, claim.amount_mci, claim.process_data)
        if problem:
            stopping.append((claim.reference, "blocks", problem))
        elif not _has_payable_account(claim):
            stopping.append((claim.reference, "left_out", UNPAYABLE_ACCOUNT))
    return stopping


def build_payout_batch(user: User, filters: BatchFilters, now: datetime) -> PayoutBatch:
    """Build a batch of every approved, unpaid claim matching ``filters``; finance only.

    Refused (Conflict, nothing saved) when no claim matches, when a claim's amount disagrees with
    its decision, or when no claim has a valid account (the claims are named). A claim whose account
    is not a valid Kazakh IBAN is left out, so that it does not hold up the others' payment; see
    :func:`claims_left_out`.
    """
    require_role(user, FINANCE)
    for _ in range(BUILD_ATTEMPTS):
        try:
            batch = _build(user, filters, now)
            db.session.commit()
            return batch
        except IntegrityError:
            # Another build took one of these claims after we read it: build from what is left.
            db.session.rollback()
        except Exception:
            db.session.rollback()
            raise
    raise Conflict("other batches were being built at the same time; build again")


def _build(user: User, filters: BatchFilters, now: datetime) -> PayoutBatch:
    _take_write_lock()
    claims = _lock_eligible_claims(filters)
    if not claims:
        raise Conflict("no approved, unpaid claims match these filters; nothing was built")
    problems: list[tuple[str, str]] = []
    for claim in claims:
        problem = decision_problem(claim.amount_kzt, claim.amount_mci, claim.process_data)
        if problem:
            problems.append((claim.reference, problem))
    if problems:
        raise _refuse("Building the batch was", problems)
    payable = [claim for claim in claims if _has_payable_account(claim)]
    if not payable:
        raise _refuse("Building the batch was", [(claim.reference, UNPAYABLE_ACCOUNT) for claim in claims])
    claims = payable

    batch = PayoutBatch(
        reference=f"building-{user.id}-{now.timestamp()}",  # replaced below, once the id is known
        status="built",
        decided_from=filters.decided_from,
        decided_to=filters.decided_to,
        category=filters.category,
        payment_count=len(claims),
        total_kzt=sum(claim.amount_kzt for claim in claims),
        created_by=user.username,
        created_at=now,
    )
    db.session.add(batch)
    db.session.flush()
    batch.reference = f"PB-{fund_date(now).year}-{batch.id:06d}"
    db.session.execute(
        insert(Payment),
        [
            {
                "claim_id": claim.id,
                "batch_id": batch.id,
                "amount_kzt": claim.amount_kzt,
                "creditor_iban": payee_iban(claim.iban, claim.process_data),
                "creditor_name": claim.full_name,
                "creditor_iin": claim.iin,
                "status": "in_batch",
                "end_to_end_id": f"{claim.reference}-B{batch.id}",
            }
            for claim in claims
        ],
    )
    log_batch_access(batch, user, now, f"payout batch {batch.reference}: built (account copied)")
    db.session.flush()
    return batch


def log_batch_access(batch: PayoutBatch, user: User, now: datetime, what: str) -> None:
    """One access-log entry per claim of the batch, written by the database in one statement."""
    access_log = AccessLogEntry.__table__
    db.session.execute(
        access_log.insert().from_select(
            ["claim_id", "username", "viewed_at", "what"],
            select(
                Payment.claim_id,
                literal(user.username, access_log.c.username.type),
                literal(now, access_log.c.viewed_at.type),
                literal(what[:100], access_log.c.what.type),
            ).where(Payment.batch_id == batch.id),
        )
    )


# --- approving and cancelling ----------------------------------------------------------------------


def lock_batch(batch_id: int) -> PayoutBatch:
    """The batch, locked for this transaction and read as last committed; NotFound if none."""
    _take_write_lock()
    batch = db.session.scalar(
        select(PayoutBatch)
        .where(PayoutBatch.id == batch_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if batch is None:
        raise NotFound(f"no payout batch {batch_id}")
    return batch


def approval_problems(batch: PayoutBatch) -> list[tuple[str, str]]:
    """Each payment of the batch checked again against its claim: (claim reference, problem)."""
    rows = db.session.execute(
        select(
            Claim.reference,
            Claim.status,
            Claim.amount_kzt,
            Claim.amount_mci,
            Claimant.iban,
            WorkflowInstance.process_data,
            Payment.amount_kzt.label("paying"),
            Payment.creditor_iban,
        )
        .join(Claim, Claim.id == Payment.claim_id)
        .join(Claimant, Claimant.id == Claim.claimant_id)
        .join(WorkflowInstance, WorkflowInstance.claim_id == Claim.id)
        .where(Payment.batch_id == batch.id, Payment.status == "in_batch")
        .order_by(Payment.id)
    )
    problems = []
    for row in rows:
        problem = decision_problem(row.amount_kzt, row.amount_mci, row.process_data)
        if row.status != "approved":
            problem = f"the claim is no longer waiting for payment (status {row.status})"
        elif problem is None and row.paying != row.amount_kzt:
            problem = f"the batch pays {row.paying} tenge but the claim's amount is {row.amount_kzt} tenge"
        elif problem is None and row.creditor_iban != payee_iban(row.iban, row.process_data):
            problem = "the claimant's account changed since the batch was built"
        if problem:
            problems.append((row.reference, problem))
    return problems


def approve_payout_batch(user: User, batch_id: int, now: datetime) -> PayoutBatch:
    """Approve a built batch; finance, and not the officer who built it (four eyes).

    Every payment is checked again against its claim first; any difference refuses the approval
    (Conflict naming the claims) and nothing changes.
    """
    require_role(user, FINANCE)
    try:
        batch = lock_batch(batch_id)
        if batch.status != "built":
            raise Conflict(f"batch {batch.reference} is {batch.status}; only a built batch can be approved")
        if batch.created_by == user.username:
            raise Forbidden(
                f"batch {batch.reference} was built by you: "
                "another finance officer must approve it (four eyes)"
            )
        problems = approval_problems(batch)
        if problems:
            raise _refuse(f"Approval of {batch.reference} was", problems)
        batch.status = "approved"
        batch.approved_by = user.username
        batch.approved_at = now
        batch.execution_date = fund_date(now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return batch


def cancel_payout_batch(user: User, batch_id: int, now: datetime) -> PayoutBatch:
    """Cancel a batch that has not been exported; its claims are free for a later batch. Finance only."""
    require_role(user, FINANCE)
    try:
        batch = lock_batch(batch_id)
        if batch.status not in ("built", "approved"):
            raise Conflict(
                f"batch {batch.reference} is {batch.status}; only a batch not yet exported can be cancelled"
            )
        db.session.execute(
            update(Payment)
            .where(Payment.batch_id == batch.id, Payment.status == "in_batch")
            .values(status="cancelled")
        )
        batch.status = "cancelled"
        batch.cancelled_by = user.username
        batch.cancelled_at = now
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return batch


# --- reading ---------------------------------------------------------------------------------------


def authorize(user: User) -> User:
    """The user, if they may work payouts (finance); Forbidden otherwise."""
    return require_role(user, FINANCE)


def list_payout_batches(
    user: User, limit: int | None = None, older_than: int | None = None
) -> list[PayoutBatch]:
    """Every batch, newest first; finance only. A page of them with ``limit`` (at most that many)
    and ``older_than`` (only batches with a smaller id: the API's cursor)."""
    require_role(user, FINANCE)
    query = select(PayoutBatch).order_by(PayoutBatch.id.desc())
    if older_than is not None:
        query = query.where(PayoutBatch.id < older_than)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def get_payout_batch(user: User, batch_id: int) -> PayoutBatch:
    """One batch; finance only; NotFound if there is none."""
    require_role(user, FINANCE)
    batch = db.session.get(PayoutBatch, batch_id)
    if batch is None:
        raise NotFound(f"no payout batch {batch_id}")
    return batch


def batch_payments(batch: PayoutBatch) -> list[Payment]:
    """The batch's payments with their claims, in register order."""
    return list(db.session.scalars(select(Payment).where(Payment.batch_id == batch.id).order_by(Payment.id)))
