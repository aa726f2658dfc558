"""Our guard over decision tables: SpiffWorkflow runs UNIQUE as "first match" and checks nothing.

A rule table that lets two rules match one claim decides by row order, silently; one that matches
no rule leaves the claim without a category. check_decision_tables() must catch both before deploy.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from lxml import etree
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from workflows.decision_table_checks import TableProblem, check_decision_tables, main
from workflows.decision_tables import evaluate_decision

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
SHIPPED = [BPMN_DIR / "eligibility.dmn", BPMN_DIR / "required_documents.dmn"]
DMN13 = "https://www.omg.org/spec/DMN/20191111/MODEL/"
DMNDI13 = "https://www.omg.org/spec/DMN/20191111/DMNDI/"

# (expression, typeRef or None, inputValues text or None)
Column = tuple[str, str | None, str | None]


def write_dmn(
    path: Path,
    columns: Sequence[Column],
    rules: Sequence[Sequence[str]],
    hit_policy: str = "UNIQUE",
    decision_id: str = "broken",
    diagram: bool = True,
) -> Path:
    """A one-output DMN 1.3 table; each rule is its input cells, its output is the row number."""
    inputs = []
    for n, (expression, type_ref, values) in enumerate(columns, 1):
        type_attr = f' typeRef="{type_ref}"' if type_ref else ""
        values_xml = f'<inputValues id="v{n}"><text>{escape(values)}</text></inputValues>' if values else ""
        inputs.append(
            f'<input id="i{n}" label="{escape(expression)}"><inputExpression id="e{n}"{type_attr}>'
            f"<text>{escape(expression)}</text></inputExpression>{values_xml}</input>"
        )
    rule_xml = []
    for r, cells in enumerate(rules, 1):
        entries = "".join(
            f'<inputEntry id="r{r}c{c}"><text>{escape(cell)}</text></inputEntry>'
            for c, cell in enumerate(cells, 1)
        )
        output = f'<outputEntry id="r{r}o"><text>{r}</text></outputEntry>'
        rule_xml.append(f'<rule id="r{r}">{entries}{output}</rule>')
    shape = (
        f'<dmndi:DMNDI><dmndi:DMNDiagram id="d"><dmndi:DMNShape id="s" dmnElementRef="{decision_id}">'
        '<dc:Bounds height="80" width="180" x="160" y="100" /></dmndi:DMNShape>'
        "</dmndi:DMNDiagram></dmndi:DMNDI>"
        if diagram
        else ""
    )
    path.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f'<definitions xmlns="{DMN13}" xmlns:dmndi="{DMNDI13}" '
        f'xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/" id="defs" name="test" namespace="https://fund.kz/test">'
        f'<decision id="{decision_id}" name="Broken"><decisionTable id="t" hitPolicy="{hit_policy}">'
        + "".join(inputs)
        + '<output id="o" name="row" typeRef="integer" />'
        + "".join(rule_xml)
        + f"</decisionTable></decision>{shape}</definitions>"
    )
    return path


ROLE: Column = ("claimant_role", "string", '"victim","representative","successor"')
HARM: Column = ("harm", "string", '"death","grave_harm","none"')


def kinds(problems: list[TableProblem]) -> list[str]:
    return [problem.kind for problem in problems]


# --- the shipped tables ----------------------------------------------------------------------


def test_shipped_tables_have_no_overlaps_gaps_or_invalid_cells() -> None:
    assert [str(problem) for problem in check_decision_tables(SHIPPED)] == []


def test_checking_the_eligibility_table_is_fast_enough_for_deploy() -> None:
    started = time.perf_counter()
    check_decision_tables([SHIPPED[0]])
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_tables_load_in_spiffworkflow_and_show_a_diagram_in_the_modeler(path: Path) -> None:
    parser = SpiffBpmnParser(validator=VALIDATOR)  # validates against SpiffWorkflow's DMN 1.3 XSD
    parser.add_dmn_file(str(path))
    root = etree.parse(str(path)).getroot()
    assert etree.QName(root).namespace == DMN13
    decisions = {d.get("id") for d in root.iter(f"{{{DMN13}}}decision")}
    shapes = {s.get("dmnElementRef") for s in root.iter(f"{{{DMNDI13}}}DMNShape")}
    assert decisions == set(parser.dmn_parsers) == {path.stem}
    assert decisions <= shapes


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_input_is_typed_and_every_rule_cites_the_law(path: Path) -> None:
    root = etree.parse(str(path)).getroot()
    for expression in root.iter(f"{{{DMN13}}}inputExpression"):
        assert expression.get("typeRef") in {"string", "integer", "boolean"}
    for rule in root.iter(f"{{{DMN13}}}rule"):
        description = rule.findtext(f"{{{DMN13}}}description") or ""
        assert "Art. " in description or "Law 131-VI" in description, rule.get("id")


def test_article_lists_are_marked_for_the_lawyers_to_verify() -> None:
    root = etree.parse(str(SHIPPED[0])).getroot()
    for rule in root.iter(f"{{{DMN13}}}rule"):
        cells = [entry.findtext(f"{{{DMN13}}}text") for entry in rule.iter(f"{{{DMN13}}}inputEntry")]
        if cells[0] != "-":  # the rule names Criminal Code articles
            assert "verify with the fund's lawyers" in rule.findtext(f"{{{DMN13}}}description").lower()


def test_a_mistake_in_an_article_list_of_the_shipped_table_is_caught(tmp_path: Path) -> None:
    # A lawyer moves art. 146 part 3 to 30 MCI by adding it to the rules of parts 1 and 2, but
    # forgets to delete the rules of part 3.
    text = SHIPPED[0].read_text()
    start = text.index("art. 146 parts 1 and 2")
    text = text[:start] + text[start:].replace('? in ("1", "2")', '? in ("1", "2", "3")', 1)
    edited = tmp_path / "eligibility.dmn"
    edited.write_text(text)
    problems = check_decision_tables([edited])
    assert problems and set(kinds(problems)) == {"overlap"}
    assert problems[0].example["article"] == "146" and problems[0].example["article_part"] == "3"


# --- broken tables ---------------------------------------------------------------------------


def test_two_unique_rules_matching_the_same_input_are_an_overlap(tmp_path: Path) -> None:
    path = write_dmn(
        tmp_path / "overlap.dmn",
        [ROLE, ("article_part", "integer", None)],
        [
            ['"victim"', ">= 3"],
            ['? in ("victim", "representative")', "? < 5"],
            ['"successor"', "-"],
            ['"representative"', ">= 5"],
        ],
    )
    problems = check_decision_tables([path])
    assert kinds(problems) == ["overlap"]
    (overlap,) = problems
    assert overlap.rows == (1, 2)
    assert overlap.example == {"claimant_role": "victim", "article_part": 3}
    assert "rows 1 and 2" in overlap.message and "claimant_role='victim'" in overlap.message
    assert overlap.decision_id == "broken" and overlap.file == str(path)


def test_an_enum_value_no_rule_covers_is_a_gap(tmp_path: Path) -> None:
    path = write_dmn(
        tmp_path / "gap.dmn",
        [HARM, ("deadline_restored_by_court", "boolean", None)],
        [
            ['"death"', "-"],
            ['"grave_harm"', "True"],
            ['"grave_harm"', "False"],
        ],
    )
    problems = check_decision_tables([path])
    assert kinds(problems) == ["gap"]
    assert problems[0].example == {"harm": "none", "deadline_restored_by_court": True}
    assert "harm='none'" in problems[0].message


def test_a_gap_between_numeric_bounds_is_found(tmp_path: Path) -> None:
    path = write_dmn(tmp_path / "numbers.dmn", [("article_part", "integer", None)], [["? < 3"], ["> 3"]])
    problems = check_decision_tables([path])
    assert [(p.kind, p.example) for p in problems] == [("gap", {"article_part": 3})]


def test_an_unlisted_article_falls_into_a_gap(tmp_path: Path) -> None:
    path = write_dmn(
        tmp_path / "articles.dmn",
        [("article", "string", None)],
        [
            ['"146"'],
            ['? in ("120", "121")'],
        ],
    )
    (gap,) = check_decision_tables([path])
    assert gap.kind == "gap" and gap.example == {"article": "<other>"}


def test_a_missing_type_ref_is_invalid(tmp_path: Path) -> None:
    path = write_dmn(
        tmp_path / "untyped.dmn",
        [ROLE, ("article_part", None, None)],
        [
            ['"victim"', "-"],
            ['? != "victim"', "-"],
        ],
    )
    problems = check_decision_tables([path])
    assert kinds(problems) == ["invalid"]
    assert "typeRef" in problems[0].message and "article_part" in problems[0].message


def test_in_cell_glued_to_the_input_expression_is_invalid(tmp_path: Path) -> None:
    # SpiffWorkflow evaluates 'article' + 'in ("120",)' as 'articlein ("120",)'.
    path = write_dmn(
        tmp_path / "glued.dmn",
        [("article", "string", None)],
        [
            ['in ("120", "121")'],
            ['? not in ("120", "121")'],
        ],
    )
    problems = check_decision_tables([path])
    assert kinds(problems) == ["invalid"]
    assert problems[0].rows == (1,) and "? in (" in problems[0].message


def test_a_misspelt_enum_value_is_invalid(tmp_path: Path) -> None:
    path = write_dmn(tmp_path / "typo.dmn", [ROLE], [['"victim"'], ['"representative"'], ['"sucessor"']])
    problems = check_decision_tables([path])
    assert ("invalid", (3,)) in [(p.kind, p.rows) for p in problems]
    assert ("gap", {"claimant_role": "successor"}) in [(p.kind, p.example) for p in problems]


def test_a_number_written_for_a_text_input_is_invalid(tmp_path: Path) -> None:
    path = write_dmn(tmp_path / "types.dmn", [("article", "string", None)], [["146"], ['? != "146"']])
    problems = check_decision_tables([path])
    assert ("invalid", (1,)) in [(p.kind, p.rows) for p in problems]


def test_first_hit_policy_tolerates_overlaps_but_not_gaps(tmp_path: Path) -> None:
    overlapping = write_dmn(tmp_path / "first.dmn", [ROLE], [['"victim"'], ["-"]], hit_policy="FIRST")
    assert check_decision_tables([overlapping]) == []
    gapped = write_dmn(tmp_path / "first_gap.dmn", [ROLE], [['"victim"'], ['"victim"']], hit_policy="FIRST")
    (gap,) = check_decision_tables([gapped])
    assert gap.kind == "gap" and "claimant_role in ('representative', 'successor')" in gap.message


def test_collect_tables_are_only_checked_for_validity(tmp_path: Path) -> None:
    path = write_dmn(tmp_path / "collect.dmn", [ROLE], [['"victim"'], ['"victim"']], hit_policy="COLLECT")
    assert check_decision_tables([path]) == []


def test_a_decision_without_a_diagram_shape_is_invalid(tmp_path: Path) -> None:
    path = write_dmn(tmp_path / "nodiagram.dmn", [ROLE], [["-"]], diagram=False)
    problems = check_decision_tables([path])
    assert kinds(problems) == ["invalid"] and "DMNShape" in problems[0].message


def test_a_file_spiffworkflow_refuses_is_invalid(tmp_path: Path) -> None:
    path = tmp_path / "bad.dmn"
    path.write_text(
        f'<definitions xmlns="{DMN13}" id="d" name="n" namespace="x"><decision id="a" name="a">'
        '<decisionTable id="t"><bogus/></decisionTable></decision></definitions>'
    )
    problems = check_decision_tables([path])
    assert kinds(problems) == ["invalid"] and "SpiffWorkflow cannot load" in problems[0].message


def test_only_a_few_examples_are_reported_per_table(tmp_path: Path) -> None:
    # Each of five articles is covered for one part only: many separate uncovered regions.
    columns = [("article", "string", None), ("article_part", "integer", None)]
    path = write_dmn(tmp_path / "many.dmn", columns, [[f'"{n}"', str(n)] for n in range(1, 6)])
    problems = check_decision_tables([path])
    assert kinds(problems) == ["gap", "gap", "gap"]
    assert re.search(r"; \d+ such gaps in all, only 3 shown$", problems[-1].message)


def test_deploy_check_command_fails_on_a_broken_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(path) for path in SHIPPED]) == 0
    broken = write_dmn(tmp_path / "gap.dmn", [ROLE], [['"victim"']])
    assert main([str(broken)]) == 1
    assert "gap: no rule matches claimant_role in ('representative', 'successor')" in capsys.readouterr().out


def test_evaluating_an_unknown_decision_names_the_ones_available() -> None:
    with pytest.raises(KeyError, match="eligibility"):
        evaluate_decision(SHIPPED[0], "eligibilty", {})
