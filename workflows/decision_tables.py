"""Decision tables (DMN): run them exactly as the workflow does.

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
input matched by no rule silently yields no output.
:func:`workflows.decision_table_checks.check_decision_tables` is our guard, run at deploy and in
the tests.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from .scripting import create_script_engine


def stand_in_task(data: dict[str, Any], source: str) -> SimpleNamespace:
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


def dmn_parser() -> SpiffBpmnParser:
    """A parser for DMN files as the workflow's: with a validator, SpiffWorkflow also validates DMN
    files against the DMN XSD of their namespace."""
    return SpiffBpmnParser(validator=VALIDATOR)


@lru_cache(maxsize=32)
def _load_engine(path: str, mtime_ns: int, decision_id: str) -> DMNEngine:
    parser = dmn_parser()
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
    task = stand_in_task(dict(data), str(path))
    return dict(engine.result(task))
