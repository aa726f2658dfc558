"""The engine's ``cancel`` command (a claim withdrawn by its claimant): the instance ends with no
ready task and no timer, the status is the one the command names, replay gives the same state, and
an instance that already ended is refused."""

from __future__ import annotations

import pytest

from tests.engine_helpers import PORTAL, Claim, drive_to_payment, shipped_process
from workflows import engine
from workflows.engine import CommandContext, NotWaitingForMessage


def cancelled(claim: Claim) -> engine.Outcome:
    return engine.cancel(claim.process, claim.state, "withdrawn", CommandContext(PORTAL, claim.now))


def test_a_cancelled_instance_has_no_task_and_no_timer_and_the_named_status():
    claim = Claim().request_documents("forensic_medical_report").later(days=1)
    assert claim.outcome.timers and claim.outcome.waiting_messages

    outcome = cancelled(claim)

    assert (outcome.completed, outcome.status) == (True, "withdrawn")
    assert (outcome.ready_tasks, outcome.timers, outcome.waiting_messages) == ([], [], [])
    # Restored from its snapshot, the instance is still over: a later deadline fires nothing.
    later = engine.fire_due_timers(
        shipped_process(), outcome.state, CommandContext("worker", claim.now.replace(year=2027))
    )
    assert later.completed and later.ready_tasks == [] and later.steps == []


def test_cancelling_again_gives_the_same_state_so_replay_matches():
    claim = Claim().intake().later(hours=2)
    assert cancelled(claim).digest == cancelled(claim).digest


def test_an_instance_that_has_ended_cannot_be_cancelled():
    claim = drive_to_payment(Claim()).payment_confirmed()
    assert claim.completed
    with pytest.raises(NotWaitingForMessage):
        cancelled(claim)
