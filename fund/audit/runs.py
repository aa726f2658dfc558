"""Verifying the whole history: every claim, read in batches, checked in one or several processes.

``fund audit verify --all`` must keep pace with a fund's whole history (benchmarks/RESULTS.md,
"Audit verification of the whole history"). Replaying each claim's commands is most of the work,
and every claim is replayed in full: nothing here skips or samples a check. What this module
changes is how the rows reach :func:`fund.audit.checks.audit_claim`:

* they are read per batch of claims (the claims, their instances, events and letters: four
  queries per batch instead of five per claim), in a session of their own that is closed after
  the batch, so memory stays flat however long the history;
* with ``jobs`` > 1, batches are verified by that many worker processes, each with its own
  database connection. The report is the same as with one process: counts, and findings in the
  order of the claims' references.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload, undefer

from fund.audit.checks import ClaimRecords, VersionChecks, audit_claim, process_version_subject
from fund.audit.findings import AUDIT_ROLES, AuditReport, Finding
from fund.common.access import require_role
from fund.common.errors import NotFound
from fund.extensions import db
from fund.models import Claim, Letter, User, WorkflowEvent, WorkflowInstance

BATCH_SIZE = 200
VERSION_SUBJECT = process_version_subject("")
log = logging.getLogger(__name__)
Progress = Callable[[int, str], None]  # (claims just verified, the last one's reference)


def claims_to_verify(
    actor: User, references: list[str] | None = None, since: datetime | None = None
) -> list[tuple[int, str]]:
    """(id, reference) of the claims to verify, by reference: the given references (NotFound for
    an unknown one), or every claim; with ``since``, only claims with an event at or after it."""
    require_role(actor, *AUDIT_ROLES)
    query = select(Claim.id, Claim.reference).order_by(Claim.reference)
    if references:
        query = query.where(Claim.reference.in_(references))
    if since is not None:
        recent = select(WorkflowEvent.claim_id).where(WorkflowEvent.occurred_at >= since)
        query = query.where(Claim.id.in_(recent))
    claims = [(claim_id, reference) for claim_id, reference in db.session.execute(query)]
    missing = sorted(set(references or ()) - {reference for _, reference in claims})
    if missing and since is None:
        raise NotFound(f"no claim {', '.join(missing)}")
    return claims


def read_batch(session: Session, claim_ids: list[int]) -> list[tuple[Claim, ClaimRecords]]:
    """The claims with these ids and their records, in the order of ``claim_ids``."""
    claims = {
        claim.id: claim
        for claim in session.scalars(
            select(Claim).where(Claim.id.in_(claim_ids)).options(lazyload(Claim.claimant))
        )
    }
    instances = {
        instance.claim_id: instance
        for instance in session.scalars(
            select(WorkflowInstance).where(WorkflowInstance.claim_id.in_(claim_ids))
        )
    }
    events: dict[int, list[WorkflowEvent]] = defaultdict(list)
    for event in session.scalars(
        select(WorkflowEvent)
        .where(WorkflowEvent.claim_id.in_(claim_ids))
        .order_by(WorkflowEvent.claim_id, WorkflowEvent.sequence)
    ):
        events[event.claim_id].append(event)
    letters: dict[int, list[Letter]] = defaultdict(list)
    for letter in session.scalars(
        select(Letter)
        .where(Letter.claim_id.in_(claim_ids))
        .order_by(Letter.claim_id, Letter.id)
        .options(undefer(Letter.pdf))  # every PDF is hashed: one statement, not one per letter
    ):
        letters[letter.claim_id].append(letter)
    return [
        (claims[claim_id], ClaimRecords(instances.get(claim_id), events[claim_id], letters[claim_id]))
        for claim_id in claim_ids
        if claim_id in claims
    ]


@dataclass
class BatchResult:
    """What verifying one batch found."""

    claims: int = 0
    events: int = 0
    letters: int = 0
    findings: list[Finding] = field(default_factory=list)
    last_reference: str = ""


def verify_batch(actor: User, claim_ids: list[int], versions: VersionChecks) -> BatchResult:
    """Every check of :func:`audit_claim` on each claim of the batch; reads in a session of its own.

    ``versions`` is the run's cache of process-version checks (see :func:`audit_claim`).
    """
    result = BatchResult()
    with Session(db.engine) as session:
        for claim, records in read_batch(session, claim_ids):
            reference = claim.reference
            try:
                events, letters, findings = audit_claim(actor, claim, versions, records)
            except Exception as error:
                # Whatever the tampering broke, it must not stop the run: the claim is a finding.
                log.exception("audit: claim %s could not be verified", reference)
                session.rollback()
                db.session.rollback()
                events, letters = 0, 0
                findings = [Finding(reference, f"could not be verified ({type(error).__name__}: {error})")]
            result.claims += 1
            result.events += events
            result.letters += letters
            result.findings += findings
            result.last_reference = reference
    return result


def verify_claims(
    actor: User,
    claims: list[tuple[int, str]],
    report: AuditReport,
    jobs: int = 1,
    progress: Progress | None = None,
) -> AuditReport:
    """Verify ``claims`` (from :func:`claims_to_verify`) into ``report``, in ``jobs`` processes.

    ``progress`` is called after each batch with the number of claims it verified.
    """
    require_role(actor, *AUDIT_ROLES)
    batches = [
        [claim_id for claim_id, _ in claims[i : i + BATCH_SIZE]] for i in range(0, len(claims), BATCH_SIZE)
    ]
    reported_versions: set[Finding] = set()
    for result in _results(actor, batches, jobs, progress):
        report.claims_checked += result.claims
        report.events_checked += result.events
        report.letters_checked += result.letters
        for finding in result.findings:
            # Each worker process checks each version once: report a version's finding once per run.
            if finding.subject.startswith(VERSION_SUBJECT):
                if finding in reported_versions:
                    continue
                reported_versions.add(finding)
            report.findings.append(finding)
    return report


def _results(
    actor: User, batches: list[list[int]], jobs: int, progress: Progress | None
) -> Iterator[BatchResult]:
    """Each batch's result, in the order of the batches."""
    if jobs <= 1 or len(batches) <= 1:
        versions: VersionChecks = {}
        for batch in batches:
            result = verify_batch(actor, batch, versions)
            if progress is not None:
                progress(result.claims, result.last_reference)
            yield result
        return
    url = db.engine.url.render_as_string(hide_password=False)
    done: dict[int, BatchResult] = {}
    # Spawned, not forked: a fork would share the parent's database connections.
    context = multiprocessing.get_context("spawn")
    factory = current_app.extensions["fund_app_factory"]  # fund.create_app, passed by reference
    with ProcessPoolExecutor(min(jobs, len(batches)), context, _start_worker, (factory, url)) as pool:
        futures = {pool.submit(_verify_in_worker, batch): index for index, batch in enumerate(batches)}
        for future in as_completed(futures):
            result = future.result()
            done[futures[future]] = result
            if progress is not None:
                progress(result.claims, result.last_reference)
    for index in range(len(batches)):
        yield done[index]


_worker: dict[str, object] = {}


def _start_worker(create_app: Callable[[dict], Flask], database_url: str) -> None:
    """A worker process: the application on the same database, its context open for its lifetime."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    context = app.app_context()
    context.push()
    _worker.update(app=app, context=context, versions={})


def _verify_in_worker(claim_ids: list[int]) -> BatchResult:
    # The parent checked the auditor's role before handing out work; workers act for the system.
    from fund.common.system import system_user

    return verify_batch(system_user(), claim_ids, _worker["versions"])  # type: ignore[arg-type]
