"""Messages from outside to a claim's process (documents arrived, Treasury results, requests)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from fund.claims.history import MESSAGE_DELIVERED
from fund.claims.instances import lock_instance, run_engine_command
from fund.claims.letter_issuing import issue_letters_made_due
from fund.claims.submission import get_claim
from fund.common.access import require_role
from fund.common.errors import Conflict, Invalid
from fund.extensions import db
from fund.models import Claim, Payment, PayoutBatch, User
from workflows import engine

# Which staff role may deliver which message on the claimant's or the Treasury's behalf.
MESSAGE_ROLES = {
    "documents_submitted": ("intake",),
    "reconsideration_requested": ("intake",),
    "payment_confirmed": ("finance",),
    "payment_failed": ("finance",),
}
# The Treasury's results. Once a claim's payment is in a payout batch, only that batch's status file
# delivers them (deliver_payment_result), together with the payment's own result: a claim and its
# payment never disagree, and the status file never meets a claim already settled beside it.
PAYMENT_RESULTS = ("payment_confirmed", "payment_failed")


def deliver_message(user: User, reference: str, name: str, payload: Any, now: datetime) -> Claim:
    """Deliver ``name`` with ``payload`` to the claim's process, as a staff member.

    Refused with Conflict (naming the batch) for ``payment_confirmed`` or ``payment_failed`` when the
    claim's payment is in a payout batch: that batch's status file settles it.
    """
    if name not in MESSAGE_ROLES:
        raise Invalid("unknown message", {"name": [f"must be one of: {', '.join(MESSAGE_ROLES)}"]})
    require_role(user, *MESSAGE_ROLES[name])
    if not isinstance(payload, dict):
        raise Invalid("the message payload must be a JSON object", {"": ["must be a JSON object"]})
    claim = get_claim(user, reference)
    return _deliver(user, claim, name, payload, now, beside_batch_allowed=False)


def deliver_payment_result(user: User, claim: Claim, name: str, payload: dict, now: datetime) -> Claim:
    """Deliver the Treasury's result (``payment_confirmed`` or ``payment_failed``) for a payment of an
    exported batch, as the status-file import does after recording it on the payment, uncommitted:
    both are committed together, or neither.
    """
    if name not in PAYMENT_RESULTS:
        raise ValueError(f"{name} is not a payment result")
    require_role(user, *MESSAGE_ROLES[name])
    return _deliver(user, claim, name, payload, now, beside_batch_allowed=True)


def _deliver(
    user: User, claim: Claim, name: str, payload: dict, now: datetime, beside_batch_allowed: bool
) -> Claim:
    """One command on the claim, committed; rolled back if anything refuses it."""
    try:
        instance = lock_instance(claim)  # before the look at its payment: a batch result waits for us
        if name in PAYMENT_RESULTS and not beside_batch_allowed:
            _refuse_if_in_batch(claim)
        run_engine_command(
            claim,
            MESSAGE_DELIVERED,
            user.username,
            now,
            {"message": name, "payload": payload},
            lambda process, state, ctx: engine.deliver_message(process, state, name, payload, ctx),
            instance=instance,
        )
    except Exception:
        db.session.rollback()
        raise
    answer = {"reference": claim.reference, "status": claim.status}
    db.session.commit()
    for column, value in answer.items():  # as committed: the caller's answer needs no read after it
        set_committed_value(claim, column, value)
    issue_letters_made_due(now)
    return claim


def _refuse_if_in_batch(claim: Claim) -> None:
    """Conflict when the claim's payment is in a payout batch, naming the batch and what to do."""
    batch = db.session.execute(
        select(PayoutBatch.reference, PayoutBatch.status)
        .join(Payment, Payment.batch_id == PayoutBatch.id)
        .where(Payment.claim_id == claim.id, Payment.status == "in_batch")
    ).first()
    if batch is None:
        return
    advice = "" if batch.status == "exported" else "; cancel the batch to take the claim out of it"
    raise Conflict(
        f"the payment of claim {claim.reference} is in payout batch {batch.reference} ({batch.status}): "
        f"only the Treasury's status file for {batch.reference} can confirm or fail it{advice}"
    )
