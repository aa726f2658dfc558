"""The claimant portal's languages: Kazakh, Russian and English, one language per page.

Which language a page speaks is decided for every page in one place, ``fund/web/languages.py``:
for the portal, the one the claimant chose with the switch (kept in the session), else the
browser's Accept-Language, else English. Here: the portal's switch.
"""

from __future__ import annotations

from flask import redirect, request, session

from fund.web.languages import (
    CLAIMANT_SESSION_KEY as SESSION_KEY,
)
from fund.web.languages import (
    DEFAULT_LANGUAGE,
    LANGUAGE_NAMES,
    claimant_language,
)
from fund.web.languages import (
    LANGUAGES as PORTAL_LANGUAGES,
)

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGE_NAMES",
    "PORTAL_LANGUAGES",
    "claimant_language",
    "language_links",
    "switch_language_from_query",
]


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
