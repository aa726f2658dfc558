"""A server process keeps each claim's workflow live between its commands (workflows.warm): the
next officer's step does not restore the claim's history from its snapshot, and the claim's
history is the same as without it (the audit's replay reproduces every digest)."""

from __future__ import annotations

from fund.audit.replay import replay_claim
from fund.extensions import WARM_WORKFLOWS
from tests.conftest import TORTURE_REVIEW_APPROVE


def test_each_step_takes_the_workflow_the_step_before_left_and_the_history_verifies(
    app, submit, officers, staff, clock
):
    warm = app.extensions[WARM_WORKFLOWS]
    reference = submit()["reference"]
    found_before = warm.found
    officers.check_documents(reference)
    officers._step(reference, "review_torture", TORTURE_REVIEW_APPROVE, "rita")
    officers._step(reference, "approval", {"decision": "approve"}, "alma")
    assert warm.found - found_before == 3
    assert replay_claim(staff.user("aida", "auditor"), reference).ok


def test_a_process_that_keeps_no_workflows_restores_each_step_to_the_same_history(
    app, submit, officers, staff, clock, monkeypatch
):
    monkeypatch.setattr(app.extensions[WARM_WORKFLOWS], "capacity", 0)
    warm = app.extensions[WARM_WORKFLOWS]
    warm.clear()
    found_before = warm.found
    reference = submit()["reference"]
    officers.check_documents(reference)
    officers._step(reference, "review_torture", TORTURE_REVIEW_APPROVE, "rita")
    assert len(warm) == 0 and warm.found == found_before
    assert replay_claim(staff.user("aida", "auditor"), reference).ok
