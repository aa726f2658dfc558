"""The process as its BPMN diagram lays it out, and the path one claim took through it.

:func:`read_process_model` reads a process's flow nodes and sequence flows from a BPMN file with
their diagram geometry (shapes, edge waypoints, label bounds). :func:`claim_step_states` turns a
claim's recorded engine steps and what waits now into the (completed, current) element ids, and
:func:`claim_flows_taken` gives the flows the claim actually went along, so that loops are not
shown as taken (:func:`claim_path` gives all three in one walk). Drawing the model is
:mod:`workflows.diagram_svg`'s job. A model is read once per file and process and kept by the
worker: a deployed process version never changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"

ACTIVITIES = {
    "task",
    "userTask",
    "scriptTask",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "manualTask",
    "businessRuleTask",
    "callActivity",
    "subProcess",
}
EVENTS = {"startEvent", "endEvent", "intermediateThrowEvent", "intermediateCatchEvent", "boundaryEvent"}
GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway"}
FLOW_NODES = ACTIVITIES | EVENTS | GATEWAYS
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
# Processes whose model a worker keeps (a deployed version's file never changes; each version has
# a few processes): the claim page and replay read the same model many times per request.
MODEL_CACHE_SIZE = 32


@dataclass(frozen=True)
class Box:
    """A rectangle in diagram coordinates."""

    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def overlap(self, other: Box) -> float:
        """The area this box shares with ``other``."""
        dx = min(self.x + self.w, other.x + other.w) - max(self.x, other.x)
        dy = min(self.y + self.h, other.y + other.h) - max(self.y, other.y)
        return dx * dy if dx > 0 and dy > 0 else 0.0


@dataclass(frozen=True)
class Node:
    """A flow node of the process with its shape."""

    id: str
    kind: str  # the BPMN tag: userTask, boundaryEvent, eventBasedGateway, ...
    name: str
    box: Box
    label: Box | None  # BPMNLabel bounds
    event: str | None  # the first event definition: message, timer, terminate, ...
    throwing: bool
    interrupting: bool
    called_element: str | None
    messages: tuple[str, ...]  # names of the messages the node waits for or throws


@dataclass(frozen=True)
class Flow:
    """A sequence flow with its waypoints."""

    id: str
    name: str
    source: str
    target: str
    points: tuple[tuple[float, float], ...]
    label: Box | None
    is_default: bool
    condition: str | None = None  # the condition expression's text, as SpiffWorkflow reads it


@dataclass(frozen=True)
class ProcessModel:
    """What the drawing needs of one process: its name, nodes and flows in document order.

    Read-only (the mappings cannot be changed): one model is shared by every caller in the process.
    """

    id: str
    name: str
    nodes: Mapping[str, Node]
    flows: Mapping[str, Flow]


@lru_cache(maxsize=MODEL_CACHE_SIZE)
def read_process_model(bpmn_xml: bytes, process_id: str) -> ProcessModel:
    """The nodes and flows of ``process_id`` in ``bpmn_xml`` with their diagram geometry.

    Read once per file and process and then kept (a few per worker): the same bytes always give
    the same model, and the model is read-only. Raises ValueError when the file has no such
    process or a flow node has no diagram shape.
    """
    root = etree.fromstring(bpmn_xml, _PARSER)
    processes = {p.get("id"): p for p in root.iter(f"{{{BPMN}}}process")}
    if process_id not in processes:
        known = ", ".join(sorted(str(p) for p in processes)) or "none"
        raise ValueError(f"no process '{process_id}' in this BPMN file (its processes: {known})")
    process = processes[process_id]
    shapes = {s.get("bpmnElement"): s for s in root.iter(f"{{{BPMNDI}}}BPMNShape")}
    edges = {e.get("bpmnElement"): e for e in root.iter(f"{{{BPMNDI}}}BPMNEdge")}
    messages = {m.get("id"): m.get("name") or m.get("id") for m in root.iter(f"{{{BPMN}}}message")}
    defaults = {el.get("default") for el in process.iter() if el.get("default")}

    nodes: dict[str, Node] = {}
    for el in process.iter(*(f"{{{BPMN}}}{tag}" for tag in FLOW_NODES)):
        node_id, kind = el.get("id"), etree.QName(el).localname
        if node_id not in shapes:
            raise ValueError(f"{kind} '{node_id}' of process '{process_id}' has no shape in the diagram")
        definitions = [c for c in el if etree.QName(c).localname.endswith("EventDefinition")]
        refs = [el.get("messageRef")] + [d.get("messageRef") for d in definitions]
        nodes[node_id] = Node(
            id=node_id,
            kind=kind,
            name=" ".join((el.get("name") or "").split()),
            box=_bounds(shapes[node_id]),
            label=_label_bounds(shapes[node_id]),
            event=etree.QName(definitions[0]).localname.removesuffix("EventDefinition")
            if definitions
            else None,
            throwing=kind in ("intermediateThrowEvent", "endEvent"),
            interrupting=el.get("cancelActivity") != "false",
            called_element=el.get("calledElement"),
            messages=tuple(messages.get(ref, ref) for ref in refs if ref),
        )
    flows: dict[str, Flow] = {}
    for el in process.iter(f"{{{BPMN}}}sequenceFlow"):
        flow_id, source, target = el.get("id"), el.get("sourceRef"), el.get("targetRef")
        edge = edges.get(flow_id)
        if edge is not None:
            points = tuple((float(p.get("x")), float(p.get("y"))) for p in edge.iter(f"{{{DI}}}waypoint"))
        else:  # an edge the file does not draw: a straight line between the shapes' centres
            points = (
                (nodes[source].box.cx, nodes[source].box.cy),
                (nodes[target].box.cx, nodes[target].box.cy),
            )
        label = _label_bounds(edge) if edge is not None else None
        name = " ".join((el.get("name") or "").split())
        condition = el.find(f"{{{BPMN}}}conditionExpression")
        flows[flow_id] = Flow(
            flow_id,
            name,
            source,
            target,
            points,
            label,
            flow_id in defaults,
            condition.text if condition is not None else None,
        )
    name = (process.get("name") or process_id).strip()
    return ProcessModel(process_id, name, MappingProxyType(nodes), MappingProxyType(flows))


def _event_kind(definition) -> str:
    return etree.QName(definition).localname.removesuffix("EventDefinition")


def _bounds(element) -> Box:
    b = element.find(f"{{{DC}}}Bounds")
    return Box(float(b.get("x")), float(b.get("y")), float(b.get("width")), float(b.get("height")))


def _label_bounds(element) -> Box | None:
    label = element.find(f"{{{BPMNDI}}}BPMNLabel")
    return _bounds(label) if label is not None and label.find(f"{{{DC}}}Bounds") is not None else None


# --- a claim's steps -----------------------------------------------------------------------------


def claim_step_states(
    steps: list[dict[str, Any]],
    ready_task_names: set[str],
    waiting_names: set[str],
    *,
    bpmn_xml: bytes | None = None,
    process_id: str | None = None,
) -> tuple[set[str], set[str]]:
    """The (completed, current) element ids of the main process for a claim's whole history.

    ``steps`` are the engine's step records of every command since the claim started, in order
    (``{"task": bpmn id, "process": process id, "type": ...}``); the main process is
    ``process_id`` or else the process of the first step. ``ready_task_names`` are the ready
    tasks' names now (``ReadyTask.name``); ``waiting_names`` is what else waits now: the pending
    timers' names (element ids) and ``Outcome.waiting_messages`` (message names).

    A call activity is current while the process it calls has run steps without reaching its
    end, and completed once it has. Pass the main process's ``bpmn_xml`` so that message names
    resolve to the elements waiting for them (an event-based gateway, not its events, is what
    waits) and call activities are found by ``calledElement``; without it, names are taken as
    element ids and a called process's call activity as the one with the same id. An element that
    ran before and waits again (a loop) is current only: the two sets never overlap.
    """
    main = process_id or (steps[0].get("process") if steps else None)
    model = read_process_model(bpmn_xml, main) if bpmn_xml is not None and main else None
    completed, current, _ = _walk(steps, main, model, set(ready_task_names) | set(waiting_names))
    return completed - current, current


def claim_flows_taken(
    steps: list[dict[str, Any]],
    ready_task_names: set[str],
    waiting_names: set[str],
    *,
    bpmn_xml: bytes,
    process_id: str | None = None,
    chosen: Mapping[str, Sequence[str | None]] | None = None,
) -> set[str]:
    """The sequence flows of the main process that the claim actually took, from its step order.

    Same arguments as :func:`claim_step_states`. Each time an element is reached, the flow taken
    is the incoming one whose source completed last; pass the result to
    :func:`workflows.diagram_svg.render_process_svg` as ``taken_flows`` so that a loop back (say
    "Return to review") is not drawn as taken just because both of its ends ran at some point.

    ``chosen`` (:func:`workflows.gateway_choices.gateway_choices`) names, for each exclusive
    gateway, the flow it took each time it ran; the n-th time a gateway completes in ``steps`` is
    its n-th choice. With it, of two flows that join the same gateway and element ("Complete" and
    "Incomplete after five requests") only the one taken is; without it (or where a choice is
    unknown) both are, since the steps do not say which condition held.
    """
    main = process_id or (steps[0].get("process") if steps else None)
    if main is None:
        return set()
    model = read_process_model(bpmn_xml, main)
    return _walk(steps, main, model, set(ready_task_names) | set(waiting_names), chosen)[2]


@dataclass(frozen=True)
class ClaimPath:
    """Where a claim is on its main process: elements completed and current, and the flows taken."""

    completed: frozenset[str]
    current: frozenset[str]
    taken: frozenset[str]


def claim_path(
    steps: list[dict[str, Any]],
    ready_task_names: set[str],
    waiting_names: set[str],
    *,
    bpmn_xml: bytes,
    process_id: str | None = None,
    chosen: Mapping[str, Sequence[str | None]] | None = None,
) -> ClaimPath:
    """What :func:`claim_step_states` and :func:`claim_flows_taken` give, in one walk of the steps
    (a drawing needs both). Same arguments as theirs."""
    main = process_id or (steps[0].get("process") if steps else None)
    model = read_process_model(bpmn_xml, main) if main else None
    waiting = set(ready_task_names) | set(waiting_names)
    completed, current, taken = _walk(steps, main, model, waiting, chosen)
    return ClaimPath(frozenset(completed - current), frozenset(current), frozenset(taken))


def _walk(
    steps, main, model: ProcessModel | None, waiting: set[str], chosen=None
) -> tuple[set[str], set[str], set[str]]:
    """Completed elements, current ones and the flows taken, replaying the steps in order."""
    calls = {n.called_element: n.id for n in model.nodes.values() if n.called_element} if model else {}
    flows_into: dict[str, list[Flow]] = {}  # element -> its incoming flows, in document order
    for flow in model.flows.values() if model else ():
        flows_into.setdefault(flow.target, []).append(flow)
    completed: set[str] = set()
    running: set[str] = set()
    done_at: dict[str, int] = {}  # element -> index of the step that last completed it
    taken: set[str] = set()
    runs: dict[str, int] = {}  # element -> how many times it completed
    chosen = chosen or {}

    def choice(gateway: str) -> str | None:
        """The flow the gateway took the last time it ran, if known."""
        made = chosen.get(gateway, ())
        return made[runs[gateway] - 1] if 0 < runs.get(gateway, 0) <= len(made) else None

    def reached(element: str) -> None:
        if model is None:
            return
        incoming = [f for f in flows_into.get(element, ()) if f.source in done_at]
        if incoming:
            last = max(done_at[f.source] for f in incoming)
            latest = [f for f in incoming if done_at[f.source] == last]
            # Two flows between the same pair of elements cannot be told apart by the steps: the
            # gateway's recorded choice tells them apart, else both are taken.
            picked = [f for f in latest if f.id == choice(f.source)]
            taken.update(f.id for f in picked or latest)

    ended: set[str] = set()  # call activities whose process ended, before their own step
    for index, step in enumerate(steps):
        process, element = step.get("process", main), step["task"]
        if process != main:  # a step inside a called process: its call activity runs or ends
            element = calls.get(process, process)
            if element not in running and element not in ended:
                reached(element)
            if step.get("type") != "EndEvent":
                running.add(element)
                continue
            ended.add(element)
        elif element in ended:
            ended.discard(element)
        elif element not in running:
            reached(element)
        running.discard(element)
        completed.add(element)
        done_at[element] = index
        runs[element] = runs.get(element, 0) + 1
    current = set(running)
    for name in waiting:
        current |= _waiting_elements(model, name) if model else {name}
    for element in current - running:
        reached(element)
    return completed, current, taken


def _waiting_elements(model: ProcessModel, name: str) -> set[str]:
    """The elements of ``model`` that wait under ``name``, an element id or a message name."""
    found = {n.id for n in model.nodes.values() if n.id == name or (name in n.messages and not n.throwing)}
    after_gateway = {
        f.target: f.source
        for f in model.flows.values()
        if f.target in found and model.nodes[f.source].kind == "eventBasedGateway"
    }
    return {after_gateway.get(node_id, node_id) for node_id in found}
