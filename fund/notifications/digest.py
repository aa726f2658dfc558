"""The supervisors' daily digest of the service levels: its words (Babel domain "emails") and its
rendering in the supervisor's language.

A digest carries counts, the targets in days, the references of the claims longest past a target,
and the address of the supervisors' page: never a claimant's name, identity number, contact or
bank details, nor an amount (e-mail is not a safe channel; the page is behind sign-in).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from flask import has_app_context
from flask_babel import force_locale

from ..letters.texts import LANGUAGES, format_date
from .render import EMAILS, FALLBACK_LANGUAGE, RenderedMessage
from .texts import (
    DIGEST_DECISION,
    DIGEST_DECISION_REFERENCES,
    DIGEST_OPENING,
    DIGEST_PAGE,
    DIGEST_PAYMENT,
    DIGEST_PAYMENT_REFERENCES,
    DIGEST_PRIVACY,
    DIGEST_SUBJECT,
    DIGEST_TASKS,
    SIGNATURE,
)

DIGEST_KIND = "service_level_digest"
# Where the page is, after FUND_PUBLIC_URL (fund/officers/desk_views.py serves it).
SERVICE_LEVELS_PATH = "/supervision/service-levels"


def render_digest(
    language: str,
    day: date,
    counts: Mapping[str, int],
    references: Mapping[str, Sequence[str]],
    public_url: str,
) -> RenderedMessage:
    """The digest of ``day`` in ``language``: ``counts`` as :func:`fund.officers.service_levels.
    digest_counts` gives them; ``references`` the claims longest past each target (by target code).
    Needs an application context (Flask-Babel keeps the forced locale there)."""
    if not has_app_context():
        raise RuntimeError("rendering a digest needs an application context (for Flask-Babel)")
    if language not in LANGUAGES:
        language = FALLBACK_LANGUAGE
    warning = counts["warning_days"]
    with force_locale(language):
        say = EMAILS.gettext
        written_day = format_date(day, language)
        breaching = counts["decision_breaching"] + counts["payment_breaching"]
        paragraphs = [
            say(DIGEST_OPENING, day=written_day),
            "\n".join(
                [
                    say(
                        DIGEST_DECISION,
                        days=counts["decision_days"],
                        breaching=counts["decision_breaching"],
                        warning=warning,
                        about_to_breach=counts["decision_about_to_breach"],
                    ),
                    say(
                        DIGEST_PAYMENT,
                        days=counts["payment_days"],
                        breaching=counts["payment_breaching"],
                        warning=warning,
                        about_to_breach=counts["payment_about_to_breach"],
                    ),
                    say(DIGEST_TASKS, overdue=counts["tasks_overdue"], due_soon=counts["tasks_due_soon"]),
                ]
            ),  # fmt: skip
        ]
        lists = (("decision", DIGEST_DECISION_REFERENCES), ("payment", DIGEST_PAYMENT_REFERENCES))
        listed = [
            say(message_id, references=", ".join(references[code]))
            for code, message_id in lists
            if references.get(code)
        ]
        if listed:
            paragraphs.append("\n".join(listed))
        url = public_url.rstrip("/") + SERVICE_LEVELS_PATH
        paragraphs += [say(DIGEST_PAGE, url=url), say(DIGEST_PRIVACY), say(SIGNATURE)]
        subject = say(DIGEST_SUBJECT, day=written_day, breaching=breaching)
    return RenderedMessage(language, subject, "\n\n".join(paragraphs) + "\n")
