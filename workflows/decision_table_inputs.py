"""A decision table's input columns, how SpiffWorkflow reads their cells, and the values they tell apart.

The checks in :mod:`workflows.decision_table_checks` need what a cell means to SpiffWorkflow's
DMNEngine (:func:`cell_problem` says why a cell would not do what it says), the classes of
candidate input values that no rule tells apart (:func:`value_classes`) and regions of the input
space, a :data:`Box` of value classes per column (:func:`reachable`, :func:`certain`,
:func:`widen`, :func:`inside`).
"""

from __future__ import annotations

import ast
import functools
import itertools
import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.dmn.specs.model import Input

# The same pattern DMNEngine.evaluate uses to find a '?' outside quotes.
_QUESTION_MARK = re.compile(r'(\?)(?=(?:[^\'"]|[\'"][^\'"]*[\'"])*$)')
# The name the checker binds the column value to (the engine's own '?' name is 'dmninputexpr').
_VALUE = "dmn_checked_value"
_OTHER_STRING = "<other>"
_INTEGER_TYPES = {"integer", "long"}
_FLOAT_TYPES = {"double", "number"}


@dataclass
class Column:
    """An input column the checker can enumerate: its position, SpiffWorkflow's input, the key
    examples use, its typeRef and its declared ``inputValues`` (None when open)."""

    index: int
    input: Input
    key: str
    type_ref: str
    declared: list[Any] | None


@dataclass
class ValueClass:
    """Values of one column that the table's rules do not tell apart."""

    values: list[Any]  # candidates no rule tells apart; the first one stands for them all
    mask: int  # bit r set when rule r's cells in this column match these values

    @property
    def value(self) -> Any:
        return self.values[0]


def cell_text(rule: Any, index: int) -> str | None:
    """The text of ``rule``'s cell in input column ``index``; None when it matches anything."""
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


def cell_problem(engine: DMNEngine, task: SimpleNamespace, column: Column, cell: str | None) -> str | None:
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


def _literal_problem(column: Column, tree: ast.expr, cell: str) -> str | None:
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


def _candidates(column: Column, cells: Sequence[str | None]) -> list[Any]:
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


def value_classes(
    engine: DMNEngine, task: SimpleNamespace, column: Column, cells: Sequence[tuple[int, str | None]]
) -> tuple[list[ValueClass], list[tuple[int, str]]]:
    """Candidate values grouped by which rules' cells they match (first candidate represents)."""
    errors: dict[int, str] = {}
    classes: dict[int, ValueClass] = {}
    for value in _candidates(column, [cell for _, cell in cells]):
        task.data = {_VALUE: value}
        mask = 0
        # Tables repeat cells (a rule per article and harm): each distinct cell is evaluated once.
        results: dict[str, bool | Exception] = {}
        for bit, (row, cell) in enumerate(cells):
            if cell is None:
                mask |= 1 << bit
                continue
            if cell not in results:
                try:
                    # The engine's own evaluate: same ==/operator/'?' rules and script functions.
                    results[cell] = bool(engine.evaluate(f"({_VALUE})", cell, task))
                except Exception as exc:
                    results[cell] = exc
            matched = results[cell]
            if isinstance(matched, Exception):
                cause = matched.__context__ or matched  # SpiffWorkflow wraps the Python error
                errors.setdefault(row, f"cell {cell!r} fails on {value!r}: {type(cause).__name__}: {cause}")
                continue
            if matched:
                mask |= 1 << bit
        classes.setdefault(mask, ValueClass([], mask)).values.append(value)
    return list(classes.values()), sorted(errors.items())


Box = list[list[ValueClass]]  # per column, the value classes a region of inputs allows


def reachable(box: Box) -> int:
    """Rules that match at least one input in the box."""
    mask = -1
    for allowed in box:
        mask &= functools.reduce(operator.or_, (value_class.mask for value_class in allowed), 0)
    return mask


def certain(box: Box) -> int:
    """Rules that match every input in the box."""
    mask = -1
    for allowed in box:
        mask &= functools.reduce(operator.and_, (value_class.mask for value_class in allowed), -1)
    return mask


def widen(box: Box, class_lists: list[list[ValueClass]], keep: Callable[[Box], bool]) -> Box:
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


def inside(region: Box, box: Box) -> bool:
    """Whether every value class ``region`` allows is one that ``box`` allows too."""
    return all(
        all(any(value_class is other for other in allowed) for value_class in part)
        for part, allowed in zip(region, box, strict=True)
    )
