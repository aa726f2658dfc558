"""What the status page says about documents: the list of what was sent, each sending with the
fund's acknowledgement, file sizes in the claimant's words, and why no more can be sent.

Words only: the portal service (:mod:`fund.portal.claim_view`) says which documents the claim has
and whether it takes more (``can_upload``, ``uploads_closed_because``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import format_decimal, gettext, lazy_gettext

from fund.common.time import fund_date
from fund.portal.claim_view import DocumentRef
from workflows.scripting import FUND_TIME_ZONE

# Why no documents can be sent any more (ClaimantView.uploads_closed_because), said plainly.
UPLOADS_CLOSED_SENTENCES = {
    "paid": lazy_gettext(
        "Your claim is closed: the compensation has been paid. Documents can no longer be sent here."
    ),
    "closed_incomplete": lazy_gettext(
        "Your claim is closed because the requested documents did not arrive in time, so documents "
        "can no longer be sent to it. You may apply again with all the documents."
    ),
    "rejected_final": lazy_gettext(
        "The decision on your claim is final: the time to ask for it to be looked at again has passed, "
        "or it was already looked at again. Documents can no longer be sent here. You may challenge "
        "the decision in court, as the decision letter explains."
    ),
    "payment_abandoned": lazy_gettext(
        "The payment could not be made and your claim is closed here. The Fund will contact you; "
        "you can also contact the Fund yourself."
    ),
    "withdrawn": lazy_gettext("You have withdrawn this claim, so documents can no longer be sent to it."),
    "deadline_passed": lazy_gettext(
        "The time to send the requested documents has passed, so the claim is being closed. "
        "If you have the documents, contact the Fund."
    ),
    "closed": lazy_gettext("Your claim is closed. Documents can no longer be sent here."),
}


def uploads_closed_sentence(reason: str) -> str:
    """Why no documents can be sent any more, in the page's language."""
    return str(UPLOADS_CLOSED_SENTENCES.get(reason, UPLOADS_CLOSED_SENTENCES["closed"]))


def file_size(size: int) -> str:
    """A file's size as people say it: "840 KB", "2,4 MB" (in the page's language)."""
    if size < 1024 * 1024:
        return gettext("%(size)s KB", size=format_decimal(max(1, round(size / 1024))))
    return gettext("%(size)s MB", size=format_decimal(round(size / (1024 * 1024), 1)))


@dataclass(frozen=True)
class Sending:
    """Documents that arrived together: with the claim, or sent later by the claimant, or handed in
    at the office and added by intake."""

    received_at: datetime
    by_claimant: bool
    documents: tuple[DocumentRef, ...]

    @property
    def received_on(self) -> date:
        """The day of receipt in Almaty."""
        return fund_date(self.received_at)

    @property
    def received_time(self) -> str:
        """The time of receipt in Almaty, hours:minutes."""
        return self.received_at.astimezone(FUND_TIME_ZONE).strftime("%H:%M")


def sendings(documents: list[DocumentRef]) -> list[Sending]:
    """The claim's documents grouped by when they arrived, newest first (each sending is
    acknowledged on the page with its date and time of receipt)."""
    groups: dict[tuple[datetime, bool], list[DocumentRef]] = {}
    for document in documents:
        if document.uploaded_at is not None:
            groups.setdefault((document.uploaded_at, document.by_claimant), []).append(document)
    found = [Sending(at, by_claimant, tuple(items)) for (at, by_claimant), items in groups.items()]
    return sorted(found, key=lambda sending: sending.received_at, reverse=True)
