"""The claimant portal's languages: Kazakh, Russian and English, one language per page.

Flask-Babel picks the language: the one the claimant chose with the switch (kept in the
session), else the browser's Accept-Language, else English. Staff pages are English and stay so.
Two catalog domains are merged: "messages" (pages, ``fund/translations/<lang>/LC_MESSAGES/
messages.po``) and "emails" (the notification e-mails, ``emails.po``, same folders). Flask-Babel
4 pairs the domains of ``BABEL_DOMAIN`` with the folders of ``BABEL_TRANSLATION_DIRECTORIES`` by
position, so the folder is named twice.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, has_request_context, redirect, request, session
from flask_babel import Babel

PORTAL_LANGUAGES = ("kk", "ru", "en")
DEFAULT_LANGUAGE = "en"
# Each language is named in itself, so the switch reads the same on every page.
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
SESSION_KEY = "portal_language"
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
DOMAINS = ("messages", "emails")
# Pages outside the portal that speak the claimant's language (their 429 page, for example).
_PUBLIC_BLUEPRINTS = ("portal", "verify")

babel = Babel()


def claimant_language() -> str:
    """The portal language of this request: the switch's choice, else the browser's, else English."""
    chosen = session.get(SESSION_KEY)
    if chosen in PORTAL_LANGUAGES:
        return chosen
    return request.accept_languages.best_match(PORTAL_LANGUAGES, default=DEFAULT_LANGUAGE)


def _select_locale() -> str:
    if has_request_context() and request.blueprint in _PUBLIC_BLUEPRINTS:
        return claimant_language()
    return DEFAULT_LANGUAGE  # staff pages, the CLI and the worker


def init_i18n(app: Flask) -> None:
    """Bind Flask-Babel with both catalog domains; install gettext in Jinja."""
    folder = str(TRANSLATIONS_DIR)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Almaty")
    app.config.setdefault("BABEL_DOMAIN", ";".join(DOMAINS))
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", ";".join(folder for _ in DOMAINS))
    babel.init_app(app, locale_selector=_select_locale)


def switch_language_from_query():
    """``?lang=kk`` on any portal page: remember the choice and show the same page again.

    The answer is a redirect to the same address without the parameter, so the choice is kept in
    the session and the address stays clean.
    """
    chosen = request.args.get("lang")
    if chosen is None:
        return None
    if chosen in PORTAL_LANGUAGES:
        session[SESSION_KEY] = chosen
    return redirect(request.path, code=303)


def language_links() -> list[dict[str, str]]:
    """The language switch: each language named in itself, linking to this same page."""
    current = claimant_language()
    return [
        {
            "code": code,
            "name": LANGUAGE_NAMES[code],
            "url": f"{request.path}?lang={code}",
            "current": code == current,
        }
        for code in PORTAL_LANGUAGES
    ]
