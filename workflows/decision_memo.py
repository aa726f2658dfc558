"""Decision tables that remember which rules matched, for tables whose answer depends only on the
values of their input columns.

SpiffWorkflow's DMN engine evaluates every cell of a table, each a Python expression compiled
anew, every time a business rule task runs, and the engine runs the table again afterwards to
record which rows decided (``workflows.engine._matched_rules``). For a table of Art. 6 (161 rules)
that is most of a submission's CPU. When every cell is a plain value or a ``?`` expression and
nothing in the table reads the clock or the reference data (the analysis of
:mod:`workflows.rule_preview`), the matched rules are a function of the input columns' values:
they are kept per table, keyed by those values (with their types: 1, True and 1.0 differ), in a
bounded memory. Any other table, or any value that cannot be a key, runs exactly as before. The
outputs are still evaluated by SpiffWorkflow on each task's own data, and nothing here is stored
in a snapshot, so states and digests are the same with or without it.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine

from .rule_preview import table_column_codes, table_input_values

MEMORY = 4096  # input-value combinations kept per table (least recently used dropped first)


class RememberingDMNEngine(DMNEngine):
    """SpiffWorkflow's engine for one decision table, remembering the matched rules by input values."""

    def __init__(self, decision_table: Any) -> None:
        super().__init__(decision_table)
        self._columns = table_column_codes(self)
        self._matched: OrderedDict[tuple, list] = OrderedDict()

    def decide(self, task: Any) -> list:
        """The rules that match the task's data (see the module's docstring for when it is remembered)."""
        key = table_input_values(self._columns, task.data) if self._columns is not None else None
        if key is None:
            return super().decide(task)
        rules = self._matched.get(key)
        if rules is None:
            rules = super().decide(task)
            self._matched[key] = rules
            if len(self._matched) > MEMORY:
                self._matched.popitem(last=False)
        else:
            self._matched.move_to_end(key)
        return list(rules)


def remember_decisions(task_specs) -> None:
    """Give every business rule task among ``task_specs`` a remembering engine for its table."""
    for spec in task_specs:
        engine = getattr(spec, "dmnEngine", None)
        if engine is not None and not isinstance(engine, RememberingDMNEngine):
            spec.dmnEngine = RememberingDMNEngine(engine.decision_table)
