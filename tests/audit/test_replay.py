"""Replay for auditors: a claim's recorded commands run again on its stored process version, every
step checked against the recorded digest, the first divergence reported with what differs.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from fund.audit.replay import replay_claim, step_diagram
from fund.claims.timers import run_due_timers
from fund.common.errors import Forbidden
from fund.extensions import db
from fund.models import AccessLogEntry, Claim, ProcessFile, WorkflowEvent, WorkflowInstance
from tests.audit_helpers import PROCESS_FILE_DAMAGE, damage_stored_file, store_version, stored_files
from tests.conftest import (
    DOCUMENTS_COMPLETE,
    DOCUMENTS_MISSING,
    TORTURE_REVIEW_APPROVE,
    error_of,
    stored_claim,
)

REJECT_REVIEW = {
    "recommendation": "reject",
    "reasons": ["documents_inconsistent"],
    "prosecutor_office": "Prosecutor's office of Almaty",
}
RECONSIDERATION_APPROVE = {"recommendation": "approve"}
REJECT = {"decision": "reject", "reasons": ["documents_inconsistent"]}
RETURN = {"decision": "return", "comment": "Check the forensic report again"}


class Driver:
    """Moves claims along through the API, a day per step, firing due timers like the worker."""

    def __init__(self, officers, staff, clock):
        self.officers, self.staff, self.clock = officers, staff, clock
        officers._headers["sara"] = staff.headers("sara", "reviewer")  # a second, independent reviewer

    def task(self, reference: str, name: str, form: dict, username: str) -> None:
        self.clock.advance(days=1)
        task_id = self.officers.task(reference, name, username)["id"]
        response = self.officers.complete(task_id, form, username)
        assert response.status_code == 200, response.get_json()

    def message(self, reference: str, name: str, payload: dict, username: str, days: float = 1) -> None:
        self.clock.advance(days=days)
        response = self.officers.deliver(reference, name, payload, username)
        assert response.status_code == 200, response.get_json()

    def timers(self, days: float) -> None:
        run_due_timers(self.clock.advance(days=days))


@pytest.fixture
def driver(officers, staff, clock) -> Driver:
    return Driver(officers, staff, clock)


def _paid(reference: str, d: Driver) -> None:
    d.task(reference, "intake_check", DOCUMENTS_COMPLETE, "ivan")
    d.task(reference, "review_torture", TORTURE_REVIEW_APPROVE, "rita")
    d.task(reference, "approval", {"decision": "approve"}, "alma")
    d.message(reference, "payment_confirmed", {"batch": "PB-2026-001"}, "farida")


def _documents_reminded_then_rejected_then_closed(reference: str, d: Driver) -> None:
    d.task(reference, "intake_check", DOCUMENTS_MISSING, "ivan")
    d.timers(days=21)  # the day-20 reminder
    d.message(reference, "documents_submitted", {"documents": ["forensic_medical_report"]}, "ivan")
    d.task(reference, "intake_check", DOCUMENTS_COMPLETE, "ivan")
    d.task(reference, "review_torture", REJECT_REVIEW, "rita")
    d.task(reference, "approval", REJECT, "alma")
    d.timers(days=31)  # no reconsideration request: closed as rejected


def _reconsidered_returned_and_paid_after_a_failed_payment(reference: str, d: Driver) -> None:
    d.task(reference, "intake_check", DOCUMENTS_COMPLETE, "ivan")
    d.task(reference, "review_torture", REJECT_REVIEW, "rita")
    d.task(reference, "approval", REJECT, "alma")
    d.message(reference, "reconsideration_requested", {"text": "The report is attached."}, "ivan")
    d.task(reference, "reconsideration_review", RECONSIDERATION_APPROVE, "sara")
    d.task(reference, "approval", RETURN, "adil_approver")
    d.task(reference, "review_torture", TORTURE_REVIEW_APPROVE, "rita")
    d.task(reference, "approval", {"decision": "approve"}, "adil_approver")
    d.message(reference, "payment_failed", {"batch": "PB-2026-001", "reason": "account closed"}, "farida")
    d.task(reference, "correct_bank_details", {"iban": "KZ86125KZT5004100100"}, "ivan")
    d.message(reference, "payment_confirmed", {"batch": "PB-2026-002"}, "farida")


def _documents_never_come(reference: str, d: Driver) -> None:
    d.task(reference, "intake_check", DOCUMENTS_MISSING, "ivan")
    d.timers(days=21)
    d.timers(days=10)  # day 31: closed as incomplete


PATHS = {
    "paid": (_paid, "paid"),
    "documents_then_rejected": (_documents_reminded_then_rejected_then_closed, "rejected"),
    "reconsidered_returned_failed_payment_paid": (
        _reconsidered_returned_and_paid_after_a_failed_payment,
        "paid",
    ),
    "documents_never_come": (_documents_never_come, "closed_incomplete"),
}


@pytest.fixture
def auditor(staff):
    return staff.user("aida", "auditor")


def _drive(submit, driver, path: str) -> str:
    drive, final_status = PATHS[path]
    driver.officers._headers.setdefault(
        "adil_approver", driver.staff.headers("adil_approver", "approver")
    )  # an approver who reviewed nothing
    reference = submit()["reference"]
    drive(reference, driver)
    assert stored_claim(reference).status == final_status
    return reference


@pytest.mark.parametrize("path", sorted(PATHS))
def test_replay_of_a_claim_driven_through_each_path_matches_at_every_step(submit, driver, auditor, path):
    reference = _drive(submit, driver, path)
    events = db.session.scalars(
        select(WorkflowEvent)
        .join(Claim, Claim.id == WorkflowEvent.claim_id)
        .where(Claim.reference == reference)
        .order_by(WorkflowEvent.sequence)
    ).all()

    report = replay_claim(auditor, reference)

    assert report.ok and report.divergence is None
    assert [s.sequence for s in report.steps] == [e.sequence for e in events]
    status = None
    for step, event in zip(report.steps, events, strict=True):
        assert step.matches, (step.sequence, step.differences)
        assert (step.type, step.actor, step.occurred_at) == (event.type, event.actor, event.occurred_at)
        assert step.actual_digest == step.expected_digest == event.state_digest
        # A letter issued records no status of its own: the claim stays where the command left it.
        status = event.result["status"] if event.type != "letter_issued" else status
        assert step.status == status
        assert [t["task"] for t in step.tasks_run] == [s["task"] for s in event.result["steps"]]
    assert report.steps[-1].status == stored_claim(reference).status
    # Every step of the path can be drawn as it was after that step.
    assert all(step_diagram(report, i) is not None for i in range(len(report.steps)))


def test_a_step_says_which_task_ran_which_gateway_path_was_taken_and_which_rule_matched(
    submit, driver, auditor
):
    reference = _drive(submit, driver, "paid")

    report = replay_claim(auditor, reference)

    submitted, acknowledgement, intake = report.steps[:3]
    assert submitted.type == "claim_submitted" and submitted.actor == "portal"
    assert acknowledgement.type == "letter_issued"
    assert acknowledgement.input["letter"]["kind"] == "acknowledgement"
    assert acknowledgement.gateway_paths == [] and not acknowledgement.differences
    assert any(d.rules for d in submitted.decisions), "the eligibility table runs at submission"
    assert intake.type == "task_completed" and intake.actor == "ivan"
    assert intake.task == "Check documents"
    assert intake.input["data"] == DOCUMENTS_COMPLETE
    paths = [(p.gateway, p.target) for p in intake.gateway_paths]
    assert paths.count(("Documents complete?", "Start review round")) == 1
    assert ("Which review?", "Review: torture") in paths
    assert submitted.data and "category" in submitted.data
    assert report.steps[-1].status == "paid"


def test_replay_masks_personal_data_in_inputs_and_process_data(submit, driver, auditor):
    reference = _drive(submit, driver, "reconsidered_returned_failed_payment_paid")

    report = replay_claim(auditor, reference)

    correction = next(s for s in report.steps if s.task and "bank" in s.task.lower())
    assert correction.input["data"]["iban"] == "KZ86••••••••••••0100"
    assert "KZ86125KZT5004100100" not in str(report.to_json())


def test_altering_one_events_input_makes_replay_report_the_first_divergence_at_that_step(
    submit, driver, auditor
):
    reference = _drive(submit, driver, "paid")
    claim_id = db.session.scalar(select(Claim.id).where(Claim.reference == reference))
    intake = db.session.scalar(  # the first task completed: the intake check
        select(WorkflowEvent)
        .where(WorkflowEvent.claim_id == claim_id, WorkflowEvent.type == "task_completed")
        .order_by(WorkflowEvent.sequence)
        .limit(1)
    )
    altered = dict(intake.input, data=DOCUMENTS_MISSING)
    db.session.execute(update(WorkflowEvent).where(WorkflowEvent.id == intake.id).values(input=altered))
    db.session.commit()
    db.session.expire_all()

    report = replay_claim(auditor, reference)

    assert not report.ok
    assert report.divergence is not None and report.divergence.sequence == intake.sequence
    assert [s.matches for s in report.steps] == [True] * (intake.sequence - 1) + [False]
    differences = " | ".join(report.divergence.differences)
    assert "hash" in differences  # the recorded input is not what was hashed
    assert "state digest" in differences
    assert "status: replay gives 'Documents requested from the claimant'" in differences
    assert "the history records 'Under review'" in differences
    body = report.to_json()
    assert body["ok"] is False and body["divergence"]["sequence"] == intake.sequence


def test_replay_runs_on_the_stored_process_version_not_todays_files(
    submit, driver, auditor, app, tmp_path, monkeypatch
):
    reference = _drive(submit, driver, "paid")
    # Today's bpmn/ could say anything: replay reads only the files stored at deploy.
    monkeypatch.setitem(app.config, "FUND_BPMN_DIR", str(tmp_path))

    assert replay_claim(auditor, reference).ok


def test_replay_writes_nothing(submit, driver, auditor):
    reference = _drive(submit, driver, "paid")
    before = stored_claim(reference)
    counts = (
        db.session.scalar(select(func.count()).select_from(WorkflowEvent)),
        db.session.scalar(select(func.count()).select_from(AccessLogEntry)),
        db.session.scalar(select(func.count()).select_from(ProcessFile)),
    )

    replay_claim(auditor, reference)
    db.session.rollback()  # anything replay left pending in the session is dropped here

    assert stored_claim(reference) == before
    assert counts == (
        db.session.scalar(select(func.count()).select_from(WorkflowEvent)),
        db.session.scalar(select(func.count()).select_from(AccessLogEntry)),
        db.session.scalar(select(func.count()).select_from(ProcessFile)),
    )


@pytest.mark.parametrize("roles", [("intake",), ("reviewer",), ("approver",), ("finance",)])
def test_only_auditors_and_admins_may_replay(submit, staff, roles):
    reference = submit()["reference"]
    with pytest.raises(Forbidden):
        replay_claim(staff.user("someone", *roles), reference)
    assert replay_claim(staff.user("adil", "admin"), reference).ok


# --- the API -----------------------------------------------------------------------------------------


def test_the_api_replays_a_claim_for_an_auditor(client, submit, driver, officers):
    reference = _drive(submit, driver, "paid")

    response = client.post(f"/api/v1/claims/{reference}/replay", headers=officers.headers("aida"))

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["ok"] is True and body["divergence"] is None
    assert len(body["steps"]) == stored_claim(reference).event_count
    first = body["steps"][0]
    for key in ("sequence", "type", "actor", "occurred_at", "input", "tasks_run", "gateway_paths"):
        assert key in first
    assert all(step["matches"] for step in body["steps"])
    assert {"decisions", "status", "data", "expected_digest", "actual_digest"} <= set(first)


def test_the_api_reports_the_divergence(client, submit, driver, officers):
    reference = _drive(submit, driver, "paid")
    claim_id = db.session.scalar(select(Claim.id).where(Claim.reference == reference))
    db.session.execute(
        update(WorkflowEvent)
        .where(WorkflowEvent.claim_id == claim_id, WorkflowEvent.sequence == 2)
        .values(occurred_at=driver.clock.now - timedelta(days=400))
    )
    db.session.commit()

    body = client.post(f"/api/v1/claims/{reference}/replay", headers=officers.headers("aida")).get_json()

    assert body["ok"] is False
    assert body["divergence"]["sequence"] == 2
    assert body["divergence"]["differences"]


@pytest.mark.parametrize("kind", sorted(PROCESS_FILE_DAMAGE))
def test_the_api_answers_with_the_finding_when_the_process_version_was_altered(
    client, submit, officers, clock, monkeypatch, kind
):
    reference = submit()["reference"]
    version = db.session.scalar(select(WorkflowInstance.process_version))
    damage_stored_file(version, kind)
    monkeypatch.setattr("workflows.specs._deployed", {})  # as in a server started after the damage

    response = client.post(f"/api/v1/claims/{reference}/replay", headers=officers.headers("aida"))

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["ok"] is False and body["steps"] == [] and body["divergence"] is None
    assert body["finding"] == (
        f"process version {version[:12]} altered: its stored files were changed after deploy; "
        "replay cannot be run on it"
    )


def test_the_api_answers_with_the_finding_when_the_process_version_no_longer_loads(
    client, submit, officers, clock
):
    """Files that hash to their version but do not load (rewritten with their id) are a finding too."""
    reference = submit()["reference"]
    version = db.session.scalar(select(WorkflowInstance.process_version))
    path, change = PROCESS_FILE_DAMAGE["a form that is not JSON"]
    files = stored_files(version)
    broken = store_version(dict(files, **{path: change(files[path])}), clock.now)
    db.session.execute(update(WorkflowInstance).values(process_version=broken))
    db.session.commit()

    body = client.post(f"/api/v1/claims/{reference}/replay", headers=officers.headers("aida")).get_json()

    assert body["ok"] is False and body["steps"] == []
    assert body["finding"].startswith(f"process version {broken[:12]} cannot be loaded: {path}: not valid")


@pytest.mark.parametrize("username", ["ivan", "rita", "farida"])
def test_the_api_refuses_replay_to_those_who_work_claims(client, submit, officers, clock, username):
    reference = submit()["reference"]
    response = client.post(f"/api/v1/claims/{reference}/replay", headers=officers.headers(username))
    assert error_of(response, 403)["code"] == "forbidden"


def test_replaying_an_unknown_claim_is_not_found(client, officers, clock):
    response = client.post("/api/v1/claims/VCF-2026-999999/replay", headers=officers.headers("aida"))
    assert error_of(response, 404)["code"] == "not_found"


def test_the_api_refuses_every_write_to_an_auditor(client, submit, officers, clock):
    reference = submit()["reference"]
    task_id = officers.task(reference, "intake_check", "ivan")["id"]
    before = stored_claim(reference)

    complete = officers.complete(task_id, DOCUMENTS_COMPLETE, "aida")
    message = officers.deliver(reference, "documents_submitted", {"documents": []}, "aida")

    assert error_of(complete, 403)["code"] == "forbidden"
    assert error_of(message, 403)["code"] == "forbidden"
    assert stored_claim(reference) == before
