"""Administration of process versions: deploy the files under bpmn/, list versions and their claims.

For administrators only (checked here), one transaction each. Claims are listed by reference,
status and category only: no claimant's personal data.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from fund.admin.accounts import ADMIN
from fund.claims.process_versions import claims_per_version, current_process_version, deploy_process
from fund.common.access import require_role
from fund.common.errors import NotFound
from fund.extensions import db
from fund.models import Claim, ProcessFile, ProcessVersion, User, WorkflowInstance

log = logging.getLogger(__name__)
CLAIMS_PAGE_SIZE = 100


@dataclass(frozen=True)
class ProcessVersionRow:
    version: str
    process_id: str
    deployed_at: datetime
    deployed_by: str
    files: int
    claims: int
    open_claims: int
    current: bool


@dataclass(frozen=True)
class Deployment:
    version: ProcessVersion
    new: bool
    current: ProcessVersion  # the version new claims start on after this deploy


@dataclass(frozen=True)
class ClaimOnVersion:
    reference: str
    status: str
    category: str | None
    submitted_at: datetime
    completed: bool


def list_process_versions(actor: User) -> list[ProcessVersionRow]:
    """Every deployed version, newest first, with how many claims run on it (and how many are open)."""
    require_role(actor, ADMIN)
    claims = claims_per_version()
    open_claims = dict(
        db.session.execute(
            select(WorkflowInstance.process_version, func.count())
            .where(WorkflowInstance.completed.is_(False))
            .group_by(WorkflowInstance.process_version)
        ).all()
    )
    files = dict(
        db.session.execute(select(ProcessFile.version, func.count()).group_by(ProcessFile.version)).all()
    )
    current = current_process_version()
    return [
        ProcessVersionRow(
            version=row.version,
            process_id=row.process_id,
            deployed_at=row.deployed_at,
            deployed_by=row.deployed_by,
            files=files.get(row.version, 0),
            claims=claims.get(row.version, 0),
            open_claims=open_claims.get(row.version, 0),
            current=current is not None and row.version == current.version,
        )
        for row in db.session.scalars(select(ProcessVersion).order_by(ProcessVersion.deployed_at.desc()))
    ]


def get_process_version(actor: User, version: str) -> ProcessVersion:
    """One deployed version with its files; NotFound when there is none with this sha256."""
    require_role(actor, ADMIN)
    row = db.session.get(ProcessVersion, version) if "\x00" not in version else None
    if row is None:
        raise NotFound(f"no process version {version}")
    return row


def claims_on_version(actor: User, version: str, page: int = 1) -> tuple[list[ClaimOnVersion], int]:
    """The claims running on ``version`` (newest first, one page), and how many there are in all."""
    get_process_version(actor, version)
    on_version = WorkflowInstance.process_version == version
    total = db.session.scalar(select(func.count()).select_from(WorkflowInstance).where(on_version))
    rows = db.session.execute(
        select(Claim.reference, Claim.status, Claim.category, Claim.submitted_at, WorkflowInstance.completed)
        .join(WorkflowInstance, WorkflowInstance.claim_id == Claim.id)
        .where(on_version)
        .order_by(Claim.submitted_at.desc(), Claim.id.desc())
        .offset((max(page, 1) - 1) * CLAIMS_PAGE_SIZE)
        .limit(CLAIMS_PAGE_SIZE)
    )
    return [ClaimOnVersion(*row) for row in rows], total


def deploy(
    actor: User, now: datetime, directory: Path | None = None, expected_version: str | None = None
) -> Deployment:
    """Deploy the files under bpmn/ (as ``fund deploy`` does); unchanged files store nothing.

    Files that fail the checks are refused with every problem listed under ``bpmn``; with
    ``expected_version`` (the version previewed and confirmed), files changed since are refused.
    """
    require_role(actor, ADMIN)
    try:
        version, new = deploy_process(actor.username, now, directory, expected_version)
    except Exception:
        db.session.rollback()
        raise
    if new:
        log.info("admin %s deployed process version %s", actor.username, version.version)
    return Deployment(version, new, current_process_version())
