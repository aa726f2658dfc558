"""Drawing process diagrams: a BPMN file's own layout as inline SVG, with one claim's steps marked.

The drawing uses only the diagram information in the file (shapes, edge waypoints, label
bounds), so officers and auditors see the process as its authors laid it out. Every element is a
group with ``data-element-id``, ``data-state`` (completed, current, not-reached) and a ``<title>``
for tooltips; colours are attributes, so the picture needs no stylesheet and no JavaScript.

:func:`render_process_svg` draws the model that :func:`workflows.diagram.read_process_model` reads and
highlights the (completed, current) element ids and the flows taken that
:func:`workflows.diagram.claim_step_states` and :func:`workflows.diagram.claim_flows_taken` give.
:func:`focus_window` and :func:`with_view` crop a drawing's view around where a claim is, so that a
page opens on it (no script needed), while the whole drawing stays one link away.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lxml import etree

from .diagram import ACTIVITIES, EVENTS, Box, Flow, Node, ProcessModel, read_process_model
from .diagram_labels import (
    LINE,
    TASK_FONT,
    Label,
    longest_word_width,
    place_labels,
    task_name_bottom,
    text_width,
    wrap,
)

SVG = "http://www.w3.org/2000/svg"

# Text is near-black on every fill (contrast above 11:1); strokes keep at least 3:1 against white.
TEXT = "#1a1a1a"
STATE_STYLE = {  # state: (fill, stroke, extra stroke width, words for people)
    "completed": ("#d9f2e1", "#1e6b3a", 0.0, "completed"),
    "current": ("#ffd45c", "#8a4b00", 1.5, "waiting now"),
    "not-reached": ("#ffffff", "#5f6368", 0.0, "not reached"),
}
FLOW_TAKEN, FLOW_OTHER = "#14532d", "#767676"
FONT = "Arial, 'Liberation Sans', 'DejaVu Sans', Helvetica, sans-serif"
MARGIN, HEADER = 20.0, 40.0
# What a worker keeps (a deployed version never changes): the layout of a few dozen processes, and
# the drawn elements of the last DRAWING_CACHE_SIZE ways claims stood on them (about 60 KB each
# for the fund's main process).
LAYOUT_CACHE_SIZE, DRAWING_CACHE_SIZE = 32, 128
# The window a page opens the drawing on (focus_window): it fits the claim page's diagram box (about
# 1,100 px wide) at the drawing's own size; a shape keeps this margin from the window's edge.
FOCUS_WIDTH, FOCUS_HEIGHT, FOCUS_MARGIN = 1060.0, 560.0, 60.0


def render_process_svg(
    bpmn_xml: bytes,
    process_id: str,
    completed: Iterable[str] = (),
    current: Iterable[str] = (),
    title: str | None = None,
    *,
    taken_flows: Iterable[str] | None = None,
    legend: Mapping[str, str] | None = None,
) -> str:
    """A standalone ``<svg>`` of ``process_id`` drawn from the file's diagram, steps highlighted.

    ``completed`` elements are light green, ``current`` ones (waiting now) amber with a thicker
    border; an id in both is current. The flows in ``taken_flows`` (see
    :func:`claim_flows_taken`) are drawn darker; without it, the flows from a completed element
    to a completed or current one are. Ids not in the diagram are ignored (a called process's
    tasks, say). Raises ValueError for an unknown ``process_id``.

    The worker keeps each process's layout and the drawn elements of the last few hundred ways a
    claim can stand on it, so that most claims' drawings only add their title and header.
    ``legend`` gives the colour key's words by state (``completed``, ``current``, ``not-reached``)
    in the reader's language; element names are drawn as the file writes them (a caller wanting
    them in another language gives a file with its names translated).
    """
    layout = _layout(bpmn_xml, process_id)
    model = layout.model
    current_ids = frozenset(current).intersection(model.nodes)
    completed_ids = frozenset(completed).intersection(model.nodes) - current_ids
    if taken_flows is not None:
        taken_ids = frozenset(taken_flows).intersection(model.flows)
    else:
        reached = completed_ids | current_ids
        taken_ids = frozenset(
            f.id for f in model.flows.values() if f.source in completed_ids and f.target in reached
        )
    elements = _drawn_elements(bpmn_xml, process_id, completed_ids, current_ids, taken_ids)

    left, top, right, bottom = layout.extent
    highlighted = bool(completed_ids or current_ids)
    header = etree.Element(f"{{{SVG}}}g", {"class": "bpmn-header"})
    if title or highlighted:
        top -= HEADER
        right = max(
            right, _draw_header(header, left + MARGIN, top + MARGIN, title, highlighted, legend) + MARGIN
        )
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
    _sub(svg, "g")  # where the drawn elements go: the last child, and the only empty <g> without attributes
    before, _, after = etree.tostring(svg, encoding="unicode").rpartition("<g/>")
    return before + elements + after


def focus_window(
    bpmn_xml: bytes,
    process_id: str,
    focus: Iterable[str],
    width: float = FOCUS_WIDTH,
    height: float = FOCUS_HEIGHT,
) -> tuple[float, float, float, float]:
    """The window (x, y, width, height in diagram units) a page opens the drawing on.

    ``width`` × ``height`` (more if the focus elements need it, less if the whole drawing is
    smaller), centred on the ``focus`` elements' shapes and kept inside the drawing: drawn at its
    own size, a page box about ``width`` pixels wide shows it whole and the focus in its middle,
    with no scrolling and no script. Without focus elements in the process, the window starts at
    the drawing's start.
    """
    layout = _layout(bpmn_xml, process_id)
    left, top, right, bottom = layout.extent
    boxes = [layout.model.nodes[i].box for i in focus if i in layout.model.nodes]
    if boxes:
        x1, y1 = min(b.x for b in boxes), min(b.y for b in boxes)
        x2, y2 = max(b.x + b.w for b in boxes), max(b.y + b.h for b in boxes)
    else:
        x1 = x2 = left + width / 2
        y1 = y2 = (top + bottom) / 2
    w = min(max(width, x2 - x1 + 2 * FOCUS_MARGIN), right - left)
    h = min(max(height, y2 - y1 + 2 * FOCUS_MARGIN), bottom - top)
    x = min(max((x1 + x2 - w) / 2, left), right - w)
    y = min(max((y1 + y2 - h) / 2, top), bottom - h)
    return x, y, w, h


def with_view(svg: str, window: tuple[float, float, float, float]) -> str:
    """``svg`` seen through ``window``: only the root's ``viewBox`` and size change (marked
    ``data-view="focus"``); what is drawn, its titles and labels stay."""
    x, y, w, h = window
    tag_end = svg.index(">")
    root = re.sub(r'viewBox="[^"]*"', f'viewBox="{_n(x)} {_n(y)} {_n(w)} {_n(h)}"', svg[:tag_end], count=1)
    size = f'style="min-width:{_n(w * 0.5)}px;max-width:{_n(w * 1.5)}px;height:auto"'
    return re.sub(r'style="[^"]*"', size, root, count=1) + ' data-view="focus"' + svg[tag_end:]


@dataclass(frozen=True)
class _Layout:
    """What a process's drawing needs that depends on the process alone."""

    model: ProcessModel
    labels: dict[str, Label]
    extent: tuple[float, float, float, float]  # left, top, right, bottom of it all, margins included


@lru_cache(maxsize=LAYOUT_CACHE_SIZE)
def _layout(bpmn_xml: bytes, process_id: str) -> _Layout:
    """The process's model, its labels placed (most of a drawing's work) and the area they cover."""
    model = read_process_model(bpmn_xml, process_id)
    labels = place_labels(model)
    boxes = [n.box for n in model.nodes.values()] + [label.box for label in labels.values()]
    boxes += [e.label for e in [*model.nodes.values(), *model.flows.values()] if e.label]
    boxes += [Box(x, y, 0, 0) for f in model.flows.values() for x, y in f.points]
    extent = (
        min(b.x for b in boxes) - MARGIN,
        min(b.y for b in boxes) - MARGIN,
        max(b.x + b.w for b in boxes) + MARGIN,
        max(b.y + b.h for b in boxes) + MARGIN,
    )
    return _Layout(model, labels, extent)


@lru_cache(maxsize=DRAWING_CACHE_SIZE)
def _drawn_elements(
    bpmn_xml: bytes,
    process_id: str,
    completed_ids: frozenset[str],
    current_ids: frozenset[str],
    taken_ids: frozenset[str],
) -> str:
    """The process's flows and nodes drawn in the given states, as the SVG text of one ``<g>``."""
    layout = _layout(bpmn_xml, process_id)
    model = layout.model
    states = {
        i: "current" if i in current_ids else "completed" if i in completed_ids else "not-reached"
        for i in model.nodes
    }
    body = etree.Element(f"{{{SVG}}}g", nsmap={None: SVG})
    for flow in model.flows.values():
        _draw_flow(body, model, flow, flow.id in taken_ids, layout.labels.get(flow.id))
    for node in sorted(model.nodes.values(), key=lambda n: n.kind == "boundaryEvent"):  # on their hosts
        _draw_node(body, node, states[node.id], layout.labels.get(node.id), task_name_bottom(model, node))
    # Serialized alone, the group declares the SVG namespace that the <svg> it goes into declares.
    return etree.tostring(body, encoding="unicode").replace(f' xmlns="{SVG}"', "", 1)


def _draw_header(
    parent, x: float, y: float, title: str | None, legend: bool, wording: Mapping[str, str] | None = None
) -> float:
    """The title and the colour key at the top; returns the right end of what it drew."""
    baseline = y + 14
    if title:
        _text(parent, [title], x, y, "start", 15, weight="bold")
        x += text_width(title, 15) * 1.08 + 24  # bold is wider than the estimate
    if legend:
        for state, (fill, stroke, extra, words) in STATE_STYLE.items():
            words = (wording or {}).get(state, words)
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


def _group(parent, element_id: str, css: str, tooltip: str, state: str | None = None):
    group = _sub(parent, "g", {"class": css, "data-element-id": element_id})
    if state:
        group.set("data-state", state)
    _sub(group, "title").text = tooltip
    return group


def _draw_flow(parent, model: ProcessModel, flow: Flow, taken: bool, label: Label | None) -> None:
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


def _draw_node(parent, node: Node, state: str, label: Label | None, text_bottom: float) -> None:
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
    while size > 9 and (
        len(lines) * size * LINE > bottom - top or longest_word_width(node.name, size) > b.w - 12
    ):
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
