"""The portal's page for a lost access code: the claimant asks for a new one (fund.claims.access_codes).

The answer is the same whether the reference, IIN and date of birth match a claim or not: it says
what happens next (an intake officer checks their identity, at a fund office or by the fund's
procedure, and hands over the new code) and lists the fund's contact points. Limited per address
like the sign-in: asking is a way to test references too.
"""

from __future__ import annotations

from flask import redirect, request, url_for

from fund.claims import access_codes
from fund.common.errors import Invalid
from fund.portal.pages import claimant_now, portal_blueprint, render_portal
from fund.web.rate_limits import limited

FIELDS = ("reference", "iin", "birth_date")
# The service's field names as the form names them (the application's: their labels and errors).
FORM_NAMES = {"reference": "reference", "iin": "claimant.iin", "birth_date": "claimant.birth_date"}


@portal_blueprint.route("/portal/lost-code", methods=["GET", "POST"], endpoint="lost_code")
@limited("FUND_RATELIMIT_PORTAL_SIGN_IN")
def lost_code():
    """Ask for a new access code: the claim's reference, the claimant's IIN and date of birth."""
    if request.method == "GET":
        return render_portal("portal/lost_code.html", answers={}, errors={})
    answers = {name: request.form.get(FORM_NAMES[name], "")[:40] for name in FIELDS}
    try:
        access_codes.ask_for_new_access_code(
            answers["reference"], answers["iin"], answers["birth_date"], claimant_now()
        )
    except Invalid as refused:
        errors = {FORM_NAMES.get(name, name): problems for name, problems in refused.fields.items()}
        draft = {FORM_NAMES[name]: value for name, value in answers.items()}
        return render_portal("portal/lost_code.html", 422, answers=draft, errors=errors)
    return redirect(url_for("portal.lost_code_asked"), code=303)


@portal_blueprint.get("/portal/lost-code/asked", endpoint="lost_code_asked")
def lost_code_asked():
    """What happens next (the same page whether the answers matched a claim or not)."""
    return render_portal("portal/lost_code_asked.html")
