"""Decision tables (DMN): run them exactly as the workflow does, and check them before deploy.

The tables in ``bpmn/*.dmn`` hold the law (who is entitled, how much, which documents). They are
run by SpiffWorkflow's own DMN engine, whose cells are Python expressions:

* an empty cell or ``-`` matches anything;
* a cell that parses as an expression on its own (``"146"``, ``3``, ``True``) is compared with
  ``(input) == (cell)``;
* otherwise the cell is an operator expression (``>= 3``) and SpiffWorkflow glues it to the input
  expression *as text*: ``article`` + ``in ("120",)`` becomes ``articlein ("120",)``, an error.
  Keyword operators must therefore be written with ``?`` standing for the column value:
  ``? in ("120", "121")``, ``? not in (1, 2, 3)``, ``? != "death"``;
* ``?`` (outside quotes) is replaced by the value of the input expression.

SpiffWorkflow 3.2.0 does not check hit policies: UNIQUE is run as "first matching rule wins" and an
input matched by no rule silently yields no output. :func:`check_decision_tables` is our guard,
run at deploy and in the tests.
"""

from __future__ import annotations

import ast
import functools
import itertools
import math
import operator
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Literal

from lxml import etree
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS as SPIFF_DMN_SCHEMAS
from SpiffWorkflow.dmn.specs.model import DecisionTable, Input
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from .scripting import create_script_engine

ProblemKind = Literal["overlap", "gap", "invalid"]

#: How many overlap / gap examples are reported per table (the rest are only counted).
MAX_EXAMPLES = 3

DMNDI_NAMESPACES = (
    "https://www.omg.org/spec/DMN/20191111/DMNDI/",
    "http://www.omg.org/spec/DMN/20180521/DMNDI/",
)

# The same pattern DMNEngine.evaluate uses to find a '?' outside quotes.
_QUESTION_MARK = re.compile(r'(\?)(?=(?:[^\'"]|[\'"][^\'"]*[\'"])*$)')
# The name the checker binds the column value to (the engine's own '?' name is 'dmninputexpr').
_VALUE = "dmn_checked_value"
_OTHER_STRING = "<other>"
_SUPPORTED_TYPES = {"string", "integer", "long", "double", "number", "boolean"}
_INTEGER_TYPES = {"integer", "long"}
_FLOAT_TYPES = {"double", "number"}
_CHECKED_POLICIES = {"UNIQUE", "FIRST", "ANY", "COLLECT"}


# --------------------------------------------------------------------------------------------
# Running a table


def _stand_in_task(data: dict[str, Any], source: str) -> SimpleNamespace:
    """A task-like object carrying exactly what SpiffWorkflow's DMN engine reads from a task.

    In a workflow, a business rule task calls ``DMNEngine.result(task)`` and deep-merges the
    returned dict into the task data; that is all it does. ``result`` reads ``task.data`` and
    ``task.workflow.script_engine``; when a cell fails, ``WorkflowTaskException`` also reads
    ``task.task_spec.bpmn_name``, ``task.workflow.spec.file`` and ``task.workflow.top_workflow``.
    Building this object is simpler than a BPMN process around the table and runs the very same
    engine code, so the tests exercise what the workflow runs.
    """
    workflow = SimpleNamespace(
        script_engine=create_script_engine(),
        spec=SimpleNamespace(file=source),
        parent_workflow=None,
    )
    workflow.top_workflow = workflow
    task_spec = SimpleNamespace(name="decision_table", bpmn_name="decision table", bpmn_id=None)
    return SimpleNamespace(data=data, workflow=workflow, task_spec=task_spec)


def _parser() -> SpiffBpmnParser:
    # With a validator, SpiffWorkflow also validates DMN files against the DMN XSD of their
    # namespace, as the workflow's parser does.
    return SpiffBpmnParser(validator=VALIDATOR)


@lru_cache(maxsize=32)
def _load_engine(path: str, mtime_ns: int, decision_id: str) -> DMNEngine:
    parser = _parser()
    parser.add_dmn_file(path)
    if decision_id not in parser.dmn_parsers:
        raise KeyError(f"{path} has no decision {decision_id!r} (it has {sorted(parser.dmn_parsers)})")
    # get_engine is what BusinessRuleTaskParser calls when it builds the workflow spec.
    return parser.get_engine(decision_id, None)


def evaluate_decision(dmn_path: str | Path, decision_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """Run one decision table on ``data`` with SpiffWorkflow's DMN engine and our script engine.

    Returns what a business rule task would merge into the task data: for UNIQUE tables one value
    per output (an empty dict when no rule matches), for COLLECT tables a list per output.
    Raises ``KeyError`` for an unknown decision and SpiffWorkflow's exceptions for a broken cell.
    """
    path = Path(dmn_path).resolve()
    engine = _load_engine(str(path), path.stat().st_mtime_ns, decision_id)
    task = _stand_in_task(dict(data), str(path))
    return dict(engine.result(task))


# --------------------------------------------------------------------------------------------
# Checking tables


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


@dataclass
class _Column:
    index: int
    input: Input
    key: str
    type_ref: str
    declared: list[Any] | None


@dataclass
class _ValueClass:
    values: list[Any]  # candidates no rule tells apart; the first one stands for them all
    mask: int  # bit r set when rule r's cells in this column match these values

    @property
    def value(self) -> Any:
        return self.values[0]


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

    parser = _parser()
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
    columns: list[_Column] = []
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
        columns.append(_Column(index, column_input, key, column_input.typeRef, declared))
    if len(columns) != len(table.inputs):
        return problems  # without a type for every column there is nothing sound to enumerate

    engine = DMNEngine(table)
    task = _stand_in_task({}, file)
    class_lists: list[list[_ValueClass]] = []
    evaluation_failed = False
    for column in columns:
        label = column.input.label or column.key
        cells = [(rule.row_number, _cell_text(rule, column.index)) for rule in table.rules]
        for row, cell in cells:
            message = _cell_problem(engine, task, column, cell)
            if message:
                invalid(f"row {row}, input {label!r}: {message}", (row,))
        classes, errors = _value_classes(engine, task, column, cells)
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


def _cell_text(rule: Any, index: int) -> str | None:
    # SpiffWorkflow stores a cell as lhs == [text], with None for an empty cell or '-'.
    if index >= len(rule.inputEntries):
        return None
    (lhs,) = rule.inputEntries[index].lhs
    return lhs


def _cell_ast(engine: DMNEngine, task: SimpleNamespace, cell: str) -> ast.expr:
    """The cell as the condition SpiffWorkflow evaluates, with the column value as ``_VALUE``."""
    if _QUESTION_MARK.search(cell):
        return ast.parse(_QUESTION_MARK.sub(_VALUE, cell), mode="eval").body
    if engine.needs_eq(task.workflow.script_engine, cell):
        return ast.Compare(ast.Name(_VALUE), [ast.Eq()], [ast.parse(cell, mode="eval").body])
    return ast.parse(f"{_VALUE} {cell}", mode="eval").body


def _cell_problem(engine: DMNEngine, task: SimpleNamespace, column: _Column, cell: str | None) -> str | None:
    """Why a cell would not do what it says in SpiffWorkflow, or None when it is fine."""
    if cell is None:
        return None
    expression = column.input.expression
    try:
        tree = _cell_ast(engine, task, cell)
    except SyntaxError as exc:
        return f"cell {cell!r} is not a Python expression: {exc.msg}"
    if not _QUESTION_MARK.search(cell) and not engine.needs_eq(task.workflow.script_engine, cell):
        # DMNEngine evaluates input_expr + cell, glued as text.
        glued = expression + cell
        intended = ast.dump(ast.parse(f"({expression}) {cell}", mode="eval"))
        try:
            actual = ast.dump(ast.parse(glued, mode="eval"))
        except SyntaxError:
            actual = None
        if actual != intended:
            return (
                f"cell {cell!r} is glued to the input expression as {glued!r}, which SpiffWorkflow "
                f"reads differently; write it as '? {cell.strip()}'"
            )
    return _literal_problem(column, tree, cell)


def _literal_problem(column: _Column, tree: ast.expr, cell: str) -> str | None:
    """A literal of the wrong type, or outside the declared values, in a simple comparison cell."""
    literals = _compared_literals(tree)
    if literals is None:
        return None
    for literal in literals:
        if not _fits_type(literal, column.type_ref):
            return (
                f"cell {cell!r} compares the {column.type_ref} input with {literal!r} "
                f"({type(literal).__name__}), so it can never match"
            )
        if column.declared is not None and literal not in column.declared:
            return (
                f"cell {cell!r} mentions {literal!r}, which is not among the declared input values "
                f"{column.declared}"
            )
    return None


def _compared_literals(tree: ast.expr) -> list[Any] | None:
    """Literals compared with the column value in ``? op literal`` cells; None for other cells."""
    if not isinstance(tree, ast.Compare):
        return None
    literals: list[Any] = []
    for operand in (tree.left, *tree.comparators):
        if isinstance(operand, ast.Name) and operand.id == _VALUE:
            continue
        if isinstance(operand, ast.Constant):
            literals.append(operand.value)
        elif isinstance(operand, ast.Tuple | ast.List | ast.Set) and all(
            isinstance(item, ast.Constant) for item in operand.elts
        ):
            literals.extend(item.value for item in operand.elts)
        else:
            return None
    return literals


def _fits_type(value: Any, type_ref: str) -> bool:
    if value is None:
        return True
    if type_ref == "string":
        return isinstance(value, str)
    if type_ref == "boolean":
        return isinstance(value, bool)
    return isinstance(value, int | float) and not isinstance(value, bool)  # numbers compare across types


def _candidates(column: _Column, cells: Sequence[str | None]) -> list[Any]:
    """Values of this column that every rule's cell must be tried on."""
    if column.type_ref == "boolean":
        return [True, False]
    if column.declared is not None:
        return list(dict.fromkeys(column.declared))
    literals: list[Any] = []
    for cell in cells:
        if cell is None:
            continue
        try:
            tree = ast.parse(_QUESTION_MARK.sub(_VALUE, cell), mode="eval")
        except SyntaxError:
            try:
                tree = ast.parse(f"{_VALUE} {cell}", mode="eval")
            except SyntaxError:
                continue
        literals.extend(
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and _fits_type(node.value, column.type_ref)
            and node.value is not None
        )
    if column.type_ref == "string":
        other = _OTHER_STRING
        while other in literals:
            other = f"<{other}>"
        return [*dict.fromkeys(literals), other]
    numbers: list[float | int] = []
    for value in literals:
        if column.type_ref in _INTEGER_TYPES:
            low, high = math.floor(value), math.ceil(value)
            numbers.extend((low - 1, low, high, high + 1))
        else:
            numbers.extend((value - 1, value, value + 1))
    if column.type_ref in _FLOAT_TYPES:
        ordered = sorted(set(numbers))
        numbers.extend((a + b) / 2 for a, b in itertools.pairwise(ordered))
    numbers = sorted(set(numbers))
    other = (max(numbers) + 1) if numbers else 0  # a value no cell mentions
    return list(dict.fromkeys([*literals, *numbers, other]))


def _value_classes(
    engine: DMNEngine, task: SimpleNamespace, column: _Column, cells: Sequence[tuple[int, str | None]]
) -> tuple[list[_ValueClass], list[tuple[int, str]]]:
    """Candidate values grouped by which rules' cells they match (first candidate represents)."""
    errors: dict[int, str] = {}
    classes: dict[int, _ValueClass] = {}
    for value in _candidates(column, [cell for _, cell in cells]):
        task.data = {_VALUE: value}
        mask = 0
        for bit, (row, cell) in enumerate(cells):
            if cell is None:
                mask |= 1 << bit
                continue
            try:
                # The engine's own evaluate: same ==/operator/'?' rules and script functions.
                matched = engine.evaluate(f"({_VALUE})", cell, task)
            except Exception as exc:
                cause = exc.__context__ or exc  # SpiffWorkflow wraps the Python error
                errors.setdefault(row, f"cell {cell!r} fails on {value!r}: {type(cause).__name__}: {cause}")
                continue
            if matched:
                mask |= 1 << bit
        classes.setdefault(mask, _ValueClass([], mask)).values.append(value)
    return list(classes.values()), sorted(errors.items())


Box = list[list[_ValueClass]]  # per column, the value classes a region of inputs allows


def _reachable(box: Box) -> int:
    """Rules that match at least one input in the box."""
    mask = -1
    for allowed in box:
        mask &= functools.reduce(operator.or_, (value_class.mask for value_class in allowed), 0)
    return mask


def _certain(box: Box) -> int:
    """Rules that match every input in the box."""
    mask = -1
    for allowed in box:
        mask &= functools.reduce(operator.and_, (value_class.mask for value_class in allowed), -1)
    return mask


def _widen(box: Box, class_lists: list[list[_ValueClass]], keep: Callable[[Box], bool]) -> Box:
    """Grow the box one value class at a time for as long as ``keep`` holds (a maximal region)."""
    for index, class_list in enumerate(class_lists):
        for value_class in class_list:
            if any(value_class is allowed for allowed in box[index]):
                continue
            trial = [*box[:index], [*box[index], value_class], *box[index + 1 :]]
            if keep(trial):
                box = trial
    return [
        sorted(allowed, key=class_list.index) for allowed, class_list in zip(box, class_lists, strict=True)
    ]


def _inside(region: Box, box: Box) -> bool:
    return all(
        all(any(value_class is other for other in allowed) for value_class in part)
        for part, allowed in zip(region, box, strict=True)
    )


def _coverage(
    file: str,
    decision_id: str,
    table: DecisionTable,
    columns: list[_Column],
    class_lists: list[list[_ValueClass]],
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
    stack: list[tuple[int, list[_ValueClass]]] = [(all_rules, [])]
    while stack:
        mask, chosen = stack.pop()
        if mask == 0:
            region = [[value_class] for value_class in chosen] + class_lists[len(chosen) :]
            if not any(_inside(region, box) for box in gap_boxes):
                gap_boxes.append(_widen(region, class_lists, lambda box: _reachable(box) == 0))
            continue
        if len(chosen) == len(columns):
            if policy == "UNIQUE" and mask & (mask - 1) and mask not in overlap_boxes:
                region = [[value_class] for value_class in chosen]
                overlap_boxes[mask] = _widen(
                    region, class_lists, lambda box, mask=mask: _certain(box) & mask == mask
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


def _example(columns: list[_Column], box: Box) -> dict[str, Any]:
    return {column.key: allowed[0].value for column, allowed in zip(columns, box, strict=True)}


def _describe(columns: list[_Column], box: Box, class_lists: list[list[_ValueClass]]) -> str:
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
    """Deploy check: ``python -m workflows.decision_tables bpmn/*.dmn``; exit status 1 on problems."""
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
