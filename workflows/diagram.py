"""Process diagrams: a BPMN file's own layout drawn as inline SVG, with one claim's steps marked.

The drawing uses only the diagram information in the file (shapes, edge waypoints, label
bounds), so officers and auditors see the process as its authors laid it out. Every element is a
group with ``data-element-id``, ``data-state`` (completed, current, not-reached) and a ``<title>``
for tooltips; colours are attributes, so the picture needs no stylesheet and no JavaScript.

:func:`claim_step_states` turns a claim's recorded engine steps and what waits now into the
(completed, current) sets that :func:`render_process_svg` highlights; :func:`claim_flows_taken`
gives the flows the claim actually went along, so that loops are not shown as taken.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
SVG = "http://www.w3.org/2000/svg"

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

# Text is near-black on every fill (contrast above 11:1); strokes keep at least 3:1 against white.
TEXT = "#1a1a1a"
STATE_STYLE = {  # state: (fill, stroke, extra stroke width, words for people)
    "completed": ("#d9f2e1", "#1e6b3a", 0.0, "completed"),
    "current": ("#ffd45c", "#8a4b00", 1.5, "waiting now"),
    "not-reached": ("#ffffff", "#5f6368", 0.0, "not reached"),
}
FLOW_TAKEN, FLOW_OTHER = "#14532d", "#767676"
FONT = "Arial, 'Liberation Sans', 'DejaVu Sans', Helvetica, sans-serif"
TASK_FONT, LABEL_FONT, LINE = 12.0, 11.0, 1.2  # px, px, line height in em
MARGIN, HEADER = 20.0, 40.0
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


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


@dataclass(frozen=True)
class ProcessModel:
    """What the drawing needs of one process: its name, nodes and flows in document order."""

    id: str
    name: str
    nodes: dict[str, Node]
    flows: dict[str, Flow]


def read_process_model(bpmn_xml: bytes, process_id: str) -> ProcessModel:
    """The nodes and flows of ``process_id`` in ``bpmn_xml`` with their diagram geometry.

    Raises ValueError when the file has no such process or a flow node has no diagram shape.
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
        flows[flow_id] = Flow(flow_id, name, source, target, points, label, flow_id in defaults)
    return ProcessModel(process_id, (process.get("name") or process_id).strip(), nodes, flows)


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
) -> set[str]:
    """The sequence flows of the main process that the claim actually took, from its step order.

    Same arguments as :func:`claim_step_states`. Each time an element is reached, the flow taken
    is the incoming one whose source completed last (both, when two flows join the same two
    elements: the steps do not say which condition held); pass the result to
    :func:`render_process_svg` as ``taken_flows`` so that a loop back (say "Return to review")
    is not drawn as taken just because both of its ends ran at some point.
    """
    main = process_id or (steps[0].get("process") if steps else None)
    if main is None:
        return set()
    model = read_process_model(bpmn_xml, main)
    return _walk(steps, main, model, set(ready_task_names) | set(waiting_names))[2]


def _walk(steps, main, model: ProcessModel | None, waiting: set[str]) -> tuple[set[str], set[str], set[str]]:
    """Completed elements, current ones and the flows taken, replaying the steps in order."""
    calls = {n.called_element: n.id for n in model.nodes.values() if n.called_element} if model else {}
    completed: set[str] = set()
    running: set[str] = set()
    done_at: dict[str, int] = {}  # element -> index of the step that last completed it
    taken: set[str] = set()

    def reached(element: str) -> None:
        if model is None:
            return
        incoming = [f for f in model.flows.values() if f.target == element and f.source in done_at]
        if incoming:
            # Two flows between the same pair of elements cannot be told apart by the steps: both.
            last = max(done_at[f.source] for f in incoming)
            taken.update(f.id for f in incoming if done_at[f.source] == last)

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


# --- drawing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Label:
    lines: list[str]
    x: float  # anchor x
    y: float  # top of the first line
    anchor: str  # start, middle, end
    size: float

    @property
    def box(self) -> Box:
        width = max(text_width(line, self.size) for line in self.lines)
        left = {"start": self.x, "middle": self.x - width / 2, "end": self.x - width}[self.anchor]
        return Box(left, self.y, width, len(self.lines) * self.size * LINE)


def render_process_svg(
    bpmn_xml: bytes,
    process_id: str,
    completed: Iterable[str] = (),
    current: Iterable[str] = (),
    title: str | None = None,
    *,
    taken_flows: Iterable[str] | None = None,
) -> str:
    """A standalone ``<svg>`` of ``process_id`` drawn from the file's diagram, steps highlighted.

    ``completed`` elements are light green, ``current`` ones (waiting now) amber with a thicker
    border; an id in both is current. The flows in ``taken_flows`` (see
    :func:`claim_flows_taken`) are drawn darker; without it, the flows from a completed element
    to a completed or current one are. Ids not in the diagram are ignored (a called process's
    tasks, say). Raises ValueError for an unknown ``process_id``.
    """
    model = read_process_model(bpmn_xml, process_id)
    current_ids = set(current) & set(model.nodes)
    completed_ids = (set(completed) & set(model.nodes)) - current_ids
    states = {
        i: "current" if i in current_ids else "completed" if i in completed_ids else "not-reached"
        for i in model.nodes
    }
    labels = _place_labels(model)

    body = etree.Element(f"{{{SVG}}}g")
    taken_ids = (
        set(taken_flows)
        if taken_flows is not None
        else {
            f.id
            for f in model.flows.values()
            if f.source in completed_ids and states[f.target] != "not-reached"
        }
    )
    for flow in model.flows.values():
        taken = flow.id in taken_ids
        _draw_flow(body, model, flow, taken, labels.get(flow.id))
    for node in sorted(model.nodes.values(), key=lambda n: n.kind == "boundaryEvent"):  # on their hosts
        _draw_node(body, node, states[node.id], labels.get(node.id), _text_bottom(model, node))

    boxes = [n.box for n in model.nodes.values()] + [label.box for label in labels.values()]
    boxes += [e.label for e in [*model.nodes.values(), *model.flows.values()] if e.label]
    boxes += [Box(x, y, 0, 0) for f in model.flows.values() for x, y in f.points]
    left = min(b.x for b in boxes) - MARGIN
    top = min(b.y for b in boxes) - MARGIN
    right = max(b.x + b.w for b in boxes) + MARGIN
    bottom = max(b.y + b.h for b in boxes) + MARGIN
    highlighted = bool(completed_ids or current_ids)
    header = etree.Element(f"{{{SVG}}}g", {"class": "bpmn-header"})
    if title or highlighted:
        top -= HEADER
        right = max(right, _draw_header(header, left + MARGIN, top + MARGIN, title, highlighted) + MARGIN)
    width, height = right - left, bottom - top

    summary = f"Process diagram: {title or model.name}."
    if highlighted:
        waiting = ", ".join(model.nodes[i].name or i for i in model.nodes if i in current_ids) or "nothing"
        summary += f" {len(completed_ids)} steps completed; waiting now at: {waiting}."
    svg = etree.Element(
        f"{{{SVG}}}svg",
        nsmap={None: SVG},
        attrib={
            "viewBox": f"{_n(left)} {_n(top)} {_n(width)} {_n(height)}",
            "width": "100%",
            # Shrunk much below its own size the text is too small to read: the page should scroll.
            "style": f"min-width:{_n(width * 0.8)}px;max-width:{_n(width * 1.5)}px;height:auto",
            "role": "img",
            "aria-label": summary,
            "class": "bpmn-diagram",
            "data-process-id": model.id,
            "font-family": FONT,
        },
    )
    _sub(svg, "title").text = summary
    _sub(svg, "rect", x=left, y=top, width=width, height=height, fill="#ffffff")
    svg.append(header)
    svg.append(body)
    return etree.tostring(svg, encoding="unicode")


def _text_bottom(model: ProcessModel, node: Node) -> float:
    """Where a task's name must end: above any boundary event sitting on its lower edge."""
    b = node.box
    tops = [
        e.box.y - 2
        for e in model.nodes.values()
        if e.kind == "boundaryEvent" and e.box.overlap(b) > 0 and e.box.y > b.cy
    ]
    return min(tops, default=b.y + b.h)


def _draw_header(parent, x: float, y: float, title: str | None, legend: bool) -> float:
    """The title and the colour key at the top; returns the right end of what it drew."""
    baseline = y + 14
    if title:
        _text(parent, [title], x, y, "start", 15, weight="bold")
        x += text_width(title, 15) * 1.08 + 24  # bold is wider than the estimate
    if legend:
        for fill, stroke, extra, words in STATE_STYLE.values():
            _sub(
                parent,
                "rect",
                x=x,
                y=baseline - 11,
                width=22,
                height=14,
                rx=3,
                fill=fill,
                stroke=stroke,
                stroke_width=1.5 + extra,
            )
            label = words[0].upper() + words[1:]
            _text(parent, [label], x + 28, y + 1, "start", 12)
            x += 28 + text_width(label, 12) + 20
    return x


def _place_labels(model: ProcessModel) -> dict[str, _Label]:
    """Where each external label goes: its BPMNLabel bounds (or below the shape), unless the text
    there would cover another label or a shape or be crossed by a flow and a place beside the
    element is clear. Flow names without bounds go beside the middle of the longest segment."""
    shapes = [n.box for n in model.nodes.values()]
    segments = [
        (f.id, _segment_box(a, b)) for f in model.flows.values() for a, b in itertools.pairwise(f.points)
    ]
    placed: list[Box] = []
    labels: dict[str, _Label] = {}

    def choose(owner: str, own: Box | None, candidates: list[_Label], given: bool) -> None:
        def cost(index: int, label: _Label) -> float:
            box = label.box
            hard = sum(box.overlap(b) for b in placed) + sum(box.overlap(s) for s in shapes if s != own)
            crossings = sum(1 for fid, s in segments if fid != owner and box.overlap(s) > 0)
            return hard * 10 + crossings * 100 + index * 30

        best = min(enumerate(candidates), key=lambda pair: (cost(*pair), pair[0]))[1]
        placed.append(best.box)
        labels[owner] = best

    for node in sorted(model.nodes.values(), key=lambda n: n.kind == "boundaryEvent"):
        if node.kind in ACTIVITIES or not node.name:
            continue
        b = node.box
        width = max(node.label.w if node.label else 100, _longest_word(node.name, LABEL_FONT))
        lines = wrap(node.name, width, LABEL_FONT)
        height = len(lines) * LABEL_FONT * LINE
        first = (
            _Label(lines, node.label.cx, node.label.y, "middle", LABEL_FONT)
            if node.label
            else _Label(lines, b.cx, b.y + b.h + 4, "middle", LABEL_FONT)
        )
        candidates = [
            first,  # then below left, below right, above
            _Label(lines, b.cx - 8, b.y + b.h + 2, "end", LABEL_FONT),
            _Label(lines, b.cx + 8, b.y + b.h + 2, "start", LABEL_FONT),
            _Label(lines, b.cx, b.y - 4 - height, "middle", LABEL_FONT),
        ]
        choose(node.id, b, candidates, given=node.label is not None)
    for flow in model.flows.values():
        if not flow.name:
            continue
        if flow.label:
            lines = wrap(flow.name, max(flow.label.w, _longest_word(flow.name, LABEL_FONT)), LABEL_FONT)
            choose(flow.id, None, [_Label(lines, flow.label.cx, flow.label.y, "middle", LABEL_FONT)], True)
            continue
        candidates = []
        for x, y, dx, dy in _segment_spots(flow.points):
            if abs(dx) >= abs(dy):  # horizontal: above the line, else below
                lines = wrap(flow.name, max(abs(dx) - 10, 120), LABEL_FONT)
                height = len(lines) * LABEL_FONT * LINE
                candidates += [
                    _Label(lines, x, y - 3 - height, "middle", LABEL_FONT),
                    _Label(lines, x, y + 3, "middle", LABEL_FONT),
                ]
            else:  # vertical: beside the line, right then left
                lines = wrap(flow.name, 110, LABEL_FONT)
                top = y - len(lines) * LABEL_FONT * LINE / 2
                candidates += [
                    _Label(lines, x + 5, top, "start", LABEL_FONT),
                    _Label(lines, x - 5, top, "end", LABEL_FONT),
                ]
        choose(flow.id, None, candidates, given=False)
    return labels


def _segment_box(a: tuple[float, float], b: tuple[float, float]) -> Box:
    return Box(min(a[0], b[0]) - 1, min(a[1], b[1]) - 1, abs(a[0] - b[0]) + 2, abs(a[1] - b[1]) + 2)


def _segment_spots(points) -> list[tuple[float, float, float, float]]:
    """Places for a flow's name and the direction there: the middles of its two longest segments,
    then points a third of the way along them (where another flow crosses the middle)."""
    pairs = sorted(itertools.pairwise(points), key=lambda p: -math.dist(*p))[:2]
    return [
        (x1 + (x2 - x1) * t, y1 + (y2 - y1) * t, x2 - x1, y2 - y1)
        for t in (0.5, 0.33, 0.67)
        for (x1, y1), (x2, y2) in pairs
    ]


def _group(parent, element_id: str, css: str, tooltip: str, state: str | None = None):
    group = _sub(parent, "g", {"class": css, "data-element-id": element_id})
    if state:
        group.set("data-state", state)
    _sub(group, "title").text = tooltip
    return group


def _draw_flow(parent, model: ProcessModel, flow: Flow, taken: bool, label: _Label | None) -> None:
    source, target = model.nodes[flow.source], model.nodes[flow.target]
    path = f"from {source.name or source.id} to {target.name or target.id}"
    tooltip = f"{flow.name}: {path}" if flow.name else path
    group = _group(parent, flow.id, f"bpmn-flow {'flow-taken' if taken else 'flow-other'}", tooltip)
    colour, width = (FLOW_TAKEN, 2.5) if taken else (FLOW_OTHER, 1.5)
    points = list(flow.points)
    (x1, y1), (x2, y2) = points[-2], points[-1]
    length = math.dist((x1, y1), (x2, y2)) or 1.0
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    points[-1] = (x2 - ux * 6, y2 - uy * 6)  # the line stops inside the arrowhead, not at its tip
    _sub(
        group,
        "polyline",
        points=" ".join(f"{_n(x)},{_n(y)}" for x, y in points),
        fill="none",
        stroke=colour,
        stroke_width=width,
        stroke_linejoin="round",
    )
    head = [
        (x2, y2),
        (x2 - ux * 11 - uy * 4.5, y2 - uy * 11 + ux * 4.5),
        (x2 - ux * 11 + uy * 4.5, y2 - uy * 11 - ux * 4.5),
    ]
    _sub(group, "polygon", points=" ".join(f"{_n(x)},{_n(y)}" for x, y in head), fill=colour)
    if flow.is_default:  # BPMN's default-flow slash near the source
        (sx, sy), (nx, ny) = flow.points[0], flow.points[1]
        d = math.dist((sx, sy), (nx, ny)) or 1.0
        mx, my = sx + (nx - sx) / d * 10, sy + (ny - sy) / d * 10
        _sub(group, "line", x1=mx - 5, y1=my - 5, x2=mx + 5, y2=my + 5, stroke=colour, stroke_width=width)
    if label:
        _text(group, label.lines, label.x, label.y, label.anchor, label.size, halo=True)


def _draw_node(parent, node: Node, state: str, label: _Label | None, text_bottom: float) -> None:
    fill, stroke, extra, words = STATE_STYLE[state]
    kind_words = re.sub(r"(?<!^)([A-Z])", r" \1", node.kind).lower()
    if node.event in ("message", "timer") and node.kind != "startEvent":
        kind_words = f"{node.event} {kind_words}"
    tooltip = f"{node.name or node.id} ({kind_words}): {words}"
    group = _group(parent, node.id, f"bpmn-node bpmn-{node.kind} state-{state}", tooltip, state)
    sw = 1.5 + extra
    if node.kind in ACTIVITIES:
        _draw_activity(group, node, fill, stroke, sw, text_bottom)
    elif node.kind in EVENTS:
        _draw_event(group, node, fill, stroke, sw)
    else:
        _draw_gateway(group, node, fill, stroke, sw)
    if label:
        _text(group, label.lines, label.x, label.y, label.anchor, label.size, halo=True)


def _draw_activity(group, node: Node, fill: str, stroke: str, sw: float, text_bottom: float) -> None:
    b = node.box
    thick = node.kind == "callActivity"
    _sub(
        group,
        "rect",
        x=b.x,
        y=b.y,
        width=b.w,
        height=b.h,
        rx=10,
        fill=fill,
        stroke=stroke,
        stroke_width=sw + 2.5 if thick else sw,
    )
    x, y = b.x + 7, b.y + 7
    glyph = _sub(group, "g", {"aria-hidden": "true"}, fill="none", stroke=stroke, stroke_width=1.3)
    marked = True
    if node.kind == "userTask":
        _sub(glyph, "circle", cx=x + 8, cy=y + 4.5, r=3.8)
        _sub(glyph, "path", d=f"M{_n(x)},{_n(y + 17)} c0,-5.5 3.5,-8 8,-8 s8,2.5 8,8 z")
    elif node.kind == "scriptTask":
        _text(glyph, ["S"], x + 1, y - 2, "start", 14, weight="bold", colour=stroke)
    elif node.kind == "businessRuleTask":
        _sub(glyph, "rect", x=x, y=y, width=18, height=13)
        _sub(glyph, "rect", x=x, y=y, width=18, height=4, fill=stroke)
        _sub(glyph, "path", d=f"M{_n(x)},{_n(y + 8.5)} h18 M{_n(x + 6)},{_n(y + 4)} v9")
    elif node.kind in ("receiveTask", "sendTask"):
        _envelope(glyph, x + 9, y + 6, 18, 12, stroke, fill, filled=node.kind == "sendTask")
    else:
        marked = False
    if thick or node.kind == "subProcess":  # collapsed: the "+" marker at the bottom
        m = _sub(group, "g", {"aria-hidden": "true"}, fill="none", stroke=stroke, stroke_width=1.5)
        _sub(m, "rect", x=b.cx - 7, y=b.y + b.h - 18, width=14, height=14)
        _sub(m, "path", d=f"M{_n(b.cx - 4)},{_n(b.y + b.h - 11)} h8 M{_n(b.cx)},{_n(b.y + b.h - 15)} v8")
    top = b.y + (24 if marked else 6)
    bottom = min(b.y + b.h - (20 if thick else 6), text_bottom)
    size = TASK_FONT
    lines = wrap(node.name, b.w - 12, size)
    # A long name or word is set smaller rather than broken or clipped, down to 9 px.
    while size > 9 and (len(lines) * size * LINE > bottom - top or _longest_word(node.name, size) > b.w - 12):
        size -= 0.5
        lines = wrap(node.name, b.w - 12, size)
    height = len(lines) * size * LINE
    _text(group, lines, b.cx, max(top, (top + bottom - height) / 2), "middle", size)


def _draw_event(group, node: Node, fill: str, stroke: str, sw: float) -> None:
    b = node.box
    r = min(b.w, b.h) / 2
    dash = {} if node.interrupting else {"stroke_dasharray": "5 3"}
    if node.kind == "endEvent":
        _sub(group, "circle", cx=b.cx, cy=b.cy, r=r - 1.5, fill=fill, stroke=stroke, stroke_width=sw + 2.5)
    elif node.kind == "startEvent":
        _sub(group, "circle", cx=b.cx, cy=b.cy, r=r, fill=fill, stroke=stroke, stroke_width=sw, **dash)
    else:  # intermediate and boundary events: a double ring
        _sub(group, "circle", cx=b.cx, cy=b.cy, r=r, fill=fill, stroke=stroke, stroke_width=sw, **dash)
        _sub(
            group, "circle", cx=b.cx, cy=b.cy, r=r - 3.5, fill="none", stroke=stroke, stroke_width=1.2, **dash
        )
    glyph = _sub(group, "g", {"aria-hidden": "true"})
    if node.event == "message":
        _envelope(glyph, b.cx, b.cy, r * 1.0, r * 0.68, stroke, fill, filled=node.throwing)
    elif node.event == "timer":
        rr = r * 0.6
        _sub(glyph, "circle", cx=b.cx, cy=b.cy, r=rr, fill="#ffffff", stroke=stroke, stroke_width=1.5)
        ticks = " ".join(
            f"M{_n(b.cx + math.cos(a) * rr * 0.78)},{_n(b.cy + math.sin(a) * rr * 0.78)} "
            f"L{_n(b.cx + math.cos(a) * rr)},{_n(b.cy + math.sin(a) * rr)}"
            for a in (i * math.pi / 6 for i in range(12))
        )
        hands = (
            f"M{_n(b.cx)},{_n(b.cy - rr * 0.7)} L{_n(b.cx)},{_n(b.cy)} "
            f"L{_n(b.cx + rr * 0.5)},{_n(b.cy + rr * 0.1)}"
        )
        _sub(glyph, "path", d=f"{ticks} {hands}", fill="none", stroke=stroke, stroke_width=1.2)
    elif node.event == "terminate":
        _sub(glyph, "circle", cx=b.cx, cy=b.cy, r=r * 0.55, fill=stroke)


def _draw_gateway(group, node: Node, fill: str, stroke: str, sw: float) -> None:
    b = node.box
    diamond = (
        f"{_n(b.cx)},{_n(b.y)} {_n(b.x + b.w)},{_n(b.cy)} {_n(b.cx)},{_n(b.y + b.h)} {_n(b.x)},{_n(b.cy)}"
    )
    _sub(group, "polygon", points=diamond, fill=fill, stroke=stroke, stroke_width=sw, stroke_linejoin="round")
    glyph = _sub(group, "g", {"aria-hidden": "true"}, fill="none", stroke=stroke)
    s = b.w * 0.17
    if node.kind in ("exclusiveGateway", "complexGateway"):
        _sub(
            glyph,
            "path",
            d=f"M{_n(b.cx - s)},{_n(b.cy - s)} l{_n(2 * s)},{_n(2 * s)} "
            f"M{_n(b.cx + s)},{_n(b.cy - s)} l{_n(-2 * s)},{_n(2 * s)}",
            stroke_width=3.5,
        )
    if node.kind in ("parallelGateway", "complexGateway"):
        s = b.w * 0.22
        _sub(
            glyph,
            "path",
            d=f"M{_n(b.cx - s)},{_n(b.cy)} h{_n(2 * s)} M{_n(b.cx)},{_n(b.cy - s)} v{_n(2 * s)}",
            stroke_width=3.5,
        )
    elif node.kind == "inclusiveGateway":
        _sub(glyph, "circle", cx=b.cx, cy=b.cy, r=b.w * 0.24, stroke_width=2.5)
    elif node.kind == "eventBasedGateway":
        _sub(glyph, "circle", cx=b.cx, cy=b.cy, r=b.w * 0.27, stroke_width=1.2)
        _sub(glyph, "circle", cx=b.cx, cy=b.cy, r=b.w * 0.22, stroke_width=1.2)
        pr = b.w * 0.13
        pentagon = " ".join(
            f"{_n(b.cx + pr * math.sin(i * 2 * math.pi / 5))},{_n(b.cy - pr * math.cos(i * 2 * math.pi / 5))}"
            for i in range(5)
        )
        _sub(glyph, "polygon", points=pentagon, stroke_width=1.5, stroke_linejoin="round")


def _envelope(parent, cx: float, cy: float, w: float, h: float, stroke: str, fill: str, filled: bool) -> None:
    x, y = cx - w / 2, cy - h / 2
    _sub(
        parent,
        "rect",
        x=x,
        y=y,
        width=w,
        height=h,
        fill=stroke if filled else fill,
        stroke=stroke,
        stroke_width=1.2,
    )
    _sub(
        parent,
        "polyline",
        points=f"{_n(x)},{_n(y)} {_n(cx)},{_n(cy + h * 0.1)} {_n(x + w)},{_n(y)}",
        fill="none",
        stroke=fill if filled else stroke,
        stroke_width=1.2,
    )


# --- SVG and text helpers ------------------------------------------------------------------------


def _sub(parent, tag: str, attrib: dict[str, str] | None = None, **attrs: Any):
    """A child element; ``stroke_width=2`` becomes ``stroke-width="2"``, numbers are trimmed."""
    element = etree.SubElement(parent, f"{{{SVG}}}{tag}", attrib or {})
    for key, value in attrs.items():
        element.set(key.replace("_", "-"), _n(value) if isinstance(value, int | float) else str(value))
    return element


def _text(
    parent,
    lines: list[str],
    x: float,
    top: float,
    anchor: str,
    size: float,
    *,
    weight: str | None = None,
    halo: bool = False,
    colour: str = TEXT,
) -> None:
    """Lines of text from ``top`` down; a white halo keeps labels legible where lines cross them."""
    text = _sub(parent, "text", x=x, y=top + size * 0.95, font_size=size, text_anchor=anchor, fill=colour)
    if weight:
        text.set("font-weight", weight)
    if halo:
        for key, value in (
            ("stroke", "#ffffff"),
            ("stroke-width", "3"),
            ("stroke-linejoin", "round"),
            ("paint-order", "stroke"),
        ):
            text.set(key, value)
    for i, line in enumerate(lines):
        _sub(text, "tspan", x=x, dy=0 if i == 0 else size * LINE).text = line


def _n(value: float) -> str:
    """A number as SVG text: at most two decimals, no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".") if round(value, 2) != int(value) else str(int(value))


_NARROW, _WIDE = set("ijlI.,:;'|!()[]{} `"), set("mwMW@%")


def text_width(text: str, size: float) -> float:
    """An estimate of ``text``'s width at ``size`` px in DejaVu Sans, the widest of our fonts."""
    units = 0.0
    for ch in text:
        if ch in _NARROW:
            units += 0.32
        elif ch in "frt":
            units += 0.42
        elif ch in _WIDE:
            units += 0.9
        elif ch.isupper():
            units += 0.7
        else:
            units += 0.6
    return units * size


def _longest_word(text: str, size: float) -> float:
    return max((text_width(word, size) for word in text.split()), default=0.0)


def wrap(text: str, max_width: float, size: float) -> list[str]:
    """``text`` broken into lines no wider than ``max_width``; a word too long is split."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        while len(word) > 1 and text_width(word, size) > max_width:
            cut = next((i for i in range(len(word) - 1, 0, -1) if text_width(word[:i], size) <= max_width), 1)
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{line} {word}" if line else word
        if line and text_width(candidate, size) > max_width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return lines + [line] if line else lines or [""]
