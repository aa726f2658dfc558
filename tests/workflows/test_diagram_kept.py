"""What a worker keeps of process diagrams, and that it never mixes claims up.

A deployed process version never changes, so a worker reads each process's model and lays it out
once, and keeps the drawn elements of the ways claims stand on it (which steps are completed,
which are current, which flows were taken). Officers and auditors must still see each claim's own
steps and title, whatever was drawn before it.
"""

from __future__ import annotations

import pytest
from lxml import etree

from tests.engine_helpers import BPMN_DIR, drive_longest_claim
from workflows.diagram import claim_flows_taken, claim_path, claim_step_states, read_process_model
from workflows.diagram_svg import render_process_svg

MAIN = "compensation_claim"
MAIN_XML = (BPMN_DIR / f"{MAIN}.bpmn").read_bytes()
SVG = "{http://www.w3.org/2000/svg}"


def shown(svg: str) -> tuple[str, dict[str, str], set[str]]:
    """What a drawing shows: its title, each element's state, and the flows drawn as taken."""
    root = etree.fromstring(svg.encode())
    states = {
        g.get("data-element-id"): g.get("data-state") for g in root.iter(f"{SVG}g") if g.get("data-state")
    }
    taken = {
        g.get("data-element-id")
        for g in root.iter(f"{SVG}g")
        if "flow-taken" in (g.get("class") or "").split()
    }
    return root.get("aria-label"), states, taken


def test_claims_at_the_same_steps_by_different_flows_each_show_their_own_flows_and_title():
    completed = {"claim_registered", "register_claim", "documents_check", "start_review_round"}
    current = {"review_route"}
    straight = {"flow_start_review_round_to_review_route"}
    returned = straight | {"flow_return_limit_to_start_review_round"}

    for _ in range(2):  # the second time, both drawings were made before
        first = shown(render_process_svg(MAIN_XML, MAIN, completed, current, "Claim A", taken_flows=straight))
        second = shown(
            render_process_svg(MAIN_XML, MAIN, completed, current, "Claim B", taken_flows=returned)
        )

        assert first[2] == straight and second[2] == returned
        assert "Claim A" in first[0] and "Claim B" in second[0]
        assert first[1] == second[1] and first[1]["review_route"] == "current"


def test_claims_with_the_same_flows_taken_each_show_where_they_wait():
    completed = {"claim_registered", "register_claim"}
    for waiting in ({"intake_check"}, {"documents_check"}, {"intake_check"}):
        title, states, _ = shown(render_process_svg(MAIN_XML, MAIN, completed, waiting, taken_flows=()))

        assert {i for i, state in states.items() if state == "current"} == waiting
        assert {i for i, state in states.items() if state == "completed"} == completed
        assert "2 steps completed" in title


def test_a_claim_drawn_after_each_step_looks_the_same_whatever_was_drawn_before():
    claim = drive_longest_claim()
    moments, steps = [], []
    for outcome in claim.outcomes:
        steps = steps + outcome.steps
        waiting = {t.name for t in outcome.timers} | set(outcome.waiting_messages)
        moments.append((steps, {t.name for t in outcome.ready_tasks}, waiting))

    def draw(index: int) -> str:
        path = claim_path(*moments[index], bpmn_xml=MAIN_XML)
        return render_process_svg(
            MAIN_XML, MAIN, path.completed, path.current, f"After step {index}", taken_flows=path.taken
        )

    forwards = [draw(index) for index in range(len(moments))]
    backwards = [draw(index) for index in reversed(range(len(moments)))][::-1]

    assert forwards == backwards
    assert shown(forwards[0])[1] != shown(forwards[-1])[1]


def test_one_walk_of_the_steps_gives_what_the_two_functions_give():
    claim = drive_longest_claim()
    steps: list[dict] = []
    for outcome in claim.outcomes:
        steps = steps + outcome.steps
        ready = {t.name for t in outcome.ready_tasks}
        waiting = {t.name for t in outcome.timers} | set(outcome.waiting_messages)

        path = claim_path(steps, ready, waiting, bpmn_xml=MAIN_XML, process_id=MAIN)

        completed, current = claim_step_states(steps, ready, waiting, bpmn_xml=MAIN_XML, process_id=MAIN)
        assert (path.completed, path.current) == (completed, current)
        assert path.taken == claim_flows_taken(steps, ready, waiting, bpmn_xml=MAIN_XML, process_id=MAIN)


def test_a_process_is_read_once_and_its_model_cannot_be_changed_by_a_caller():
    model = read_process_model(MAIN_XML, MAIN)

    assert read_process_model(bytes(bytearray(MAIN_XML)), MAIN) is model  # equal bytes: the same file
    with pytest.raises(TypeError):
        model.nodes["intake_check"] = model.nodes["register_claim"]  # type: ignore[index]
    with pytest.raises(TypeError):
        del model.flows[next(iter(model.flows))]  # type: ignore[attr-defined]


def test_an_unknown_process_is_refused_every_time():
    for _ in range(2):
        with pytest.raises(ValueError, match="no process 'no_such_process'"):
            render_process_svg(MAIN_XML, "no_such_process")
