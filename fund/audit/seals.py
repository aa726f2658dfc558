"""The seal chain over every claim's history, and its verification.

* **Globally**, a *seal* (table ``seals``) records the *head* of every claim's history at one
  instant: ``[reference, event_count, last_event_hash, [[letter number, letter sha256], ...]]``,
  sorted by reference. Its ``digest`` is the sha256 of those heads (canonical JSON), and its
  ``hash`` chains it to the seal before it: ``sha256(previous_hash + json([sequence, sealed_at,
  sealed_by, claim_count, digest]))``. Deleting or rewriting a whole claim's history changes (or
  removes) its head, which the latest seal no longer matches. The heads are stored with the seal
  so that a finding can name the claim; they are themselves covered by the digest.
* **Signed**: with a signing key configured, each seal is signed with the fund's key as it is made
  (:mod:`.seal_signatures`), and a signed seal can be published outside the database as an
  *anchor* (:mod:`.anchors`); a database rewritten with every hash and seal recomputed no longer
  matches the anchor, and its re-made seals carry no signature of the fund's key.
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

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from fund.audit.findings import AUDIT_ROLES, Finding
from fund.audit.seal_signatures import seal_statement, sign_seal, signature_problem
from fund.claims.history import GENESIS_HASH
from fund.common.access import require_role
from fund.common.errors import Conflict
from fund.extensions import db
from fund.letters.signing import trust_roots
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
    Only an admin (or the system) may seal; auditors read. With a signing key configured the seal
    is signed before it is committed (a key that cannot be used stops the seal: SigningKeyError).
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
    seal.signature = sign_seal(seal)
    db.session.add(seal)
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise Conflict("another seal was made at the same time; try again") from error
    return seal


def verify_seals(actor: User, notes: list[str] | None = None) -> tuple[int, list[Finding]]:
    """Check the seal chain, each seal's signature, and the latest seal against the histories as
    of its time. What is worth saying but not a finding (unsigned seals, signatures checked without
    a trust root) is appended to ``notes`` when given."""
    require_role(actor, *AUDIT_ROLES)
    findings: list[Finding] = []
    seals = list(db.session.scalars(select(Seal).order_by(Seal.sequence)))
    findings += _signature_findings(seals, notes if notes is not None else [])
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
        latest = seals[-1]
        findings.extend(compare_with_histories(latest.heads, latest.sealed_at, f"seal #{latest.sequence}"))
    return len(seals), findings


def configured_trust_roots() -> list | None:
    """The certificates of ``FUND_SIGNING_TRUST_ROOT``, or None when it is not configured."""
    path = current_app.config.get("FUND_SIGNING_TRUST_ROOT")
    return trust_roots(str(path)) if path else None


def _signature_findings(seals: list[Seal], notes: list[str]) -> list[Finding]:
    """Each signed seal's signature against its statement (and the trust root, when configured).

    An unsigned seal is not a finding (it was made while no key was configured), except after a
    signed one: the fund does not stop signing, but a rewritten database may leave its seals unsigned.
    """
    findings: list[Finding] = []
    roots = configured_trust_roots()
    unsigned: list[int] = []
    last_signed: int | None = None
    for seal in seals:
        if seal.signature is None:
            unsigned.append(seal.sequence)
            if last_signed is not None:
                findings.append(
                    Finding(
                        f"seal #{seal.sequence}",
                        f"is unsigned, though seal #{last_signed} before it is signed",
                    )
                )
            continue
        last_signed = seal.sequence
        if problem := signature_problem(seal_statement(seal), seal.signature, roots):
            findings.append(Finding(f"seal #{seal.sequence}", problem))
    if unsigned:
        notes.append(
            f"{len(unsigned)} of {len(seals)} seal(s) unsigned (made while no FUND_SIGNING_KEY was "
            f"configured): #{_ranges(unsigned)}"
        )
    if roots is None and last_signed is not None:
        notes.append(
            "seal signatures checked against their content only: FUND_SIGNING_TRUST_ROOT is not "
            "configured, so whose key signed them was not checked"
        )
    return findings


def _ranges(numbers: list[int]) -> str:
    """``1-3, 7`` for [1, 2, 3, 7]."""
    spans: list[list[int]] = []
    for number in numbers:
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    return ", #".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def compare_with_histories(heads: list[Any], sealed_at: datetime, name: str) -> list[Finding]:
    """Findings, by claim, where today's histories as of ``sealed_at`` differ from ``heads``, the
    heads a seal (``name``, e.g. ``seal #3``) recorded then."""
    findings = []
    sealed = {head[0]: head for head in heads}
    current = {head[0]: head for head in history_heads(sealed_at)}
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
