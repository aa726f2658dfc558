"""Where the words go on a process diagram: text widths, line wrapping and label placement.

The diagram is drawn without a browser to measure text, so widths are estimated for the widest of
the fonts the drawing names (:func:`text_width`); names are wrapped to fit (:func:`wrap`), and
:func:`place_labels` puts each external label (events, gateways, named flows) where it covers no
other label or shape and no flow crosses it, if there is such a place.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from .diagram import ACTIVITIES, Box, Node, ProcessModel

TASK_FONT, LABEL_FONT, LINE = 12.0, 11.0, 1.2  # px, px, line height in em


@dataclass(frozen=True)
class Label:
    """Lines of text placed on the diagram: where they are anchored and at what size."""

    lines: list[str]
    x: float  # anchor x
    y: float  # top of the first line
    anchor: str  # start, middle, end
    size: float

    @property
    def box(self) -> Box:
        """The area the text covers (estimated)."""
        width = max(text_width(line, self.size) for line in self.lines)
        left = {"start": self.x, "middle": self.x - width / 2, "end": self.x - width}[self.anchor]
        return Box(left, self.y, width, len(self.lines) * self.size * LINE)


def place_labels(model: ProcessModel) -> dict[str, Label]:
    """Where each external label goes: its BPMNLabel bounds (or below the shape), unless the text
    there would cover another label or a shape or be crossed by a flow and a place beside the
    element is clear. Flow names without bounds go beside the middle of the longest segment."""
    shapes = [n.box for n in model.nodes.values()]
    segments = [
        (f.id, _segment_box(a, b)) for f in model.flows.values() for a, b in itertools.pairwise(f.points)
    ]
    placed: list[Box] = []
    labels: dict[str, Label] = {}

    def choose(owner: str, own: Box | None, candidates: list[Label], given: bool) -> None:
        def cost(index: int, label: Label) -> float:
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
        width = max(node.label.w if node.label else 100, longest_word_width(node.name, LABEL_FONT))
        lines = wrap(node.name, width, LABEL_FONT)
        height = len(lines) * LABEL_FONT * LINE
        first = (
            Label(lines, node.label.cx, node.label.y, "middle", LABEL_FONT)
            if node.label
            else Label(lines, b.cx, b.y + b.h + 4, "middle", LABEL_FONT)
        )
        candidates = [
            first,  # then below left, below right, above
            Label(lines, b.cx - 8, b.y + b.h + 2, "end", LABEL_FONT),
            Label(lines, b.cx + 8, b.y + b.h + 2, "start", LABEL_FONT),
            Label(lines, b.cx, b.y - 4 - height, "middle", LABEL_FONT),
        ]
        choose(node.id, b, candidates, given=node.label is not None)
    for flow in model.flows.values():
        if not flow.name:
            continue
        if flow.label:
            lines = wrap(flow.name, max(flow.label.w, longest_word_width(flow.name, LABEL_FONT)), LABEL_FONT)
            choose(flow.id, None, [Label(lines, flow.label.cx, flow.label.y, "middle", LABEL_FONT)], True)
            continue
        candidates = []
        for x, y, dx, dy in _segment_spots(flow.points):
            if abs(dx) >= abs(dy):  # horizontal: above the line, else below
                lines = wrap(flow.name, max(abs(dx) - 10, 120), LABEL_FONT)
                height = len(lines) * LABEL_FONT * LINE
                candidates += [
                    Label(lines, x, y - 3 - height, "middle", LABEL_FONT),
                    Label(lines, x, y + 3, "middle", LABEL_FONT),
                ]
            else:  # vertical: beside the line, right then left
                lines = wrap(flow.name, 110, LABEL_FONT)
                top = y - len(lines) * LABEL_FONT * LINE / 2
                candidates += [
                    Label(lines, x + 5, top, "start", LABEL_FONT),
                    Label(lines, x - 5, top, "end", LABEL_FONT),
                ]
        choose(flow.id, None, candidates, given=False)
    return labels


def task_name_bottom(model: ProcessModel, node: Node) -> float:
    """Where a task's name must end: above any boundary event sitting on its lower edge."""
    b = node.box
    tops = [
        e.box.y - 2
        for e in model.nodes.values()
        if e.kind == "boundaryEvent" and e.box.overlap(b) > 0 and e.box.y > b.cy
    ]
    return min(tops, default=b.y + b.h)


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


def longest_word_width(text: str, size: float) -> float:
    """The estimated width of ``text``'s longest word at ``size`` px (0 for no words)."""
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
