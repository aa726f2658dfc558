"""Intake's task of checking a claimant's new bank account: on the worklist and the claim page.

=====================================================  =====  ====================================
/claims/<reference>/bank-account-requests/<id>         POST   confirm, or refuse with a reason
=====================================================  =====  ====================================

The request is not a BPMN task (see :mod:`fund.claims.claimant_requests` for why): the worklist
lists intake's pending requests above the process's tasks, and the claim page shows the claim's
requests with the form to decide. The service checks the role (intake) and the payout batches.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from markupsafe import Markup

from fund.claims import claimant_requests
from fund.claims.claim_file import ClaimView
from fund.common.errors import Conflict, Invalid, NotFound
from fund.common.time import utc_now
from fund.models import User

bank_accounts_blueprint = Blueprint("bank_accounts", __name__, template_folder="templates")


@bank_accounts_blueprint.after_request
def _no_store(response):
    """Pages naming claims and accounts must not stay in a browser's or a proxy's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _me() -> User:
    return current_user._get_current_object()


@bank_accounts_blueprint.post("/claims/<reference>/bank-account-requests/<int:request_id>", endpoint="decide")
@login_required
def decide(reference: str, request_id: int):
    """Confirm the new account (``decision=confirm``) or refuse it with a reason (``decision=refuse``)."""
    decision = request.form.get("decision", "")
    if decision not in ("confirm", "refuse"):
        g.bank_request_problem = {"id": request_id, "problem": gettext("choose to confirm or to refuse")}
        return _claim_page_again(reference, 422)
    reason = request.form.get("reason", "")[:2000]
    try:
        claimant_requests.decide_bank_account(
            _me(), reference, request_id, decision == "confirm", reason, utc_now()
        )
    except (Invalid, Conflict, NotFound) as error:
        problem = next(iter(error.fields.values()), [error.message])[0] if error.fields else error.message
        if isinstance(error, Conflict) and "payment_in_batch" in (error.fields.get("request_id") or []):
            problem = gettext(
                "the claim's payment is in a payout batch: the account cannot change until finance cancels "
                "the batch or its result comes back"
            )
        g.bank_request_problem = {"id": request_id, "problem": problem, "reason": reason}
        return _claim_page_again(reference, error.http_status)
    if decision == "confirm":
        flash(gettext("The new bank account is confirmed: payments of this claim go to it from now on."))
    else:
        flash(gettext("The new bank account was refused. The claimant sees your reason on their page."))
    return redirect(url_for("officer.claim", reference=reference) + "#bank-account-requests")


def _claim_page_again(reference: str, status: int):
    from fund.officers.views import claim_page_answer  # the claim page, drawn the officers' way

    return claim_page_answer(reference, status)


def bank_account_panel(user: User, claim: ClaimView, now) -> Markup | None:
    """On the claim page: the claimant's requests for a new account; intake confirms or refuses."""
    if not user.has_role(*claimant_requests.STAFF_ROLES):
        return None
    rows = claimant_requests.bank_requests_for_staff(user, claim.reference, now)
    if not rows:
        return None
    return Markup(
        render_template(
            "officer/_bank_account_requests.html",
            reference=claim.reference,
            requests=rows,
            may_decide=user.has_role(claimant_requests.INTAKE),
            problem=g.get("bank_request_problem"),
            most=claimant_requests.REFUSAL_MAX,
        )
    )
