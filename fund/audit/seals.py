"""Tamper evidence for auditors: the global seal chain, full verification, and claim exports.

Design, kept as simple as it can be while staying sound:

* **Per claim**, the events form a hash chain (:mod:`fund.claims.history`); replay checks that
  every recorded state digest and result is what the commands give on the stored process version.
  Here we add what the chain alone cannot see: the stored snapshot must hash to the digest the last
  event records, and the stored files of the process version must still hash to its version id.
  That is checked before the files are parsed: a version altered after deploy, or whose files no
  longer load, is a finding (and its claims' replay cannot be run), never an error that stops a run.
* **Globally**, a *seal* (table ``seals``) records the *head* of every claim's history at one
  instant: ``[reference, event_count, last_event_hash, [[letter number, letter sha256], ...]]``,
  sorted by reference. Its ``digest`` is the sha256 of those heads (canonical JSON), and its
  ``hash`` chains it to the seal before it: ``sha256(previous_hash + json([sequence, sealed_at,
  sealed_by, claim_count, digest]))``. Deleting or rewriting a whole claim's history changes (or
  removes) its head, which the latest seal no longer matches. The heads are stored with the seal
  so that a finding can name the claim; they are themselves covered by the digest.
* **Letters**: an issued letter's PDF must hash to its stored sha256, and the letter must have
  been made due by an event of its claim (a ``letter_due_<kind>`` message in that event's result
  outbound; a reissue is covered by the letter it replaces). A letter's sha256 enters the chain
  through the seal (the per-claim letter list in the head), not through the event hash: letters
  are issued in the same transaction as the event that made them due, after its hash is fixed,
  and the event format is not changed retroactively for existing histories.
* "As of a seal" means: events with ``occurred_at`` up to ``sealed_at`` and letters issued up to
  ``sealed_at``; a claim whose first event is later than the seal is not covered by it.

Seal at least daily (cron ``fund audit seal --if-due``) and on demand (``fund audit seal``).
Everything here reads only, except :func:`seal_history`, which only an admin (or the system) runs.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from fund.claims.history import GENESIS_HASH, claim_events, event_hash, verify_claim
from fund.claims.instances import LETTER_MESSAGE_PREFIX
from fund.claims.process_versions import ProcessVersionUnusable, process_for_version
from fund.common.access import require_role
from fund.common.errors import Conflict, NotFound
from fund.extensions import db
from fund.models import Claim, Letter, ProcessVersion, Seal, User, WorkflowEvent, WorkflowInstance
from workflows.serialization import state_digest
from workflows.specs import ProcessFiles, ProcessSpec

AUDIT_ROLES = ("auditor", "admin")
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


# --- Verification ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One thing wrong: ``subject`` is a claim reference (or ``seal #n``), ``what`` says what."""

    subject: str
    what: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.what}"


@dataclass
class AuditReport:
    """The result of a verification run, as written to the JSON report."""

    started_at: str
    claims_checked: int = 0
    events_checked: int = 0
    letters_checked: int = 0
    seals_checked: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_json(self) -> dict[str, Any]:
        body = asdict(self)
        body["ok"] = self.ok
        return body


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
        list(db.session.scalars(select(Letter).where(Letter.claim_id == claim.id).order_by(Letter.id))),
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
    for letter in issued:
        if letter.pdf is None or hashlib.sha256(letter.pdf).hexdigest() != letter.sha256:
            findings.append(
                Finding(claim.reference, f"letter {letter.number}: its stored PDF does not match its sha256")
            )
    return len(issued), findings


# --- Export -----------------------------------------------------------------------------------------


def _event_json(event: WorkflowEvent) -> dict[str, Any]:
    return {
        "sequence": event.sequence,
        "type": event.type,
        "actor": event.actor,
        "occurred_at": event.occurred_at.isoformat(),
        "input": event.input,
        "result": event.result,
        "state_digest": event.state_digest,
        "previous_hash": event.previous_hash,
        "hash": event.hash,
    }


EXPORT_ACCESS = "audit export"


def export_claim(actor: User, reference: str, now: datetime, channel: str = "") -> bytes:
    """A zip of one claim's history for an auditor, checkable offline (see :func:`check_export`).

    events.json (events, process version, letters' numbers and sha256), process/<files of the
    version>, letters/<number>.pdf, verification.json, manifest.json (sha256 of every other
    file) and MANIFEST.sha256 (the same, in ``sha256sum`` format, manifest.json included):
    ``unzip x.zip -d x && cd x && sha256sum -c MANIFEST.sha256``.

    The export holds the claimant's submission facts (birth date included) and the letters, so
    every export is written to the claim's access log (who, when, "audit export", plus
    ``channel`` when given, e.g. the command line's OS user) and committed.
    """
    from fund.claims.personal_data import log_access

    require_role(actor, *AUDIT_ROLES)
    claim = db.session.scalar(select(Claim).where(Claim.reference == reference))
    if claim is None:
        raise NotFound(f"no claim {reference}")
    log_access(claim, actor, now, f"{EXPORT_ACCESS} ({channel})" if channel else EXPORT_ACCESS)
    instance = db.session.scalar(select(WorkflowInstance).where(WorkflowInstance.claim_id == claim.id))
    version = db.session.get(ProcessVersion, instance.process_version) if instance is not None else None
    letters = [
        letter
        for letter in db.session.scalars(
            select(Letter).where(Letter.claim_id == claim.id).order_by(Letter.id)
        )
        if letter.status == "issued"
    ]
    events, letters_checked, findings = audit_claim(actor, claim)
    files: dict[str, bytes] = {}
    files["events.json"] = json.dumps(
        {
            "reference": claim.reference,
            "process_version": instance.process_version if instance is not None else None,
            "events": [_event_json(event) for event in claim_events(claim)],
            "letters": [
                {
                    "number": letter.number,
                    "kind": letter.kind,
                    "issued_at": letter.issued_at.isoformat(),
                    "sha256": letter.sha256,
                    "reissue_of": db.session.get(Letter, letter.reissue_of_id).number
                    if letter.reissue_of_id
                    else None,
                }
                for letter in letters
            ],
        },
        indent=2,
        ensure_ascii=False,
    ).encode("utf-8")
    for process_file in version.files if version is not None else []:
        files[f"process/{process_file.path}"] = process_file.content
    for letter in letters:
        files[f"letters/{letter.number}.pdf"] = letter.pdf or b""
    report = AuditReport(now.astimezone(UTC).isoformat(), 1, events, letters_checked, 0, findings)
    files["verification.json"] = json.dumps(report.as_json(), indent=2, ensure_ascii=False).encode("utf-8")
    manifest = {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())}
    files["manifest.json"] = json.dumps(
        {"reference": claim.reference, "exported_at": report.started_at, "files": manifest}, indent=2
    ).encode("utf-8")
    lines = [f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items())]
    files["MANIFEST.sha256"] = "".join(lines).encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    db.session.commit()  # the access log entry, once the export is made
    return buffer.getvalue()


def check_export(data: bytes) -> list[str]:
    """Problems of an exported zip, checked without the database: manifests, event chain, process
    version and letters' sha256. An empty list means the export is intact."""
    problems: list[str] = []
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return ["not a zip file"]
    with archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    for required in ("manifest.json", "MANIFEST.sha256", "events.json", "verification.json"):
        if required not in files:
            problems.append(f"{required} is missing")
    if problems:
        return problems
    listed = json.loads(files["manifest.json"])["files"]
    for name in sorted(set(files) - {"manifest.json", "MANIFEST.sha256"} | set(listed)):
        if name not in listed:
            problems.append(f"{name} is not listed in manifest.json")
        elif name not in files:
            problems.append(f"{name} is listed in manifest.json but missing")
        elif hashlib.sha256(files[name]).hexdigest() != listed[name]:
            problems.append(f"{name} does not match its sha256 in manifest.json")
    for line in files["MANIFEST.sha256"].decode("utf-8").splitlines():
        digest, _, name = line.partition("  ")
        if name not in files or hashlib.sha256(files[name]).hexdigest() != digest:
            problems.append(f"{name} does not match its line in MANIFEST.sha256")
    body = json.loads(files["events.json"])
    previous = GENESIS_HASH
    for expected, event in enumerate(body["events"], start=1):
        recomputed = event_hash(
            event["previous_hash"],
            body["reference"],
            event["sequence"],
            event["type"],
            event["actor"],
            event["occurred_at"],
            event["input"],
            event["state_digest"],
        )
        if event["sequence"] != expected or event["previous_hash"] != previous or recomputed != event["hash"]:
            problems.append(f"events.json: event {expected} breaks the hash chain")
            break
        previous = event["hash"]
    process = {
        name.removeprefix("process/"): content
        for name, content in files.items()
        if name.startswith("process/")
    }
    if body.get("process_version") and ProcessFiles(process).version != body["process_version"]:
        problems.append("process/ files do not hash to the claim's process version")
    for letter in body.get("letters", []):
        pdf = files.get(f"letters/{letter['number']}.pdf")
        if pdf is None or hashlib.sha256(pdf).hexdigest() != letter["sha256"]:
            problems.append(f"letters/{letter['number']}.pdf does not match the letter's sha256")
    return problems
