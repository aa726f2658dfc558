"""`fund audit`: verify, seal, export and check an export, as the fund's IT staff and auditors run them."""

from __future__ import annotations

import getpass
import json
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from fund.extensions import db
from fund.models import AccessLogEntry, Claim, ProcessVersion, Seal, WorkflowEvent, WorkflowInstance
from tests.audit_helpers import (
    PROCESS_FILE_DAMAGE,
    damage_stored_file,
    store_version,
    stored_files,
    variant_of,
)


@pytest.fixture
def demo(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return runner


def test_after_the_demo_and_a_seal_every_claim_verifies(demo, tmp_path):
    sealed = demo.invoke(args=["audit", "seal"])
    assert sealed.exit_code == 0, sealed.output
    assert "seal #1 of" in sealed.output

    report_path = tmp_path / "report.json"
    result = demo.invoke(args=["audit", "verify", "--all", "--report", str(report_path)])
    assert result.exit_code == 0, result.output
    assert "0 finding(s)" in result.output and "1 seal(s)" in result.output
    report = json.loads(report_path.read_text())
    assert report["ok"] is True and report["findings"] == []
    assert report["claims_checked"] == db.session.query(Claim).count()
    assert report["letters_checked"] > 0


def test_seal_if_due_seals_once_a_day(app):
    runner = app.test_cli_runner()
    assert "seal #1 of 0 claim(s)" in runner.invoke(args=["audit", "seal", "--if-due"]).output
    assert "not due" in runner.invoke(args=["audit", "seal", "--if-due"]).output
    assert "seal #2" in runner.invoke(args=["audit", "seal"]).output
    assert db.session.query(Seal).count() == 2


def test_verify_names_the_tampered_claim_and_exits_non_zero(app, submit):
    reference = submit()["reference"]
    claim = db.session.scalar(select(Claim).where(Claim.reference == reference))
    events = WorkflowEvent.__table__
    db.session.execute(
        update(events).where(events.c.claim_id == claim.id, events.c.sequence == 1).values(actor="mallory")
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1, result.output
    assert f"FINDING {reference}: event 1: its content does not match its hash" in result.output
    # Without --report, the report goes to instance/audit-report-<UTC time>.json.
    written = Path(result.output.split("report: ")[-1].strip())
    assert written.parent == Path(app.instance_path) and written.name.startswith("audit-report-")
    report = json.loads(written.read_text())
    written.unlink()
    assert report["ok"] is False
    assert {"subject": reference, "what": "event 1: its content does not match its hash"} in report[
        "findings"
    ]


def test_verify_selected_claims_and_unknown_ones(app, submit, tmp_path):
    references = [submit()["reference"] for _ in range(2)]
    runner = app.test_cli_runner()
    one = runner.invoke(args=["audit", "verify", references[0], "--report", str(tmp_path / "r.json")])
    assert one.exit_code == 0, one.output
    assert "1 claim(s)" in one.output
    since = runner.invoke(
        args=["audit", "verify", "--since", "2000-01-01", "--report", str(tmp_path / "r.json")]
    )
    assert since.exit_code == 0 and "2 claim(s)" in since.output
    none = runner.invoke(
        args=["audit", "verify", "--since", "2999-01-01", "--report", str(tmp_path / "r.json")]
    )
    assert none.exit_code == 0 and "0 claim(s)" in none.output
    unknown = runner.invoke(args=["audit", "verify", "VCF-0000-000000", "--report", str(tmp_path / "r.json")])
    assert unknown.exit_code == 2
    assert "no claim VCF-0000-000000" in unknown.output


def test_export_holds_events_process_letters_and_manifests_and_checks_offline(demo, tmp_path):
    reference = db.session.scalar(
        select(Claim.reference).where(Claim.status == "paid").order_by(Claim.reference).limit(1)
    )
    output = tmp_path / "claim.zip"
    result = demo.invoke(args=["audit", "export", reference, "--output", str(output)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(output) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        verification = json.loads(archive.read("verification.json"))
    assert {"events.json", "verification.json", "manifest.json", "MANIFEST.sha256"} <= names
    assert any(name.startswith("process/") and name.endswith(".bpmn") for name in names)
    assert any(name.startswith("letters/") and name.endswith(".pdf") for name in names)
    assert set(manifest["files"]) == names - {"manifest.json", "MANIFEST.sha256"}
    assert verification["ok"] is True

    checked = demo.invoke(args=["audit", "check-export", str(output)])
    assert checked.exit_code == 0, checked.output
    assert "export intact" in checked.output

    if shutil.which("sha256sum"):
        unpacked = tmp_path / "x"
        zipfile.ZipFile(output).extractall(unpacked)
        subprocess.run(["sha256sum", "--quiet", "-c", "MANIFEST.sha256"], cwd=unpacked, check=True)


def test_check_export_names_a_changed_file(app, submit, tmp_path):
    reference = submit()["reference"]
    output = tmp_path / "claim.zip"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "export", reference, "--output", str(output)]).exit_code == 0
    with zipfile.ZipFile(output) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    events = json.loads(files["events.json"])
    events["events"][0]["actor"] = "mallory"
    files["events.json"] = json.dumps(events).encode()
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    result = runner.invoke(args=["audit", "check-export", str(forged)])
    assert result.exit_code == 1
    assert "events.json does not match its sha256 in manifest.json" in result.output
    assert "events.json: event 1 breaks the hash chain" in result.output


def test_verify_with_worker_processes_gives_the_same_report_as_one_process(
    app, submit, tmp_path, monkeypatch
):
    references = sorted(submit()["reference"] for _ in range(3))
    claim = db.session.scalar(select(Claim).where(Claim.reference == references[1]))
    events = WorkflowEvent.__table__
    db.session.execute(
        update(events).where(events.c.claim_id == claim.id, events.c.sequence == 1).values(actor="mallory")
    )
    db.session.commit()
    monkeypatch.setattr("fund.audit.runs.BATCH_SIZE", 1)  # three batches for two workers
    runner = app.test_cli_runner()

    reports = {}
    for jobs in ("1", "2"):
        path = tmp_path / f"report-{jobs}.json"
        result = runner.invoke(args=["audit", "verify", "--all", "--jobs", jobs, "--report", str(path)])
        assert result.exit_code == 1, result.output
        assert "3 claim(s)" in result.output
        assert f"FINDING {references[1]}: event 1: its content does not match its hash" in result.output
        reports[jobs] = {k: v for k, v in json.loads(path.read_text()).items() if k != "started_at"}
    assert reports["1"] == reports["2"]
    # Each claim: its submission and its acknowledgement letter issued.
    assert reports["2"]["claims_checked"] == 3 and reports["2"]["events_checked"] == 6

    bad = runner.invoke(args=["audit", "verify", "--all", "--jobs", "0"])
    assert bad.exit_code == 2 and "--jobs" in bad.output


def test_an_export_is_written_to_the_claims_access_log_with_the_os_user(app, submit, tmp_path):
    reference = submit()["reference"]
    runner = app.test_cli_runner()
    before = datetime.now(UTC)

    result = runner.invoke(args=["audit", "export", reference, "--output", str(tmp_path / "claim.zip")])

    assert result.exit_code == 0, result.output
    entries = list(db.session.scalars(select(AccessLogEntry).join(Claim).where(Claim.reference == reference)))
    assert len(entries) == 1
    assert entries[0].username == "cli"
    assert entries[0].what == f"audit export (command line, OS user {getpass.getuser()})"
    assert before <= entries[0].viewed_at <= datetime.now(UTC)

    unknown = runner.invoke(args=["audit", "export", "VCF-0000-000000", "--output", str(tmp_path / "x.zip")])
    assert unknown.exit_code == 2 and "no claim VCF-0000-000000" in unknown.output
    assert db.session.query(AccessLogEntry).count() == 1


# --- damaged process versions -------------------------------------------------------------------------


@pytest.fixture
def claims_on_damaged_versions(app, submit, monkeypatch) -> dict[str, object]:
    """Two claims on the deployed version, and one claim on each of five further versions whose
    stored files are then damaged, one kind of damage each. The processes parsed so far are
    forgotten, as in a fresh `fund audit verify` process."""
    intact = [submit()["reference"] for _ in range(2)]
    deployed = db.session.scalar(select(WorkflowInstance.process_version).limit(1))
    files = {f.path: f.content for f in db.session.get(ProcessVersion, deployed).files}
    damaged = {}
    for day, kind in enumerate(PROCESS_FILE_DAMAGE, start=6):
        version = store_version(variant_of(files, kind), datetime(2026, 1, day, tzinfo=UTC))
        damaged[submit()["reference"]] = (version, kind)
    for version, kind in damaged.values():
        damage_stored_file(version, kind)
    monkeypatch.setattr("workflows.specs._deployed", {})
    return {"intact": intact, "damaged": damaged}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_verify_reports_every_damaged_process_version_and_checks_every_claim(
    app, claims_on_damaged_versions, tmp_path, monkeypatch, jobs
):
    intact, damaged = claims_on_damaged_versions["intact"], claims_on_damaged_versions["damaged"]
    monkeypatch.setattr("fund.audit.runs.BATCH_SIZE", 2)  # four batches, for two workers too
    path = tmp_path / "report.json"

    result = app.test_cli_runner().invoke(
        args=["audit", "verify", "--all", "--jobs", jobs, "--report", str(path)]
    )

    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    report = json.loads(path.read_text())
    assert report["claims_checked"] == len(intact) + len(damaged) == 7
    findings = [(f["subject"], f["what"]) for f in report["findings"]]
    for reference, (version, kind) in damaged.items():
        assert (f"process version {version[:12]}", "altered: its stored files were changed after deploy") in (
            findings
        ), kind
        assert f"FINDING process version {version[:12]}: altered" in result.output
        assert (
            reference,
            f"the stored files of its process version {version[:12]} were changed after deploy (altered): "
            "its replay cannot be run",
        ) in findings, kind
    assert not [f for f in findings if f[0] in intact]  # the claims on the intact version verify
    assert len(findings) == 2 * len(damaged)  # each version once, however many processes checked it


def test_verify_reports_a_version_whose_files_hash_right_but_no_longer_load(
    app, claims_on_damaged_versions, tmp_path
):
    """An intruder who also rewrites the version's id (or a parser that changed) leaves files that
    match their hash but cannot be run: each kind is a finding, and every claim is still checked."""
    damaged = claims_on_damaged_versions["damaged"]
    instances = WorkflowInstance.__table__
    for reference, (version, kind) in damaged.items():
        # The damaged files stored again under their own hash, and the claim moved onto them.
        rehashed = store_version(stored_files(version), datetime(2026, 1, 1, tzinfo=UTC))
        damaged[reference] = (rehashed, kind)
        claim_id = db.session.scalar(select(Claim.id).where(Claim.reference == reference))
        db.session.execute(
            update(instances).where(instances.c.claim_id == claim_id).values(process_version=rehashed)
        )
    db.session.commit()
    path = tmp_path / "report.json"

    result = app.test_cli_runner().invoke(args=["audit", "verify", "--all", "--report", str(path)])

    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    report = json.loads(path.read_text())
    assert report["claims_checked"] == 7
    findings = {f["subject"]: f["what"] for f in report["findings"]}
    for reference, (version, kind) in damaged.items():
        assert findings[f"process version {version[:12]}"].startswith("cannot be loaded: "), kind
        assert findings[reference] == (
            f"its process version {version[:12]} cannot be loaded: its replay cannot be run"
        ), kind
    assert len(findings) == 2 * len(damaged)
