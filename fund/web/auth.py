"""Signing in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_required, login_user, logout_user

from fund.common import users
from fund.common.errors import Unauthenticated
from fund.common.time import utc_now
from fund.web.formatting import words
from fund.web.landing import landing_url

auth_blueprint = Blueprint("auth", __name__)


def _safe_next(target: str | None, landing: str) -> str:
    """Only redirect within this site after sign-in; without a page asked for, to ``landing``."""
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return landing


@auth_blueprint.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """The sign-in form for staff."""
    error = None
    if request.method == "POST":
        try:
            user = users.sign_in(
                request.form.get("username", ""), request.form.get("password", ""), utc_now()
            )
        except (Unauthenticated, users.SignInLocked) as failure:
            error = words(failure.message)  # the page answers 401 for both; the API tells a lock by its 429
        else:
            session.clear()  # a fresh session: nothing from before sign-in is kept
            session.permanent = True
            login_user(user)
            return redirect(_safe_next(request.args.get("next"), landing_url(user)))
    status = 401 if error else 200
    return render_template(
        "auth/sign_in.html", error=error, username=request.form.get("username", "")
    ), status


@auth_blueprint.post("/sign-out")
@login_required
def sign_out():
    """End this session."""
    logout_user()
    session.clear()
    flash(gettext("You have signed out."))
    return redirect(url_for("auth.sign_in"))


@auth_blueprint.post("/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    """End every session and API token of the signed-in user, on every device."""
    users.sign_out_everywhere(current_user)
    logout_user()
    session.clear()
    flash(gettext("You have signed out on every device."))
    return redirect(url_for("auth.sign_in"))
