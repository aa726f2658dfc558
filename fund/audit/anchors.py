"""The published anchor: the latest signed seal, written outside the database, and checked back.

Whoever can rewrite the whole database can recompute every event hash and every seal; they cannot
reach copies of a seal the fund has published (on its website, in its annual report, with the
auditors) nor sign with the fund's key. An *anchor* is such a copy: a small text file of a signed
seal's statement (:func:`fund.audit.seal_signatures.seal_statement`), its signature as a PEM block
(CMS, with the certificate inside) and the certificate again for people. ``fund audit seal
--publish FILE`` writes it; ``fund audit verify --anchor FILE`` checks the database against it:

1. the anchor's signature matches its statement and its certificate chains to
   ``FUND_SIGNING_TRUST_ROOT``; otherwise the anchor is refused (:class:`AnchorRefused`);
2. the anchored seal is still in the database with exactly the anchored fields (digest, hashes,
   time); otherwise the history as of the anchor was rewritten and the seals made again;
3. the claims' histories as of the anchored seal still have the heads it sealed: each claim whose
   history was rewritten is named. The heads come from the database's seal when it matches the
   anchor, else from the *heads file* written beside the anchor (``FILE.heads.json``: every
   claim's head as sealed, which the anchor's digest covers, so it needs no trust of its own);
4. every later seal descends from the anchored one; their signatures and the latest seal against
   today's histories are checked by :func:`fund.audit.seals.verify_seals`, which runs too.

The statement sits between two marker lines, so anyone can cut it out and check the signature with
OpenSSL (:data:`OPENSSL_CHECK`); nothing here needs the fund's code to be believed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asn1crypto import pem
from sqlalchemy import select

from fund.audit.findings import AUDIT_ROLES, Finding
from fund.audit.seal_signatures import (
    STATEMENT_TITLE,
    read_signature,
    seal_statement,
    signature_problem,
)
from fund.audit.seals import (
    compare_with_histories,
    configured_trust_roots,
    heads_digest,
    latest_seal,
    seal_hash,
)
from fund.common.access import require_role
from fund.common.errors import Conflict, NotFound
from fund.extensions import db
from fund.models import Seal, User

ANCHOR_TITLE = "Victims Compensation Fund: published anchor of the claims history"
STATEMENT_BEGINS = "--- signed statement: the lines between these two, exactly ---"
STATEMENT_ENDS = "--- end of the signed statement ---"
HEADS_SUFFIX = ".heads.json"
OPENSSL_CHECK = (
    "    sed -n '/^--- signed statement/,/^--- end of the signed statement/{//!p}' ANCHOR > statement.txt\n"
    "    openssl cms -verify -binary -purpose any -inform PEM -in ANCHOR -content statement.txt \\\n"
    "        -CAfile root.pem -out /dev/null"
)
# The statement's lines after its title, in order: (label, attribute of the seal).
STATEMENT_FIELDS = (
    ("seal", "sequence"),
    ("sealed at", "sealed_at"),
    ("sealed by", "sealed_by"),
    ("claims", "claim_count"),
    ("digest", "digest"),
    ("previous hash", "previous_hash"),
    ("hash", "hash"),
)
_HEX64 = re.compile(r"[0-9a-f]{64}")
_PEM_BLOCK = re.compile(
    r"-----BEGIN (?P<type>[A-Z0-9 ]+)-----\n(?P<body>[A-Za-z0-9+/=\n]*?)-----END (?P=type)-----"
)


class AnchorRefused(ValueError):
    """The anchor file cannot be believed: unreadable, altered, or not signed by the fund's key."""


@dataclass(frozen=True)
class Anchor:
    """A published seal, as read from its file (its signature checked by :func:`read_anchor`)."""

    sequence: int
    sealed_at: datetime
    sealed_by: str
    claim_count: int
    digest: str
    previous_hash: str
    hash: str
    signer: str
    signed_at: datetime | None

    @property
    def name(self) -> str:
        return f"seal #{self.sequence}"


@dataclass(frozen=True)
class PublishedAnchor:
    """What ``fund audit seal --publish`` writes: the anchor's text and the heads file's."""

    seal: Seal
    text: str
    heads_json: str


def heads_path(anchor_path: Path) -> Path:
    """Where the heads file of the anchor at ``anchor_path`` is written and looked for."""
    return anchor_path.with_name(anchor_path.name + HEADS_SUFFIX)


# --- writing ---------------------------------------------------------------------------------------


def publish_latest_seal(actor: User) -> PublishedAnchor:
    """The anchor of the latest seal (it must be signed), and its heads file. Reads only."""
    require_role(actor, *AUDIT_ROLES)
    seal = latest_seal()
    if seal is None:
        raise NotFound("there is no seal to publish yet: run `fund audit seal` first")
    if seal.signature is None:
        raise Conflict(
            f"seal #{seal.sequence} is unsigned (no FUND_SIGNING_KEY was configured when it was made): "
            "an unsigned anchor proves nothing; configure the key and seal again"
        )
    return PublishedAnchor(seal, anchor_text(seal), _heads_json(seal))


def anchor_text(seal: Seal) -> str:
    """The anchor of a signed seal: short, printable, with the OpenSSL check written in it."""
    signature = read_signature(seal.signature)
    certificate = signature.certificate.dump()
    signed_at = signature.signed_at.astimezone(UTC).isoformat() if signature.signed_at else "not stated"
    return "\n".join(
        [
            ANCHOR_TITLE,
            "",
            "The fund publishes this file so that anyone can later check that the history of its claims",
            "was not rewritten. Check the fund's database against it (FUND_SIGNING_TRUST_ROOT: the root):",
            "    fund audit verify --anchor ANCHOR",
            "Check its signature alone with OpenSSL and the fund's root certificate (root.pem):",
            OPENSSL_CHECK,
            "",
            STATEMENT_BEGINS,
            seal_statement(seal).decode("utf-8").rstrip("\n"),
            STATEMENT_ENDS,
            "",
            f"signed by: {signature.certificate.subject.native.get('common_name') or signature.signer}",
            f"signed at: {signed_at} (by the fund's clock)",
            f"certificate sha256: {hashlib.sha256(certificate).hexdigest()}",
            "",
            pem.armor("CMS", seal.signature).decode("ascii").rstrip("\n"),
            pem.armor("CERTIFICATE", certificate).decode("ascii"),
        ]
    )


def _heads_json(seal: Seal) -> str:
    body = {"seal": seal.sequence, "digest": seal.digest, "heads": seal.heads}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n"


# --- reading -----------------------------------------------------------------------------------------


def read_anchor(text: str) -> Anchor:
    """The anchor in ``text``, its signature checked against ``FUND_SIGNING_TRUST_ROOT``.

    Raises :class:`AnchorRefused` naming what is wrong: no trust root configured, a statement that
    is missing or malformed, a signature that does not match it or is not from the fund's root.
    """
    roots = configured_trust_roots()
    if not roots:
        raise AnchorRefused(
            "FUND_SIGNING_TRUST_ROOT is not configured: without the fund's root certificate the "
            "anchor's signature cannot be checked"
        )
    lines = text.replace("\r\n", "\n").split("\n")
    try:
        statement_lines = lines[lines.index(STATEMENT_BEGINS) + 1 : lines.index(STATEMENT_ENDS)]
    except ValueError:
        raise AnchorRefused(f"it has no signed statement (after {STATEMENT_BEGINS!r})") from None
    statement = "".join(f"{line}\n" for line in statement_lines).encode("utf-8")
    blocks = {}
    for match in _PEM_BLOCK.finditer("\n".join(lines)):
        try:
            blocks.setdefault(match["type"], base64.b64decode(match["body"].replace("\n", ""), validate=True))
        except binascii.Error:
            raise AnchorRefused(f"its {match['type']} block is not valid base64") from None
    if "CMS" not in blocks:
        raise AnchorRefused("it has no signature (no -----BEGIN CMS----- block)")
    if problem := signature_problem(statement, blocks["CMS"], roots):
        raise AnchorRefused(problem)
    signature = read_signature(blocks["CMS"])
    if "CERTIFICATE" in blocks and blocks["CERTIFICATE"] != signature.certificate.dump():
        raise AnchorRefused("its CERTIFICATE block is not the certificate inside its signature")
    anchor = _parse_statement(statement_lines, signature.signer, signature.signed_at)
    recomputed = seal_hash(
        anchor.previous_hash,
        anchor.sequence,
        anchor.sealed_at,
        anchor.sealed_by,
        anchor.claim_count,
        anchor.digest,
    )
    if recomputed != anchor.hash:
        raise AnchorRefused("its statement's hash is not the hash of its other fields")
    return anchor


def _parse_statement(lines: list[str], signer: str, signed_at: datetime | None) -> Anchor:
    if not lines or lines[0] != STATEMENT_TITLE or len(lines) != len(STATEMENT_FIELDS) + 1:
        raise AnchorRefused(f"its statement is not a seal's: it must be {STATEMENT_TITLE!r} and 7 fields")
    values: dict[str, Any] = {}
    for line, (label, attribute) in zip(lines[1:], STATEMENT_FIELDS, strict=True):
        given_label, _, value = line.partition(": ")
        if given_label != label:
            raise AnchorRefused(f"its statement has {given_label!r} where {label!r} belongs")
        try:
            if attribute in ("sequence", "claim_count"):
                values[attribute] = int(value)
            elif attribute == "sealed_at":
                values[attribute] = datetime.fromisoformat(value).astimezone(UTC)
            elif attribute in ("digest", "previous_hash", "hash") and not _HEX64.fullmatch(value):
                raise ValueError
            else:
                values[attribute] = value
        except ValueError:
            raise AnchorRefused(f"its statement's {label!r} is not valid: {value!r}") from None
    return Anchor(signer=signer, signed_at=signed_at, **values)


def read_heads_file(path: Path, anchor: Anchor, notes: list[str]) -> list[Any] | None:
    """The heads in the heads file at ``path`` when they are the anchored seal's (their digest is
    the anchor's); otherwise None, with a note saying why."""
    if not path.is_file():
        return None
    try:
        heads = json.loads(path.read_text(encoding="utf-8"))["heads"]
        matches = heads_digest(heads) == anchor.digest
    except (OSError, ValueError, KeyError, TypeError):
        matches = False
    if not matches:
        notes.append(f"{path.name} is not the anchored {anchor.name}'s heads (its digest differs): not used")
        return None
    return heads


# --- checking the database ----------------------------------------------------------------------


def verify_against_anchor(
    actor: User, anchor: Anchor, heads: list[Any] | None, notes: list[str]
) -> list[Finding]:
    """Findings where the database departs from the anchor (steps 2-4 of the module doc).

    ``heads`` are the anchored seal's heads from its heads file (None without one); they name the
    rewritten claims when the database's own seal no longer matches the anchor.
    """
    require_role(actor, *AUDIT_ROLES)
    findings: list[Finding] = []
    seal = db.session.get(Seal, anchor.sequence)
    if seal is None:
        findings.append(Finding(anchor.name, "is in the published anchor but not in the database"))
    else:
        differs = [
            label
            for label, attribute in STATEMENT_FIELDS[1:]
            if _comparable(getattr(seal, attribute)) != _comparable(getattr(anchor, attribute))
        ]
        if differs:
            findings.append(
                Finding(
                    anchor.name,
                    f"differs from the published anchor ({', '.join(differs)}): the history as of "
                    f"{anchor.sealed_at.isoformat()} was rewritten and its seals made again",
                )
            )
        elif heads_digest(seal.heads) == anchor.digest:
            heads = seal.heads
    if heads is not None:
        findings += compare_with_histories(heads, anchor.sealed_at, anchor.name)
    elif findings:
        notes.append(
            f"the rewritten claims cannot be named without the anchored seal's heads: keep the heads "
            f"file ({HEADS_SUFFIX}) that `fund audit seal --publish` writes beside the anchor"
        )
    findings += _descent_findings(anchor)
    return findings


def _comparable(value: Any) -> Any:
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def _descent_findings(anchor: Anchor) -> list[Finding]:
    """The first later seal that does not descend from the anchored one, if any."""
    previous = anchor.hash
    for seal in db.session.scalars(
        select(Seal).where(Seal.sequence > anchor.sequence).order_by(Seal.sequence)
    ):
        if seal.previous_hash != previous:
            return [Finding(f"seal #{seal.sequence}", f"does not descend from the anchored {anchor.name}")]
        previous = seal.hash
    return []


def verify_anchor_file(actor: User, path: Path, notes: list[str]) -> list[Finding]:
    """Check the database against the anchor at ``path`` (with the heads file beside it, if any).

    Raises :class:`AnchorRefused` when the anchor cannot be read or believed; otherwise returns
    the findings, and notes that the database matches the anchor when nothing is found.
    """
    require_role(actor, *AUDIT_ROLES)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise AnchorRefused(f"it cannot be read as text ({type(error).__name__})") from error
    anchor = read_anchor(text)
    findings = verify_against_anchor(actor, anchor, read_heads_file(heads_path(path), anchor, notes), notes)
    if not findings:
        notes.append(
            f"the database holds the published {anchor.name} of {anchor.sealed_at.isoformat()} "
            f"(signed by {anchor.signer}) and every later seal descends from it"
        )
    return findings
