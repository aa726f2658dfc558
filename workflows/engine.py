"""Engine commands: start, complete a task, deliver a message, fire due timers.

Each command takes the current state (a snapshot), the command's context (who, when, and the
reference data it may read) and its input, and returns an :class:`Outcome`: the new snapshot,
its digest, and what happened. Nothing here keeps state between calls or reads the wall clock,
so applying the same commands to the same start gives the same snapshots: that is replay.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition as BaseMessageDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException, TaskNotFoundException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from .clock import command_scope
from .forms import clean_form_data, validate_form_data
from .serialization import SCRIPT_ENGINE, dump_snapshot, load_snapshot, state_digest, to_jsonable
from .specs import ProcessSpec
from .warm import WarmWorkflows

# SpiffWorkflow's task iterator stops at this depth and the workflow then reports itself
# complete while work remains; every loop in bpmn/ is bounded far below it (see tests).
SPIFF_MAX_TASK_DEPTH = 1000


class EngineError(Exception):
    """A command that cannot be applied to this state."""


class TaskNotFound(EngineError):
    """No task with this id exists in the instance."""


class TaskNotReady(EngineError):
    """The task exists but is not waiting for a person (done already, or not reached)."""


class FourEyesViolation(EngineError):
    """The actor completed a task whose result this task must check independently."""


class ObservationMissing(EngineError):
    """The task must be given a value from the fund's records (``observes``) that the command lacks."""


class FormInvalid(EngineError):
    """The submitted data does not satisfy the task's form; ``errors`` by field."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("the form data is not valid: " + "; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class NotWaitingForMessage(EngineError):
    """The instance is not waiting for a message of this name now."""


class ProcessFailed(EngineError):
    """A script, gateway or decision table failed while the process ran (a defect in bpmn/)."""


@dataclass(frozen=True)
class CommandContext:
    """Who applies a command, at what instant, with which reference data."""

    actor: str
    at: datetime
    # (effective date, tenge) pairs, or a function returning them: called only if the process
    # reads the MCI (Outcome.mci_rates then holds what it read, for the command's record).
    mci_rates: tuple[tuple[date, int], ...] | Callable[[], tuple[tuple[date, int], ...]] = ()
    # Where live workflows wait between commands (:mod:`workflows.warm`); None: restore every time.
    warm: WarmWorkflows | None = None


@dataclass(frozen=True)
class ReadyTask:
    """A task waiting for a person with a given role."""

    id: str
    name: str
    title: str
    role: str
    form: str
    claim_status: str | None
    created_at: datetime
    due_at: datetime | None
    four_eyes_against: tuple[str, ...]


@dataclass(frozen=True)
class PendingTimer:
    """A timer event waiting for its due time."""

    task_id: str
    name: str
    due_at: datetime


@dataclass(frozen=True)
class OutboundMessage:
    """A message the process threw that nothing inside it catches: work for the fund (letters)."""

    name: str
    payload: dict[str, Any]


@dataclass
class Outcome:
    """The result of a command: the new state and what happened while reaching it."""

    state: str
    digest: str
    status: str | None
    completed: bool
    data: dict[str, Any]
    ready_tasks: list[ReadyTask]
    timers: list[PendingTimer]
    waiting_messages: list[str]
    outbound: list[OutboundMessage] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    max_task_depth: int = 0
    used_mci_rates: bool = False
    mci_rates: tuple[tuple[date, int], ...] = ()  # the rates the process read (when it read them)


def start(process: ProcessSpec, instance_key: str, data: dict[str, Any], ctx: CommandContext) -> Outcome:
    """Start an instance of ``process`` with the claim's facts in ``data``."""
    engine_state = {"instance_key": instance_key, "next_task_number": 0, "completed_by": {}}
    with command_scope(ctx.at, instance_key, 0, ctx.mci_rates) as scope:
        workflow = BpmnWorkflow(process.spec, process.subprocess_specs, script_engine=SCRIPT_ENGINE)
        first = workflow.get_next_task(state=TaskState.READY)
        first.data.update(data)
        steps = _run_engine(workflow)
        return _outcome(process, workflow, engine_state, scope, steps, ctx)


def complete_task(
    process: ProcessSpec,
    state: str,
    task_id: str,
    data: dict[str, Any],
    ctx: CommandContext,
    observed: dict[str, Any] | None = None,
) -> Outcome:
    """Complete a ready user task as ``ctx.actor`` with the form data ``data``.

    Roles are the fund's business (the engine does not know users); the four-eyes rule named in
    the BPMN (``four_eyes_against``) is checked here because the engine records who completed
    which task. ``observed`` holds what the task declares it ``observes`` of the fund's records
    (e.g. ``prior_claims``), as the fund found them when the command ran: the values join the
    task's data beside the form's, and the caller records them with the command for replay.
    """
    with _restored(process, state, ctx) as (workflow, engine_state, scope):
        steps = _run_engine(workflow)  # bring the instance up to the command's time first
        task = _find_task(workflow, task_id)
        if task.state != TaskState.READY or not task.task_spec.manual:
            raise TaskNotReady(f"task {task_id} is no longer waiting to be completed")
        info = process.user_tasks[task.task_spec.name]
        completed_by = engine_state["completed_by"]
        for earlier in info.four_eyes_against:
            if ctx.actor in completed_by.get(earlier, []):
                raise FourEyesViolation(
                    f"{ctx.actor} completed '{earlier}' on this claim and so may not complete '{info.name}'"
                )
        form = process.forms[info.form]
        errors = validate_form_data(form, data)
        if errors:
            raise FormInvalid(errors)
        task.set_data(**clean_form_data(form, data))
        task.set_data(**_observations(info, observed or {}))
        steps.append(_step(task))
        _guard(task.run)
        completed_by.setdefault(info.name, []).append(ctx.actor)
        steps += _run_engine(workflow)
        return _outcome(process, workflow, engine_state, scope, steps, ctx)


def deliver_message(
    process: ProcessSpec, state: str, name: str, payload: dict[str, Any], ctx: CommandContext
) -> Outcome:
    """Deliver the message ``name`` (e.g. ``documents_submitted``) with ``payload`` to the instance."""
    with _restored(process, state, ctx) as (workflow, engine_state, scope):
        # Timers due before the message arrived have fired first: documents sent after the
        # deadline find the claim closed, even if the worker has not run yet.
        steps = _run_engine(workflow)
        if name not in _waiting_messages(workflow):
            raise NotWaitingForMessage(f"the claim is not waiting for '{name}' now")
        _guard(lambda: workflow.catch(BpmnEvent(MessageEventDefinition(name), dict(payload))))
        steps += _run_engine(workflow)
        return _outcome(process, workflow, engine_state, scope, steps, ctx)


def fire_due_timers(process: ProcessSpec, state: str, ctx: CommandContext) -> Outcome:
    """Fire every timer of the instance that is due at ``ctx.at``; steps are empty if none was."""
    with _restored(process, state, ctx) as (workflow, engine_state, scope):
        steps = _run_engine(workflow)
        return _outcome(process, workflow, engine_state, scope, steps, ctx)


def cancel(process: ProcessSpec, state: str, claim_status: str, ctx: CommandContext) -> Outcome:
    """End the instance at ``ctx.at`` without finishing it (the claimant withdrew the claim).

    SpiffWorkflow's own ``BpmnWorkflow.cancel``: every unfinished task, its subprocesses' too, is
    cancelled and the workflow is completed, not successful; so no task is ready and no timer is
    left. It works on every deployed version, the ones instances already run on included (a BPMN
    message or boundary event would reach only instances of versions that have it). The workflow
    declares no status for such an end, so ``claim_status`` (recorded with the command, for replay)
    is the claim's status. Timers due before ``ctx.at`` fire first, as for a message; an instance
    that they (or anything before) completed raises :class:`NotWaitingForMessage`.
    """
    with _restored(process, state, ctx) as (workflow, engine_state, scope):
        steps = _run_engine(workflow)
        if workflow.completed:
            raise NotWaitingForMessage("the claim's process has already ended")
        _guard(workflow.cancel)
        outcome = _outcome(process, workflow, engine_state, scope, steps, ctx)
        outcome.status = claim_status
        return outcome


def inspect(process: ProcessSpec, state: str, at: datetime) -> Outcome:
    """The outcome view of a stored state without changing it (``at`` is needed to restore)."""
    ctx = CommandContext("inspector", at)
    with _restored(process, state, ctx) as (workflow, engine_state, scope):
        return _outcome(process, workflow, engine_state, scope, [], ctx)


# --- mechanics -------------------------------------------------------------------------------


@contextmanager
def _restored(process: ProcessSpec, state: str, ctx: CommandContext):
    """The workflow in ``state``, inside the command's scope: the live one left by the command
    that produced this state if ``ctx.warm`` still has it, else restored from the snapshot
    (restoring tasks reads the clock, so it is done inside the scope)."""
    live = ctx.warm.take(state_digest(state), process.spec) if ctx.warm is not None else None
    if live is not None:
        workflow, engine_state = live
        with command_scope(
            ctx.at, engine_state["instance_key"], engine_state["next_task_number"], ctx.mci_rates
        ) as scope:
            yield workflow, engine_state, scope
        return
    body = json.loads(state)
    engine = body["engine"]
    with command_scope(ctx.at, engine["instance_key"], engine["next_task_number"], ctx.mci_rates) as scope:
        workflow, engine_state = load_snapshot(body, process.spec, process.subprocess_specs)
        yield workflow, engine_state, scope


def _observations(info, observed: dict[str, Any]) -> dict[str, Any]:
    missing = [name for name in info.observes if name not in observed]
    if missing:
        raise ObservationMissing(f"completing '{info.name}' needs the fund's records: {', '.join(missing)}")
    return {name: observed[name] for name in info.observes}


def _guard(action) -> None:
    try:
        action()
    except SpiffWorkflowException as error:
        raise ProcessFailed(str(error)) from error


def _find_task(workflow: BpmnWorkflow, task_id: str):
    try:
        task = workflow.get_task_from_id(UUID(task_id))
    except (ValueError, KeyError, TypeError, TaskNotFoundException):
        task = None
    if task is None:
        raise TaskNotFound(f"no task {task_id} in this claim")
    return task


def _step(task) -> dict[str, Any]:
    spec = task.task_spec
    step = {
        "task": spec.name,
        "title": getattr(spec, "bpmn_name", None) or spec.name,
        "type": spec.__class__.__name__,
        "process": task.workflow.spec.name,
    }
    dmn = getattr(spec, "dmnEngine", None)
    if dmn is not None:
        step["decision"] = _matched_rules(dmn, task)
    return step


def _matched_rules(dmn, task) -> dict[str, Any]:
    """Which rows of a decision table decided, with their annotations, for people to read.

    The table is evaluated again on the completed task's data: its inputs are unchanged and the
    evaluation is pure, so this is exactly what SpiffWorkflow matched.
    """
    table = dmn.decision_table
    rows = [rule for rule in dmn.decide(task)]
    return {
        "table": table.name or table.id,
        "hit_policy": table.hit_policy,
        "rules": [{"row": rule.row_number, "description": (rule.description or "").strip()} for rule in rows],
    }


def _run_engine(workflow: BpmnWorkflow) -> list[dict[str, Any]]:
    """Run everything the engine can run by itself: scripts, gateways, rules, due timers."""
    steps: list[dict[str, Any]] = []

    def did_complete(task) -> None:
        if getattr(task.task_spec, "bpmn_id", None):
            steps.append(_step(task))

    try:
        workflow.refresh_timers()
        workflow.do_engine_steps(did_complete_task=did_complete)
    except SpiffWorkflowException as error:
        raise ProcessFailed(str(error)) from error
    return steps


def _props(task) -> dict[str, str]:
    return getattr(task.task_spec, "extensions", {}).get("properties", {})


def _event_definitions(task) -> list:
    """What a waiting task waits for (an event-based gateway waits for each of its events)."""
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, MultipleEventDefinition):
        return list(definition.event_definitions)
    return [definition] if definition is not None else []


@dataclass
class _LiveTasks:
    """The tasks of a workflow that are not finished, by state, from one walk of its task tree.

    The walk is SpiffWorkflow's own iterator with the filter ``READY | WAITING | STARTED``: it
    prunes the tree exactly as a query for any one of those states does (finished subprocesses
    and predicted branches are not entered), so each list holds what ``get_tasks(state=…)`` would
    return, in the same order.
    """

    ready: list = field(default_factory=list)
    waiting: list = field(default_factory=list)
    started: list = field(default_factory=list)

    @classmethod
    def of(cls, workflow: BpmnWorkflow) -> _LiveTasks:
        live = cls()
        by_state = {TaskState.READY: live.ready, TaskState.WAITING: live.waiting}
        by_state[TaskState.STARTED] = live.started
        for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED):
            by_state[task.state].append(task)
        return live


def _waiting_messages(workflow: BpmnWorkflow, live: _LiveTasks | None = None) -> list[str]:
    names = []
    for task in (live or _LiveTasks.of(workflow)).waiting:
        for definition in _event_definitions(task):
            if isinstance(definition, BaseMessageDefinition) and definition.name not in names:
                names.append(definition.name)
    return names


def _timers(live: _LiveTasks) -> list[PendingTimer]:
    timers = []
    for task in live.waiting:
        if any(isinstance(d, TimerEventDefinition) for d in _event_definitions(task)):
            due = task._get_internal_data("event_value")
            if isinstance(due, str):
                due_at = datetime.fromisoformat(due).astimezone(UTC)
                timers.append(PendingTimer(str(task.id), task.task_spec.name, due_at))
    return timers


def _ready_tasks(process: ProcessSpec, live: _LiveTasks) -> list[ReadyTask]:
    ready = []
    for task in (task for task in live.ready if task.task_spec.manual):
        info = process.user_tasks[task.task_spec.name]
        created = datetime.fromtimestamp(task.last_state_change, UTC)
        due = created + timedelta(days=info.due_days) if info.due_days else None
        ready.append(
            ReadyTask(
                str(task.id),
                info.name,
                info.title,
                info.role,
                info.form,
                info.claim_status,
                created,
                due,
                info.four_eyes_against,
            )
        )
    return ready


def _claim_status(workflow: BpmnWorkflow, ready: list[ReadyTask], live: _LiveTasks) -> str | None:
    """The status the BPMN declares for where the claim is now (property ``claim_status``)."""
    if workflow.completed:
        ends = [
            t
            for t in workflow.get_tasks(state=TaskState.COMPLETED)
            if isinstance(t.task_spec, EndEvent) and _props(t).get("claim_status")
        ]
        return _props(max(ends, key=lambda t: t.last_state_change))["claim_status"] if ends else None
    for task in ready:
        if task.claim_status:
            return task.claim_status
    for task in live.waiting:
        if _props(task).get("claim_status"):
            return _props(task)["claim_status"]
    return None


def _current_data(workflow: BpmnWorkflow, live: _LiveTasks) -> dict[str, Any]:
    """The claim's process data now: the data of the task where the main process waits."""
    if workflow.completed:
        return dict(workflow.data)
    for tasks in (live.ready, live.waiting, live.started):
        for task in tasks:  # the main process's own tasks, not its subprocesses'
            if task.workflow is workflow and getattr(task.task_spec, "bpmn_id", None):
                return dict(task.data)
    return dict(workflow.data)


def _max_depth(workflow: BpmnWorkflow) -> int:
    """How deep the workflow's task tree is (SpiffWorkflow refuses beyond 1000).

    One pass over the workflow's tasks: a task is created after its parent, so the parent's depth
    is known by then; if it ever is not, the tree is walked from its root instead.
    """
    depths: dict = {}
    for task_id, task in workflow.tasks.items():
        parent = task._parent
        if parent is None:
            depths[task_id] = 0
        elif parent in depths:
            depths[task_id] = depths[parent] + 1
        else:
            return _max_depth_walked(workflow)
    return max(depths.values(), default=0)


def _max_depth_walked(workflow: BpmnWorkflow) -> int:
    deepest, stack = 0, [(workflow.task_tree, 0)]
    while stack:
        task, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in task.children)
    return deepest


def _outcome(process, workflow, engine_state, scope, steps, ctx: CommandContext) -> Outcome:
    engine_state["next_task_number"] = scope.next_task_number
    outbound = [
        OutboundMessage(e.event_definition.name, to_jsonable(e.payload or {})) for e in workflow.get_events()
    ]
    snapshot = dump_snapshot(workflow, engine_state)
    digest = state_digest(snapshot)
    live = _LiveTasks.of(workflow)
    ready = _ready_tasks(process, live)
    outcome = Outcome(
        state=snapshot,
        digest=digest,
        status=_claim_status(workflow, ready, live),
        completed=workflow.completed,
        data=to_jsonable(_current_data(workflow, live)),
        ready_tasks=ready,
        timers=_timers(live),
        waiting_messages=_waiting_messages(workflow, live),
        outbound=outbound,
        steps=steps,
        max_task_depth=_max_depth(workflow),
        used_mci_rates=scope.mci_rates_read,
        mci_rates=scope.mci_rates if scope.mci_rates_read else (),
    )
    if ctx.warm is not None:  # the command is done: its workflow waits for the claim's next one
        ctx.warm.keep(digest, workflow, engine_state)
    return outcome
