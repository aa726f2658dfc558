"""Help, if wanted: "Would you like a crisis centre to contact you?", on the application and the status page.

=============================  =====  ==========================================================
/portal/crisis-help            POST   ask from the status page (the claim of the session only)
=============================  =====  ==========================================================

The question is optional and says so: the application's consent step asks it after the consent
(``portal/_crisis_question.html``; the answers are kept in the draft as ``help.*``), and the status
page asks it until the claimant has asked, then says when the request was passed on
(``portal/_crisis_help.html``). The claimant may tick the kinds of help (psychological, medical,
legal, social; none ticked means any help) and name the region where they want it, offered from
the directory of crisis centres and chosen in advance when the claimant chose a region on the
contacts page. The services are in :mod:`fund.claims.crisis_referrals`; nothing of it goes into the
claim's submission.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from flask import redirect, request, session, url_for

from fund.claims import crisis_referrals
from fund.claims.crisis_referrals import ClaimantReferral
from fund.common.errors import Conflict, Invalid
from fund.models import HELP_KINDS
from fund.portal.contacts import REGION_SESSION_KEY
from fund.portal.guard import current_claimant
from fund.portal.i18n import claimant_language
from fund.portal.pages import claimant_now, portal_blueprint, render_portal
from fund.portal.sign_in import PortalSession, claim_of_session

WANTED, KINDS, REGION = "help.wanted", "help.kinds", "help.region"  # the draft's keys
DRAFT_FIELDS = (WANTED, KINDS, REGION)


@portal_blueprint.context_processor
def _crisis_help_words():
    """``crisis_question()`` for the form (kinds, regions) and ``crisis_help_now()`` for the status page."""

    def crisis_question() -> dict:
        regions = crisis_referrals.crisis_regions(claimant_language())
        chosen = session.get(REGION_SESSION_KEY)
        return {
            "kinds": HELP_KINDS,
            "regions": regions,
            "region_of_contacts": chosen if chosen in {code for code, _ in regions} else "",
        }

    def crisis_help_now() -> ClaimantReferral | None:
        portal_session = current_claimant(claimant_now())
        if portal_session is None:
            return None
        return crisis_referrals.referral_for_claimant(portal_session.claim_id, claimant_language())

    return {"crisis_question": crisis_question, "crisis_help_now": crisis_help_now}


def answers_from_form(form) -> dict[str, str]:
    """The question's answers as the application's draft keeps them (the kinds comma-separated)."""
    wanted = form.get(WANTED, "")
    return {
        WANTED: wanted if wanted in ("yes", "no") else "",
        KINDS: ",".join(kind[:20] for kind in form.getlist(KINDS)[: len(HELP_KINDS) + 1]),
        REGION: form.get(REGION, "").strip()[:40],
    }


def _kinds(text: str) -> list[str]:
    return [kind for kind in text.split(",") if kind]


def draft_problems(draft: Mapping[str, str]) -> dict[str, list[str]]:
    """What is wrong with the draft's answers (only when the claimant said yes; codes by field)."""
    if draft.get(WANTED) != "yes":
        return {}
    return crisis_referrals.help_answer_problems(_kinds(draft.get(KINDS, "")), draft.get(REGION) or None)


def ask_after_submission(portal_session: PortalSession, draft: Mapping[str, str], now: datetime) -> None:
    """When the claimant said yes on the application, record the request on the claim just sent."""
    if draft.get(WANTED) != "yes":
        return
    claim = claim_of_session(portal_session)
    kinds = [kind for kind in _kinds(draft.get(KINDS, "")) if kind in HELP_KINDS]
    region = draft.get(REGION) or None
    try:
        crisis_referrals.ask_for_help(claim, kinds, region, crisis_referrals.FROM_APPLICATION, now)
    except Invalid:  # the region's centre went out of use since the step: an officer picks the centre
        crisis_referrals.ask_for_help(claim, kinds, None, crisis_referrals.FROM_APPLICATION, now)


@portal_blueprint.post("/portal/crisis-help", endpoint="crisis_help")
def ask_from_status_page():
    """Ask, from the status page, for a crisis centre to contact the claimant."""
    now = claimant_now()
    portal_session = current_claimant(now)
    if portal_session is None:
        return redirect(url_for("portal.sign_in"), code=303)
    claim = claim_of_session(portal_session)
    kinds = request.form.getlist(KINDS)[: len(HELP_KINDS) + 1]
    region = request.form.get(REGION, "").strip()[:40] or None
    try:
        crisis_referrals.ask_for_help(claim, kinds, region, crisis_referrals.FROM_STATUS_PAGE, now)
    except Invalid as refused:
        return render_portal(
            "portal/crisis_help_refused.html",
            422,
            errors=refused.fields,
            reference=claim.reference,
            kinds=kinds,
            region=region or "",
        )
    except Conflict:  # asked already (twice at once, or in another tab): the status page says so
        pass
    return redirect(url_for("portal.status", done="crisis_help") + "#crisis-help", code=303)
