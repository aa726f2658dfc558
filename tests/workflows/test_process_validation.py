"""Deploy checks: the shipped process passes; a copy broken in one way is refused, naming the element.

Each broken copy is written to a temporary folder and read back as a process version, exactly as
an administrator's upload would be, so the checks see files, not objects.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.engine_helpers import BPMN_DIR, shipped_files
from workflows.specs import (
    MAIN_PROCESS,
    ProcessSpec,
    SpecValidationError,
    load_process,
    read_process_files,
)
from workflows.validation import check_process_files


def copy_of_shipped(tmp_path: Path) -> Path:
    """A copy of bpmn/ (processes, tables, forms) in ``tmp_path``."""
    target = tmp_path / "bpmn"
    for path, data in shipped_files().files.items():
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        (target / path).write_bytes(data)
    return target


def edit(folder: Path, name: str, old: str, new: str, *, regex: bool = False) -> None:
    """Replace the one occurrence of ``old`` in ``folder/name``."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    if regex:
        edited, count = re.subn(old, new, text, count=1, flags=re.S)
    else:
        count = text.count(old)
        edited = text.replace(old, new, 1)
    assert count >= 1, f"{old!r} is not in {name}"
    path.write_text(edited, encoding="utf-8")


def problems_of(folder: Path) -> list[str]:
    return check_process_files(read_process_files(folder), MAIN_PROCESS)


def assert_refused(folder: Path, *fragments: str) -> list[str]:
    """The version is refused by the deploy checks and by load_process, with one problem naming all."""
    problems = problems_of(folder)
    assert problems, "the broken copy passed the deploy checks"
    assert any(all(fragment in problem for fragment in fragments) for problem in problems), problems
    with pytest.raises(SpecValidationError) as refused:
        load_process(read_process_files(folder), validate=True)
    assert len(refused.value.problems) == len(problems)
    assert any(all(fragment in problem for fragment in fragments) for problem in refused.value.problems)
    return problems


# --- the shipped process ---------------------------------------------------------------------


def test_the_shipped_process_passes_every_deploy_check() -> None:
    files = read_process_files(BPMN_DIR)

    assert check_process_files(files, MAIN_PROCESS) == []
    process = load_process(files, validate=True)
    assert isinstance(process, ProcessSpec)
    assert set(process.user_tasks) == {
        "intake_check", "review_torture", "review_trafficking", "review_other", "approval",
        "final_decision", "reconsideration_review", "correct_bank_details", "reopen_payment",
        "approve_reopen_payment",
    }  # fmt: skip
    assert all(task.role and task.form in process.forms for task in process.user_tasks.values())


def test_an_unchanged_copy_passes_too(tmp_path: Path) -> None:
    assert problems_of(copy_of_shipped(tmp_path)) == []


# --- broken in one way each ------------------------------------------------------------------


def test_a_user_task_without_a_role_is_refused(tmp_path: Path) -> None:
    folder = copy_of_shipped(tmp_path)
    edit(folder, "trafficking_review.bpmn", '<spiffworkflow:property name="role" value="reviewer" />', "")

    assert_refused(folder, "trafficking_review.bpmn", "review_trafficking", "role")


def test_a_user_task_with_a_role_nobody_has_is_refused(tmp_path: Path) -> None:
    folder = copy_of_shipped(tmp_path)
    edit(
        folder,
        "compensation_claim.bpmn",
        '<spiffworkflow:property name="role" value="approver" />',
        '<spiffworkflow:property name="role" value="aprover" />',
    )

    assert_refused(folder, "compensation_claim.bpmn", "approval", "aprover")


def test_a_user_task_without_a_form_is_refused(tmp_path: Path) -> None:
    folder = copy_of_shipped(tmp_path)
    edit(
        folder,
        "compensation_claim.bpmn",
        '<spiffworkflow:property name="formJsonSchemaFilename" value="correct_bank_details.json" />',
        "",
    )

    assert_refused(folder, "compensation_claim.bpmn", "correct_bank_details", "form")


def test_a_user_task_whose_form_file_is_missing_is_refused(tmp_path: Path) -> None:
    folder = copy_of_shipped(tmp_path)
    (folder / "forms" / "final_decision.json").unlink()

    assert_refused(folder, "compensation_claim.bpmn", "final_decision", "final_decision.json")


def test_a_flow_node_without_a_diagram_shape_is_refused(tmp_path: Path) -> None:
    folder = copy_of_shipped(tmp_path)
    edit(
        folder,
        "compensation_claim.bpmn",
        r'<bpmndi:BPMNShape [^>]*bpmnElement="decide_award"[^>]*>.*?</bpmndi:BPMNShape>',
        "",
        regex=True,
    )

    assert_refused(folder, "compensation_claim.bpmn", "decide_award", "shape")


def test_a_sequence_flow_without_a_diagram_edge_is_refused(tmp_path: Path) -> None:
    folder = copy_of_shipped(tmp_path)
    edit(
        folder,
        "compensation_claim.bpmn",
        r'<bpmndi:BPMNEdge [^>]*bpmnElement="flow_payment_retry_to_payment_abandoned"[^>]*>'
        r".*?</bpmndi:BPMNEdge>",
        "",
        regex=True,
    )

    assert_refused(folder, "compensation_claim.bpmn", "flow_payment_retry_to_payment_abandoned", "edge")


def test_a_unique_decision_table_with_overlapping_rules_is_refused(tmp_path: Path) -> None:
    folder = copy_of_shipped(tmp_path)
    # A lawyer takes art. 308 off the articles the "not listed" rules leave to the article's own rules.
    edit(folder, "eligibility.dmn", ', "146", "308")', ', "146")')

    problems = assert_refused(folder, "eligibility.dmn", "[eligibility]", "overlap", "article='308'")
    assert all("eligibility" in problem for problem in problems)


def test_a_decision_table_problem_names_the_file_as_deployed(tmp_path: Path) -> None:
    folder = copy_of_shipped(tmp_path)
    edit(folder, "eligibility.dmn", ', "146", "308")', ', "146")')

    problems = problems_of(folder)
    assert problems and all(problem.startswith("eligibility.dmn") for problem in problems)
    assert problems_of(folder) == problems


def test_a_bpmn_file_that_is_not_well_formed_xml_is_refused(tmp_path: Path) -> None:
    folder = copy_of_shipped(tmp_path)
    edit(folder, "trafficking_review.bpmn", "</bpmn:process>", "</bpmn:proces>")

    assert_refused(folder, "trafficking_review.bpmn", "not well-formed")


def test_a_bpmn_file_that_breaks_the_bpmn_schema_is_refused(tmp_path: Path) -> None:
    folder = copy_of_shipped(tmp_path)
    edit(
        folder,
        "other_review.bpmn",
        '<bpmn:endEvent id="review_completed"',
        '<bpmn:endEvent priority="high" id="review_completed"',
    )

    assert_refused(folder, "other_review.bpmn", "endEvent", "priority")


def test_an_element_the_bpmn_schema_does_not_know_is_refused(tmp_path: Path) -> None:
    folder = copy_of_shipped(tmp_path)
    edit(
        folder,
        "compensation_claim.bpmn",
        '<bpmn:scriptTask id="decide_award"',
        '<bpmn:scriptJob id="stray" /><bpmn:scriptTask id="decide_award"',
    )

    assert_refused(folder, "compensation_claim.bpmn", "scriptJob")


def test_a_version_without_the_main_process_is_refused(tmp_path: Path) -> None:
    folder = copy_of_shipped(tmp_path)
    (folder / "compensation_claim.bpmn").unlink()

    assert_refused(folder, "compensation_claim")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    folder = copy_of_shipped(tmp_path)
    edit(folder, "trafficking_review.bpmn", '<spiffworkflow:property name="role" value="reviewer" />', "")
    edit(
        folder,
        "other_review.bpmn",
        '<spiffworkflow:property name="formJsonSchemaFilename" value="review.json" />',
        "",
    )

    problems = problems_of(folder)

    assert any("review_trafficking" in p and "role" in p for p in problems)
    assert any("review_other" in p and "form" in p for p in problems)


# --- the version -----------------------------------------------------------------------------


def test_equal_files_have_equal_versions(tmp_path: Path) -> None:
    copy = read_process_files(copy_of_shipped(tmp_path))

    assert copy.version == shipped_files().version
    assert re.fullmatch(r"[0-9a-f]{64}", copy.version)


@pytest.mark.parametrize("name", sorted(shipped_files().files))
def test_changing_any_file_by_one_byte_changes_the_version(tmp_path: Path, name: str) -> None:
    folder = copy_of_shipped(tmp_path)
    path = folder / name
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))

    assert read_process_files(folder).version != shipped_files().version


def test_renaming_a_file_changes_the_version(tmp_path: Path) -> None:
    folder = copy_of_shipped(tmp_path)
    (folder / "other_review.bpmn").rename(folder / "others_review.bpmn")

    assert read_process_files(folder).version != shipped_files().version


def test_a_new_file_changes_the_version(tmp_path: Path) -> None:
    folder = copy_of_shipped(tmp_path)
    (folder / "forms" / "extra.json").write_text("{}")

    assert read_process_files(folder).version != shipped_files().version
