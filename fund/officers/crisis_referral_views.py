"""A claimant's request for a crisis centre, on the officers' claim page (intake and reviewers).

=====================================================  =====  ====================================
/claims/<reference>/crisis-referral                    POST   open the referral (access log)
/claims/<reference>/crisis-referral/passed-on          POST   record that it was passed on
=====================================================  =====  ====================================

The claim page shows only that the claimant asked and whether it was passed on. What was asked
(the kinds of help, the region) is sensitive: it is shown in the answer to a POST that the access
log records, like the claim's other personal data, and there the officer records to which centre,
and how, they passed it on. The services (roles, the log) are in :mod:`fund.claims.crisis_referrals`.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext, lazy_gettext
from flask_login import current_user, login_required
from markupsafe import Markup

from fund.claims import crisis_referrals
from fund.claims.claim_file import ClaimView
from fund.common.errors import Conflict, Invalid
from fund.common.time import utc_now
from fund.models import User

crisis_referrals_blueprint = Blueprint("crisis_referrals", __name__, template_folder="templates")

HELP_KIND_LABELS = {
    "psychological": lazy_gettext("Psychological help"),
    "medical": lazy_gettext("Medical help"),
    "legal": lazy_gettext("Legal help"),
    "social": lazy_gettext("Social help"),
}
WAY_LABELS = {
    "phone": lazy_gettext("By phone"),
    "email": lazy_gettext("By e-mail"),
    "in_person": lazy_gettext("In person"),
    "other": lazy_gettext("Another way (say which in the note)"),
}
ASKED_FROM_LABELS = {
    "application": lazy_gettext("on the application form"),
    "status_page": lazy_gettext("later, on their status page"),
}
PROBLEMS = {
    "centre_id": lazy_gettext("choose one of the crisis centres in the list"),
    "how": lazy_gettext("choose how you passed it on"),
    "note": lazy_gettext("the note is too long"),
    "already_passed": lazy_gettext("another officer has recorded it as passed on already"),
    "no_referral": lazy_gettext("the claimant asked for no crisis centre"),
}


@crisis_referrals_blueprint.after_request
def _no_store(response):
    """Pages naming claims and referrals must not stay in a browser's or a proxy's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _me() -> User:
    return current_user._get_current_object()


def _language() -> str:
    return str(get_locale() or "en")


@crisis_referrals_blueprint.post("/claims/<reference>/crisis-referral", endpoint="open")
@login_required
def open_referral(reference: str):
    """The claim page with the referral opened: the kinds of help, the region, the form (logged)."""
    g.crisis_referral = crisis_referrals.open_referral(_me(), reference, _language(), utc_now())
    return _claim_page_again(reference, 200)


@crisis_referrals_blueprint.post("/claims/<reference>/crisis-referral/passed-on", endpoint="passed_on")
@login_required
def passed_on(reference: str):
    """Record that the referral was passed on: to which centre, how, and an optional note."""
    me, now = _me(), utc_now()
    form = {name: request.form.get(name, "")[:2000] for name in ("centre_id", "how", "note")}
    try:
        crisis_referrals.record_passed_on(me, reference, form["centre_id"], form["how"], form["note"], now)
    except (Invalid, Conflict) as refused:
        if isinstance(refused, Conflict):
            codes = [code for codes in refused.fields.values() for code in codes]
            g.crisis_referral_problems = {"referral": [str(PROBLEMS.get(codes[0], refused.message))]}
        else:
            g.crisis_referral_problems = {name: [str(PROBLEMS[name])] for name in refused.fields}
        g.crisis_referral_form = form
        g.crisis_referral = crisis_referrals.open_referral(me, reference, _language(), now)
        return _claim_page_again(reference, refused.http_status)
    flash(gettext("The crisis centre referral is recorded as passed on."))
    return redirect(url_for("officer.claim", reference=reference) + "#crisis-referral", code=303)


def _claim_page_again(reference: str, status: int):
    from fund.officers.views import claim_page_answer  # the claim page, drawn the officers' way

    return claim_page_answer(reference, status)


def crisis_referral_panel(user: User, claim: ClaimView, now) -> Markup | None:
    """On the claim page of intake and reviewers: that the claimant asked for a crisis centre."""
    if not user.has_role(*crisis_referrals.REFERRAL_ROLES):
        return None
    state = crisis_referrals.referral_state(user, claim.reference)
    if state is None:
        return None
    opened = g.get("crisis_referral")
    return Markup(
        render_template(
            "officer/_crisis_referral.html",
            reference=claim.reference,
            state=state,
            referral=opened if opened is not None and opened.reference == claim.reference else None,
            problems=g.get("crisis_referral_problems") or {},
            form=g.get("crisis_referral_form") or {},
            kind_labels=HELP_KIND_LABELS,
            way_labels=WAY_LABELS,
            asked_from_labels=ASKED_FROM_LABELS,
            language=_language(),
            note_max=crisis_referrals.NOTE_MAX,
        )
    )
