"""The claimant's messages to the fund, from the portal's status page (which lists them, with the
fund's answers, from :func:`fund.portal.claim_view.claimant_view`).

Only the session's own claim: the claim comes from the session, never from the address or the
form. A claimant reading their own messages is not written to the access log (the data subject
discloses nothing to anyone; see :mod:`fund.portal.claim_view`). Refusals carry codes only
(``message``: ``message_length``); the page says them in the claimant's language.
"""

from __future__ import annotations

from datetime import datetime

from fund.claims.claimant_messages import MAX_MESSAGE as MAX_MESSAGE
from fund.claims.claimant_messages import write_from_claimant
from fund.portal.sign_in import PortalSession, claim_of_session


def write_to_fund(session: PortalSession, text: str, now: datetime) -> None:
    """Send the claimant's message to the fund; Invalid (``message``: ``message_length``) when it
    is empty or longer than 4,000 characters. No e-mail goes to officers."""
    write_from_claimant(claim_of_session(session), text, now)
