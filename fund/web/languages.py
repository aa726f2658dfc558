"""The languages of every page: Kazakh, Russian and English, one language per page.

Flask-Babel asks :func:`page_language` once per request:

- the claimant's pages (the portal, the letter check): the language the claimant chose with the
  switch (kept in the session), else the browser's Accept-Language, else English;
- staff pages: the language the signed-in user chose on the profile page (``User.language``),
  else the browser's Accept-Language, else English;
- the JSON API, the CLI and the worker: English.

Three catalog domains are merged: "staff" (staff pages), "messages" (the portal) and "emails"
(the notification e-mails), each ``fund/translations/<lang>/LC_MESSAGES/<domain>.po``. Flask-Babel
4 pairs the domains of ``BABEL_DOMAIN`` with the folders of ``BABEL_TRANSLATION_DIRECTORIES`` by
position, so the folder is named once per domain; a later domain's words win for a text that two
domains share, so the portal's pages read exactly as their own catalog says.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, has_request_context, request, session
from flask_babel import Babel, get_locale
from flask_login import current_user

LANGUAGES = ("kk", "ru", "en")
DEFAULT_LANGUAGE = "en"
# Each language is named in itself, so a switch reads the same on every page.
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
CLAIMANT_SESSION_KEY = "portal_language"
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
DOMAINS = ("staff", "messages", "emails")
# Pages that speak the claimant's language (the portal, its 429 page, the letter check).
CLAIMANT_BLUEPRINTS = ("portal", "verify")
ENGLISH_BLUEPRINTS = ("api",)  # the JSON API answers in English: its clients are programs

babel = Babel()


def browser_language() -> str:
    """The browser's preferred language among the fund's, else English."""
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def claimant_language() -> str:
    """The portal language of this request: the switch's choice, else the browser's, else English."""
    chosen = session.get(CLAIMANT_SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    return browser_language()


def staff_language() -> str:
    """A staff page's language: the signed-in user's choice, else the browser's, else English."""
    chosen = getattr(current_user, "language", None) if current_user.is_authenticated else None
    if chosen in LANGUAGES:
        return chosen
    return browser_language()


def page_language() -> str:
    """The language of this request's page (Flask-Babel's locale selector)."""
    if not has_request_context():
        return DEFAULT_LANGUAGE  # the CLI and the worker
    if request.blueprint in CLAIMANT_BLUEPRINTS:
        return claimant_language()
    if request.blueprint in ENGLISH_BLUEPRINTS:
        return DEFAULT_LANGUAGE
    return staff_language()


def init_languages(app: Flask) -> None:
    """Bind Flask-Babel with the three catalog domains; install gettext in Jinja."""
    folder = str(TRANSLATIONS_DIR)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Almaty")
    app.config.setdefault("BABEL_DOMAIN", ";".join(DOMAINS))
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", ";".join(folder for _ in DOMAINS))
    babel.init_app(app, locale_selector=page_language)
    app.context_processor(_language_context)


def _language_context() -> dict:
    """``page_language`` (the html ``lang``) and the staff header's switch, for every template."""
    return {
        "page_language": str(get_locale() or DEFAULT_LANGUAGE),
        "staff_languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
    }
