"""Warm workflows: a claim whose workflow stays live between commands goes exactly where one
restored from its snapshot at every step goes, and a state that was not kept is never served."""

from __future__ import annotations

import pytest

from tests.engine_helpers import (
    INTAKE,
    Claim,
    claim_facts,
    documents_complete,
    drive_longest_claim,
    drive_to_approval,
    replay,
)
from workflows import engine
from workflows.engine import CommandContext
from workflows.serialization import state_digest
from workflows.warm import WarmWorkflows


def test_the_longest_claim_gives_the_same_states_warm_as_restored_at_every_step():
    warm = WarmWorkflows()
    live = drive_longest_claim(warm=warm)
    cold = drive_longest_claim()
    assert [o.digest for o in live.outcomes] == [o.digest for o in cold.outcomes]
    assert [o.state for o in live.outcomes] == [o.state for o in cold.outcomes]
    assert [(o.status, o.ready_tasks, o.timers, o.steps) for o in live.outcomes] == [
        (o.status, o.ready_tasks, o.timers, o.steps) for o in cold.outcomes
    ]
    # Every command after the start took the live workflow its predecessor left.
    assert warm.found == len(live.outcomes) - 1 and warm.missed == 0
    # And replaying the recorded commands from the snapshots reproduces every digest.
    assert [o.digest for o in replay(live.commands, live.key)] == [o.digest for o in live.outcomes]


def test_a_refused_command_takes_its_workflow_with_it_and_the_next_one_restores():
    warm = WarmWorkflows()
    claim = Claim(claim_facts(), warm=warm)
    state = claim.state
    task = claim.task("intake_check")
    with pytest.raises(engine.FormInvalid):
        engine.complete_task(
            claim.process, state, task.id, {"documents_complete": "maybe"},
            CommandContext(INTAKE, claim.now, claim.rates, warm=warm),
        )  # fmt: skip
    assert len(warm) == 0  # the workflow the refused command changed is gone
    claim.intake(documents_complete())
    assert warm.missed == 1  # restored from the snapshot, as if nothing had been tried
    cold = Claim(claim_facts()).intake(documents_complete())
    assert claim.outcome.digest == cold.outcome.digest


def test_a_state_other_than_the_kept_one_is_restored_not_taken_from_the_shelf():
    warm = WarmWorkflows()
    claim = drive_to_approval(Claim(claim_facts(), warm=warm))
    earlier = claim.outcomes[1]  # after the intake check: not the state the shelf holds
    review = earlier.ready_tasks[0]
    again = engine.complete_task(
        claim.process, earlier.state, review.id, claim.commands[2].data,
        CommandContext(claim.commands[2].actor, claim.commands[2].at, claim.rates, warm=warm),
        claim.commands[2].observed,
    )  # fmt: skip
    assert again.digest == claim.outcomes[2].digest
    assert warm.missed == 1
    assert state_digest(claim.state) == claim.outcome.digest


def test_a_shelf_without_room_keeps_nothing_and_a_full_one_lets_the_oldest_go():
    nothing = WarmWorkflows(capacity=0)
    Claim(claim_facts(), warm=nothing).intake()
    assert len(nothing) == 0 and nothing.found == 0
    two = WarmWorkflows(capacity=2)
    first, second, third = (Claim(claim_facts(), key=f"CLM-2026-00000{n}", warm=two) for n in (1, 2, 3))
    assert len(two) == 2
    first.intake()  # its state left the shelf when the third claim started
    assert (two.missed, two.found) == (1, 0)
    third.intake()  # the newest are still there
    assert (two.missed, two.found) == (1, 1)
    second.intake()  # the first's new state pushed the second's out
    assert (two.missed, two.found) == (2, 1)
