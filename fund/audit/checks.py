"""Verifying one claim: its hash chain and replay, its snapshot, its process version, its letters.

* **Per claim**, the events form a hash chain (:mod:`fund.claims.history`); replay checks that
  every recorded state digest and result is what the commands give on the stored process version.
  Here we add what the chain alone cannot see: the stored snapshot must hash to the digest the last
  event records, and the stored files of the process version must still hash to its version id.
  That is checked before the files are parsed: a version altered after deploy, or whose files no
  longer load, is a finding (and its claims' replay cannot be run), never an error that stops a run.
* **Letters**: an issued letter's PDF must hash to its stored sha256, and the letter must have
  been made due by an event of its claim (a ``letter_due_<kind>`` message in that event's result
  outbound; a reissue is covered by the letter it replaces). A letter issued after the command that
  made it due has a ``letter_issued`` event in the chain with its number and sha256: the stored
  letter must be that one. (Letters issued before that event existed, in the command's own
  transaction, enter the chain through the seal only: the per-claim letter list in the head.)
  With ``FUND_SIGNING_TRUST_ROOT`` configured, a signed letter's signature must also validate
  against that root (:func:`fund.letters.signing.signature_problem`); unsigned letters (issued
  while no key was configured) are not findings.

Everything here only reads. The seal chain is verified in :mod:`.seals`; a whole run (every claim,
in batches, in several processes) is :mod:`.runs`.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import undefer

from fund.audit.findings import AUDIT_ROLES, Finding
from fund.claims.history import LETTER_ISSUED, claim_events, verify_claim
from fund.claims.instances import LETTER_MESSAGE_PREFIX
from fund.claims.process_versions import ProcessVersionUnusable, process_for_version
from fund.common.access import require_role
from fund.extensions import db
from fund.letters.certificates import certificate_problem
from fund.letters.signing import check_signature, problem_of, trust_roots
from fund.models import Claim, Letter, User, WorkflowEvent, WorkflowInstance
from workflows.serialization import state_digest
from workflows.specs import ProcessSpec

# The run's checks of the process versions, by version id (each version is checked once per run).
VersionChecks = dict[str, "ProcessSpec | ProcessVersionUnusable"]


def process_version_subject(version: str) -> str:
    """The subject of a finding about a process version itself (rather than a claim on it)."""
    return f"process version {version[:12]}"


def checked_process(version: str) -> ProcessSpec | ProcessVersionUnusable:
    """The process version, its stored files checked against its id first, or why it cannot be run."""
    try:
        return process_for_version(version, check_files=True)
    except ProcessVersionUnusable as error:
        return error


@dataclass
class ClaimRecords:
    """What verifying a claim reads: its instance, its events oldest first, its letters by id."""

    instance: WorkflowInstance | None
    events: list[WorkflowEvent]
    letters: list[Letter]


def read_claim_records(claim: Claim) -> ClaimRecords:
    """The records of one claim (a whole-history run reads them in batches instead)."""
    return ClaimRecords(
        db.session.scalar(select(WorkflowInstance).where(WorkflowInstance.claim_id == claim.id)),
        claim_events(claim),
        list(
            db.session.scalars(
                select(Letter)
                .where(Letter.claim_id == claim.id)
                .order_by(Letter.id)
                .options(undefer(Letter.pdf))  # every PDF is hashed
            )
        ),
    )


def audit_claim(
    actor: User,
    claim: Claim,
    versions: VersionChecks | None = None,
    records: ClaimRecords | None = None,
) -> tuple[int, int, list[Finding]]:
    """Everything about one claim: chain, replay, snapshot, process files, letters.

    Returns (events checked, letters checked, findings). ``versions`` caches process-version
    checks within one run: a version whose files were altered or no longer load is a finding about
    the version the first time a claim on it is checked, and a finding on every claim on it (its
    replay cannot be run). ``records`` are the claim's rows when the caller has read them already.
    """
    require_role(actor, *AUDIT_ROLES)
    reference = claim.reference
    versions = {} if versions is None else versions
    records = records if records is not None else read_claim_records(claim)
    findings: list[Finding] = []
    instance = records.instance
    process = None
    if instance is not None:
        version = instance.process_version
        if version not in versions:
            versions[version] = checked_process(version)
            if isinstance(versions[version], ProcessVersionUnusable):
                findings.append(Finding(process_version_subject(version), versions[version].problem))
        process = versions[version]
        if state_digest(instance.snapshot) != instance.state_digest:
            findings.append(Finding(reference, "its stored snapshot does not match its state digest"))
    else:
        findings.append(Finding(reference, "has no workflow instance"))
    verification = verify_claim(claim, (instance, records.events), process)
    findings += [Finding(reference, what) for what in verification.findings]
    letters = _letter_findings(claim, records)
    findings += letters[1]
    return verification.events, letters[0], findings


def _letter_findings(claim: Claim, records: ClaimRecords) -> tuple[int, list[Finding]]:
    findings = []
    made_due: Counter[str] = Counter()
    for event in records.events:
        for message in (event.result or {}).get("outbound", []):
            name = message.get("name", "")
            if name.startswith(LETTER_MESSAGE_PREFIX):
                made_due[name.removeprefix(LETTER_MESSAGE_PREFIX)] += 1
    letters = records.letters
    originals = Counter(letter.kind for letter in letters if letter.reissue_of_id is None)
    for kind, count in sorted(originals.items()):
        if count > made_due[kind]:
            findings.append(
                Finding(
                    claim.reference,
                    f"has {count} {kind} letter(s) but its events made only {made_due[kind]} due",
                )
            )
    issued = [letter for letter in letters if letter.status == "issued"]
    by_number = {letter.number: letter for letter in issued}
    for event in records.events:
        if event.type != LETTER_ISSUED:
            continue
        recorded = (event.input or {}).get("letter") or {}
        letter = by_number.get(recorded.get("number"))
        if letter is None:
            findings.append(
                Finding(
                    claim.reference,
                    f"event {event.sequence} records letter {recorded.get('number')} issued, "
                    "but no such issued letter is stored",
                )
            )
        elif (letter.sha256, letter.kind) != (recorded.get("sha256"), recorded.get("kind")):
            findings.append(
                Finding(
                    claim.reference,
                    f"letter {letter.number}: it is not the letter event {event.sequence} recorded "
                    "(kind or sha256 differ)",
                )
            )
    trust_root = current_app.config.get("FUND_SIGNING_TRUST_ROOT") if has_app_context() else None
    for letter in issued:
        if letter.pdf is None or hashlib.sha256(letter.pdf).hexdigest() != letter.sha256:
            findings.append(
                Finding(claim.reference, f"letter {letter.number}: its stored PDF does not match its sha256")
            )
        elif trust_root and (problem := _letter_signature_problem(letter, trust_root)):
            findings.append(Finding(claim.reference, f"letter {letter.number}: {problem}"))
    return len(issued), findings


def _letter_signature_problem(letter: Letter, trust_root: str) -> str | None:
    """The letter's signature against the trust roots, then its certificate against the recorded
    signing certificates (key rotation: the one current when the letter was issued)."""
    check = check_signature(letter.pdf, trust_roots(trust_root))
    if check.state == "unsigned":
        return None
    return problem_of(check) or certificate_problem(check.certificate_sha256, letter.issued_at)
