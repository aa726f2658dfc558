"""The `fund` command as the fund's IT staff use it."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from fund import PROJECT_ROOT
from fund.claims.history import verify_claim
from fund.extensions import db
from fund.models import Claim, ProcessVersion, Timer, User, WorkflowInstance

ALL_STATUSES = {
    "submitted",
    "documents_requested",
    "under_review",
    "awaiting_approval",
    "approved",
    "rejected",
    "reconsideration",
    "payment_failed",
    "paid",
    "closed_incomplete",
}


def test_demo_loads_users_and_claims_in_every_state_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "password demo-approver-2026" in first.output
    statuses = Counter(db.session.scalars(select(Claim.status)))
    assert set(statuses) == ALL_STATUSES
    assert 18 <= sum(statuses.values()) <= 25
    assert {u.username for u in db.session.scalars(select(User))} >= {
        "intake",
        "reviewer",
        "approver",
        "finance",
        "auditor",
        "admin",
    }

    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0
    assert "already loaded" in again.output
    assert sum(Counter(db.session.scalars(select(Claim.status))).values()) == sum(statuses.values())


def test_every_demo_claim_replays_to_its_recorded_states(app):
    app.test_cli_runner().invoke(args=["demo"])
    results = [verify_claim(claim) for claim in db.session.scalars(select(Claim))]
    assert results and all(r.ok for r in results), [r for r in results if not r.ok]


def test_claims_show_prints_status_amounts_tasks_and_history(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo"])
    paid = db.session.scalar(select(Claim).where(Claim.status == "paid", Claim.category == "death"))
    out = runner.invoke(args=["claims", "show", paid.reference]).output
    assert "status: paid" in out
    assert "amount_mci: 50" in out
    assert "task_completed" in out and "message_delivered" in out

    missing = runner.invoke(args=["claims", "show", "VCF-0000-000000"])
    assert missing.exit_code == 2
    assert "no claim VCF-0000-000000" in missing.output


def test_tasks_list_filters_by_role(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo"])
    intake = runner.invoke(args=["tasks", "list", "--role", "intake"]).output
    approver = runner.invoke(args=["tasks", "list", "--role", "approver"]).output
    assert "intake_check" in intake and "approval" not in intake
    assert "approval" in approver and "intake_check" not in approver


def test_user_create_reads_the_password_from_stdin_and_refuses_bad_input(app):
    runner = app.test_cli_runner()
    ok = runner.invoke(
        args=["user", "create", "zhanar", "--role", "reviewer", "--role", "approver", "--password-stdin"],
        input="a long enough password\n",
    )
    assert ok.exit_code == 0, ok.output
    user = db.session.scalar(select(User).where(User.username == "zhanar"))
    assert user.roles == {"reviewer", "approver"}
    assert "a long enough password" not in user.password_hash

    bad = runner.invoke(
        args=["user", "create", "bolat", "--role", "boss", "--password-stdin"], input="short\n"
    )
    assert bad.exit_code == 2
    assert "password: must be at least 10 characters" in bad.output
    assert "roles: must be one or more of" in bad.output


def test_deploy_makes_a_new_version_only_when_files_change_and_running_claims_keep_theirs(
    app, submit, tmp_path
):
    runner = app.test_cli_runner()
    unchanged = runner.invoke(args=["deploy"])
    assert "unchanged" in unchanged.output
    running = submit()
    old_version = db.session.scalar(select(WorkflowInstance.process_version))

    changed = tmp_path / "bpmn"
    shutil.copytree(Path(PROJECT_ROOT) / "bpmn", changed)
    dmn = changed / "eligibility.dmn"
    dmn.write_text(dmn.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    app.config["FUND_BPMN_DIR"] = str(changed)
    try:
        deployed = runner.invoke(args=["deploy"])
        assert "deployed: new claims start on it" in deployed.output
        assert db.session.scalar(select(func.count()).select_from(ProcessVersion)) == 2
        submit()
        versions = dict(
            db.session.execute(
                select(Claim.reference, WorkflowInstance.process_version).join(
                    WorkflowInstance, WorkflowInstance.claim_id == Claim.id
                )
            ).all()
        )
        assert versions[running["reference"]] == old_version
        assert len(set(versions.values())) == 2
    finally:
        app.config["FUND_BPMN_DIR"] = str(Path(PROJECT_ROOT) / "bpmn")


def test_deploy_refuses_broken_files_and_names_the_problem(app, tmp_path):
    broken = tmp_path / "bpmn"
    shutil.copytree(Path(PROJECT_ROOT) / "bpmn", broken)
    review = broken / "other_review.bpmn"
    review.write_text(
        review.read_text(encoding="utf-8").replace('name="role" value="reviewer"', 'name="role" value=""'),
        encoding="utf-8",
    )
    app.config["FUND_BPMN_DIR"] = str(broken)
    try:
        result = app.test_cli_runner().invoke(args=["deploy"])
    finally:
        app.config["FUND_BPMN_DIR"] = str(Path(PROJECT_ROOT) / "bpmn")
    assert result.exit_code == 2
    assert "user task 'review_other' names no role" in result.output
    assert db.session.scalar(select(func.count()).select_from(ProcessVersion)) == 1


def test_worker_once_fires_due_timers(app, submit, staff, client):
    submit()
    intake = staff.headers("ivan", "intake")
    task = client.get("/api/v1/tasks", headers=intake).get_json()[0]
    client.post(
        f"/api/v1/tasks/{task['id']}/complete",
        headers=intake,
        json={"documents_complete": False, "missing_documents": ["forensic_medical_report"]},
    )
    due = db.session.scalar(select(func.min(Timer.due_at)))
    assert due > datetime.now(UTC) + timedelta(days=19)
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0
    assert "fired timers of 0 claim(s)" in result.output
