"""Letters to claimants: wording (texts), PDF rendering (pdf), issuing and checking (service), and
the public verification page (views).

Issued in the claimant's language (kk, ru, en) when the process makes a letter due; stored with
their sha256 and never changed; checked by anyone at /verify/<number> with the printed code.
"""

from .service import (
    LetterAlreadyIssued,
    LetterCheck,
    issue_due_letters,
    issue_letter,
    matches_stored_pdf,
    reissue_letter,
    verify_letter,
)

__all__ = [
    "LetterAlreadyIssued",
    "LetterCheck",
    "issue_due_letters",
    "issue_letter",
    "matches_stored_pdf",
    "reissue_letter",
    "verify_letter",
]
