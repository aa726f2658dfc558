"""Decision tables remember their matched rules by input values, and decide exactly as before.

A claim of every category along the straight path, and the longest claim, give the same states,
digests and recorded steps whether the tables remember or not; only tables whose answer depends on
the values of their input columns remember, and a table that reads the clock never does.
"""

from __future__ import annotations

import dataclasses

import pytest
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine

from tests.engine_helpers import CATEGORIES, Claim, claim_facts, drive_to_payment, shipped_files
from workflows.decision_memo import RememberingDMNEngine
from workflows.specs import all_task_specs, load_process


def tables(process) -> dict[str, DMNEngine]:
    return {
        spec.name: spec.dmnEngine
        for spec in all_task_specs(process.spec, process.subprocess_specs)
        if getattr(spec, "dmnEngine", None) is not None
    }


@pytest.fixture(scope="module")
def forgetful():
    """The shipped process with SpiffWorkflow's own engine on every table, as before."""
    process = load_process(shipped_files(), validate=False)
    for spec in all_task_specs(process.spec, process.subprocess_specs):
        if getattr(spec, "dmnEngine", None) is not None:
            spec.dmnEngine = DMNEngine(spec.dmnEngine.decision_table)
    return process


@pytest.fixture(scope="module")
def remembering():
    """The shipped process as loaded (its tables remember), shared by every category's claims: a
    table that kept the wrong rules for some values would decide a later category wrongly."""
    return load_process(shipped_files(), validate=False)


def history(claim: Claim) -> list[tuple]:
    return [(o.digest, o.status, o.steps, o.data) for o in claim.outcomes]


def test_every_shipped_table_remembers_and_none_reads_the_clock():
    engines = tables(load_process(shipped_files(), validate=False))
    assert engines and all(isinstance(engine, RememberingDMNEngine) for engine in engines.values())
    assert all(engine._columns is not None for engine in engines.values()), [
        name for name, engine in engines.items() if engine._columns is None
    ]


@pytest.mark.parametrize("category", CATEGORIES)
def test_remembering_tables_give_the_same_history_as_the_engine_alone(forgetful, remembering, category):
    for _ in range(2):  # the second claim finds every answer remembered
        alone = drive_to_payment(Claim(claim_facts(category), process=forgetful))
        with_memory = drive_to_payment(Claim(claim_facts(category), process=remembering))
        assert history(with_memory) == history(alone)


def test_a_table_that_reads_the_clock_is_never_remembered():
    engine = next(iter(tables(load_process(shipped_files(), validate=False)).values()))
    table = engine.decision_table
    rule = table.rules[0]
    entry = rule.inputEntries[0]
    clocked = dataclasses.replace(entry) if dataclasses.is_dataclass(entry) else entry
    original = list(clocked.lhs)
    try:
        clocked.lhs = ["today() > ?"]
        assert RememberingDMNEngine(table)._columns is None
    finally:
        clocked.lhs = original
