"""The signed-in staff user's profile: the language of their pages.

``/profile`` shows the choice (Kazakh, Russian, English, or the browser's language); the switch in
every staff page's header posts to ``/profile/language`` and comes back to the page it was on.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from fund.common import users
from fund.common.errors import Invalid

from .languages import LANGUAGE_NAMES, LANGUAGES, browser_language

profile_blueprint = Blueprint("profile", __name__)


def _me():
    return current_user._get_current_object()


def _back(default: str) -> str:
    """The page the switch was pressed on, if it is on this site; ``default`` otherwise."""
    target = request.form.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc and not parts.scheme:
        return target
    return default


def _profile_page(error: Invalid | None = None, status: int = 200):
    return render_template(
        "profile.html",
        languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        chosen=current_user.language or "",
        browser=LANGUAGE_NAMES[browser_language()],
        error=error,
    ), status


@profile_blueprint.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """The user's language: chosen here, kept on their account, on every device."""
    if request.method == "POST":
        try:
            users.choose_language(_me(), request.form.get("language"))
        except Invalid as error:
            return _profile_page(error, 422)
        flash(gettext("Your language is saved."))
        return redirect(url_for("profile.profile"))
    return _profile_page()


@profile_blueprint.post("/profile/language")
@login_required
def switch_language():
    """The header's switch: keep the chosen language and show the same page again."""
    try:
        users.choose_language(_me(), request.form.get("language"))
    except Invalid as error:
        return _profile_page(error, 422)
    return redirect(_back(url_for("home")), code=303)
