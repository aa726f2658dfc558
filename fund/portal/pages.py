"""The portal's blueprint and how its pages are made: the claimant's language, time and headers.

The portal's routes are in :mod:`.views` (sign-in, status, letters, documents) and
:mod:`.apply_views` (the application's steps), both on this blueprint.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, make_response, render_template, session
from flask_babel import format_date, get_locale

from fund.common.time import utc_now
from fund.portal import words
from fund.portal.guard import PORTAL_SESSION_KEY
from fund.portal.i18n import claimant_language, language_links, switch_language_from_query

portal_blueprint = Blueprint("portal", __name__, template_folder="templates")


def claimant_now() -> datetime:
    """The time of this request (web pages read the clock only through ``fund.common.time``)."""
    return utc_now()


def render_portal(template: str, http_status: int = 200, **context):
    """A portal page in the claimant's language, never cached, never sending a referrer."""
    body = render_template(
        template,
        page_language=claimant_language(),
        language_links=language_links(),
        signed_in=current_claimant_quietly() is not None,
        words=words,
        **context,
    )
    response = make_response(body, http_status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def current_claimant_quietly():
    """The signed-in claim as kept in the session, without moving its expiry on (for the header)."""
    return session.get(PORTAL_SESSION_KEY)


@portal_blueprint.before_request
def _language_switch():
    return switch_language_from_query()


@portal_blueprint.app_template_filter("portal_date")
def _portal_date(day) -> str:
    """A date in the page's language: "2026 ж. 2 наурыз", "2 марта 2026 года", "March 2, 2026"."""
    return portal_date(day) if day else ""


def portal_date(day) -> str:
    """A long date for sentences; Russian spells out "года", so a sentence never ends in "г.."."""
    if str(get_locale()) == "ru":
        return format_date(day, "d MMMM y 'года'")
    return format_date(day, "long")
