"""Process versions: the files under bpmn/, their sha256 version, and the parsed specs.

A version is identified by the sha256 of its files (path and content), so the same files always
give the same version and any change gives a new one. The fund stores the files of every deployed
version; an instance is always run from the files of the version it started on.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from SpiffWorkflow.bpmn.parser.event_parsers import EventBasedGatewayParser
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.defaults import EventBasedGateway
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import SpiffTaskParser

from .forms import CODES_FILE, FormDefinitionError, resolve_form

MAIN_PROCESS = "compensation_claim"
PROCESS_FILE_PATTERNS = ("*.bpmn", "*.dmn", "forms/*.json")


class SpecValidationError(Exception):
    """The process files cannot be deployed; ``problems`` says why, one line each."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ProcessFiles:
    """The files of one process version, by path relative to the bpmn/ folder."""

    files: dict[str, bytes]
    version: str = field(init=False)

    def __post_init__(self) -> None:
        digest = hashlib.sha256()
        for path in sorted(self.files):
            digest.update(path.encode() + b"\0")
            digest.update(hashlib.sha256(self.files[path]).digest())
        object.__setattr__(self, "version", digest.hexdigest())

    def bpmn_file_of(self, process_id: str = MAIN_PROCESS) -> bytes | None:
        """The BPMN file that holds the process ``process_id`` (its diagram is drawn from it)."""
        tag = re.compile(rb"<(?:\w+:)?process\s[^>]*\bid=\"([^\"]+)\"")
        for content in self.matching(".bpmn").values():
            if process_id.encode() in tag.findall(content):
                return content
        return None

    def matching(self, suffix: str) -> dict[str, bytes]:
        """The files whose path ends with ``suffix``."""
        return {path: data for path, data in sorted(self.files.items()) if path.endswith(suffix)}


def read_process_files(directory: Path) -> ProcessFiles:
    """Read the process files (BPMN, DMN, forms) under ``directory``."""
    files = {}
    for pattern in PROCESS_FILE_PATTERNS:
        for path in sorted(directory.glob(pattern)):
            files[path.relative_to(directory).as_posix()] = path.read_bytes()
    return ProcessFiles(files)


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


class _EventBasedGatewayParser(EventBasedGatewayParser):
    """SpiffWorkflow reads no extensions on event-based gateways; ours declare a claim status."""

    def parse_extensions(self, node=None):
        return SpiffTaskParser._parse_extensions(self.node if node is None else node)


class FundBpmnParser(SpiffBpmnParser):
    """SpiffWorkflow's parser with extensions read on event-based gateways too."""

    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("eventBasedGateway"): (_EventBasedGatewayParser, EventBasedGateway),
    }


def _properties(task_spec) -> dict[str, str]:
    return dict(getattr(task_spec, "extensions", {}).get("properties", {}))


def _parse(files: ProcessFiles, process_id: str) -> tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]:
    parser = FundBpmnParser(validator=VALIDATOR)
    where = "bpmn"  # the file being read, to name it when it does not parse
    try:
        for where, data in files.matching(".dmn").items():
            parser.add_dmn_xml(etree.fromstring(data), filename=where)
        for where, data in files.matching(".bpmn").items():
            parser.add_bpmn_xml(etree.fromstring(data), filename=where)
        where = "bpmn"
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except (ValidationException, etree.XMLSyntaxError) as error:
        raise SpecValidationError([f"{getattr(error, 'file_name', '') or where}: {error}"]) from error
    except Exception as error:  # SpiffWorkflow's parser fails in its own ways on odd input
        raise SpecValidationError([f"{where}: cannot be parsed ({type(error).__name__}: {error})"]) from error
    return spec, subprocess_specs


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


def all_task_specs(spec: BpmnProcessSpec, subprocess_specs: dict[str, BpmnProcessSpec]):
    """Every task spec of the process and of the processes it calls."""
    for process in [spec, *subprocess_specs.values()]:
        yield from process.task_specs.values()


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
            four_eyes_against=tuple(
                name.strip() for name in props.get("four_eyes_against", "").split(",") if name.strip()
            ),
        )
    return tasks


def load_process(files: ProcessFiles, process_id: str = MAIN_PROCESS, validate: bool = True) -> ProcessSpec:
    """Parse and validate a process version; raises SpecValidationError listing every problem.

    Without ``validate`` (a stored version, checked at deploy) a file that no longer parses still
    raises SpecValidationError, never the parser's own error.
    """
    if validate:
        from .validation import check_process_files

        problems = check_process_files(files, process_id)
        if problems:
            raise SpecValidationError(problems)
    spec, subprocess_specs = _parse(files, process_id)
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
