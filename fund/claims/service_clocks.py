"""The service levels' clocks on a claim: since when it waits for a decision, and for its payment.

Every command sets them with the claim's status (:func:`clock_changes`), so the supervisors' page
and digest read two indexed columns instead of a claim's history.

- **Decision**: the clock starts when the claim is complete: when it arrives (a claim is taken as
  complete until intake finds a document missing), when the documents intake asked for arrive, or
  when the claimant asks for reconsideration (a new decision is due). It stops while documents are
  requested, and when the claim is decided (approved, rejected, closed incomplete). An approver's
  return for another review does not restart it: the claimant still waits for the same decision.
- **Payment**: the clock starts when the claim is approved and runs until the Treasury confirms
  the payment; a failed payment and its corrected bank details do not restart it (the claimant
  still waits), and it stops when the payment is given up (the process ends unpaid).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

# The statuses in which the claim, complete, waits for the fund's decision.
AWAITING_DECISION = ("submitted", "under_review", "awaiting_approval", "reconsideration")
# The statuses in which the claim, approved, waits for its payment.
AWAITING_PAYMENT = ("approved", "payment_failed")


def clock_changes(
    previous_status: str | None, status: str, process_ended: bool, now: datetime
) -> dict[str, Any]:
    """The clock columns a command changes, as column values (an empty dict: both run on, or
    both stay stopped). ``previous_status`` is None for the command that starts the claim."""
    changes: dict[str, Any] = {}
    if status not in AWAITING_DECISION:
        if previous_status in AWAITING_DECISION:
            changes["awaiting_decision_since"] = None
    elif previous_status not in AWAITING_DECISION:
        changes["awaiting_decision_since"] = now
    waiting_for_payment = status in AWAITING_PAYMENT and not process_ended
    if not waiting_for_payment:
        if previous_status in AWAITING_PAYMENT:
            changes["awaiting_payment_since"] = None
    elif previous_status not in AWAITING_PAYMENT:
        changes["awaiting_payment_since"] = now
    return changes
