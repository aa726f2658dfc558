"""How a claimant reaches the fund, on every portal page: the contact point of their region if they
chose one, else a link to every point; the page that lists them all (/portal/contacts).

The region is the visitor's own choice on the contacts page ("This is my region"), kept in the
session like the language; nothing else on the portal asks for it. With no contact point recorded,
the configured fallback line says how to reach the fund (fund.common.fund_settings).
"""

from __future__ import annotations

from flask import redirect, request, session, url_for

from fund.common.contact_points import fallback_line, portal_contact_points
from fund.portal.i18n import claimant_language
from fund.portal.pages import portal_blueprint, render_portal

REGION_SESSION_KEY = "portal_region"


def _chosen_region() -> str | None:
    return session.get(REGION_SESSION_KEY)


@portal_blueprint.context_processor
def _contact_block() -> dict:
    """What the portal's footer and status page say about reaching the fund."""
    language = claimant_language()
    points = portal_contact_points()
    chosen = next((point for point in points if point.region_code == _chosen_region()), None)
    return {
        "fund_contact": {
            "point": chosen.lines[language] if chosen else None,
            "points": [(point.region_code, point.lines[language]) for point in points],
            "fallback": fallback_line(language) if not points else "",
            "chosen_region": chosen.region_code if chosen else None,
        }
    }


@portal_blueprint.get("/portal/contacts", endpoint="contacts")
def contacts():
    """Every contact point of the fund; ``?region=<code>`` remembers the visitor's region."""
    region = request.args.get("region")
    if region is not None:
        if region not in {point.region_code for point in portal_contact_points()}:
            session.pop(REGION_SESSION_KEY, None)
        else:
            session[REGION_SESSION_KEY] = region
        return redirect(url_for("portal.contacts"), code=303)
    return render_portal("portal/contacts.html")
