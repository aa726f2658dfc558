"""A claim drawn on its process: the main process from its file's own diagram, the claim's steps
highlighted (completed, current, and the flows it really took: its steps' order, and for its
gateways the flow each chose, read from its stored state). The claim page and the auditors' replay
both draw with :func:`draw_claim_steps`; what depends only on the process version (its model,
its layout, and the drawing of each way claims stand on it) each worker keeps (workflows.diagram_svg)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from flask import has_request_context
from flask_babel import get_locale, gettext
from lxml import etree
from sqlalchemy import select

from fund.extensions import db
from fund.models import Claim, Timer, WorkflowInstance
from fund.web.formatting import words
from workflows import engine
from workflows.diagram import claim_path, read_process_model
from workflows.diagram_svg import focus_window, render_process_svg, with_view
from workflows.gateway_choices import gateway_choices
from workflows.specs import MAIN_PROCESS, ProcessSpec


@dataclass(frozen=True)
class Diagram:
    """The drawing (SVG) and, in words, the elements completed and the ones the claim is at.

    ``svg`` is the whole process; ``focus_svg`` the same drawing with its view cropped around
    where the claim is (its current steps, or its last one when it waits nowhere), so that a page
    opens on it without scrolling or JavaScript. Only the window is kept: the two drawings share
    everything else, and a kept replay keeps many diagrams.
    """

    svg: str
    completed: list[str]
    current: list[str]
    focus_window: tuple[float, float, float, float] | None = None

    @property
    def focus_svg(self) -> str:
        return with_view(self.svg, self.focus_window) if self.focus_window else self.svg


def draw_claim_steps(
    main_xml: bytes,
    steps: list[dict],
    ready: set[str],
    waiting: set[str],
    title: str,
    chosen: Mapping[str, Sequence[str | None]] | None = None,
) -> Diagram:
    """The main process with the claim's ``steps`` so far, its ``ready`` tasks and ``waiting`` events.

    ``chosen`` are the flows its exclusive gateways took (:func:`workflows.gateway_choices.
    gateway_choices`): with them only the flows the claim really took are drawn as taken.
    """
    main_xml = in_page_language(main_xml)
    path = claim_path(steps, ready, waiting, bpmn_xml=main_xml, process_id=MAIN_PROCESS, chosen=chosen)
    legend = {"completed": gettext("completed"), "current": gettext("waiting now"),
              "not-reached": gettext("not reached")}  # fmt: skip
    svg = render_process_svg(
        main_xml, MAIN_PROCESS, path.completed, path.current, title=title, taken_flows=path.taken,
        legend=legend,
    )  # fmt: skip
    nodes = read_process_model(main_xml, MAIN_PROCESS).nodes  # read once per worker, then kept
    focus = set(path.current) or _last_element(steps, nodes)
    return Diagram(
        svg,
        [nodes[i].name or i for i in nodes if i in path.completed],
        [nodes[i].name or i for i in nodes if i in path.current],
        focus_window(main_xml, MAIN_PROCESS, focus),
    )


def page_language() -> str:
    """The language of the page being drawn ("en" outside a request)."""
    return str(get_locale() or "en") if has_request_context() else "en"


def in_page_language(main_xml: bytes) -> bytes:
    """The process file with the names of its steps and flows in the page's language: the drawing
    writes them as the file does. Ids, messages and properties stay as they are."""
    language = page_language()
    if language == "en":
        return main_xml
    names = {name: words(name) for name in _element_names(main_xml)}
    return _renamed(main_xml, tuple(sorted(names.items())))


_BPMN_MODEL = "http://www.omg.org/spec/BPMN/20100524/MODEL"


@lru_cache(maxsize=8)
def _element_names(main_xml: bytes) -> tuple[str, ...]:
    root = etree.fromstring(main_xml)
    found = {el.get("name") for process in root.iter(f"{{{_BPMN_MODEL}}}process") for el in process.iter()}
    return tuple(sorted(" ".join(name.split()) for name in found if name))


@lru_cache(maxsize=16)  # a few versions in three languages; each worker keeps its own
def _renamed(main_xml: bytes, names: tuple[tuple[str, str], ...]) -> bytes:
    translated = dict(names)
    root = etree.fromstring(main_xml)
    for process in root.iter(f"{{{_BPMN_MODEL}}}process"):
        for element in process.iter():
            name = " ".join((element.get("name") or "").split())
            if name and etree.QName(element).namespace == _BPMN_MODEL:
                element.set("name", translated.get(name, name))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _last_element(steps: list[dict], nodes: Mapping) -> set[str]:
    """The last element of the main process that ran (a closed claim's end), if any."""
    for step in reversed(steps):
        if step.get("process", MAIN_PROCESS) == MAIN_PROCESS and step.get("task") in nodes:
            return {step["task"]}
    return set()


def claim_diagram(
    claim: Claim, process: ProcessSpec, steps: list[dict], ready: set[str], now: datetime
) -> Diagram | None:
    """The claim as it is now on its process version's main process (None if it has no drawing)."""
    main_xml = process.files.bpmn_file_of(MAIN_PROCESS)
    if main_xml is None:
        return None
    waiting = set(db.session.scalars(select(Timer.name).where(Timer.claim_id == claim.id)))
    instance = db.session.execute(
        select(WorkflowInstance.snapshot, WorkflowInstance.completed).where(
            WorkflowInstance.claim_id == claim.id
        )
    ).first()
    chosen = None
    if instance is not None:
        # Which messages the claim waits for, and which way its gateways went, are only in the
        # snapshot (one claim, one page: cheap).
        if not instance.completed:
            waiting |= set(engine.inspect(process, instance.snapshot, now).waiting_messages)
        chosen = gateway_choices(process, instance.snapshot, now)
    title = gettext("Claim %(reference)s", reference=claim.reference)
    return draw_claim_steps(main_xml, steps, ready, waiting, title, chosen)
