"""Intake's pages for lost access codes: the waiting requests, the identity check, the new code.

=====================================  =====  ==============================================
/access-codes                          GET    the waiting requests, oldest first
/access-codes/<id>                     GET    the claimant's name, IIN and date of birth, to
                                              compare with their identity document (logged)
/access-codes/<id>/issue               POST   issue the new code: shown once, to hand over
/access-codes/<id>/refuse              POST   refuse the request, saying why
=====================================  =====  ==============================================

The service (:mod:`fund.claims.access_codes`) checks the role (intake) and that the request still
waits. The page with the new code is the only place it ever appears: not cached, not logged.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from fund.claims import access_codes
from fund.claims.claim_file import IDENTITY_CHECK_WORDS
from fund.common.errors import Invalid
from fund.common.time import utc_now
from fund.models import User

access_codes_blueprint = Blueprint("access_codes", __name__, template_folder="templates")


@access_codes_blueprint.after_request
def _no_store(response):
    """Pages with a claimant's identity, or a new access code, must never stay in a cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _me() -> User:
    return current_user._get_current_object()


@access_codes_blueprint.get("/access-codes", endpoint="index")
@login_required
def waiting():
    """The requests for a new access code that wait for an identity check."""
    rows = access_codes.waiting_requests(_me())
    return render_template("officer/access_codes.html", rows=rows)


def _check_page(request_id: int, status: int = 200, errors: dict | None = None, form: dict | None = None):
    shown = access_codes.request_for_officer(_me(), request_id, utc_now())
    return (
        render_template(
            "officer/access_code_request.html",
            asked=shown,
            checks=[(code, str(IDENTITY_CHECK_WORDS[code])) for code in access_codes.IDENTITY_CHECKS],
            errors=errors or {},
            form=form or {},
            most=access_codes.MAX_NOTE,
        ),
        status,
    )


@access_codes_blueprint.get("/access-codes/<int:request_id>", endpoint="request")
@login_required
def check(request_id: int):
    """A waiting request with the claimant's identity details, and the forms to issue or refuse."""
    return _check_page(request_id)


def _problems(refused: Invalid) -> dict[str, str]:
    said = {
        "identity_check": gettext("Choose how you checked the claimant's identity."),
        "note": gettext(
            "Say why the request is refused (at most %(most)s characters).", most=access_codes.MAX_NOTE
        ),
    }
    return {name: said.get(name, gettext("Please check this answer.")) for name in refused.fields}


@access_codes_blueprint.post("/access-codes/<int:request_id>/issue", endpoint="issue")
@login_required
def issue(request_id: int):
    """Issue the new code after the identity check; the page shows it once, to hand over."""
    form = {
        "identity_check": request.form.get("identity_check", ""),
        "note": request.form.get("note", "")[:2000],
    }
    try:
        issued = access_codes.issue_new_access_code(
            _me(), request_id, form["identity_check"], form["note"], utc_now()
        )
    except Invalid as refused:
        return _check_page(request_id, 422, _problems(refused), form)
    return render_template("officer/access_code_issued.html", issued=issued)


@access_codes_blueprint.post("/access-codes/<int:request_id>/refuse", endpoint="refuse")
@login_required
def refuse(request_id: int):
    """Refuse the request: the claim's code stays as it was."""
    form = {"refusal": request.form.get("note", "")[:2000]}
    try:
        reference = access_codes.refuse_access_code_request(_me(), request_id, form["refusal"], utc_now())
    except Invalid as refused:
        return _check_page(request_id, 422, {"refusal": _problems(refused)["note"]}, form)
    flash(
        gettext(
            "The request for claim %(reference)s is refused; its access code is unchanged.",
            reference=reference,
        )
    )
    return redirect(url_for("access_codes.index"), code=303)
