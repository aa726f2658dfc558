"""Process versions: the files under bpmn/, their sha256 version, and the parsed specs.

A version is identified by the sha256 of its files (path and content), so the same files always
give the same version and any change gives a new one. The fund stores the files of every deployed
version; an instance is always run from the files of the version it started on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec

from .decision_memo import remember_decisions
from .forms import CODES_FILE, FormDefinitionError, resolve_form
from .parsing import SpecValidationError, parse_process
from .process_files import MAIN_PROCESS, ProcessFiles, read_process_files
from .validation import check_process_files


@dataclass(frozen=True)
class UserTaskInfo:
    """What the fund needs to know about a user task: who works it and with which form."""

    name: str
    title: str
    role: str
    form: str
    claim_status: str | None
    due_days: int | None
    four_eyes_against: tuple[str, ...]
    # What the task's completion must be given from the fund's records (property ``observes``,
    # e.g. ``prior_claims``): the values are recorded with the command, so replay reproduces them.
    observes: tuple[str, ...] = ()


@dataclass
class ProcessSpec:
    """A parsed, validated process version, ready to run."""

    files: ProcessFiles
    spec: BpmnProcessSpec
    subprocess_specs: dict[str, BpmnProcessSpec]
    forms: dict[str, dict]
    user_tasks: dict[str, UserTaskInfo]

    @property
    def version(self) -> str:
        return self.files.version


def _properties(task_spec) -> dict[str, str]:
    return dict(getattr(task_spec, "extensions", {}).get("properties", {}))


def all_task_specs(spec: BpmnProcessSpec, subprocess_specs: dict[str, BpmnProcessSpec]):
    """Every task spec of the process and of the processes it calls."""
    for process in [spec, *subprocess_specs.values()]:
        yield from process.task_specs.values()


def _names(value: str) -> tuple[str, ...]:
    """A property's comma-separated names."""
    return tuple(name.strip() for name in value.split(",") if name.strip())


def _user_tasks(spec, subprocess_specs) -> dict[str, UserTaskInfo]:
    tasks = {}
    for task_spec in all_task_specs(spec, subprocess_specs):
        if not getattr(task_spec, "manual", False):
            continue
        props = _properties(task_spec)
        form = props.get("formJsonSchemaFilename", "")
        tasks[task_spec.name] = UserTaskInfo(
            name=task_spec.name,
            title=task_spec.bpmn_name or task_spec.name,
            role=props.get("role", ""),
            form=form.removesuffix(".json"),
            claim_status=props.get("claim_status"),
            due_days=int(props["due_days"]) if props.get("due_days", "").isdigit() else None,
            four_eyes_against=_names(props.get("four_eyes_against", "")),
            observes=_names(props.get("observes", "")),
        )
    return tasks


def _forms(files: ProcessFiles) -> dict[str, dict]:
    """The version's forms by name, each with its references inlined; SpecValidationError if one
    cannot be read (stored files are loaded without validation, and may have been damaged since)."""
    documents = {}
    for path, data in files.matching(".json").items():
        if not path.startswith("forms/"):
            continue
        try:
            documents[path.removeprefix("forms/")] = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise SpecValidationError([f"{path}: not valid JSON: {error}"]) from error
    try:
        return {Path(name).stem: resolve_form(documents, name) for name in documents if name != CODES_FILE}
    except FormDefinitionError as error:  # its message starts with the form's file name
        raise SpecValidationError([f"forms/{error}"]) from error


def load_process(files: ProcessFiles, process_id: str = MAIN_PROCESS, validate: bool = True) -> ProcessSpec:
    """Parse and validate a process version; raises SpecValidationError listing every problem.

    Without ``validate`` (a stored version, checked at deploy) a file that no longer parses still
    raises SpecValidationError, never the parser's own error.
    """
    if validate:
        problems = check_process_files(files, process_id)
        if problems:
            raise SpecValidationError(problems)
    spec, subprocess_specs = parse_process(files, process_id)
    remember_decisions(all_task_specs(spec, subprocess_specs))
    return ProcessSpec(files, spec, subprocess_specs, _forms(files), _user_tasks(spec, subprocess_specs))


_deployed: dict[tuple[str, str], ProcessSpec] = {}


def cached_process(version: str, process_id: str = MAIN_PROCESS) -> ProcessSpec | None:
    """The already parsed process of a version, if this process has parsed it before."""
    return _deployed.get((version, process_id))


def load_deployed_process(files: ProcessFiles, process_id: str = MAIN_PROCESS) -> ProcessSpec:
    """A version that passed validation at deploy, parsed once per process and then reused."""
    key = (files.version, process_id)
    if key not in _deployed:
        _deployed[key] = load_process(files, process_id, validate=False)
    return _deployed[key]


__all__ = [  # the process files are read in .process_files; they are named here too, beside the specs
    "MAIN_PROCESS",
    "ProcessFiles",
    "ProcessSpec",
    "SpecValidationError",
    "load_process",
    "read_process_files",
]
