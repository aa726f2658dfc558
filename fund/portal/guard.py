"""Protection of the public pages: rate limits per address, and the claimant's short session.

Rate limits (Flask-Limiter) apply per client address to portal sign-in, submission and uploads,
to letter verification, and to the API's ways in (tokens; a claim's status, which shares the
portal sign-in's limit: one budget of guesses per address, whichever way they come). Their
storage is ``FUND_RATELIMIT_STORAGE_URI`` (``memory://`` by default: one process only; several
app servers need a shared storage such as ``redis://``), its keys prefixed with
``FUND_RATELIMIT_KEY_PREFIX`` when several deployments share one storage.
The limits themselves are configuration (``FUND_RATELIMIT_*``), read on every request. Limits are
off while testing (``TESTING``) unless ``FUND_RATELIMIT_ENABLED`` is set, so the test suite is
not throttled; the rate-limit tests switch them on. Lockout per claim reference is the portal
service's job (``PortalLocked``).

The claimant's session is separate from staff sign-in: the claim's id and reference in the
signed session cookie, valid for ``FUND_PORTAL_SESSION_MINUTES`` (30) after the last page seen.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from flask import Flask, current_app, session

from fund.portal import PortalSession

PORTAL_SESSION_KEY = "portal_claim"


def init_session(app: Flask) -> None:
    """Read how long a claimant's portal session lasts without a page seen (default 30 minutes)."""
    app.config.setdefault(
        "FUND_PORTAL_SESSION_MINUTES", int(os.environ.get("FUND_PORTAL_SESSION_MINUTES", "30"))
    )


# --- the claimant's session --------------------------------------------------------------------


def remember_claimant(portal_session: PortalSession, now: datetime) -> None:
    """Keep the signed-in claim in the session cookie (signed: it cannot be changed by the browser)."""
    session[PORTAL_SESSION_KEY] = {
        "claim_id": portal_session.claim_id,
        "reference": portal_session.reference,
        "signed_in_at": portal_session.signed_in_at.isoformat(),
        "seen_at": now.isoformat(),
    }


def current_claimant(now: datetime) -> PortalSession | None:
    """The claim signed in to the portal, or None when nobody is or the session has expired.

    Every page seen moves the expiry on by ``FUND_PORTAL_SESSION_MINUTES``.
    """
    kept = session.get(PORTAL_SESSION_KEY)
    if not isinstance(kept, dict):
        return None
    try:
        seen_at = datetime.fromisoformat(kept["seen_at"])
        portal_session = PortalSession(
            claim_id=int(kept["claim_id"]),
            reference=str(kept["reference"]),
            signed_in_at=datetime.fromisoformat(kept["signed_in_at"]),
        )
    except (KeyError, TypeError, ValueError):
        forget_claimant()
        return None
    if now - seen_at > timedelta(minutes=current_app.config["FUND_PORTAL_SESSION_MINUTES"]):
        forget_claimant()
        return None
    kept["seen_at"] = now.isoformat()
    session[PORTAL_SESSION_KEY] = kept
    return portal_session


def forget_claimant() -> None:
    """Sign the claimant out of the portal (staff sign-in, if any, is untouched)."""
    session.pop(PORTAL_SESSION_KEY, None)
