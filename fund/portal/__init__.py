"""The claimant portal's services: sign-in with lockout, the claimant's view of their claim, their
letters, document uploads and reconsideration requests.

The services never translate: they return codes (status, next step, document codes) and raise
:class:`~fund.common.errors.ServiceError` subclasses whose ``fields`` map each failing field to
stable problem codes, with an English ``message``; the portal's pages turn both into words in
the claimant's language. The work is split by job:

- :mod:`.portal_sign_in`: sessions, sign-in and the lockout per reference;
- :mod:`.portal_claim`: what the claimant sees (status, next step, letters, documents);
- :mod:`.portal_requests`: what the claimant asks (documents, reconsideration).
"""

from fund.portal.claim_view import (
    NEXT_STEPS,
    ClaimantView,
    DocumentRef,
    LetterRef,
    claimant_letter,
    claimant_view,
)
from fund.portal.requests import (
    CLAIMANT_UPLOADER,
    UPLOAD_PROBLEMS,
    UploadedFile,
    request_reconsideration,
    upload_documents,
)
from fund.portal.sign_in import (
    PortalLocked,
    PortalSession,
    PortalSignInRefused,
    claim_status_for_claimant,
    session_for_new_claim,
    sign_in_claimant,
)

__all__ = [
    "CLAIMANT_UPLOADER",
    "NEXT_STEPS",
    "UPLOAD_PROBLEMS",
    "ClaimantView",
    "DocumentRef",
    "LetterRef",
    "PortalLocked",
    "PortalSession",
    "PortalSignInRefused",
    "UploadedFile",
    "claim_status_for_claimant",
    "claimant_letter",
    "claimant_view",
    "request_reconsideration",
    "session_for_new_claim",
    "sign_in_claimant",
    "upload_documents",
]
