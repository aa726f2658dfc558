"""A claim drawn on its process: the main process from its file's own diagram, the claim's steps
highlighted (completed, current, and the flows taken). The claim page and the auditors' replay
both draw with :func:`draw_claim_steps`; what depends only on the process version (its model,
its layout, and the drawing of each way claims stand on it) each worker keeps (workflows.diagram_svg)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from fund.extensions import db
from fund.models import Claim, Timer, WorkflowInstance
from workflows import engine
from workflows.diagram import claim_path, read_process_model
from workflows.diagram_svg import render_process_svg
from workflows.specs import MAIN_PROCESS, ProcessSpec


@dataclass(frozen=True)
class Diagram:
    """The drawing (SVG) and, in words, the elements completed and the ones the claim is at."""

    svg: str
    completed: list[str]
    current: list[str]


def draw_claim_steps(
    main_xml: bytes, steps: list[dict], ready: set[str], waiting: set[str], title: str
) -> Diagram:
    """The main process with the claim's ``steps`` so far, its ``ready`` tasks and ``waiting`` events."""
    path = claim_path(steps, ready, waiting, bpmn_xml=main_xml, process_id=MAIN_PROCESS)
    svg = render_process_svg(
        main_xml, MAIN_PROCESS, path.completed, path.current, title=title, taken_flows=path.taken
    )
    nodes = read_process_model(main_xml, MAIN_PROCESS).nodes  # read once per worker, then kept
    return Diagram(
        svg,
        [nodes[i].name or i for i in nodes if i in path.completed],
        [nodes[i].name or i for i in nodes if i in path.current],
    )


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
    if instance is not None and not instance.completed:
        # Which messages the claim waits for is only in the snapshot (one claim, one page: cheap).
        waiting |= set(engine.inspect(process, instance.snapshot, now).waiting_messages)
    return draw_claim_steps(main_xml, steps, ready, waiting, f"Claim {claim.reference}")
