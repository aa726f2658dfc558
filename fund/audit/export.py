"""A claim's audit export: a zip of its history, letters and process files that checks itself."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import undefer

from fund.audit.checks import audit_claim
from fund.audit.findings import AUDIT_ROLES, AuditReport
from fund.claims.history import GENESIS_HASH, claim_events, event_hash
from fund.common.access import require_role
from fund.common.errors import NotFound
from fund.extensions import db
from fund.models import Claim, Letter, ProcessVersion, User, WorkflowEvent, WorkflowInstance
from workflows.specs import ProcessFiles


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
    ``unzip x.zip -d x && cd x && sha256sum -c MANIFEST.sha256``. certificates/ holds every signing
    certificate the fund has recorded (signing-*.pem, listed with the moment each took over in
    signing-certificates.json) and the configured trust roots (trust-root-*.pem), so an auditor
    checks the letters' signatures offline: ``pyhanko sign validate --trust
    certificates/trust-root-1.pem letters/<number>.pdf``.

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
            select(Letter).where(Letter.claim_id == claim.id).order_by(Letter.id).options(undefer(Letter.pdf))
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
    files.update(_certificate_files())
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


def _certificate_files() -> dict[str, bytes]:
    """The signing certificates ever recorded and the configured trust roots, as PEM files."""
    from flask import current_app

    from fund.letters.certificates import certificate_pem, recorded_certificates
    from fund.letters.signing import trust_roots

    files: dict[str, bytes] = {}
    listed = []
    for row in recorded_certificates():
        name = f"certificates/signing-{row.valid_from:%Y%m%dT%H%M%SZ}-{row.fingerprint[:16]}.pem"
        files[name] = row.certificate_pem.encode("ascii")
        listed.append(
            {
                "file": name,
                "fingerprint_sha256": row.fingerprint,
                "subject": row.subject,
                "valid_from": row.valid_from.astimezone(UTC).isoformat(),
            }
        )
    if listed:
        files["certificates/signing-certificates.json"] = json.dumps(listed, indent=2).encode("utf-8")
    roots = trust_roots(current_app.config.get("FUND_SIGNING_TRUST_ROOT") or "")
    for position, root in enumerate(roots, start=1):
        files[f"certificates/trust-root-{position}.pem"] = certificate_pem(root).encode("ascii")
    return files


def _signature_problems(files: dict[str, bytes], letters: list[dict[str, Any]]) -> list[str]:
    """Each exported letter's signature validated against the export's own trust roots."""
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509

    from fund.letters.signing import check_signature, problem_of

    roots = [
        asn1_x509.Certificate.load(pem.unarmor(content)[2])
        for name, content in sorted(files.items())
        if name.startswith("certificates/trust-root-")
    ]
    if not roots:
        return []
    problems = []
    for letter in letters:
        pdf = files.get(f"letters/{letter['number']}.pdf")
        if pdf and (problem := problem_of(check_signature(pdf, roots))):
            problems.append(f"letters/{letter['number']}.pdf: {problem}")
    return problems


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
    problems += _signature_problems(files, body.get("letters", []))
    return problems
