"""A version's decision tables run on recorded facts, exactly as its process would run them.

Before a rule change is deployed, the fund runs the candidate tables on the facts of every stored
claim and compares with what the claim's own version gives (``fund rules preview``). The tables
are parsed once per version and run by SpiffWorkflow's own DMN engine with the engine's script
environment (:mod:`workflows.scripting`), on a task-like object built as
:func:`workflows.decision_tables.evaluate_decision` builds it; the decisions run one after the
other, each seeing the facts and the outputs of the ones before (deep-merged as a business rule
task merges them).

What the process would see and the facts do not hold is None: a table read by an older claim may
name a column its facts lack (a fact added since), and the process would fail on it; a preview
says what the table gives with "not recorded".

Speed: a fund's whole history is 100,000 claims. A table's answer is a function of the values of
its input columns when every cell is either a plain value (compared with ``==``) or a ``?``
expression, and no cell or output reads anything else but the script environment's pure functions:
then answers are cached by those values (a handful of expressions per claim instead of the whole
table). Otherwise they are cached by the facts the table reads, and not at all when it reads the
clock (``today``, ``now_utc``, ``mci_on``): such a table runs on each claim at the time the claim's
tables ran (its submission), with the MCI rates it was given.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import CodeType
from typing import Any

from lxml import etree
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.util.deep_merge import DeepMerge

from .clock import command_scope
from .decision_tables import dmn_parser, stand_in_task
from .parsing import SpecValidationError
from .process_files import ProcessFiles
from .scripting import SCRIPT_FUNCTIONS, FundScriptEnvironment

# Scripts that read the engine's clock or its reference data: never cached.
CLOCK_FUNCTIONS = frozenset({"today", "now_utc", "mci_on"})
_CLOCK_ATTRIBUTES = frozenset({"today", "now", "utcnow"})  # date.today(): the wall clock, never cached
# The same pattern DMNEngine.evaluate uses to find a '?' outside quotes, and the name it binds.
_QUESTION_MARK = re.compile(r'(\?)(?=(?:[^\'"]|[\'"][^\'"]*[\'"])*$)')
_COLUMN_VALUE = "dmninputexpr"
_ENVIRONMENT = FundScriptEnvironment().globals
_PURE_NAMES = (set(_ENVIRONMENT["__builtins__"]) | set(SCRIPT_FUNCTIONS)) - CLOCK_FUNCTIONS
_UNCACHED = object()


def _names(expression: str) -> tuple[set[str], bool] | None:
    """The names an expression reads, and whether it reads the clock; None when it does not parse."""
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        return None
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    clock = bool(names & CLOCK_FUNCTIONS) or any(
        isinstance(node, ast.Attribute) and node.attr in _CLOCK_ATTRIBUTES for node in ast.walk(tree)
    )
    return names, clock


def table_column_codes(engine: DMNEngine) -> tuple[CodeType, ...] | None:
    """The compiled input expressions of a table whose matched rules depend only on their values
    (every cell a plain value or a ``?`` expression, nothing reading the clock); otherwise None."""
    table = _Table.of("", "", engine)
    return None if table.reads_clock else table.column_codes


def table_input_values(column_codes: tuple[CodeType, ...], data: dict[str, Any]) -> tuple | None:
    """The values of the input columns for ``data``, with their types, as a key; None when one cannot
    be computed here or cannot be a key (the engine then decides as it always does)."""
    scope = {**_ENVIRONMENT, **data}
    try:
        values = [eval(code, scope) for code in column_codes]  # noqa: S307 - bpmn/ is reviewed code
    except Exception:
        return None
    key = tuple((type(value), value) for value in values)
    try:
        hash(key)
    except TypeError:
        return None
    return key


@dataclass
class _Table:
    """One decision table, what it reads, and its answers so far."""

    decision_id: str
    source: str
    engine: DMNEngine
    reads: tuple[str, ...] = ()  # the facts (data names) it reads, sorted
    column_codes: tuple[CodeType, ...] | None = None  # set when answers depend on column values only
    reads_clock: bool = True
    answers: dict[tuple, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, decision_id: str, source: str, engine: DMNEngine) -> _Table:
        table = cls(decision_id, source, engine)
        table._learn_what_it_reads()
        return table

    def _learn_what_it_reads(self) -> None:
        decision = self.engine.decision_table
        expressions = [column.expression for column in decision.inputs]
        if not all(expressions):  # SpiffWorkflow then reads a column by its label: run it as is
            return
        read: set[str] = set()
        clock = False
        by_value = True
        for expression in expressions:
            found = _names(expression)
            if found is None:
                return
            read |= found[0]
            clock |= found[1]
        for rule in decision.rules:
            cells = [lhs for entry in rule.inputEntries for lhs in entry.lhs if lhs is not None]
            for cell in cells:
                uses_value = bool(_QUESTION_MARK.search(cell))
                found = _names(_QUESTION_MARK.sub(_COLUMN_VALUE, cell)) if uses_value else _names(cell)
                if found is None:  # an operator glued to the column's expression as text ('>= 3')
                    found = _names(f"{_COLUMN_VALUE} {cell}")
                    by_value = False
                if found is None:
                    return
                names = found[0] - {_COLUMN_VALUE}
                read |= names
                clock |= found[1]
                by_value &= names <= _PURE_NAMES
            for entry in rule.outputEntries:
                found = _names(entry.text) if getattr(entry, "text", "") else (set(), False)
                if found is None:
                    return
                read |= found[0]
                clock |= found[1]
                by_value &= found[0] <= _PURE_NAMES
        self.reads = tuple(sorted(read - _PURE_NAMES - CLOCK_FUNCTIONS - {_COLUMN_VALUE}))
        self.reads_clock = clock
        if by_value:
            self.column_codes = tuple(compile(text, "<decision input>", "eval") for text in expressions)

    def _key(self, data: dict[str, Any]) -> tuple | object:
        """What this table's answer depends on for ``data``, or _UNCACHED."""
        if self.reads_clock:
            return _UNCACHED
        if self.column_codes is not None:
            # The engine may not even read a column that fails here: then let it decide.
            key = table_input_values(self.column_codes, data)
            return _UNCACHED if key is None else key
        values = [data[name] for name in self.reads]
        key = tuple((type(value), value) for value in values)  # 1, True and 1.0 are told apart
        try:
            hash(key)
        except TypeError:
            return _UNCACHED
        return key

    def answer(self, data: dict[str, Any], at: datetime, mci_rates: tuple[tuple[date, int], ...]) -> dict:
        """What a business rule task running this table would merge into ``data``."""
        key = self._key(data)
        if key is not _UNCACHED and key in self.answers:
            return self.answers[key]
        with command_scope(at, mci_rates=mci_rates):
            result = dict(self.engine.result(stand_in_task(data, self.source)))
        if key is not _UNCACHED:
            self.answers[key] = result
        return result


class DecisionRules:
    """The decision tables of one version, parsed once, run in the order its process runs them."""

    def __init__(self, dmn_files: Mapping[str, bytes], decision_ids: Sequence[str]):
        parser = dmn_parser()
        where = "dmn"
        try:
            for where, data in sorted(dmn_files.items()):
                parser.add_dmn_xml(etree.fromstring(data), filename=where)
            where = "dmn"
            sources = {decision_id: parser.dmn_parsers[decision_id].filename for decision_id in decision_ids
                       if decision_id in parser.dmn_parsers}  # fmt: skip
            missing = [decision_id for decision_id in decision_ids if decision_id not in sources]
            if missing:
                raise SpecValidationError([f"no decision table {', '.join(missing)}"])
            self._tables = [
                _Table.of(decision_id, sources[decision_id] or "", parser.get_engine(decision_id, None))
                for decision_id in decision_ids
            ]
        except SpecValidationError:
            raise
        except Exception as error:  # SpiffWorkflow's parser fails in its own ways on odd input
            raise SpecValidationError(
                [f"{where}: cannot be parsed ({type(error).__name__}: {error})"]
            ) from error

    @classmethod
    def of_version(cls, files: ProcessFiles, decision_ids: Sequence[str]) -> DecisionRules:
        """The tables of a version's files (every ``*.dmn`` file of it)."""
        return cls(files.matching(".dmn"), decision_ids)

    @property
    def reads(self) -> tuple[str, ...]:
        """Every fact a table reads (what a claim's facts must hold; missing ones are None)."""
        return tuple(sorted({name for table in self._tables for name in table.reads}))

    def decide(
        self,
        facts: Mapping[str, Any],
        at: datetime,
        mci_rates: tuple[tuple[date, int], ...] = (),
    ) -> dict[str, Any]:
        """The outputs of every decision on ``facts``, as the process would merge them into its data.

        ``at`` is the time the process ran the tables (for tables that read the clock), ``mci_rates``
        the rates it was given. Raises what SpiffWorkflow raises when a cell fails.
        """
        data = dict(facts)
        outputs: dict[str, Any] = {}
        for table in self._tables:
            for name in table.reads:
                data.setdefault(name, None)
            result = table.answer(data, at, mci_rates)
            data = DeepMerge.merge(data, result)
            outputs = DeepMerge.merge(outputs, result)
        return outputs
