"""Web plumbing shared by every part of the fund: sign-in, CSRF, navigation, error pages, generated
forms, downloads, charts, formatting, panels and rate limits.

Pages work without JavaScript. Every form carries a CSRF token; every view calls a service,
which checks roles; templates only decide what to show.
"""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import gettext, lazy_gettext
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError, CSRFProtect

from fund.common.access import RoleNeeded, roles_needed
from fund.common.errors import ServiceError

from .formatting import init_formatting, role_label, words
from .languages import init_languages
from .nav import nav_links

login_manager = LoginManager()
csrf = CSRFProtect()
log = logging.getLogger(__name__)


@login_manager.user_loader
def _load_user(session_id: str):
    from fund.common.users import user_for_session

    return user_for_session(session_id)


def init_web(app: Flask) -> None:
    """Bind sign-in, CSRF protection, the navigation and HTML error pages to the app.

    Each part of the fund registers its own blueprint (see :func:`fund.create_app`).
    """
    from .auth import auth_blueprint
    from .profile import profile_blueprint
    from .rate_limits import init_limits

    init_languages(app)  # every page's language: fund/web/languages.py
    init_formatting(app)  # dates, amounts and the fund's codes in words, for every template

    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = lazy_gettext("Please sign in to continue.")
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    init_limits(app)  # per client address, for the portal, the API and the letter check
    app.context_processor(nav_links)
    app.register_blueprint(auth_blueprint)
    app.register_blueprint(profile_blueprint)

    @app.errorhandler(ServiceError)
    def _service_error(error: ServiceError):
        message = words(error.message)
        if isinstance(error, RoleNeeded):  # the roles by the names the page gives them, not by code
            message = roles_needed(role_label(role) for role in error.roles)
        return render_template(
            "errors/error.html", status=error.http_status, message=message, fields=error.fields
        ), error.http_status

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        message = gettext(
            "The form expired or was sent from another site. Go back, reload the page and try again."
        )
        return render_template("errors/error.html", status=400, message=message, fields={}), 400

    for status, message in (
        (403, lazy_gettext("You do not have the role this page needs.")),
        (404, lazy_gettext("There is no such page.")),
        (405, lazy_gettext("This page cannot be used that way.")),
        (413, lazy_gettext("The upload is too large.")),
    ):
        app.register_error_handler(status, _simple_error(status, message))

    @app.errorhandler(500)
    def _internal_error(error):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return render_template(
            "errors/error.html",
            status=500,
            message=gettext("The fund's system failed. The error was logged; please try again later."),
            fields={},
        ), 500


def _simple_error(status: int, message):
    def handler(error):
        return render_template("errors/error.html", status=status, message=str(message), fields={}), status

    return handler
