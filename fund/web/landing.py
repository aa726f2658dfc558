"""Where a staff member lands after signing in and at "/": the page their work starts from.

The rule, in order: an officer who works claims (intake, reviewer, approver) lands on the
worklist; else a finance officer on the payouts; else a supervisor on the supervision page
(each officer's load); else an auditor on the audit; else an
administrator on the administration. A user with several roles lands by the first of these that
applies (an approver who is also an administrator lands on the worklist), because tasks waiting
for a person are the most urgent thing on any page. Anyone else (no role yet) finds a claim.
"""

from __future__ import annotations

from flask import current_app, url_for

from fund.models import User

# (roles, endpoint): the first whose roles the user holds, and whose page exists, is the landing.
LANDING_PAGES = (
    (("intake", "reviewer", "approver"), "officer.worklist"),
    (("finance",), "payouts.index"),
    (("supervisor",), "desk.supervision"),
    (("auditor",), "audit.index"),
    (("admin",), "admin.index"),
)
FALLBACK = "officer.find_claim"


def landing_endpoint(user: User) -> str:
    """The endpoint of the page ``user`` lands on (see the module's rule)."""
    for roles, endpoint in LANDING_PAGES:
        if user.has_role(*roles) and endpoint in current_app.view_functions:
            return endpoint
    return FALLBACK


def landing_url(user: User) -> str:
    """The address of the page ``user`` lands on."""
    return url_for(landing_endpoint(user))
