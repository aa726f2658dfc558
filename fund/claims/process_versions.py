"""Process versions: deploy the files under bpmn/, and load the version an instance runs on."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from sqlalchemy import select

from fund.claims.observations import OBSERVABLE, unknown_observations
from fund.common.errors import Conflict, Invalid, ServiceError
from fund.extensions import db
from fund.models import ProcessFile, ProcessVersion, WorkflowInstance
from workflows.specs import (
    MAIN_PROCESS,
    ProcessFiles,
    ProcessSpec,
    SpecValidationError,
    cached_process,
    load_deployed_process,
    load_process,
    read_process_files,
)

_validated_versions: set[str] = set()


def candidate_process_files(directory: Path | None = None) -> ProcessFiles:
    """The files a deploy would store: those under ``directory`` (by default the configured bpmn/)."""
    return read_process_files(Path(directory or current_app.config["FUND_BPMN_DIR"]))


def check_deployable(files: ProcessFiles) -> None:
    """Raise Invalid listing every problem (under ``bpmn``) when ``files`` cannot be deployed."""
    if files.version in _validated_versions:
        return
    try:
        process = load_process(files, MAIN_PROCESS, validate=True)
    except SpecValidationError as error:
        raise Invalid("the process files cannot be deployed", {"bpmn": error.problems}) from error
    unknown = [
        f"{task.name}: observes '{name}', which the fund does not provide (it provides: "
        f"{', '.join(sorted(OBSERVABLE))})"
        for task in process.user_tasks.values()
        for name in unknown_observations(task.observes)
    ]
    if unknown:
        raise Invalid("the process files cannot be deployed", {"bpmn": unknown})
    _validated_versions.add(files.version)


def deploy_process(
    actor: str, now, directory: Path | None = None, expected_version: str | None = None
) -> tuple[ProcessVersion, bool]:
    """Validate and store the process files; returns (version, True) when it is new.

    Deploying unchanged files returns the existing version. Broken files are refused with every
    problem listed, and nothing is stored. With ``expected_version`` (the version a person
    previewed and confirmed), files that changed since are refused (Conflict) and nothing is stored.
    """
    files = candidate_process_files(directory)
    if expected_version is not None and files.version != expected_version:
        raise Conflict(
            f"the files under bpmn/ changed since the preview (version {expected_version[:12]}, now "
            f"{files.version[:12]}): preview them again before deploying"
        )
    existing = db.session.get(ProcessVersion, files.version)
    if existing is not None:
        return existing, False
    check_deployable(files)
    version = ProcessVersion(
        version=files.version, process_id=MAIN_PROCESS, deployed_at=now, deployed_by=actor
    )
    version.files = [ProcessFile(path=path, content=data) for path, data in files.files.items()]
    db.session.add(version)
    db.session.commit()
    return version, True


def current_process_version() -> ProcessVersion | None:
    """The most recently deployed version: new claims start on it."""
    return db.session.scalar(select(ProcessVersion).order_by(ProcessVersion.deployed_at.desc()).limit(1))


class ProcessVersionUnusable(ServiceError):
    """A stored process version cannot be run: it is not stored, its files were altered after
    deploy, or they no longer load. ``problem`` says which, in words that follow its name;
    ``on_claim`` is the finding on each claim that runs on it (its replay cannot be run).

    Pages and the API answer it as a conflict (409) naming the version, never as a failure of the
    system: nothing is run on files that do not match the version a claim started on. Auditors'
    verification reports it as a finding and goes on.
    """

    code, http_status = "process_version_unusable", 409

    def __init__(self, version: str, problem: str, on_claim: str | None = None):
        super().__init__(f"process version {version[:12]} {problem}", {"process_version": [problem]})
        self.version = version
        self.problem = problem
        self.on_claim = on_claim or (
            f"its process version {version[:12]} {problem.partition(':')[0]}: its replay cannot be run"
        )


def stored_process_files(version: str) -> ProcessFiles:
    """The files stored for ``version``, checked against it (a version is the sha256 of its files).

    Raises ProcessVersionUnusable when the version is not stored or its files were altered.
    """
    row = db.session.get(ProcessVersion, version)
    if row is None:
        raise ProcessVersionUnusable(version, "is not stored")
    files = ProcessFiles({f.path: f.content for f in row.files})
    if files.version != version:
        raise ProcessVersionUnusable(
            version,
            "altered: its stored files were changed after deploy",
            f"the stored files of its process version {version[:12]} were changed after deploy "
            "(altered): its replay cannot be run",
        )
    return files


def process_for_version(version: str, check_files: bool = False) -> ProcessSpec:
    """The parsed process of a stored version (parsed once per process, then cached).

    Raises ProcessVersionUnusable when it cannot be run. The stored files are checked against the
    version before they are parsed; with ``check_files`` (auditors) also when the version is cached.
    """
    cached = cached_process(version)
    if cached is not None and not check_files:
        return cached
    files = stored_process_files(version)
    if cached is not None:
        return cached
    try:
        return load_deployed_process(files)
    except SpecValidationError as error:
        raise ProcessVersionUnusable(version, f"cannot be loaded: {error}") from error


def claims_per_version() -> dict[str, int]:
    """How many claims run on each deployed version."""
    rows = db.session.execute(
        select(WorkflowInstance.process_version, db.func.count()).group_by(WorkflowInstance.process_version)
    )
    return {version: count for version, count in rows}
