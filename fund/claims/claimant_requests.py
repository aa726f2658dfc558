"""A claimant's own details, from the portal's status page: contact details changed at once, a new
bank account asked for and checked by intake, and the claim withdrawn.

- **Contact details** (phone, e-mail, language of letters) change together, checked exactly as the
  application form checks them (:class:`~fund.claims.submission_schema.ClaimantSchema`). The change
  is recorded as a :class:`~fund.models.ClaimantRequest` (``done``) with the fields before and
  after: personal data changes are auditable, and staff see the change on the claim's timeline.
  It is not a command on the process, so it is not in the hash chain (ARCHITECTURE.md: the chain
  holds what replay runs again). From then on e-mails go to the new address in the new language;
  the old address, if there was one and it changed, is told that the details changed (never the
  new values), so a claimant whose access code was stolen learns of it.
- **A new bank account** is only a request (``pending``): it is never paid to until an intake
  officer confirmed it (a changed account is the first thing a fraudster tries). It is not a BPMN
  task: it may come at any point of the claim, whatever the process version, and confirming it
  changes no decision of the process; so it is an officer task of its own, listed for intake on
  the worklist and worked on the claim page. Confirming writes the claimant's account; refusing
  keeps the old one and says why. While the claim's payment is in a payout batch (built, approved
  or exported) the request can be neither made nor confirmed: the batch keeps the account it was
  built with, and finance's approval already refuses a batch whose account changed.
- **Withdrawal** is a command on the claim's process (event ``claim_withdrawn``, in the hash chain:
  it ends the process, so replay must run it): the instance is cancelled, its open tasks leave the
  worklists and its timers are removed. Only while the claim is being considered; a claim granted,
  paid or decided is not withdrawn online (the claimant contacts the fund).

Codes only in refusals (``fields``): the portal says them in the claimant's language.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from fund.claims.history import CLAIM_WITHDRAWN
from fund.claims.instances import lock_instance, run_engine_command
from fund.claims.personal_data import log_access, mask_iban
from fund.claims.search_terms import phone_digits
from fund.claims.submission import PORTAL_ACTOR, get_claim
from fund.claims.submission_schema import ClaimantSchema
from fund.common.access import require_role
from fund.common.errors import Conflict, Invalid, NotFound
from fund.common.time import fund_date
from fund.extensions import db
from fund.letters.service import public_url
from fund.models import (
    AWARDED_STATUSES,
    BANK_ACCOUNT,
    CONTACT_DETAILS,
    Claim,
    Claimant,
    ClaimantRequest,
    Notification,
    Payment,
    PayoutBatch,
    User,
    WorkflowInstance,
)
from fund.models.payouts import HOLDING_STATUSES
from fund.notifications.queue import outbox_row
from fund.notifications.render import render_message
from workflows import engine

CONTACT_FIELDS = ("phone", "email", "language")
INTAKE = "intake"  # who confirms or refuses a new bank account
STAFF_ROLES = (INTAKE, "reviewer", "approver", "finance", "supervisor", "auditor")  # who sees the requests
WITHDRAWN = "withdrawn"
# A claim is withdrawn online only while it is being considered: once granted, paid or decided,
# the claimant contacts the fund.
WITHDRAWABLE_STATUSES = (
    "submitted",
    "documents_requested",
    "under_review",
    "awaiting_approval",
    "reconsideration",
)
REFUSAL_MIN, REFUSAL_MAX = 5, 1000
# The e-mails (kinds of fund.notifications.texts.WORDING); never the new values themselves.
DETAILS_CHANGED = "contact_details_changed"  # to the (new) address, in the (new) language
DETAILS_CHANGED_OLD_ADDRESS = "contact_details_changed_old"  # to the address that was replaced
ACCOUNT_CONFIRMED = "bank_account_confirmed"
ACCOUNT_REFUSED = "bank_account_refused"


@dataclass(frozen=True)
class BankAccountRequest:
    """A request for a new bank account, as pages show it (``iban`` masked unless the page may show it)."""

    id: int
    reference: str
    state: str
    made_at: datetime
    iban: str
    decided_by: str | None
    decided_at: datetime | None
    refusal_reason: str | None


@dataclass(frozen=True)
class OwnDetails:
    """What the claimant's own-details section shows: codes and dates, the account masked."""

    phone: str
    email: str | None
    language: str
    account: str  # the account paid to now, masked
    bank_request: BankAccountRequest | None  # the latest request, whatever its state
    can_request_account: bool
    can_withdraw: bool
    why_not_withdraw: str | None  # "granted", "decided" or "ended" when it cannot


# --- contact details --------------------------------------------------------------------------


def _checked(schema_fields: tuple[str, ...], form: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The fields as the application form takes them; Invalid naming each (``claimant.<field>``)."""
    try:
        return ClaimantSchema(only=schema_fields, today=fund_date(now)).load(
            {name: form.get(name) for name in schema_fields}
        )
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {}
        raise Invalid(
            "the details have errors",
            {f"claimant.{name}": list(problems) for name, problems in messages.items()},
        ) from None


def _notice(claim: Claim, kind: str, language: str, recipient: str | None, key: int, now: datetime) -> dict:
    """An outbox row about the claimant's own request, rendered now (``key``: the request's id,
    negated, as :func:`fund.notifications.queue.message_notification` keys a message)."""
    message = render_message(kind, language, claim.claimant.full_name, claim.reference, {}, public_url())
    return outbox_row(claim.id, -key, kind, message, recipient, now)


def change_contact_details(claim: Claim, form: dict[str, Any], now: datetime) -> list[str]:
    """Change the claimant's phone, e-mail and language together; the names of the fields changed.

    ``form`` holds ``phone``, ``email`` (empty: none) and ``language`` as typed. Invalid (422)
    naming each wrong field (``claimant.phone`` ...) with the application form's codes, or
    ``claimant.phone``: ``no_change`` when nothing differs. One transaction: the claimant's row,
    the recorded change and the e-mails (new address, new language; and the old address, told
    without the new values) are committed together.
    """
    wanted = _checked(CONTACT_FIELDS, form, now)
    claimant = claim.claimant
    before = {"phone": claimant.phone, "email": claimant.email, "language": claimant.language}
    after = {name: wanted.get(name) for name in CONTACT_FIELDS}
    changed = [name for name in CONTACT_FIELDS if before[name] != after[name]]
    if not changed:
        raise Invalid("nothing was changed", {"claimant.phone": ["no_change"]})
    try:
        request = ClaimantRequest(
            claim_id=claim.id, kind=CONTACT_DETAILS, state="done", made_at=now,
            details={"changed": changed, "before": {n: before[n] for n in changed},
                     "after": {n: after[n] for n in changed}},
        )  # fmt: skip
        db.session.add(request)
        claimant.phone, claimant.email, claimant.language = after["phone"], after["email"], after["language"]
        claimant.phone_digits = phone_digits(after["phone"])
        db.session.flush()
        rows = [_notice(claim, DETAILS_CHANGED, after["language"], after["email"], request.id, now)]
        if before["email"] and before["email"] != after["email"]:
            rows.append(
                _notice(
                    claim, DETAILS_CHANGED_OLD_ADDRESS, before["language"], before["email"], request.id, now
                )
            )
        db.session.execute(Notification.__table__.insert(), rows)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return changed


# --- a new bank account -----------------------------------------------------------------------


def _payment_in_batch(claim_id: int) -> str | None:
    """The reference of the payout batch holding the claim's payment, or None."""
    return db.session.scalar(
        select(PayoutBatch.reference)
        .join(Payment, Payment.batch_id == PayoutBatch.id)
        .where(Payment.claim_id == claim_id, Payment.status.in_(HOLDING_STATUSES))
    )


def _account_problem(claim: Claim, instance: WorkflowInstance | None) -> str | None:
    """Why the claim takes no request for a new account now (a code), or None."""
    if instance is None or instance.completed or claim.status == WITHDRAWN:
        return "claim_ended"
    if _payment_in_batch(claim.id):
        return "payment_in_batch"
    if (instance.process_data or {}).get("iban"):
        # Intake entered an account after a failed payment: the process pays to it, so a new one is
        # agreed with the fund directly, not asked for here.
        return "account_set_by_fund"
    return None


def request_bank_account(claim: Claim, form: dict[str, Any], now: datetime) -> ClaimantRequest:
    """Ask for payment to a new account (``form["iban"]`` as typed); not applied until intake confirms.

    Invalid (422, ``claimant.iban``) with the application form's codes, or ``same_account`` when it
    is the account paid to now. Conflict (409, ``claimant.iban``) with ``request_pending`` while a
    request waits, or the code of :func:`_account_problem`. One transaction.
    """
    iban = _checked(("iban",), form, now)["iban"]
    try:
        instance = lock_instance(claim)
        problem = _account_problem(claim, instance)
        if problem:
            raise Conflict("the claim takes no new bank account now", {"claimant.iban": [problem]})
        if iban == claim.claimant.iban:
            raise Invalid("this is the account paid to now", {"claimant.iban": ["same_account"]})
        pending = db.session.scalar(
            select(ClaimantRequest.id).where(
                ClaimantRequest.claim_id == claim.id,
                ClaimantRequest.kind == BANK_ACCOUNT,
                ClaimantRequest.state == "pending",
            )
        )
        if pending is not None:
            raise Conflict("a request for a new account is waiting", {"claimant.iban": ["request_pending"]})
        request = ClaimantRequest(
            claim_id=claim.id, kind=BANK_ACCOUNT, state="pending", made_at=now, details={"iban": iban}
        )
        db.session.add(request)
        db.session.flush()
    except IntegrityError:  # another request of the same claim at the same instant
        db.session.rollback()
        raise Conflict(
            "a request for a new account is waiting", {"claimant.iban": ["request_pending"]}
        ) from None
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return request


def _as_row(request: ClaimantRequest, reference: str, masked: bool) -> BankAccountRequest:
    iban = request.details.get("iban", "")
    return BankAccountRequest(
        request.id, reference, request.state, request.made_at, mask_iban(iban) if masked else iban,
        request.decided_by, request.decided_at, request.refusal_reason,
    )  # fmt: skip


def latest_bank_request(claim: Claim) -> BankAccountRequest | None:
    """The claim's latest request for a new account, its IBAN masked (for the claimant's page)."""
    request = db.session.scalar(
        select(ClaimantRequest)
        .where(ClaimantRequest.claim_id == claim.id, ClaimantRequest.kind == BANK_ACCOUNT)
        .order_by(ClaimantRequest.made_at.desc(), ClaimantRequest.id.desc())
        .limit(1)
    )
    return _as_row(request, claim.reference, masked=True) if request is not None else None


def pending_bank_requests(user: User, limit: int = 100) -> list[BankAccountRequest]:
    """Intake's open tasks of this kind, oldest first: claim reference and when (IBAN masked)."""
    require_role(user, INTAKE)
    rows = db.session.execute(
        select(ClaimantRequest, Claim.reference)
        .join(Claim, Claim.id == ClaimantRequest.claim_id)
        .where(ClaimantRequest.kind == BANK_ACCOUNT, ClaimantRequest.state == "pending")
        .order_by(ClaimantRequest.made_at, ClaimantRequest.id)
        .limit(limit)
    )
    return [_as_row(request, reference, masked=True) for request, reference in rows]


def worklist_bank_requests(user: User) -> list[BankAccountRequest]:
    """The worklist's list of new accounts to check: intake's pending requests; empty for other roles."""
    return pending_bank_requests(user) if user.has_role(INTAKE) else []


def bank_requests_for_staff(user: User, reference: str, now: datetime) -> list[BankAccountRequest]:
    """The claim's requests for a new account, newest first, for the claim page.

    Intake sees a pending request's IBAN in full (to check it with the claimant), and that view is
    written to the access log; everyone else, and every decided request, shows it masked.
    """
    require_role(user, *STAFF_ROLES)
    claim = get_claim(user, reference)
    requests = list(
        db.session.scalars(
            select(ClaimantRequest)
            .where(ClaimantRequest.claim_id == claim.id, ClaimantRequest.kind == BANK_ACCOUNT)
            .order_by(ClaimantRequest.made_at.desc(), ClaimantRequest.id.desc())
        )
    )
    shown_full = user.has_role(INTAKE) and any(r.state == "pending" for r in requests)
    if shown_full:
        log_access(claim, user, now, "new bank account asked for by the claimant")
        db.session.commit()
    return [_as_row(r, claim.reference, masked=not (shown_full and r.state == "pending")) for r in requests]


def decide_bank_account(
    user: User, reference: str, request_id: int, confirm: bool, reason: str | None, now: datetime
) -> ClaimantRequest:
    """Confirm (the claimant's account becomes the new one) or refuse (with ``reason``) a request.

    Intake only (Forbidden otherwise). NotFound for a request not of this claim; Conflict when it
    was decided already or the claim's payment is in a payout batch (finance cancels the batch
    first, or its result comes); Invalid (``reason``) for a refusal without a reason of 5 to 1,000
    characters. The claimant is told by e-mail (in their language, without the account or the
    reason: those are on their page). One transaction.
    """
    require_role(user, INTAKE)
    claim = get_claim(user, reference)
    text = "".join(c for c in (reason or "") if c in "\n\t" or unicodedata.category(c)[0] != "C").strip()
    if not confirm and not REFUSAL_MIN <= len(text) <= REFUSAL_MAX:
        raise Invalid(
            "the reason for refusing must be 5 to 1,000 characters",
            {"reason": [f"write why, in {REFUSAL_MIN} to {REFUSAL_MAX} characters"]},
        )
    try:
        lock_instance(claim)
        request = db.session.scalar(
            select(ClaimantRequest)
            .where(ClaimantRequest.id == request_id, ClaimantRequest.claim_id == claim.id,
                   ClaimantRequest.kind == BANK_ACCOUNT)
            .execution_options(populate_existing=True)
        )  # fmt: skip
        if request is None:
            raise NotFound("this claim has no such request", {"request_id": ["not_found"]})
        if request.state != "pending":
            raise Conflict(f"this request was already {request.state}", {"request_id": [request.state]})
        batch = _payment_in_batch(claim.id) if confirm else None
        if batch:
            raise Conflict(
                f"the claim's payment is in payout batch {batch}: the account cannot change until finance "
                "cancels the batch or its result comes back",
                {"request_id": ["payment_in_batch"]},
            )
        request.state = "confirmed" if confirm else "refused"
        request.decided_by, request.decided_at = user.username, now
        if confirm:
            claim.claimant.iban = request.details["iban"]
        else:
            request.refusal_reason = text
        log_access(claim, user, now, f"new bank account {request.state}")
        db.session.flush()
        claimant = claim.claimant
        kind = ACCOUNT_CONFIRMED if confirm else ACCOUNT_REFUSED
        db.session.execute(
            Notification.__table__.insert(),
            [_notice(claim, kind, claimant.language, claimant.email, request.id, now)],
        )
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return request


# --- withdrawal -------------------------------------------------------------------------------


def withdrawal_problem_of(status: str, completed: bool) -> str | None:
    """Why a claim in ``status`` cannot be withdrawn online (a code), or None."""
    if status in AWARDED_STATUSES:
        return "granted"
    if completed or status == WITHDRAWN:
        return "ended"
    if status not in WITHDRAWABLE_STATUSES:
        return "decided"
    return None


def withdraw_claim(claim: Claim, confirmed: bool, now: datetime) -> None:
    """The claimant withdraws the claim: its process is cancelled, its status becomes ``withdrawn``.

    ``confirmed`` is the claimant's "yes, withdraw" (Invalid ``confirm``: ``required`` without it).
    Conflict (``withdraw``: ``granted``, ``decided`` or ``ended``) when it cannot be withdrawn
    online. One command (event ``claim_withdrawn``): open tasks are cancelled, timers removed, and a
    pending request for a new account is refused with it. The claimant gets the e-mail of the new
    status (:mod:`fund.notifications.queue`).
    """
    if not confirmed:
        raise Invalid("confirm the withdrawal", {"confirm": ["required"]})
    try:
        instance = lock_instance(claim)
        problem = withdrawal_problem_of(claim.status, instance is None or bool(instance.completed))
        if problem:
            raise Conflict("the claim cannot be withdrawn online", {"withdraw": [problem]})
        run_engine_command(
            claim,
            CLAIM_WITHDRAWN,
            PORTAL_ACTOR,
            now,
            {"claim_status": WITHDRAWN},
            lambda process, state, ctx: engine.cancel(process, state, WITHDRAWN, ctx),
            instance=instance,
        )
        for request in db.session.scalars(
            select(ClaimantRequest).where(
                ClaimantRequest.claim_id == claim.id, ClaimantRequest.state == "pending"
            )
        ):
            request.state, request.decided_by, request.decided_at = "refused", PORTAL_ACTOR, now
            request.refusal_reason = "claim withdrawn"
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()


# --- what pages show --------------------------------------------------------------------------


def own_details(claim_id: int, reference: str) -> OwnDetails | None:
    """The claimant's contact details, account (masked), latest account request and what they may
    do; None when no claim has this id and reference. One statement (the status page's budget)."""
    earlier = aliased(ClaimantRequest)
    latest_id = (
        select(earlier.id)
        .where(earlier.claim_id == Claim.id, earlier.kind == BANK_ACCOUNT)
        .order_by(earlier.made_at.desc(), earlier.id.desc())
        .limit(1)
        .correlate(Claim)
        .scalar_subquery()
    )
    in_batch = (
        select(Payment.id).where(Payment.claim_id == Claim.id, Payment.status.in_(HOLDING_STATUSES)).exists()
    )
    row = db.session.execute(
        select(
            Claimant.phone, Claimant.email, Claimant.language, Claimant.iban, Claim.status,
            WorkflowInstance.completed, WorkflowInstance.process_data, in_batch.label("in_batch"),
            ClaimantRequest.id.label("request_id"), ClaimantRequest.state, ClaimantRequest.made_at,
            ClaimantRequest.details, ClaimantRequest.decided_by, ClaimantRequest.decided_at,
            ClaimantRequest.refusal_reason,
        )
        .select_from(Claim)
        .join(Claimant, Claimant.id == Claim.claimant_id)
        .outerjoin(WorkflowInstance, WorkflowInstance.claim_id == Claim.id)
        .outerjoin(ClaimantRequest, ClaimantRequest.id == latest_id)
        .where(Claim.id == claim_id, Claim.reference == reference)
    ).first()  # fmt: skip
    if row is None:
        return None
    completed = row.completed is None or bool(row.completed)
    latest = None
    if row.request_id is not None:
        latest = BankAccountRequest(
            row.request_id, reference, row.state, row.made_at, mask_iban((row.details or {}).get("iban")),
            row.decided_by, row.decided_at, row.refusal_reason,
        )  # fmt: skip
    account_open = not (completed or row.status == WITHDRAWN or row.in_batch)
    account_open = account_open and not (row.process_data or {}).get("iban")
    problem = withdrawal_problem_of(row.status, completed)
    return OwnDetails(
        phone=row.phone,
        email=row.email,
        language=row.language,
        account=mask_iban(row.iban),
        bank_request=latest,
        can_request_account=account_open and not (latest and latest.state == "pending"),
        can_withdraw=problem is None,
        why_not_withdraw=problem,
    )


def timeline_entries(claim_id: int) -> list[tuple[datetime, str, str, str | None, list[str]]]:
    """(when, kind, state, decided by, fields changed) of each request, for the claim's timeline;
    what happened, never the values (those are personal data, shown only where a view is logged)."""
    rows = db.session.execute(
        select(ClaimantRequest.made_at, ClaimantRequest.kind, ClaimantRequest.state,
               ClaimantRequest.decided_by, ClaimantRequest.decided_at, ClaimantRequest.details)
        .where(ClaimantRequest.claim_id == claim_id)
        .order_by(ClaimantRequest.made_at, ClaimantRequest.id)
    )  # fmt: skip
    entries = []
    for row in rows:
        changed = list((row.details or {}).get("changed", []))
        entries.append((row.made_at, row.kind, "made", None, changed))
        if row.decided_at is not None and row.state in ("confirmed", "refused"):
            entries.append((row.decided_at, row.kind, row.state, row.decided_by, []))
    return entries
