"""Replay a claim for auditors: its recorded commands run again, step by step, with what each did.

Replay starts from nothing on the process version the claim ran on (the files stored at deploy,
not today's bpmn/), applies every recorded command with its recorded actor, time, input and
reference data (:func:`fund.claims.history.replay_command`), and compares each new state's
digest, and what the command did (status, steps run, letters due), with what the history
records. The first difference is the divergence; replay stops there, since nothing after it can
be trusted. Each step of the report says which event it was, who and when, the input (personal
data masked), which tasks ran, which gateway paths were taken, which decision rules matched, and
the status and process data after it: enough to step through the claim like a time-travel
debugger (:func:`step_diagram` draws the process as it was after a step).

Replay only reads: it never adds, changes or commits anything.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import select

from fund.audit.replay_cache import REPLAYS, KeptReplay, event_fingerprint
from fund.claims.claim_diagram import Diagram, draw_claim_steps, page_language
from fund.claims.claim_file import officer_namer
from fund.claims.explanations import explain_decisions
from fund.claims.history import (
    CLAIM_SUBMITTED,
    CLAIM_WITHDRAWN,
    GENESIS_HASH,
    LETTER_ISSUED,
    MESSAGE_DELIVERED,
    TASK_COMPLETED,
    TIMERS_FIRED,
    claim_events,
    event_result,
    hash_of,
    replay_command,
)
from fund.claims.personal_data import mask_date, mask_email, mask_iban, mask_iin, mask_phone
from fund.claims.process_versions import ProcessVersionUnusable, process_for_version
from fund.claims.submission import get_claim
from fund.common.access import require_role
from fund.common.errors import NotFound
from fund.common.wording import MESSAGE_LABELS, STATUS_LABELS, label, task_labels
from fund.extensions import db
from fund.models import Claim, HumanTask, User, WorkflowInstance
from workflows import engine
from workflows.diagram import GATEWAYS, claim_flows_taken, read_process_model
from workflows.gateway_choices import gateway_choices
from workflows.specs import MAIN_PROCESS, ProcessSpec

AUDIT_ROLES = ("auditor", "admin")

EVENT_LABELS = {
    CLAIM_SUBMITTED: "Claim submitted",
    TASK_COMPLETED: "Task completed",
    MESSAGE_DELIVERED: "Message delivered",
    TIMERS_FIRED: "Deadline or reminder reached",
    LETTER_ISSUED: "Letter issued",
    CLAIM_WITHDRAWN: "Claim withdrawn by the claimant",
}

# Keys whose values are personal data: masked wherever replay shows an input or process data.
_MASKERS = (
    ("iban", mask_iban),
    ("iin", mask_iin),
    ("phone", mask_phone),
    ("email", mask_email),
)


@dataclass(frozen=True)
class GatewayPath:
    """A path a gateway took: from which gateway, along which flow, to which element."""

    gateway: str
    flow: str
    target: str


@dataclass
class ReplayStep:
    """One recorded event applied again, and what it did."""

    sequence: int
    type: str
    what: str
    actor: str
    actor_name: str
    occurred_at: datetime
    input: dict[str, Any]
    task: str | None  # the user task completed, for task_completed events
    tasks_run: list[dict[str, str]]
    gateway_paths: list[GatewayPath]
    decisions: list  # explanations.DecisionExplanation of the decision tables this step ran
    status: str | None
    status_label: str
    data: dict[str, Any]
    ready_tasks: list[str]
    waiting: list[str]
    expected_digest: str
    actual_digest: str | None
    matches: bool
    differences: list[str] = field(default_factory=list)
    # For drawing the diagram as it was after this step (not part of the JSON answer).
    steps_so_far: list[dict[str, Any]] = field(default_factory=list, repr=False)
    ready_names: set[str] = field(default_factory=set, repr=False)
    waiting_names: set[str] = field(default_factory=set, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "sequence": self.sequence,
            "type": self.type,
            "actor": self.actor,
            "occurred_at": self.occurred_at.isoformat(),
            "input": self.input,
            "task": self.task,
            "tasks_run": self.tasks_run,
            "gateway_paths": [
                {"gateway": p.gateway, "flow": p.flow, "target": p.target} for p in self.gateway_paths
            ],
            "decisions": [
                {
                    "step": d.step,
                    "table": d.table,
                    "hit_policy": d.hit_policy,
                    "rules": [{"row": r.row, "description": r.description} for r in d.rules],
                }
                for d in self.decisions
            ],
            "status": self.status,
            "data": self.data,
            "ready_tasks": self.ready_tasks,
            "waiting": self.waiting,
            "expected_digest": self.expected_digest,
            "actual_digest": self.actual_digest,
            "matches": self.matches,
            "differences": self.differences,
        }


@dataclass(frozen=True)
class Divergence:
    """The first step where replay does not give what the history records, and what differs."""

    sequence: int
    type: str
    differences: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"sequence": self.sequence, "type": self.type, "differences": self.differences}


@dataclass
class ReplayReport:
    """A claim's replay: every step up to the first divergence (all of them when it matches)."""

    reference: str
    process_version: str
    events: int
    steps: list[ReplayStep]
    divergence: Divergence | None
    main_xml: bytes | None = field(default=None, repr=False)
    # Why replay cannot be run at all: its process version was altered or no longer loads.
    finding: str | None = None
    # The flows each exclusive gateway took, in the order it ran (workflows.gateway_choices), and
    # the drawings of the steps looked at so far, by (step index, whole or focused): not in the JSON.
    gateway_choices: dict[str, list[str | None]] = field(default_factory=dict, repr=False)
    diagrams: dict[tuple[int, str], Diagram] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return self.finding is None and self.divergence is None and len(self.steps) == self.events

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "reference": self.reference,
            "process_version": self.process_version,
            "events": self.events,
            "steps": [step.to_json() for step in self.steps],
            "divergence": self.divergence.to_json() if self.divergence else None,
            "finding": self.finding,
        }


def json_text(value: Any) -> str:
    """``value`` as indented JSON text for people to read: every letter as itself (Kazakh and
    Russian names, not ``\\u04d9`` escapes), keys in their recorded order. Plain text: the page
    escapes it like any other."""
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


# --- masking ---------------------------------------------------------------------------------------


def mask_personal(value: Any, key: str = "") -> Any:
    """``value`` with every personal value (IIN, birth date, phone, e-mail, IBAN) masked, by key."""
    if isinstance(value, dict):
        return {k: mask_personal(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_personal(item, key) for item in value]
    lowered = key.lower()
    if isinstance(value, str):
        for part, masker in _MASKERS:
            if part in lowered:
                return masker(value)
        if "birth" in lowered:
            return mask_date(datetime.fromisoformat(value).date()) if _is_date(value) else "••"
    return value


def _is_date(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


# --- replay ----------------------------------------------------------------------------------------


def replay_claim(user: User, reference: str, *, use_kept: bool = True) -> ReplayReport:
    """Replay the claim's history for an auditor or administrator; read-only.

    Raises Forbidden for other roles and NotFound for an unknown claim (or one with no process).
    A process version whose stored files were altered, or no longer load, is the report's
    ``finding``: replay cannot be run on it.

    The worker keeps the last replays (:mod:`fund.audit.replay_cache`): the same recorded events
    give the kept report, new events after them are replayed on from its last state. The events
    and the version's files are read and checked on every call. ``use_kept=False`` replays from the
    start (and keeps nothing): what a kept replay gives must be exactly that.
    """
    require_role(user, *AUDIT_ROLES)
    claim = get_claim(user, reference)
    instance = db.session.scalar(select(WorkflowInstance).where(WorkflowInstance.claim_id == claim.id))
    if instance is None:
        raise NotFound(f"claim {reference} has no process")
    events = claim_events(claim)
    try:
        process = process_for_version(instance.process_version, check_files=True)
    except ProcessVersionUnusable as error:
        finding = f"{error}; replay cannot be run on it"
        return ReplayReport(claim.reference, instance.process_version, len(events), [], None, finding=finding)
    fingerprints = tuple(event_fingerprint(event) for event in events)
    kept = REPLAYS.get(claim.id, instance.process_version) if use_kept else None
    if kept is not None and kept.fingerprints == fingerprints:
        return kept.report
    main_xml = main_bpmn(process)
    report = ReplayReport(claim.reference, instance.process_version, len(events), [], None, main_xml)
    progress = _Progress()
    done = 0
    if (
        kept is not None
        and fingerprints[: len(kept.fingerprints)] == kept.fingerprints
        and kept.report.divergence is None
    ):  # the claim moved on: replay the new events only, on from the kept last state
        done = len(kept.fingerprints)
        report.steps = list(kept.report.steps)
        report.diagrams = dict(kept.report.diagrams)
        progress = replace(kept.progress, all_steps=list(kept.progress.all_steps))
    _replay_events(report, progress, process, claim, events[done:])
    if use_kept:
        REPLAYS.put(claim.id, instance.process_version, KeptReplay(fingerprints, report, progress))
    return report


@dataclass
class _Progress:
    """Where a replay stands after its last step: enough to replay further events from there."""

    outcome: engine.Outcome | None = None
    previous_hash: str = GENESIS_HASH
    all_steps: list[dict[str, Any]] = field(default_factory=list)
    previous_steps: list[dict[str, Any]] = field(default_factory=list)
    # How many times each main-process element has completed, in all steps and before the previous
    # command's steps (to know which of a gateway's recorded choices a step's paths are).
    runs: Counter = field(default_factory=Counter)
    runs_before_previous: Counter = field(default_factory=Counter)


def _replay_events(
    report: ReplayReport, progress: _Progress, process: ProcessSpec, claim: Claim, events
) -> None:
    """Apply ``events`` again from ``progress``, adding their steps to ``report`` (up to the first
    divergence) and moving ``progress`` on."""
    if not events:
        return
    reference = claim.reference
    task_names = dict(
        db.session.execute(select(HumanTask.id, HumanTask.name).where(HumanTask.claim_id == claim.id)).all()
    )
    who = officer_namer({event.actor for event in events})
    titles = task_labels(process)
    model = read_process_model(report.main_xml, MAIN_PROCESS) if report.main_xml is not None else None
    windows: list[tuple[ReplayStep, list[dict[str, Any]], Counter, engine.Outcome]] = []
    for event in events:
        differences = _chain_differences(event, reference, progress.previous_hash)
        progress.previous_hash = event.hash
        recorded = event.result or {}
        try:
            outcome = replay_command(process, event, progress.outcome, reference)
        except (engine.EngineError, KeyError, TypeError, ValueError) as error:
            differences.append(f"replay: the command cannot be applied again ({error})")
            step = _step(event, who, titles, task_names, None, process, [], differences)
            report.steps.append(step)
            report.divergence = Divergence(event.sequence, event.type, differences)
            break
        progress.outcome = outcome
        differences += _result_differences(event.state_digest, recorded, outcome)
        progress.all_steps = progress.all_steps + outcome.steps
        step = _step(event, who, titles, task_names, outcome, process, [], differences)
        if event.type == LETTER_ISSUED and report.steps:  # a letter leaves the claim where it was
            step.status, step.status_label = report.steps[-1].status, report.steps[-1].status_label
        step.steps_so_far = progress.all_steps
        report.steps.append(step)
        windows.append(
            (step, progress.previous_steps + outcome.steps, progress.runs_before_previous, outcome)
        )
        main_runs = Counter(
            s.get("task") for s in outcome.steps if s.get("process", MAIN_PROCESS) == MAIN_PROCESS
        )
        if differences:
            report.divergence = Divergence(event.sequence, event.type, differences)
            break
        if event.type != LETTER_ISSUED:  # a letter moves nothing: the last command's steps stay the last
            progress.runs_before_previous = Counter(progress.runs)
            progress.previous_steps = outcome.steps
        progress.runs = progress.runs + main_runs
    if progress.outcome is not None and model is not None:
        # Which way each gateway went is in the last state; earlier steps took the first choices.
        last = report.steps[-1]
        report.gateway_choices = gateway_choices(process, progress.outcome.state, last.occurred_at)
    for step, window, runs_before, outcome in windows:
        chosen = {g: flows[runs_before.get(g, 0) :] for g, flows in report.gateway_choices.items()}
        step.gateway_paths = _gateway_paths(model, report.main_xml, window, outcome, chosen)


def _chain_differences(event, reference: str, previous_hash: str) -> list[str]:
    differences = []
    if event.previous_hash != previous_hash:
        differences.append("hash chain: the event does not link to the event before it")
    if hash_of(event, reference) != event.hash:
        differences.append(
            "recorded event: its input, actor, time or digest is not what its hash was computed from "
            "(it was changed after it was recorded)"
        )
    return differences


def _titles(steps: list[dict[str, Any]]) -> list[str]:
    return [str(s.get("title") or s.get("task")) for s in steps]


def _result_differences(expected_digest: str, recorded: dict[str, Any], outcome: engine.Outcome) -> list[str]:
    """What replay gives that the history does not record, in words."""
    differences = []
    if outcome.digest != expected_digest:
        differences.append(
            f"state digest: replay gives {outcome.digest[:12]}…, the history records {expected_digest[:12]}…"
        )
    replayed = json.loads(json.dumps(event_result(outcome)))
    if replayed.get("status") != recorded.get("status"):
        differences.append(
            f"status: replay gives '{label(STATUS_LABELS, replayed.get('status'))}', "
            f"the history records '{label(STATUS_LABELS, recorded.get('status'))}'"
        )
    if replayed.get("steps") != recorded.get("steps"):
        ran, was = _titles(replayed.get("steps", [])), _titles(recorded.get("steps", []))
        if ran != was:
            differences.append(
                f"tasks run: replay runs {'; '.join(ran) or 'nothing'}; "
                f"the history records {'; '.join(was) or 'nothing'}"
            )
        else:
            differences.append("decision rules: replay matches other rules than the history records")
    if replayed.get("outbound") != recorded.get("outbound"):
        differences.append(
            "letters due: replay gives "
            f"{', '.join(m['name'] for m in replayed.get('outbound', [])) or 'none'}; the history records "
            f"{', '.join(m.get('name', '') for m in recorded.get('outbound', [])) or 'none'}"
        )
    return differences


def _gateway_paths(model, main_xml, window, outcome: engine.Outcome, chosen) -> list[GatewayPath]:
    """The paths the main process's gateways took during this command: from the step order (the
    ``window`` of the previous command's steps and this one's) and the gateways' recorded
    ``chosen`` flows (from the first run in the window on)."""
    if model is None or not outcome.steps:
        return []
    ready = {task.name for task in outcome.ready_tasks}
    waiting = {timer.name for timer in outcome.timers} | set(outcome.waiting_messages)
    ran_here = {s.get("task") for s in outcome.steps if s.get("process") == MAIN_PROCESS}
    taken = claim_flows_taken(
        window, ready, waiting, bpmn_xml=main_xml, process_id=MAIN_PROCESS, chosen=chosen
    )
    # Two flows between the same gateway and element that no recorded choice tells apart: one
    # path, its flows named together ("Complete or Incomplete after five requests").
    flows_by_pair: dict[tuple[str, str], list[str]] = {}
    for flow in model.flows.values():  # document order
        source = model.nodes.get(flow.source)
        if flow.id in taken and source is not None and source.kind in GATEWAYS and flow.source in ran_here:
            name = flow.name or ("default" if flow.is_default else flow.id)
            flows_by_pair.setdefault((flow.source, flow.target), []).append(name)
    paths = []
    for (source_id, target_id), names in flows_by_pair.items():
        source, target = model.nodes[source_id], model.nodes.get(target_id)
        paths.append(
            GatewayPath(
                source.name or source.id,
                " or ".join(names),
                (target.name or target.id) if target else target_id,
            )
        )
    return paths


def _step(event, who, titles, task_names, outcome, process: ProcessSpec, paths, differences) -> ReplayStep:
    data = event.input or {}
    task = None
    what = EVENT_LABELS.get(event.type, event.type.replace("_", " "))
    if event.type == TASK_COMPLETED:
        name = task_names.get(data.get("task_id"))
        task = titles.get(name, name) if name else None
        what = f"Completed: {task or 'a task'}"
    elif event.type == MESSAGE_DELIVERED:
        what = label(MESSAGE_LABELS, data.get("message"))
    steps = outcome.steps if outcome is not None else []
    shown_input = {k: v for k, v in data.items() if k != "mci_rates"}
    return ReplayStep(
        sequence=event.sequence,
        type=event.type,
        what=what,
        actor=event.actor,
        actor_name=who(event.actor),
        occurred_at=event.occurred_at,
        input=mask_personal(shown_input),
        task=task,
        tasks_run=[
            {
                "task": str(s.get("task")),
                "title": str(s.get("title") or s.get("task")),
                "type": str(s.get("type")),
            }
            for s in steps
        ],
        gateway_paths=paths,
        decisions=explain_decisions(process, steps, outcome.data) if outcome is not None else [],
        status=outcome.status if outcome is not None else None,
        status_label=label(STATUS_LABELS, outcome.status) if outcome is not None else "",
        data=mask_personal(outcome.data) if outcome is not None else {},
        ready_tasks=[titles.get(t.name, t.title) for t in outcome.ready_tasks] if outcome is not None else [],
        waiting=(
            [label(MESSAGE_LABELS, m) for m in outcome.waiting_messages] + [t.name for t in outcome.timers]
            if outcome is not None
            else []
        ),
        expected_digest=event.state_digest,
        actual_digest=outcome.digest if outcome is not None else None,
        matches=not differences,
        differences=list(differences),
        ready_names={t.name for t in outcome.ready_tasks} if outcome is not None else set(),
        waiting_names=(
            {t.name for t in outcome.timers} | set(outcome.waiting_messages) if outcome is not None else set()
        ),
    )


# --- the diagram after a step ----------------------------------------------------------------------


def main_bpmn(process: ProcessSpec) -> bytes | None:
    """The file of the process version that holds the main process."""
    return process.files.bpmn_file_of(MAIN_PROCESS)


def step_diagram(report: ReplayReport, index: int) -> Diagram | None:
    """The main process as it was after ``report.steps[index]``: completed and waiting elements,
    and the flows taken so far (each gateway's first choices). Drawn once per kept report and step."""
    if report.main_xml is None or not 0 <= index < len(report.steps):
        return None
    key = (index, page_language())  # a kept replay is drawn in each reader's language
    if key not in report.diagrams:
        step = report.steps[index]
        report.diagrams[key] = draw_claim_steps(
            report.main_xml,
            step.steps_so_far,
            step.ready_names,
            step.waiting_names,
            gettext(
                "Claim %(reference)s after step %(sequence)s",
                reference=report.reference,
                sequence=step.sequence,
            ),
            report.gateway_choices,
        )
    return report.diagrams[key]
