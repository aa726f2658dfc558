"""The claimant's own details, from the status page: contact details, a new bank account, withdrawal.

========================================  =========  ===========================================
/portal/details                           GET, POST  phone, e-mail and language, changed together
/portal/bank-account                      GET, POST  ask for payment to a new account (intake checks it)
/portal/withdraw                          GET, POST  withdraw the claim, after "are you sure"
========================================  =========  ===========================================

Each is a page of its own (no JavaScript needed): the form, its errors naming each field in the
page's language, and a way back to the claim. The status page shows a summary of the details
(``portal/_own_details.html``) through :func:`own_details_now`. Only the session's claim, never an
id from the address; the services are in :mod:`fund.claims.claimant_requests`.
"""

from __future__ import annotations

from flask import redirect, request, url_for

from fund.claims import claimant_requests
from fund.claims.claimant_requests import OwnDetails
from fund.common.errors import Conflict, Invalid
from fund.portal.guard import current_claimant
from fund.portal.pages import claimant_now, portal_blueprint, render_portal
from fund.portal.sign_in import claim_of_session

LANGUAGE_CHOICES = ("kk", "ru", "en")


@portal_blueprint.context_processor
def _own_details_of_session():
    """``own_details_now()`` for the status page's section (computed only when a page asks)."""

    def own_details_now() -> OwnDetails | None:
        portal_session = current_claimant(claimant_now())
        if portal_session is None:
            return None
        return claimant_requests.own_details(portal_session.claim_id, portal_session.reference)

    return {"own_details_now": own_details_now}


def _claim_or_sign_in():
    portal_session = current_claimant(claimant_now())
    if portal_session is None:
        return None, redirect(url_for("portal.sign_in"), code=303)
    return claim_of_session(portal_session), None


@portal_blueprint.route("/portal/details", methods=["GET", "POST"], endpoint="contact_details")
def contact_details():
    """Change the phone, the e-mail and the language of letters together."""
    claim, sign_in_first = _claim_or_sign_in()
    if sign_in_first:
        return sign_in_first
    claimant = claim.claimant
    if request.method == "GET":
        form = {"phone": claimant.phone, "email": claimant.email or "", "language": claimant.language}
        return render_portal(
            "portal/own_contact_details.html", form=form, errors={}, reference=claim.reference
        )
    form = {name: request.form.get(f"claimant.{name}", "")[:300] for name in ("phone", "email", "language")}
    try:
        claimant_requests.change_contact_details(claim, form, claimant_now())
    except Invalid as refused:
        return render_portal(
            "portal/own_contact_details.html",
            422,
            form=form,
            errors=refused.fields,
            reference=claim.reference,
        )
    return redirect(url_for("portal.status", done="details") + "#own-details", code=303)


@portal_blueprint.route("/portal/bank-account", methods=["GET", "POST"], endpoint="bank_account")
def bank_account():
    """Ask for the compensation to be paid to a new account: an intake officer checks and confirms it."""
    claim, sign_in_first = _claim_or_sign_in()
    if sign_in_first:
        return sign_in_first
    details = claimant_requests.own_details(claim.id, claim.reference)
    if request.method == "GET":
        return render_portal("portal/own_bank_account.html", own=details, iban="", errors={})
    iban = request.form.get("claimant.iban", "")[:100]
    try:
        claimant_requests.request_bank_account(claim, {"iban": iban}, claimant_now())
    except (Invalid, Conflict) as refused:
        status = 422 if isinstance(refused, Invalid) else 409
        return render_portal(
            "portal/own_bank_account.html", status, own=details, iban=iban, errors=refused.fields
        )
    return redirect(url_for("portal.status", done="bank_account") + "#own-details", code=303)


@portal_blueprint.route("/portal/withdraw", methods=["GET", "POST"], endpoint="withdraw")
def withdraw():
    """Withdraw the claim: what it means, that it cannot be undone online, then "yes, withdraw"."""
    claim, sign_in_first = _claim_or_sign_in()
    if sign_in_first:
        return sign_in_first
    details = claimant_requests.own_details(claim.id, claim.reference)
    if request.method == "GET":
        return render_portal("portal/own_withdraw.html", own=details, errors={}, reference=claim.reference)
    try:
        claimant_requests.withdraw_claim(claim, request.form.get("confirm") == "yes", claimant_now())
    except (Invalid, Conflict) as refused:
        details = claimant_requests.own_details(claim.id, claim.reference)
        status = 422 if isinstance(refused, Invalid) else 409
        return render_portal(
            "portal/own_withdraw.html", status, own=details, errors=refused.fields, reference=claim.reference
        )
    return redirect(url_for("portal.status", done="withdrawn"), code=303)
