"""The main navigation: which pages a signed-in user's roles open, in one place."""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user

# (endpoint, label, roles that see it). Pages check roles in their services too; this only
# decides which links to show. Links to pages not built yet are skipped.
NAV = [
    ("officer.worklist", lazy_gettext("Worklist"), ("intake", "reviewer", "approver", "finance")),
    (
        "officer.find_claim",
        lazy_gettext("Find a claim"),
        ("intake", "reviewer", "approver", "finance", "auditor", "admin"),
    ),
    ("officer.register_paper_claim", lazy_gettext("Register a paper claim"), ("intake",)),
    ("access_codes.index", lazy_gettext("Lost access codes"), ("intake",)),
    ("dashboard.index", lazy_gettext("Dashboard"), ("approver", "admin", "auditor")),
    ("audit.index", lazy_gettext("Audit"), ("auditor", "admin")),
    ("incidents.index", lazy_gettext("Incidents"), ("intake", "finance", "admin")),
    ("payouts.index", lazy_gettext("Payouts"), ("finance",)),
    ("recourse.cases", lazy_gettext("Recourse"), ("finance", "auditor")),
    ("recourse.ledger", lazy_gettext("Ledger"), ("finance", "auditor", "admin", "approver")),
    ("desk.supervision", lazy_gettext("Supervision"), ("supervisor",)),
    ("admin.index", lazy_gettext("Administration"), ("admin",)),
    ("outbox.index", lazy_gettext("Outbox"), ("admin",)),
]


def nav_links() -> dict:
    """Template context: ``nav_links`` for the signed-in user."""
    if not current_user.is_authenticated:
        return {"nav_links": []}
    links = []
    for endpoint, label, roles in NAV:
        if endpoint in current_app.view_functions and current_user.has_role(*roles):
            blueprint = endpoint.split(".")[0]
            links.append(
                {
                    "url": url_for(endpoint),
                    "label": gettext(str(label)),
                    "active": request.blueprint == blueprint,
                }
            )
    return {"nav_links": links}
