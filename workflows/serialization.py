"""Snapshots: a workflow's state as canonical JSON, without its spec.

The spec is not stored in every snapshot: an instance is stored with its process version, and
restoring it takes the parsed spec of that version. Dates and Decimals in task data are
registered with SpiffWorkflow's serializer so they survive the round trip as themselves.
Snapshots are deterministic (no whitespace, creation order) so that equal states have equal digests.
"""

from __future__ import annotations

import hashlib
import json
from copy import deepcopy
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from .scripting import create_script_engine

SNAPSHOT_FORMAT = 1


class _WorkflowWithoutSpecConverter(BpmnWorkflowConverter):
    """Leaves the specs out of the dictionary and takes them back as arguments."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict, spec=None, subprocess_specs=None) -> BpmnWorkflow:  # type: ignore[override]
        dct = dict(dct, spec=None, subprocess_specs={})
        dct.pop("spec")
        dct.pop("subprocess_specs")
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        from uuid import UUID

        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _make_serializer() -> BpmnWorkflowSerializer:
    config = deepcopy(SPIFF_CONFIG)
    config[BpmnWorkflow] = _WorkflowWithoutSpecConverter
    registry = BpmnWorkflowSerializer.configure(config)
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda v: date.fromisoformat(v["value"]))
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]))
    return BpmnWorkflowSerializer(registry)


_SERIALIZER = _make_serializer()
SCRIPT_ENGINE = create_script_engine()


def dump_snapshot(workflow: BpmnWorkflow, engine_state: dict) -> str:
    """The canonical JSON snapshot of a workflow and the engine's bookkeeping for it."""
    # SpiffWorkflow converts task data (dates, Decimals) in the JSON encoder, not in to_dict,
    # exactly as its own serialize_json does.
    registry = _SERIALIZER.registry
    registry._encoder_mode = True
    try:
        body = {
            "format": SNAPSHOT_FORMAT,
            "serializer_version": _SERIALIZER.VERSION,
            "engine": engine_state,
            "workflow": _SERIALIZER.to_dict(workflow),
        }
        # Keys are not sorted: SpiffWorkflow restores tasks in the order they were created
        # (a task's data is stored as a change from its parent's). The order is deterministic,
        # since every task id and time comes from the command.
        return json.dumps(body, cls=_SERIALIZER._encoder_cls, separators=(",", ":"), ensure_ascii=False)
    finally:
        registry._encoder_mode = False


def load_snapshot(snapshot: str | dict, spec, subprocess_specs) -> tuple[BpmnWorkflow, dict]:
    """Restore a workflow (and the engine's bookkeeping) from a snapshot, given its specs.

    Restoring creates task objects, which read the clock: call it inside a command scope.
    """
    body = json.loads(snapshot) if isinstance(snapshot, str) else snapshot
    if body.get("format") != SNAPSHOT_FORMAT:
        raise ValueError(f"unknown snapshot format {body.get('format')!r}")
    workflow = _SERIALIZER.from_dict(body["workflow"], spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = SCRIPT_ENGINE
    return workflow, body["engine"]


def state_digest(snapshot: str) -> str:
    """The sha256 of a snapshot: what every event records about the state it produced."""
    return hashlib.sha256(snapshot.encode("utf-8")).hexdigest()


def to_jsonable(value: Any) -> Any:
    """Task data as plain JSON values: dates as ISO strings, Decimals as strings."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items() if not callable(v)}
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
