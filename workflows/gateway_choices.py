"""Which sequence flow each exclusive gateway took, every time it ran, read from a stored state.

A claim's step records name the elements that ran, not the flows between them; when two flows
join the same gateway and element (the fund's "Complete" and "Incomplete after five requests" both
lead to the review), the steps cannot say which one was taken. SpiffWorkflow keeps every
completed task of a run with the data it had (its task tree grows with each loop), and a gateway
chose by evaluating its flows' conditions on that data, in a known order: evaluating them again
on the completed gateway task gives the very flow it took.

:func:`gateway_choices` restores a snapshot and answers, for each exclusive gateway of a process,
the flows it took in the order it ran; :func:`workflows.diagram.claim_path` uses them to
highlight only the flows a claim really took. Reading only: nothing is changed or serialized.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from datetime import datetime
from threading import Lock

from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.util.task import TaskState

from .clock import command_scope
from .diagram import Flow, ProcessModel, read_process_model
from .serialization import load_snapshot, state_digest
from .specs import MAIN_PROCESS, ProcessSpec

# SpiffWorkflow puts a split in front of a task with boundary events; the flow leads to the task.
_BOUNDARY_SPLIT = ".BoundaryEventSplit"
# The choices read from the last few hundred states, by process version and the state's digest (a
# digest names one exact snapshot): a claim page shown again reads them without a restore.
KEPT_STATES = 256
_KEPT: OrderedDict[tuple[str, str, str], dict[str, tuple[str | None, ...]]] = OrderedDict()
_KEPT_LOCK = Lock()


def gateway_choices(
    process: ProcessSpec, state: str, at: datetime, process_id: str = MAIN_PROCESS
) -> dict[str, list[str | None]]:
    """For each exclusive gateway of ``process_id``: the id of the flow it took each time it ran.

    The lists are in the order the gateway ran (a later run of a gateway is deeper in the task
    tree than an earlier one: loops grow the tree). An entry is None when the flow cannot be told
    (the file has no drawing of the process, or a condition no longer evaluates): the caller then
    falls back to what the step order says. ``at`` is the time to restore at (restoring reads the
    clock); it does not change what the gateways chose. Kept per state (:data:`KEPT_STATES`).
    """
    key = (process.version, process_id, state_digest(state))
    with _KEPT_LOCK:
        kept = _KEPT.get(key)
        if kept is not None:
            _KEPT.move_to_end(key)
    if kept is None:
        kept = _read_choices(process, state, at, process_id)
        with _KEPT_LOCK:
            _KEPT[key] = kept
            while len(_KEPT) > KEPT_STATES:
                _KEPT.popitem(last=False)
    return {gateway: list(flows) for gateway, flows in kept.items()}


def _read_choices(
    process: ProcessSpec, state: str, at: datetime, process_id: str
) -> dict[str, tuple[str | None, ...]]:
    xml = process.files.bpmn_file_of(process_id)
    if xml is None:
        return {}
    model = read_process_model(xml, process_id)
    body = json.loads(state)
    engine = body["engine"]
    runs: list[tuple[int, str, str | None]] = []
    with command_scope(at, engine["instance_key"], engine["next_task_number"]):
        workflow, _ = load_snapshot(body, process.spec, process.subprocess_specs)
        workflows = [workflow, *workflow.subprocesses.values()]
        for each in workflows:
            if each.spec.name != process_id:
                continue
            for task in each.tasks.values():
                if task.state == TaskState.COMPLETED and isinstance(task.task_spec, ExclusiveGateway):
                    runs.append((task.depth, task.task_spec.name, _flow_taken(model, task)))
    choices: dict[str, list[str | None]] = {}
    for _, gateway, flow in sorted(runs, key=lambda run: run[0]):
        choices.setdefault(gateway, []).append(flow)
    return {gateway: tuple(flows) for gateway, flows in choices.items()}


def _flow_taken(model: ProcessModel, task) -> str | None:
    """The flow a completed exclusive gateway task took: to the element it went on to, and among
    several flows to that element, the first whose condition holds (SpiffWorkflow's own order),
    else the default one."""
    gateway = task.task_spec.name
    targets = {child.task_spec.name.removesuffix(_BOUNDARY_SPLIT) for child in task.children}
    candidates = [f for f in model.flows.values() if f.source == gateway and f.target in targets]
    if len(candidates) <= 1:
        return candidates[0].id if candidates else None
    by_condition: dict[str, Flow] = {f.condition.strip(): f for f in candidates if f.condition}
    try:
        for condition, _target in task.task_spec.cond_task_specs:
            if condition is None:
                continue
            flow = by_condition.get(str(condition.args[0]).strip())
            if flow is not None and condition._matches(task):
                return flow.id
    except Exception:  # noqa: BLE001 - a condition that no longer evaluates: the steps decide
        return None
    defaults = [f for f in candidates if f.is_default]
    return defaults[0].id if defaults else None
