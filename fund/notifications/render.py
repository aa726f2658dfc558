"""Rendering a message to a claimant in their language, with the Babel domain "emails".

Rendering happens when the message is queued, inside the command that changed the claim (an
officer's request, the API, or the worker outside any request); Flask-Babel's ``force_locale``
needs only an application context, and the domain below names its own folder, so it works the
same in all three.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flask import has_app_context
from flask_babel import Domain, force_locale

from ..letters.texts import LANGUAGES, document_label, format_date
from .texts import FOLLOW_YOUR_CLAIM, GREETING, SAFETY, SIGNATURE, WORDING

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
EMAILS = Domain(translation_directories=[str(TRANSLATIONS_DIR)], domain="emails")

# Where claimants follow their claim, after FUND_PUBLIC_URL. The portal's status page: change it
# here, in one place, if the portal moves.
PORTAL_STATUS_PATH = "/portal/status"
FALLBACK_LANGUAGE = "ru"  # a claim always has kk, ru or en; this only guards against bad data


@dataclass(frozen=True)
class RenderedMessage:
    """A message as it will be sent: subject and plain-text body, in one language."""

    language: str
    subject: str
    body: str


def status_url(public_url: str) -> str:
    """The address of the portal's status page, for the site at ``public_url``."""
    return public_url.rstrip("/") + PORTAL_STATUS_PATH


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def render_message(
    kind: str, language: str, claimant_name: str, reference: str, details: dict[str, Any], public_url: str
) -> RenderedMessage:
    """The subject and body of a ``kind`` message (a key of ``WORDING``) in ``language``.

    ``details`` may carry ``missing_documents`` (document codes), ``respond_by`` and
    ``reconsideration_until`` (dates); nothing else about the claimant is ever put in a message.
    Needs an application context (Flask-Babel keeps the forced locale there).
    """
    if not has_app_context():
        raise RuntimeError("rendering a message needs an application context (for Flask-Babel)")
    if language not in LANGUAGES:
        language = FALLBACK_LANGUAGE
    wording = WORDING[kind]
    values = {"name": claimant_name, "reference": reference, "status_url": status_url(public_url)}
    for name in ("respond_by", "reconsideration_until"):
        if details.get(name):
            values[name] = format_date(_day(details[name]), language)
    with force_locale(language):

        def say(message_id: str) -> str:
            return EMAILS.gettext(message_id, **values)

        paragraphs = [say(GREETING), say(wording.happened)]
        if wording.lists_documents:
            codes = details.get("missing_documents") or []
            paragraphs.append("\n".join(f"- {document_label(code, language)}" for code in codes))
        paragraphs += [say(wording.next_steps), say(FOLLOW_YOUR_CLAIM), say(SAFETY), say(SIGNATURE)]
        subject = say(wording.subject)
    return RenderedMessage(language, subject, "\n\n".join(paragraphs) + "\n")
