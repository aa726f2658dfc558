"""The claimant's messages to the fund, from the portal's status page (which lists them, with the
fund's answers, from :func:`fund.portal.claim_view.claimant_view`).

Only the session's own claim: the claim comes from the session, never from the address or the
form. A claimant reading their own messages is not written to the access log (the data subject
discloses nothing to anyone; see :mod:`fund.portal.claim_view`). Refusals carry codes only
(``message``: ``message_length``); the page says them in the claimant's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from fund.claims.claimant_messages import MAX_MESSAGE as MAX_MESSAGE
from fund.claims.claimant_messages import MessageRow, claimant_messages, write_from_claimant
from fund.claims.documents import UploadedFile
from fund.claims.message_files import file_for_claimant
from fund.claims.personal_data import DownloadedFile
from fund.models import ClaimMessage
from fund.portal.sign_in import PortalSession, claim_of_session


def write_to_fund(
    session: PortalSession, text: str, now: datetime, files: Sequence[UploadedFile] = ()
) -> ClaimMessage:
    """Send the claimant's message to the fund, with its files; Invalid (``message``:
    ``message_length``) when it is empty without files or longer than 4,000 characters, and naming
    each refused file (``files.<n>.content``) as for documents. No e-mail goes to officers."""
    return write_from_claimant(claim_of_session(session), text, now, files)


def message_file(session: PortalSession, file_id: int) -> DownloadedFile:
    """A file of a message on the session's claim (the claimant's own or the fund's); any other id
    gets NotFound. Not access-logged: the claimant's own correspondence."""
    return file_for_claimant(claim_of_session(session), file_id)


def conversation(session: PortalSession) -> list[MessageRow]:
    """The messages of the session's claim, both ways, oldest first, as its status page lists them.
    Not access-logged: the claimant's own correspondence."""
    return claimant_messages(claim_of_session(session))
