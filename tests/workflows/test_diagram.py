"""Process diagrams: every process drawn from its own BPMN layout, one claim's steps highlighted.

Officers see the diagram on a claim page and auditors step through it during replay, so what is
specified here is what they rely on: every step and flow is drawn once and can be pointed at,
names are readable and safe, the highlighted steps are exactly the claim's, and the picture fits.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from tests.engine_helpers import (
    BPMN_DIR,
    Claim,
    approve,
    claim_facts,
    drive_to_approval,
    drive_to_payment,
    drive_to_rejection,
    return_to_review,
)
from workflows.diagram import FLOW_NODES, claim_flows_taken, claim_step_states
from workflows.diagram_svg import FLOW_OTHER, FLOW_TAKEN, STATE_STYLE, TEXT, render_process_svg

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SVG_NS = {"svg": "http://www.w3.org/2000/svg"}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
MAIN = "compensation_claim"
MAIN_XML = (BPMN_DIR / f"{MAIN}.bpmn").read_bytes()


def processes() -> list[tuple[str, str]]:
    """(file name, process id) of every process under bpmn/."""
    found = []
    for path in sorted(BPMN_DIR.glob("*.bpmn")):
        for process in etree.parse(str(path)).iter(f"{{{BPMN_NS}}}process"):
            found.append((path.name, process.get("id")))
    return found


def bpmn_elements(xml: bytes, process_id: str) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Flow nodes (id: name), their kinds (id: tag) and sequence flows (id: name) of a process."""
    root = etree.fromstring(xml)
    (process,) = [p for p in root.iter(f"{{{BPMN_NS}}}process") if p.get("id") == process_id]
    nodes, kinds, flows = {}, {}, {}
    for element in process.iter():
        tag = etree.QName(element).localname if isinstance(element.tag, str) else ""
        if tag in FLOW_NODES:
            nodes[element.get("id")] = element.get("name") or ""
            kinds[element.get("id")] = tag
        elif tag == "sequenceFlow":
            flows[element.get("id")] = element.get("name") or ""
    return nodes, kinds, flows


def parse(svg: str):
    return etree.fromstring(svg.encode())


def groups(svg_root) -> dict[str, list]:
    """The drawn groups by their data-element-id."""
    found: dict[str, list] = {}
    for group in svg_root.iter("{http://www.w3.org/2000/svg}g"):
        if group.get("data-element-id"):
            found.setdefault(group.get("data-element-id"), []).append(group)
    return found


def drawn_text(group) -> str:
    """The visible text of a group (not its tooltip), words joined by spaces."""
    texts = group.iterfind(".//svg:text", SVG_NS)
    return " ".join(" ".join(t.itertext()) for t in texts if not t.getparent().get("aria-hidden"))


def history(claim: Claim) -> tuple[list[dict], set[str], set[str]]:
    """What the fund has of a claim: every step so far, the ready tasks and what else waits now."""
    steps = [step for outcome in claim.outcomes for step in outcome.steps]
    now = claim.outcome
    return steps, {t.name for t in now.ready_tasks}, {t.name for t in now.timers} | set(now.waiting_messages)


def states(claim: Claim) -> tuple[set[str], set[str]]:
    return claim_step_states(*history(claim), bpmn_xml=MAIN_XML)


# --- every process is drawn whole ------------------------------------------------------------


@pytest.mark.parametrize(("file_name", "process_id"), processes())
def test_every_process_is_well_formed_svg_with_one_element_per_flow_node_and_flow(file_name, process_id):
    xml = (BPMN_DIR / file_name).read_bytes()
    nodes, _, flows = bpmn_elements(xml, process_id)

    root = parse(render_process_svg(xml, process_id))

    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    drawn = groups(root)
    assert sorted(drawn) == sorted([*nodes, *flows])
    assert all(len(found) == 1 for found in drawn.values())


@pytest.mark.parametrize(("file_name", "process_id"), processes())
def test_every_name_appears_as_text_in_its_own_element(file_name, process_id):
    xml = (BPMN_DIR / file_name).read_bytes()
    nodes, _, flows = bpmn_elements(xml, process_id)
    drawn = groups(parse(render_process_svg(xml, process_id)))

    for element_id, name in {**nodes, **flows}.items():
        # Wrapping only puts line breaks between words.
        assert drawn_text(drawn[element_id][0]).split() == name.split(), element_id


@pytest.mark.parametrize(("file_name", "process_id"), processes())
def test_the_view_box_encloses_every_shape_edge_and_label(file_name, process_id):
    xml = (BPMN_DIR / file_name).read_bytes()
    root = parse(render_process_svg(xml, process_id, title="A long title for a very short process"))
    left, top, width, height = (float(v) for v in root.get("viewBox").split())

    source = etree.fromstring(xml)
    boxes = [
        (float(b.get("x")), float(b.get("y")), float(b.get("width")), float(b.get("height")))
        for b in source.iter("{http://www.omg.org/spec/DD/20100524/DC}Bounds")
    ]
    points = [
        (float(p.get("x")), float(p.get("y")))
        for p in source.iter("{http://www.omg.org/spec/DD/20100524/DI}waypoint")
    ]
    assert boxes and points
    for x, y, w, h in boxes:
        assert left <= x and x + w <= left + width and top <= y and y + h <= top + height
    for x, y in points:
        assert left <= x <= left + width and top <= y <= top + height
    for text in root.iter("{http://www.w3.org/2000/svg}text"):  # text anchors, header included
        assert left <= float(text.get("x")) <= left + width and top <= float(text.get("y")) <= top + height


def test_the_diagram_scales_to_its_container_and_describes_itself_to_screen_readers():
    root = parse(render_process_svg(MAIN_XML, MAIN, {"claim_registered"}, {"intake_check"}))

    assert root.get("width") == "100%" and root.get("viewBox")
    assert root.get("role") == "img"
    assert "Compensation claim" in root.get("aria-label")
    assert "waiting now at: Check documents" in root.get("aria-label")


def test_every_element_has_a_tooltip_with_its_name_and_state():
    nodes, _, flows = bpmn_elements(MAIN_XML, MAIN)
    drawn = groups(parse(render_process_svg(MAIN_XML, MAIN, {"register_claim"}, {"intake_check"})))

    tooltip = {i: found[0].findtext("svg:title", namespaces=SVG_NS) for i, found in drawn.items()}
    assert tooltip["register_claim"] == "Register claim (script task): completed"
    assert tooltip["intake_check"] == "Check documents (user task): waiting now"
    assert tooltip["documents_reminder"] == "20 days passed (timer boundary event): not reached"
    assert tooltip["flow_documents_check_to_request_documents"] == (
        "Incomplete: from Documents complete? to Request missing documents"
    )
    assert all(tooltip[i] for i in [*nodes, *flows])


# --- highlighting ------------------------------------------------------------------------------


def test_highlighting_is_applied_to_exactly_the_given_ids():
    nodes, _, _ = bpmn_elements(MAIN_XML, MAIN)
    completed = {"claim_registered", "register_claim", "documents_check", "torture_review"}
    current = {"await_documents", "documents_deadline", "payment_wait"}

    drawn = groups(parse(render_process_svg(MAIN_XML, MAIN, completed, current)))

    for node_id in nodes:
        (group,) = drawn[node_id]
        expected = "completed" if node_id in completed else "current" if node_id in current else "not-reached"
        fill, stroke, _, _ = STATE_STYLE[expected]
        assert group.get("data-state") == expected, node_id
        assert f"state-{expected}" in group.get("class").split()
        shape = group.find("svg:rect", SVG_NS) if group.find("svg:rect", SVG_NS) is not None else group[1]
        assert (shape.get("fill"), shape.get("stroke")) == (fill, stroke), node_id


def test_the_current_step_has_a_thicker_border_than_the_same_step_otherwise():
    def border(current: set[str]) -> float:
        (group,) = groups(parse(render_process_svg(MAIN_XML, MAIN, (), current)))["intake_check"]
        return float(group.find("svg:rect", SVG_NS).get("stroke-width"))

    assert border({"intake_check"}) > border(set())


def test_an_element_both_completed_and_waiting_again_is_shown_as_waiting():
    drawn = groups(parse(render_process_svg(MAIN_XML, MAIN, {"intake_check"}, {"intake_check"})))
    assert drawn["intake_check"][0].get("data-state") == "current"


def test_ids_that_are_not_in_the_diagram_are_ignored():
    root = parse(render_process_svg(MAIN_XML, MAIN, {"review_torture"}, {"no_such_step"}))
    assert {g.get("data-state") for found in groups(root).values() for g in found} <= {"not-reached", None}


def test_flows_between_completed_steps_are_drawn_darker_unless_the_taken_flows_are_given():
    completed = {"check_other_claims_at_intake", "documents_check", "start_review_round"}
    drawn = groups(parse(render_process_svg(MAIN_XML, MAIN, completed, {"review_route"})))

    def colour(found) -> str:
        return found[0].find("svg:polyline", SVG_NS).get("stroke")

    assert colour(drawn["flow_check_other_claims_at_intake_to_documents_check"]) == FLOW_TAKEN
    assert colour(drawn["flow_start_review_round_to_review_route"]) == FLOW_TAKEN  # into the current step
    assert colour(drawn["flow_documents_check_to_request_documents"]) == FLOW_OTHER
    into_the_gateway = drawn["flow_check_other_claims_at_intake_to_documents_check"][0]
    assert "flow-taken" in into_the_gateway.get("class").split()

    only = {"flow_check_other_claims_at_intake_to_documents_check"}
    drawn = groups(parse(render_process_svg(MAIN_XML, MAIN, completed, (), taken_flows=only)))
    flows = {i: found for i, found in drawn.items() if "bpmn-flow" in found[0].get("class").split()}
    assert [i for i, found in flows.items() if colour(found) == FLOW_TAKEN] == list(only)


def contrast(foreground: str, background: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_text_and_borders_meet_wcag_contrast_on_every_state_colour():
    for fill, stroke, _, _ in STATE_STYLE.values():
        assert contrast(TEXT, fill) >= 7  # AAA for normal text
        assert contrast(stroke, "#ffffff") >= 3  # non-text contrast of the shape's border
        assert contrast(stroke, fill) >= 4.5  # task markers ("S") are text in the border colour
    assert contrast(FLOW_OTHER, "#ffffff") >= 4.5 and contrast(FLOW_TAKEN, "#ffffff") >= 7
    svg = render_process_svg(MAIN_XML, MAIN, {"register_claim"}, {"intake_check"})
    assert {t.get("fill") for t in parse(svg).iter("{http://www.w3.org/2000/svg}text")} <= {
        TEXT,
        *(stroke for _, stroke, _, _ in STATE_STYLE.values()),  # task markers ("S") in the border colour
    }


# --- safety and errors -----------------------------------------------------------------------


def one_task_process(name: str, process_name: str = "Process") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="d">
  <bpmn:process id="p" name="{process_name}">
    <bpmn:startEvent id="start" name="{name}" />
    <bpmn:userTask id="task" name="{name}" />
    <bpmn:sequenceFlow id="flow" name="{name}" sourceRef="start" targetRef="task" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram"><bpmndi:BPMNPlane id="plane" bpmnElement="p">
    <bpmndi:BPMNShape id="start_di" bpmnElement="start">
      <dc:Bounds x="100" y="100" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="task_di" bpmnElement="task">
      <dc:Bounds x="250" y="78" width="100" height="80" /></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="flow_di" bpmnElement="flow">
      <di:waypoint x="136" y="118" /><di:waypoint x="250" y="118" /></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>""".encode()


def test_names_with_markup_characters_are_escaped(tmp_path):
    path = tmp_path / "hostile.bpmn"
    path.write_bytes(
        one_task_process(
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; A&amp;B",
            process_name="&lt;b&gt;&amp;&lt;/b&gt;",
        )
    )

    svg = render_process_svg(path.read_bytes(), "p", title='Claim <1> & "2"')

    assert "<script" not in svg and "<b>" not in svg
    root = parse(svg)  # well-formed
    drawn = groups(root)
    for element_id in ("start", "task", "flow"):  # a word too long for its box is broken: compare letters
        assert "".join(drawn_text(drawn[element_id][0]).split()) == '<script>alert("x")</script>A&B'
    assert root.get("aria-label").startswith('Process diagram: Claim <1> & "2"')


def test_an_unknown_process_id_is_a_clear_error():
    with pytest.raises(
        ValueError, match=r"no process 'no_such_process' in this BPMN file .*compensation_claim"
    ):
        render_process_svg(MAIN_XML, "no_such_process")


def test_a_flow_node_without_a_shape_is_a_clear_error():
    xml = one_task_process("Name").replace(b'<bpmndi:BPMNShape id="task_di"', b'<bpmndi:BPMNShape id="x" ', 1)
    xml = xml.replace(b'bpmnElement="task"', b'bpmnElement="elsewhere"', 1)
    with pytest.raises(ValueError, match="userTask 'task' of process 'p' has no shape"):
        render_process_svg(xml, "p")


# --- a claim's steps ---------------------------------------------------------------------------


def test_a_new_claim_has_run_its_automatic_steps_and_waits_at_the_intake_check():
    completed, current = states(Claim(claim_facts("torture")))

    assert current == {"intake_check"}
    assert completed == {
        "claim_registered",
        "register_claim",
        "acknowledgement_due",
        "determine_eligibility",
        "determine_required_documents",
        "check_other_claims",
    }


def test_a_claim_waiting_for_documents_waits_at_the_receive_task_and_its_two_timers():
    claim = Claim(claim_facts("torture")).request_documents()

    completed, current = states(claim)

    assert current == {"await_documents", "documents_reminder", "documents_deadline"}
    assert {"intake_check", "documents_check", "request_documents", "document_request_due"} <= completed


def test_a_step_run_again_in_a_loop_is_current_not_completed():
    claim = Claim(claim_facts("torture")).request_documents().later(days=3).submit_documents()

    completed, current = states(claim)

    assert current == {"intake_check"}
    assert {"await_documents", "request_documents"} <= completed and "intake_check" not in completed


def test_a_review_in_a_called_process_makes_its_call_activity_current_then_completed():
    claim = Claim(claim_facts("torture")).intake()
    assert claim.ready == ["review_torture"]  # a task of the called process torture_review
    completed, current = states(claim)
    assert current == {"torture_review"} and "torture_review" not in completed

    completed, current = states(claim.later(days=1).review("approve"))
    assert current == {"approval"} and "torture_review" in completed
    assert not {"trafficking_review", "other_review"} & (completed | current)


def test_a_call_activity_is_found_by_the_process_it_calls_not_by_its_own_id():
    xml = MAIN_XML.replace(
        b'id="torture_review" name="Review: torture"', b'id="review_step" name="Review: torture"'
    )
    xml = xml.replace(b'"torture_review"', b'"review_step"').replace(
        b'calledElement="review_step"', b'calledElement="torture_review"'
    )
    steps = [
        {"task": "review_route", "process": MAIN},
        {"task": "review_started", "process": "torture_review"},
    ]

    assert claim_step_states(steps, {"review_torture"}, set(), bpmn_xml=xml)[1] == {"review_step"}
    steps += [{"task": "review_completed", "process": "torture_review", "type": "EndEvent"}]
    assert "review_step" in claim_step_states(steps, set(), set(), bpmn_xml=xml)[0]


def test_an_approved_claim_waits_at_the_event_based_gateway_for_the_treasury():
    completed, current = states(drive_to_payment(Claim(claim_facts("torture"))))

    # The waiting messages are named payment_confirmed and payment_failed, like the catch events
    # that follow the gateway; what waits is the gateway.
    assert current == {"payment_wait"}
    assert {"approval", "decide_award", "approval_letter_due"} <= completed


def test_a_rejected_claim_waits_for_a_reconsideration_request_or_the_end_of_its_window():
    completed, current = states(drive_to_rejection(Claim(claim_facts("torture"))))
    assert current == {"reconsideration_wait"}
    assert "reject_claim" in completed


def test_a_paid_claim_waits_nowhere():
    completed, current = states(drive_to_payment(Claim(claim_facts("torture"))).payment_confirmed())
    assert current == set() and {"payment_confirmed", "claim_paid"} <= completed


def test_without_the_bpmn_file_names_are_taken_as_element_ids():
    claim = Claim(claim_facts("torture")).intake()
    steps, ready, waiting = history(claim)
    assert claim_step_states(steps, ready, {"documents_deadline"}) == (
        states(claim)[0],
        {"torture_review", "review_torture", "documents_deadline"},
    )


def test_the_flows_taken_follow_the_order_of_the_steps_not_just_their_ends():
    rejected = drive_to_rejection(Claim(claim_facts("torture")))
    taken = claim_flows_taken(*history(rejected), bpmn_xml=MAIN_XML)
    # Both ends of "Return to review" ran, but this claim was never returned.
    assert "flow_return_limit_to_start_review_round" not in taken
    assert {"flow_approval_decision_to_reject_claim", "flow_may_reconsider_to_reconsideration_wait"} <= taken

    returned = drive_to_approval(Claim(claim_facts("torture"))).decide(return_to_review()).later(days=1)
    returned.review("approve").later(days=1).decide(approve())
    taken = claim_flows_taken(*history(returned), bpmn_xml=MAIN_XML)
    assert {
        "flow_approval_decision_to_return_limit",
        "flow_return_limit_to_start_review_round",
        "flow_approval_decision_to_decide_award",
        "flow_approval_letter_due_to_payment_wait",
    } <= taken
    assert "flow_approval_decision_to_reject_claim" not in taken


# --- a picture for people ----------------------------------------------------------------------


def sample_claim_svg() -> str:
    """A claim that was asked for documents, reminded, reviewed, rejected: waiting for reconsideration."""
    claim = Claim(claim_facts("torture")).request_documents().later(days=21).fire_timers()
    claim.submit_documents().later(days=1)
    drive_to_rejection(claim)
    steps, ready, waiting = history(claim)
    completed, current = claim_step_states(steps, ready, waiting, bpmn_xml=MAIN_XML)
    taken = claim_flows_taken(steps, ready, waiting, bpmn_xml=MAIN_XML)
    return render_process_svg(
        MAIN_XML, MAIN, completed, current, title=f"Claim {claim.key}", taken_flows=taken
    )


def svg_to_png(svg: str, png: Path) -> bool:
    """Render with whichever renderer is on the machine; False when there is none."""
    source = png.with_suffix(".svg")
    width = float(parse(svg).get("viewBox").split()[2])
    source.write_text(re.sub(r'width="100%"', f'width="{width:.0f}"', svg, count=1))
    if shutil.which("rsvg-convert"):
        subprocess.run(["rsvg-convert", "-o", str(png), str(source)], check=True, timeout=60)
        return True
    try:
        import cairosvg  # noqa: PLC0415 - optional
    except ImportError:
        cairosvg = None
    if cairosvg is not None:
        cairosvg.svg2png(url=str(source), write_to=str(png))
        return True
    browser = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
    if browser:
        height = float(parse(svg).get("viewBox").split()[3])
        subprocess.run(
            [
                browser,
                "--headless",
                "--disable-gpu",
                "--no-sandbox",
                f"--screenshot={png}",
                f"--window-size={width:.0f},{height:.0f}",
                source.as_uri(),
            ],
            check=True,
            timeout=120,
            capture_output=True,
        )
        return True
    return False


def test_a_png_of_the_main_process_is_saved_for_people_to_look_at():
    ARTIFACTS.mkdir(exist_ok=True)
    png = ARTIFACTS / f"diagram-{MAIN}.png"
    if not svg_to_png(sample_claim_svg(), png):
        pytest.skip("no SVG renderer here (rsvg-convert, cairosvg or chromium)")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
