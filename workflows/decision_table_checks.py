"""Checking decision tables (DMN) before deploy, for what SpiffWorkflow does not check.

SpiffWorkflow 3.2.0 does not check hit policies: UNIQUE is run as "first matching rule wins" and an
input matched by no rule silently yields no output (see :mod:`workflows.decision_tables` for how
cells are read). :func:`check_decision_tables` reports invalid tables, and the gaps and overlaps
over every input a table can get; it is our guard, run at deploy
(``python -m workflows.decision_table_checks``) and in the tests.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from lxml import etree
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS as SPIFF_DMN_SCHEMAS
from SpiffWorkflow.dmn.specs.model import DecisionTable

from .decision_table_inputs import (
    Box,
    Column,
    ValueClass,
    cell_problem,
    cell_text,
    certain,
    inside,
    reachable,
    value_classes,
    widen,
)
from .decision_tables import dmn_parser, stand_in_task

ProblemKind = Literal["overlap", "gap", "invalid"]

#: How many overlap / gap examples are reported per table (the rest are only counted).
MAX_EXAMPLES = 3

DMNDI_NAMESPACES = (
    "https://www.omg.org/spec/DMN/20191111/DMNDI/",
    "http://www.omg.org/spec/DMN/20180521/DMNDI/",
)

_SUPPORTED_TYPES = {"string", "integer", "long", "double", "number", "boolean"}
_CHECKED_POLICIES = {"UNIQUE", "FIRST", "ANY", "COLLECT"}


@dataclass(frozen=True)
class TableProblem:
    """Something wrong with a decision table, found by :func:`check_decision_tables`.

    ``rows`` are the 1-based rule numbers involved (as in the modeler); ``example`` is an input,
    keyed by input expression (or label for computed columns), that shows an overlap or a gap.
    """

    file: str
    decision_id: str
    kind: ProblemKind
    message: str
    rows: tuple[int, ...] = ()
    example: dict[str, Any] | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.file} [{self.decision_id}] {self.kind}: {self.message}"


def check_decision_tables(dmn_paths: Iterable[str | Path]) -> list[TableProblem]:
    """Check DMN files for what SpiffWorkflow does not: overlaps, gaps and invalid tables.

    For every input column the checker builds candidate values (the literals in its cells, numbers
    c - 1, c and c + 1, the declared ``inputValues``, True/False for booleans, and one value no cell
    mentions), evaluates every cell on every candidate the way SpiffWorkflow's DMNEngine does, and
    collapses candidates that no rule tells apart. Every combination of the remaining classes is
    then matched against the rules: with hit policy UNIQUE a combination matched by no rule is a
    "gap" and one matched by several rules an "overlap"; FIRST and ANY tables are checked for gaps
    only; COLLECT tables only for validity. Columns with declared ``inputValues`` are closed sets:
    values outside them are not checked (the forms must not produce them), and a cell literal
    outside them is reported as "invalid". At most :data:`MAX_EXAMPLES` overlaps and gaps are
    reported per table.
    """
    problems: list[TableProblem] = []
    for dmn_path in dmn_paths:
        problems.extend(_check_file(Path(dmn_path)))
    return problems


def _check_file(path: Path) -> list[TableProblem]:
    file = str(path)
    try:
        root = etree.parse(str(path)).getroot()
    except (OSError, etree.XMLSyntaxError) as exc:
        return [TableProblem(file, "", "invalid", f"cannot read the DMN file: {exc}")]

    problems: list[TableProblem] = []
    namespace = etree.QName(root).namespace or ""
    if namespace not in SPIFF_DMN_SCHEMAS:
        problems.append(
            TableProblem(
                file,
                "",
                "invalid",
                f"namespace {namespace!r} is not one SpiffWorkflow validates "
                f"({', '.join(SPIFF_DMN_SCHEMAS)}); use DMN 1.3 https://www.omg.org/spec/DMN/20191111/MODEL/",
            )
        )

    parser = dmn_parser()
    try:
        parser.add_dmn_xml(root, filename=file)
        (decision_id,) = parser.dmn_parsers
        table = parser.get_engine(decision_id, None).decision_table
    except Exception as exc:  # SpiffWorkflow would refuse the file at deploy: report, don't crash
        problems.append(TableProblem(file, "", "invalid", f"SpiffWorkflow cannot load the file: {exc}"))
        return problems

    problems.extend(_check_diagram(root, file, decision_id))
    xml_table = root.find(f".//{{{namespace}}}decision[@id='{decision_id}']/{{{namespace}}}decisionTable")
    problems.extend(_check_table(file, decision_id, table, xml_table, namespace))
    return problems


def _check_diagram(root: etree._Element, file: str, decision_id: str) -> list[TableProblem]:
    shapes = {
        shape.get("dmnElementRef") for ns in DMNDI_NAMESPACES for shape in root.iter(f"{{{ns}}}DMNShape")
    }
    if decision_id in shapes:
        return []
    return [
        TableProblem(
            file,
            decision_id,
            "invalid",
            "the decision has no dmndi:DMNShape, so the modeler shows no diagram for it",
        )
    ]


def _check_table(
    file: str, decision_id: str, table: DecisionTable, xml_table: etree._Element | None, namespace: str
) -> list[TableProblem]:
    problems: list[TableProblem] = []

    def invalid(message: str, rows: tuple[int, ...] = ()) -> None:
        problems.append(TableProblem(file, decision_id, "invalid", message, rows))

    policy = table.hit_policy
    if policy not in _CHECKED_POLICIES:
        invalid(
            f"hit policy {policy} is not supported by SpiffWorkflow 3.2.0, which would run it as "
            "first match; use UNIQUE, FIRST, ANY or COLLECT"
        )
    if xml_table is not None and xml_table.get("aggregation"):
        invalid(
            f"aggregation {xml_table.get('aggregation')} is ignored by SpiffWorkflow; "
            "COLLECT always returns the list of outputs"
        )

    declared_by_input = _declared_input_values(xml_table, namespace)
    columns: list[Column] = []
    for index, column_input in enumerate(table.inputs):
        name = column_input.label or column_input.id
        if not column_input.expression:
            invalid(f"input {name!r} has no input expression")
            continue
        if not column_input.typeRef:
            invalid(f"input {name!r} ({column_input.expression}) has no typeRef")
            continue
        if column_input.typeRef not in _SUPPORTED_TYPES:
            invalid(
                f"input {name!r} has typeRef {column_input.typeRef!r}; the checker supports "
                f"{', '.join(sorted(_SUPPORTED_TYPES))}"
            )
            continue
        declared_text = declared_by_input.get(column_input.id)
        declared = None
        if declared_text:
            try:
                declared = _literal_list(declared_text)
            except (SyntaxError, ValueError):
                invalid(f"input {name!r}: inputValues {declared_text!r} is not a list of literals")
                continue
        key = column_input.expression if column_input.expression.isidentifier() else name
        columns.append(Column(index, column_input, key, column_input.typeRef, declared))
    if len(columns) != len(table.inputs):
        return problems  # without a type for every column there is nothing sound to enumerate

    engine = DMNEngine(table)
    task = stand_in_task({}, file)
    class_lists: list[list[ValueClass]] = []
    evaluation_failed = False
    for column in columns:
        label = column.input.label or column.key
        cells = [(rule.row_number, cell_text(rule, column.index)) for rule in table.rules]
        for row, cell in cells:
            message = cell_problem(engine, task, column, cell)
            if message:
                invalid(f"row {row}, input {label!r}: {message}", (row,))
        classes, errors = value_classes(engine, task, column, cells)
        for row, message in errors:
            invalid(f"row {row}, input {label!r}: {message}", (row,))
        evaluation_failed = evaluation_failed or bool(errors)
        class_lists.append(classes)

    # Cells that fail on some values would make the coverage report misleading.
    if policy in _CHECKED_POLICIES - {"COLLECT"} and not evaluation_failed:
        problems.extend(_coverage(file, decision_id, table, columns, class_lists, policy))
    return problems


def _declared_input_values(xml_table: etree._Element | None, namespace: str) -> dict[str, str]:
    declared: dict[str, str] = {}
    if xml_table is None:
        return declared
    for element in xml_table.findall(f"{{{namespace}}}input"):
        text = element.findtext(f"{{{namespace}}}inputValues/{{{namespace}}}text")
        if text and text.strip():
            declared[element.get("id", "")] = text.strip()
    return declared


def _literal_list(text: str) -> list[Any]:
    value = ast.literal_eval(text.strip())
    return list(value) if isinstance(value, tuple) else [value]


def _coverage(
    file: str,
    decision_id: str,
    table: DecisionTable,
    columns: list[Column],
    class_lists: list[list[ValueClass]],
    policy: str,
) -> list[TableProblem]:
    """Gaps (and overlaps for UNIQUE) over the product of the columns' value classes.

    Each gap or overlap found is widened to a maximal region of inputs with the same problem, so
    that columns which play no part in it are reported as "any" instead of once per value.
    """
    rows = [rule.row_number for rule in table.rules]
    all_rules = (1 << len(rows)) - 1
    gap_boxes: list[Box] = []
    overlap_boxes: dict[int, Box] = {}

    # Depth-first over the value classes; a prefix no rule matches is a gap whatever follows.
    stack: list[tuple[int, list[ValueClass]]] = [(all_rules, [])]
    while stack:
        mask, chosen = stack.pop()
        if mask == 0:
            region = [[value_class] for value_class in chosen] + class_lists[len(chosen) :]
            if not any(inside(region, box) for box in gap_boxes):
                gap_boxes.append(widen(region, class_lists, lambda box: reachable(box) == 0))
            continue
        if len(chosen) == len(columns):
            if policy == "UNIQUE" and mask & (mask - 1) and mask not in overlap_boxes:
                region = [[value_class] for value_class in chosen]
                overlap_boxes[mask] = widen(
                    region, class_lists, lambda box, mask=mask: certain(box) & mask == mask
                )
            continue
        for value_class in reversed(class_lists[len(chosen)]):
            stack.append((mask & value_class.mask, [*chosen, value_class]))

    problems: list[TableProblem] = []
    for mask, box in list(overlap_boxes.items())[:MAX_EXAMPLES]:
        matched = tuple(row for bit, row in enumerate(rows) if mask >> bit & 1)
        problems.append(
            TableProblem(
                file,
                decision_id,
                "overlap",
                f"rows {_join(matched)} all match {_describe(columns, box, class_lists)} "
                "(hit policy UNIQUE allows one)",
                matched,
                _example(columns, box),
            )
        )
    for box in gap_boxes[:MAX_EXAMPLES]:
        problems.append(
            TableProblem(
                file,
                decision_id,
                "gap",
                f"no rule matches {_describe(columns, box, class_lists)}",
                (),
                _example(columns, box),
            )
        )
    _note_more(problems, "overlap", len(overlap_boxes))
    _note_more(problems, "gap", len(gap_boxes))
    return problems


def _example(columns: list[Column], box: Box) -> dict[str, Any]:
    return {column.key: allowed[0].value for column, allowed in zip(columns, box, strict=True)}


def _describe(columns: list[Column], box: Box, class_lists: list[list[ValueClass]]) -> str:
    """The region in words, e.g. "harm in ('grave_harm', 'none'), with any article"."""
    parts: list[str] = []
    free: list[str] = []
    for column, allowed, class_list in zip(columns, box, class_lists, strict=True):
        if len(allowed) == len(class_list):
            free.append(column.key)
            continue
        values = [value for value_class in allowed for value in value_class.values]
        if len(values) == 1:
            parts.append(f"{column.key}={values[0]!r}")
        else:
            shown = ", ".join(repr(value) for value in values[:5])
            parts.append(f"{column.key} in ({shown}{', ...' if len(values) > 5 else ''})")
    if not parts:
        return "any input"
    return ", ".join(parts) + (f", with any {', '.join(free)}" if free else "")


def _note_more(problems: list[TableProblem], kind: ProblemKind, total: int) -> None:
    """Say on the last reported example how many combinations of this kind there are in all."""
    reported = [index for index, problem in enumerate(problems) if problem.kind == kind]
    if reported and total > len(reported):
        last = problems[reported[-1]]
        problems[reported[-1]] = TableProblem(
            last.file,
            last.decision_id,
            last.kind,
            f"{last.message}; {total} such {kind}s in all, only {len(reported)} shown",
            last.rows,
            last.example,
        )


def _join(rows: Sequence[int]) -> str:
    return ", ".join(map(str, rows[:-1])) + f" and {rows[-1]}" if len(rows) > 1 else str(rows[0])


def main(argv: Sequence[str] | None = None) -> int:
    """Deploy check: ``python -m workflows.decision_table_checks bpmn/*.dmn``; exit status 1 on problems."""
    paths = list(sys.argv[1:] if argv is None else argv) or sorted(
        str(path) for path in (Path(__file__).resolve().parents[1] / "bpmn").glob("*.dmn")
    )
    problems = check_decision_tables(paths)
    for problem in problems:
        print(problem)
    print(f"{len(paths)} decision table file(s) checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
