"""Messages from outside to a claim's process (documents arrived, Treasury results, requests)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fund.claims.history import MESSAGE_DELIVERED
from fund.claims.instances import run_engine_command
from fund.claims.submission import get_claim
from fund.common.access import require_role
from fund.common.errors import Invalid
from fund.extensions import db
from fund.models import Claim, User
from workflows import engine

# Which staff role may deliver which message on the claimant's or the Treasury's behalf.
MESSAGE_ROLES = {
    "documents_submitted": ("intake",),
    "reconsideration_requested": ("intake",),
    "payment_confirmed": ("finance",),
    "payment_failed": ("finance",),
}


def deliver_message(user: User, reference: str, name: str, payload: Any, now: datetime) -> Claim:
    """Deliver ``name`` with ``payload`` to the claim's process, as a staff member."""
    if name not in MESSAGE_ROLES:
        raise Invalid("unknown message", {"name": [f"must be one of: {', '.join(MESSAGE_ROLES)}"]})
    require_role(user, *MESSAGE_ROLES[name])
    if not isinstance(payload, dict):
        raise Invalid("the message payload must be a JSON object", {"": ["must be a JSON object"]})
    claim = get_claim(user, reference)
    try:
        run_engine_command(
            claim,
            MESSAGE_DELIVERED,
            user.username,
            now,
            {"message": name, "payload": payload},
            lambda process, state, ctx: engine.deliver_message(process, state, name, payload, ctx),
        )
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return claim
