"""The seal chain over every claim's history, and its verification.

* **Globally**, a *seal* (table ``seals``) records the *head* of every claim's history at one
  instant: ``[reference, event_count, last_event_hash, [[letter number, letter sha256], ...]]``,
  sorted by reference. Its ``digest`` is the sha256 of those heads (canonical JSON), and its
  ``hash`` chains it to the seal before it: ``sha256(previous_hash + json([sequence, sealed_at,
  sealed_by, claim_count, digest]))``. Deleting or rewriting a whole claim's history changes (or
  removes) its head, which the latest seal no longer matches. The heads are stored with the seal
  so that a finding can name the claim; they are themselves covered by the digest.
* "As of a seal" means: events with ``occurred_at`` up to ``sealed_at`` and letters issued up to
  ``sealed_at``; a claim whose first event is later than the seal is not covered by it.

Seal at least daily (cron ``fund audit seal --if-due``) and on demand (``fund audit seal``).
Everything here reads only, except :func:`seal_history`, which only an admin (or the system) runs.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from fund.audit.findings import AUDIT_ROLES, Finding
from fund.claims.history import GENESIS_HASH
from fund.common.access import require_role
from fund.common.errors import Conflict
from fund.extensions import db
from fund.models import Claim, Letter, Seal, User, WorkflowEvent

SEAL_ROLES = ("admin",)
SEAL_INTERVAL = timedelta(days=1)
# Seals taken by the worker and the command line cover the history as of this long ago: a command
# stamps its events with the time it started and commits a moment later, so a seal "as of now"
# could miss events that commit just after it and later report them as inserted or rewritten.
SEAL_LAG = timedelta(minutes=1)


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def heads_digest(heads: list[Any]) -> str:
    """The digest a seal records over the heads of every claim."""
    return hashlib.sha256(_canonical(heads)).hexdigest()


def seal_hash(
    previous_hash: str, sequence: int, sealed_at: datetime, sealed_by: str, claim_count: int, digest: str
) -> str:
    """The hash that chains a seal to the one before it."""
    body = _canonical([sequence, sealed_at.astimezone(UTC).isoformat(), sealed_by, claim_count, digest])
    return hashlib.sha256(previous_hash.encode("ascii") + body).hexdigest()


def history_heads(cutoff: datetime) -> list[list[Any]]:
    """The head of every claim's history as of ``cutoff``, sorted by reference (see module doc)."""
    events = WorkflowEvent.__table__
    upto = (
        select(
            events.c.claim_id,
            func.count().label("count"),
            func.max(events.c.sequence).label("last"),
        )
        .where(events.c.occurred_at <= cutoff)
        .group_by(events.c.claim_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Claim.reference, upto.c["count"], events.c.hash)
        .join(upto, upto.c.claim_id == Claim.id)
        .join(events, (events.c.claim_id == Claim.id) & (events.c.sequence == upto.c["last"]))
    )
    letters: dict[str, list[list[str]]] = {}
    for reference, number, sha256 in db.session.execute(
        select(Claim.reference, Letter.number, Letter.sha256)
        .join(Claim, Claim.id == Letter.claim_id)
        .where(Letter.status == "issued", Letter.issued_at <= cutoff)
    ):
        letters.setdefault(reference, []).append([number, sha256])
    return sorted(
        [reference, count, last_hash, sorted(letters.get(reference, []))]
        for reference, count, last_hash in rows
    )


def latest_seal() -> Seal | None:
    return db.session.scalar(select(Seal).order_by(Seal.sequence.desc()).limit(1))


def seal_history(now: datetime, actor: User, if_due: bool = False) -> Seal | None:
    """Seal the heads of every claim's history into the next link of the global chain; commits.

    With ``if_due``, seal only when the latest seal is older than a day (returns None otherwise).
    Only an admin (or the system) may seal; auditors read.
    """
    require_role(actor, *SEAL_ROLES)
    previous = latest_seal()
    if if_due and previous is not None and now - previous.sealed_at < SEAL_INTERVAL:
        return None
    sealed_at = now.astimezone(UTC)
    heads = history_heads(sealed_at)
    sequence = (previous.sequence if previous is not None else 0) + 1
    previous_hash = previous.hash if previous is not None else GENESIS_HASH
    digest = heads_digest(heads)
    seal = Seal(
        sequence=sequence,
        sealed_at=sealed_at,
        sealed_by=actor.username,
        claim_count=len(heads),
        digest=digest,
        heads=heads,
        previous_hash=previous_hash,
        hash=seal_hash(previous_hash, sequence, sealed_at, actor.username, len(heads), digest),
    )
    db.session.add(seal)
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise Conflict("another seal was made at the same time; try again") from error
    return seal


def verify_seals(actor: User) -> tuple[int, list[Finding]]:
    """Check the seal chain, and the latest seal against the histories as of its time."""
    require_role(actor, *AUDIT_ROLES)
    findings: list[Finding] = []
    seals = list(db.session.scalars(select(Seal).order_by(Seal.sequence)))
    previous_hash = GENESIS_HASH
    for expected, seal in enumerate(seals, start=1):
        subject = f"seal #{seal.sequence}"
        if seal.sequence != expected:
            findings.append(Finding(f"seal #{expected}", f"is missing (found seal #{seal.sequence} instead)"))
        if seal.previous_hash != previous_hash:
            findings.append(Finding(subject, "does not link to the seal before it"))
        if heads_digest(seal.heads) != seal.digest or len(seal.heads) != seal.claim_count:
            findings.append(Finding(subject, "its recorded claim heads do not match its digest"))
        recomputed = seal_hash(
            seal.previous_hash, seal.sequence, seal.sealed_at, seal.sealed_by, seal.claim_count, seal.digest
        )
        if recomputed != seal.hash:
            findings.append(Finding(subject, "its content does not match its hash"))
        previous_hash = seal.hash
    if seals:
        findings.extend(_compare_with_histories(seals[-1]))
    return len(seals), findings


def _compare_with_histories(seal: Seal) -> list[Finding]:
    findings = []
    sealed = {head[0]: head for head in seal.heads}
    current = {head[0]: head for head in history_heads(seal.sealed_at)}
    name = f"seal #{seal.sequence}"
    for reference in sorted(sealed.keys() | current.keys()):
        then, now = sealed.get(reference), current.get(reference)
        if now is None:
            findings.append(
                Finding(reference, f"was sealed by {name} but its history is gone (claim deleted)")
            )
        elif then is None:
            findings.append(
                Finding(
                    reference, f"has events before {name} that the seal does not cover (history inserted)"
                )
            )
        else:
            if then[1:3] != now[1:3]:
                findings.append(
                    Finding(
                        reference,
                        f"its history up to {name} was rewritten: sealed {then[1]} event(s) ending "
                        f"{then[2][:12]}, found {now[1]} ending {now[2][:12]}",
                    )
                )
            if then[3] != now[3]:
                changed = sorted({n for n, _ in then[3]} ^ {n for n, _ in now[3]} | _changed_sha(then, now))
                findings.append(
                    Finding(reference, f"its letters differ from {name}: {', '.join(changed) or 'order'}")
                )
    return findings


def _changed_sha(then: list, now: list) -> set[str]:
    before, after = dict(map(tuple, then[3])), dict(map(tuple, now[3]))
    return {n for n in before.keys() & after.keys() if before[n] != after[n]}
