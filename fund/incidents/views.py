"""The Incidents page: stuck claims and what frees each (intake, finance, administrators).

=============================================  =====  =========================================
/incidents                                     GET    the stuck claims, by kind, with actions
/incidents/<reference>/ask-intake              POST   finance: the account cannot be paid
/incidents/<reference>/retry                   POST   fire due timers and issue due letters now
=============================================  =====  =========================================
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from fund.common.time import utc_now
from fund.incidents import incidents
from fund.web.formatting import status_label

incidents_blueprint = Blueprint("incidents", __name__, url_prefix="/incidents", template_folder="templates")


@incidents_blueprint.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _me():
    return current_user._get_current_object()


@incidents_blueprint.get("", endpoint="index")
@login_required
def index():
    """Every stuck claim, by kind, each with the action that resolves it."""
    found = incidents.list_incidents(
        _me(),
        utc_now(),
        treasury_wait_days=current_app.config.get("FUND_TREASURY_WAIT_DAYS", 10),
        worker_grace_minutes=current_app.config.get("FUND_WORKER_GRACE_MINUTES", 60),
    )
    return render_template("incidents/index.html", found=found, kinds=incidents.KINDS)


@incidents_blueprint.post("/<reference>/ask-intake", endpoint="ask_intake")
@login_required
def ask_intake(reference: str):
    """Finance: the claim's account cannot be paid; intake gets the task to correct it."""
    claim = incidents.ask_intake_to_correct_account(_me(), reference, utc_now())
    flash(
        gettext(
            "Claim %(reference)s is now %(status)s: intake corrects the account in the task "
            "'Correct bank details', then a payout batch pays it.",
            reference=claim.reference,
            status=status_label(claim.status),
        )
    )
    return redirect(url_for("incidents.index"))


@incidents_blueprint.post("/<reference>/retry", endpoint="retry")
@login_required
def retry(reference: str):
    """Run the worker's round for one claim now: its due timers, its due letters."""
    fired, issued = incidents.retry_worker_round(_me(), reference, utc_now())
    flash(
        gettext(
            "Claim %(reference)s: due timers fired: %(fired)s; letters issued: %(letters)s.",
            reference=reference,
            fired=gettext("yes") if fired else gettext("none were due"),
            letters=", ".join(issued) or gettext("none"),
        )
    )
    return redirect(url_for("incidents.index"))
