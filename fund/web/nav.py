"""The main navigation: which pages a signed-in user's roles open, in one place."""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_login import current_user

# (endpoint, label, roles that see it). Pages check roles in their services too; this only
# decides which links to show. Links to pages not built yet are skipped.
NAV = [
    ("officer.worklist", "Worklist", ("intake", "reviewer", "approver", "finance")),
    ("officer.find_claim", "Find a claim", ("intake", "reviewer", "approver", "finance", "auditor", "admin")),
    ("dashboard.index", "Dashboard", ("approver", "admin", "auditor")),
    ("audit.index", "Audit", ("auditor", "admin")),
    ("payouts.index", "Payouts", ("finance",)),
    ("recourse.cases", "Recourse", ("finance", "auditor")),
    ("recourse.ledger", "Ledger", ("finance", "auditor", "admin", "approver")),
    ("admin.index", "Administration", ("admin",)),
    ("outbox.index", "Outbox", ("admin",)),
]


def nav_links() -> dict:
    """Template context: ``nav_links`` for the signed-in user."""
    if not current_user.is_authenticated:
        return {"nav_links": []}
    links = []
    for endpoint, label, roles in NAV:
        if endpoint in current_app.view_functions and current_user.has_role(*roles):
            blueprint = endpoint.split(".")[0]
            links.append({"url": url_for(endpoint), "label": label, "active": request.blueprint == blueprint})
    return {"nav_links": links}
