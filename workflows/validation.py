"""Our own deploy checks, on top of SpiffWorkflow's XSD validation.

SpiffWorkflow runs a diagram without a picture, a user task nobody may work, and a UNIQUE
decision table whose rules overlap (it takes the first match). The fund cannot: officers read
the diagram, worklists need a role and a form, and auditors need one rule to have decided.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from lxml import etree

from .decision_table_checks import check_decision_tables
from .form_checks import check_forms
from .parsing import parse_process
from .process_files import ProcessFiles

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "bpmndi": BPMNDI, "spiffworkflow": SPIFF}

FLOW_NODE_TAGS = (
    "task",
    "userTask",
    "manualTask",
    "scriptTask",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "businessRuleTask",
    "callActivity",
    "subProcess",
    "transaction",
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
    "complexGateway",
)
STAFF_ROLES = ("intake", "reviewer", "approver", "finance", "auditor", "admin")


def _diagram_problems(path: str, doc: etree._Element) -> list[str]:
    problems = []
    shapes = set(doc.xpath("//bpmndi:BPMNShape/@bpmnElement", namespaces=NS))
    edges = set(doc.xpath("//bpmndi:BPMNEdge/@bpmnElement", namespaces=NS))
    for tag in FLOW_NODE_TAGS:
        for node in doc.xpath(f"//bpmn:process//bpmn:{tag}", namespaces=NS):
            if node.get("id") not in shapes:
                problems.append(f"{path}: {tag} '{node.get('id')}' has no diagram shape")
    for flow in doc.xpath("//bpmn:process//bpmn:sequenceFlow", namespaces=NS):
        if flow.get("id") not in edges:
            problems.append(f"{path}: sequence flow '{flow.get('id')}' has no diagram edge")
    return problems


def _user_task_problems(path: str, doc: etree._Element, forms: set[str]) -> list[str]:
    problems = []
    for task in doc.xpath("//bpmn:process//bpmn:userTask", namespaces=NS):
        props = {
            p.get("name"): p.get("value")
            for p in task.xpath(
                "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS
            )
        }
        where = f"{path}: user task '{task.get('id')}'"
        role = props.get("role")
        if not role:
            problems.append(f"{where} names no role (property 'role')")
        elif role not in STAFF_ROLES:
            problems.append(f"{where} names role '{role}', which is not one of: {', '.join(STAFF_ROLES)}")
        form = props.get("formJsonSchemaFilename")
        if not form:
            problems.append(f"{where} names no form (property 'formJsonSchemaFilename')")
        elif f"forms/{form}" not in forms:
            problems.append(f"{where} names form '{form}', which is not in bpmn/forms/")
    return problems


def check_process_files(files: ProcessFiles, process_id: str) -> list[str]:
    """Every problem that must stop a deploy of these files, one line each; [] when none."""
    problems: list[str] = []
    bpmn_files = files.matching(".bpmn")
    if not bpmn_files:
        return ["no .bpmn files to deploy"]
    forms = {path for path in files.files if path.startswith("forms/")}
    found_process = False
    for path, data in bpmn_files.items():
        try:
            doc = etree.fromstring(data)
        except etree.XMLSyntaxError as error:
            problems.append(f"{path}: not well-formed XML: {error}")
            continue
        found_process |= bool(doc.xpath(f"//bpmn:process[@id='{process_id}']", namespaces=NS))
        problems += _diagram_problems(path, doc)
        problems += _user_task_problems(path, doc, forms)
    if not found_process:
        problems.append(f"no process with id '{process_id}'")
    with tempfile.TemporaryDirectory() as tmp:
        # The table and form checkers read files; give them this version's, not the working tree's.
        root = Path(tmp)
        for path, data in files.files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_bytes(data)
        problems += [
            str(problem).replace(f"{root}/", "", 1)
            for problem in check_decision_tables(sorted(root.glob("*.dmn")))
        ]
        if (root / "forms").is_dir():
            problems += check_forms(root / "forms")
    if not problems:
        try:
            parse_process(files, process_id)
        except Exception as error:  # SpecValidationError, or a parser error on odd input
            problems += getattr(error, "problems", [str(error)])
    return problems
