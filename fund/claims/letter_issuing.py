"""Letters issued after the command that made them due, each recorded in the claim's history.

A command that makes a letter due (the process throws ``letter_due_<kind>``) writes the letter's
row — its kind and facts, which the command's event records in its result — in the command's own
transaction, and nothing slower: rendering the PDF is what the officer's click used to wait for,
with the claim locked. The letter is then issued in a transaction of its own per claim: the claim's
instance is locked, its due letters are issued oldest first (rendered in the claimant's language,
numbered, hashed, given a verification code), and each is appended to the claim's hash chain as a
``letter_issued`` event holding its number, kind, language and the PDF's sha256. The event leaves
the process state as it was, so replay passes over it; the chain proves which letter was issued
when, and ``fund audit verify`` checks each stored PDF against its event.

Who issues them: by default the request that ran the command, right after its commit (the quick
start runs no worker); with ``FUND_LETTERS_BY_WORKER`` set, only the worker's rounds, which keeps
rendering off the officers' requests entirely. The worker also issues whatever a request left due
(a crash between the two commits), so a due letter is never lost. Until then the claim's pages
say that the letter is being prepared.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select

from fund.claims.history import LETTER_ISSUED
from fund.claims.instances import append_event, claims_with_letters_made_due, lock_instance
from fund.common import logs
from fund.extensions import db
from fund.letters.service import issue_letter
from fund.models import Claim, Letter

log = logging.getLogger(__name__)

LETTERS_ACTOR = "letters"  # the fund's letter service, in the history


def letter_event_input(letter: Letter) -> dict[str, Any]:
    """What a ``letter_issued`` event records of the letter (and so what its hash covers)."""
    return {
        "letter": {
            "id": letter.id,
            "number": letter.number,
            "kind": letter.kind,
            "language": letter.language,
            "sha256": letter.sha256,
        }
    }


def issue_claim_letters(claim_id: int, now: datetime) -> list[str]:
    """Issue the claim's due letters and record each in its history; one transaction, committed.

    Returns the numbers issued (none when another request or worker issued them first: the
    instance lock makes the second one find nothing due). Rolls back and raises on failure.
    """
    try:
        claim = db.session.get(Claim, claim_id)
        instance = lock_instance(claim)
        due = db.session.scalars(
            select(Letter).where(Letter.claim_id == claim_id, Letter.status == "due").order_by(Letter.id)
        ).all()
        numbers = []
        for letter in due:
            # Its log lines carry the id of the request whose command made it due.
            with logs.bind(**({"request_id": letter.request_id} if letter.request_id else {})):
                issue_letter(letter, now)
                log.info("letter %s (%s) issued", letter.number, letter.kind)
            numbers.append(letter.number)
            result = {"status": None, "steps": [], "outbound": []}  # the process did not move
            append_event(
                claim, instance, LETTER_ISSUED, LETTERS_ACTOR, now, letter_event_input(letter),
                instance.state_digest, result,
            )  # fmt: skip
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return numbers


def issue_letters_made_due(now: datetime) -> list[str]:
    """After a command's commit: issue the letters it made due, unless the worker issues them.

    A letter that fails to issue here is logged and stays due for the worker: the command stands.
    """
    claim_ids = claims_with_letters_made_due()
    if not claim_ids or current_app.config.get("FUND_LETTERS_BY_WORKER"):
        return []
    issued: list[str] = []
    for claim_id in sorted(claim_ids):
        try:
            issued += issue_claim_letters(claim_id, now)
        except Exception:
            log.exception("claim id %s: its due letters could not be issued now; the worker will", claim_id)
    return issued


def issue_due_letters(clock: Callable[[], datetime], limit: int | None = None) -> list[str]:
    """The worker's round: issue every claim's due letters (up to ``limit`` claims), a transaction
    per claim at its own time from ``clock``; returns the numbers issued.

    Several workers may run this at once: each claim's instance lock lets one of them issue its
    letters, and the others then find nothing due. A claim whose letters fail is logged and left
    for the next round; the others go on.
    """
    issued: list[str] = []
    failed: set[int] = set()
    done = 0
    while limit is None or done < limit:
        query = select(Letter.claim_id).where(Letter.status == "due").order_by(Letter.id).limit(1)
        if failed:
            query = query.where(Letter.claim_id.not_in(sorted(failed)))
        claim_id = db.session.scalar(query)
        db.session.rollback()  # end the look: the claim's own transaction starts clean
        if claim_id is None:
            break
        try:
            issued += issue_claim_letters(claim_id, clock())
        except Exception:
            log.exception("claim id %s: its due letters could not be issued; next round", claim_id)
            failed.add(claim_id)
        done += 1
    return issued
