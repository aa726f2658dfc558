"""A command's writes are built once per shape and sent with the command's values (issue 13).

What a user would notice is only speed; what these tests pin down is that the work of building
the statements is not done again for every command, and that the values still land where they
belong (the claims tests at large check the rows themselves).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from fund.claims import command_writes
from fund.extensions import db
from fund.models import Claim, HumanTask, WorkflowInstance


def test_a_second_claim_taken_through_the_same_step_builds_no_statement_again(submit, officers, clock):
    first, second = submit()["reference"], submit()["reference"]
    officers.check_documents(first)
    shapes_seen = dict(command_writes._cache)

    officers.check_documents(second)

    assert command_writes._cache == shapes_seen  # the same shape: the same statements, not new ones
    event_counts = []
    for reference in (first, second):
        claim = db.session.scalar(select(Claim).where(Claim.reference == reference))
        instance = db.session.scalar(select(WorkflowInstance).where(WorkflowInstance.claim_id == claim.id))
        tasks = db.session.execute(
            select(HumanTask.name, HumanTask.state).where(HumanTask.claim_id == claim.id)
        ).all()
        assert claim.status == "under_review"
        assert ("intake_check", "completed") in tasks and ("review_torture", "open") in tasks
        event_counts.append(instance.event_count)
    assert event_counts[0] == event_counts[1]


def test_statements_of_different_shapes_are_told_apart(app):
    tasks = HumanTask.__table__
    with app.app_context():
        one, other = command_writes.CommandWrites(), command_writes.CommandWrites()
        one.close_tasks(tasks, 1, ["a"], "b", "ivan", None)
        other.close_tasks(tasks, 1, ["a", "c"], "b", "ivan", None)
        dialect = db.engine.dialect.name
        (built_one,), _ = command_writes._statements(dialect, tuple(one.shapes), 0)
        (built_other,), _ = command_writes._statements(dialect, tuple(other.shapes), 0)

    assert "w0_ready_1" not in str(built_one) and "w0_ready_1" in str(built_other)


def test_long_values_are_stored_with_lz4_on_postgresql(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only: SQLite does not compress")
        assert db.session.execute(text("SHOW default_toast_compression")).scalar() == "lz4"
