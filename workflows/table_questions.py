"""One decision table of a version's files: run on facts, and asked which of its columns matter when.

A claim names its crime by article and part; for some of them the law goes further, by paragraph
("paragraph 2) of part 3") or by a qualifier ("committed by a criminal group"). Which ones is the
table's to say, not a copy of the law's lists: :meth:`Decision.columns_that_matter` finds, for every
combination of the values the key columns' cells name (article "120", part "3"), the other columns
whose cells tell that combination's rules apart, and the values those cells name.

:meth:`Decision.decide` runs the table on facts as a business rule task does (SpiffWorkflow's own
DMN engine, the engine's script environment, see :func:`workflows.decision_tables.evaluate_decision`),
and remembers nothing: unlike :class:`workflows.rule_preview.DecisionRules`, whose answers are
cached by fact values, it is safe on facts typed by anyone (a claimant's draft).
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine

from .clock import command_scope
from .decision_table_inputs import Column, cell_text, value_classes
from .decision_tables import dmn_parser, stand_in_task
from .parsing import SpecValidationError

# The same pattern DMNEngine.evaluate uses to find a '?' outside quotes.
_QUESTION_MARK = re.compile(r'(\?)(?=(?:[^\'"]|[\'"][^\'"]*[\'"])*$)')


@dataclass(frozen=True)
class Decision:
    """One decision table, parsed once from a version's DMN files."""

    decision_id: str
    source: str
    engine: DMNEngine

    @classmethod
    def of_files(cls, dmn_files: Mapping[str, bytes], decision_id: str) -> Decision:
        """The table ``decision_id`` among ``dmn_files`` (path -> content); SpecValidationError if absent."""
        parser = dmn_parser()
        try:
            for path, data in sorted(dmn_files.items()):
                parser.add_dmn_xml(etree.fromstring(data), filename=path)
        except Exception as error:  # SpiffWorkflow's parser fails in its own ways on odd input
            raise SpecValidationError([f"dmn: cannot be parsed ({type(error).__name__}: {error})"]) from error
        if decision_id not in parser.dmn_parsers:
            raise SpecValidationError([f"no decision table {decision_id}"])
        source = parser.dmn_parsers[decision_id].filename or ""
        return cls(decision_id, source, parser.get_engine(decision_id, None))

    def decide(self, facts: Mapping[str, Any], at: datetime) -> dict[str, Any]:
        """What a business rule task running this table at ``at`` would merge into ``facts``.

        Raises what SpiffWorkflow raises when a cell or an input expression fails on the facts.
        """
        with command_scope(at):
            return dict(self.engine.result(stand_in_task(dict(facts), self.source)))

    def columns_that_matter(
        self, keys: Sequence[str], asked: Sequence[str]
    ) -> dict[tuple[Any, ...], dict[str, tuple[Any, ...]]]:
        """For each combination of key values the rules name, the ``asked`` columns that decide between
        its rules, with the values their cells name (True and False for a yes/no column).

        Columns are named by their input expression. ``{("120", "3"): {"article_paragraph": (2,)}}``
        says: among the rules for article "120" and part "3", the paragraph changes which rule
        matches, and the rules name paragraph 2. A combination for which no asked column matters is
        left out. A value no cell names (an article not listed) is never a key.
        """
        table = self.engine.decision_table
        columns = {
            column.expression: Column(index, column, column.expression, column.typeRef or "string", None)
            for index, column in enumerate(table.inputs)
        }
        missing = [name for name in (*keys, *asked) if name not in columns]
        if missing:
            raise SpecValidationError([f"{self.decision_id}: no input column {', '.join(missing)}"])
        task = stand_in_task({}, self.source)
        rules = list(table.rules)
        everyone = (1 << len(rules)) - 1

        def classes(column: Column, mask: int) -> list[Any]:
            cells = [
                (rule.row_number, cell_text(rule, column.index))
                for bit, rule in enumerate(rules)
                if mask >> bit & 1
            ]
            found, _errors = value_classes(self.engine, task, column, cells)  # deploy checks report errors
            return found

        named_by_key: list[list[tuple[Any, int]]] = []
        for key in keys:
            column = columns[key]
            named = _named_values(column, [cell_text(rule, column.index) for rule in rules])
            masks = {}
            for value_class in classes(column, everyone):
                for value in value_class.values:
                    masks[_typed(value)] = value_class.mask  # bit r: rule r (every rule was given)
            named_by_key.append([(value, masks[_typed(value)]) for value in named if _typed(value) in masks])

        found: dict[tuple[Any, ...], dict[str, tuple[Any, ...]]] = {}
        for combination in itertools.product(*named_by_key):
            mask = everyone
            for _value, value_mask in combination:
                mask &= value_mask
            if not mask:
                continue
            matter: dict[str, tuple[Any, ...]] = {}
            for name in asked:
                column = columns[name]
                if len(classes(column, mask)) > 1:
                    cells = [
                        cell_text(rule, column.index) for bit, rule in enumerate(rules) if mask >> bit & 1
                    ]
                    matter[name] = _named_values(column, cells)
            if matter:
                found[tuple(value for value, _mask in combination)] = matter
        return found


def _typed(value: Any) -> tuple[type, Any]:
    return type(value), value  # 1 and True are told apart


def _named_values(column: Column, cells: Sequence[str | None]) -> tuple[Any, ...]:
    """The values the cells name for this column, in the order they first appear (True, False for
    a yes/no column)."""
    if column.type_ref == "boolean":
        return (True, False)
    named: list[Any] = []
    for cell in cells:
        if cell is None:
            continue
        try:
            tree = ast.parse(_QUESTION_MARK.sub("dmn_value", cell), mode="eval")
        except SyntaxError:
            try:
                tree = ast.parse(f"dmn_value {cell}", mode="eval")
            except SyntaxError:
                continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Constant) or node.value is None or isinstance(node.value, bool):
                continue
            if column.type_ref == "string" and isinstance(node.value, str):
                named.append(node.value)
            elif column.type_ref != "string" and isinstance(node.value, int | float):
                named.append(node.value)
    unique = list(dict.fromkeys(named))
    return tuple(unique if column.type_ref == "string" else sorted(unique))
