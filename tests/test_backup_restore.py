"""Backups and restores as the deployment guide (README, "Deploying the fund's system") documents them.

A backup is worth what its restore proves: after restoring, `fund audit verify --all` replays every
claim from its events on its stored process version, checks every hash chain, the seals and every
letter's sha256. Both tests use the real tools: pg_dump and pg_restore for PostgreSQL, the SQLite
online backup API for the embedded database, and the installed `fund` command on the result.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from fund import PROJECT_ROOT
from fund.extensions import db
from tests.conftest import requires_postgres

FUND = Path(sys.executable).with_name("fund")
# Every table that holds the fund's data; the restore must bring back each row.
COUNTED = ("claims", "claimants", "workflow_events", "workflow_instances", "human_tasks", "timers", "letters")
# The SQLite online backup, as the guide gives it (safe while the application writes).
SQLITE_BACKUP = (
    "import sqlite3, sys; source = sqlite3.connect(sys.argv[1]); target = sqlite3.connect(sys.argv[2]); "
    "source.backup(target); target.close(); source.close()"
)


def fund(database_url: str, *args: str) -> subprocess.CompletedProcess:
    """The installed `fund` command on ``database_url``; fails the test on a non-zero exit."""
    result = subprocess.run(
        [str(FUND), *args],
        env={**os.environ, "FUND_DATABASE_URL": database_url, "FUND_SECRET_KEY": "backup-test-key"},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"fund {' '.join(args)}:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
    return result


def contents(database_url: str) -> dict:
    """What a backup must keep: row counts, and every issued letter's number and PDF sha256."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            counts = {
                table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
                for table in COUNTED
            }
            letters = sorted(
                (number, sha256, hashlib.sha256(pdf).hexdigest())
                for number, sha256, pdf in connection.execute(
                    text("SELECT number, sha256, pdf FROM letters WHERE status = 'issued'")
                )
            )
            statuses = sorted(connection.execute(text("SELECT DISTINCT status FROM claims")).scalars())
    finally:
        engine.dispose()
    return {"counts": counts, "letters": letters, "statuses": statuses}


def verify_restored(database_url: str, report: Path, claims: int) -> None:
    """`fund audit verify --all` on the restored database: no finding, every claim checked."""
    fund(database_url, "audit", "verify", "--all", "--report", str(report))
    body = json.loads(report.read_text())
    assert (body["ok"], body["findings"], body["claims_checked"]) == (True, [], claims)
    assert body["seals_checked"] >= 1 and body["letters_checked"] > 0


def load_claims_in_every_state(database_url: str) -> dict:
    """The demo's claims (every status, with letters), then a seal over their histories."""
    fund(database_url, "demo")
    fund(database_url, "audit", "seal")
    before = contents(database_url)
    assert len(before["statuses"]) >= 8 and before["letters"], before
    assert all(sha256 == computed for _, sha256, computed in before["letters"])
    return before


def test_a_pg_dump_restored_with_pg_restore_replays_every_claim(app, database_url, tmp_path):
    requires_postgres(database_url)
    db.session.remove()
    before = load_claims_in_every_state(database_url)
    server = make_url(database_url)
    restored_name = f"{server.database}_restored"
    restored_url = server.set(database=restored_name).render_as_string(hide_password=False)
    libpq = server.set(drivername="postgresql")  # pg_dump and pg_restore speak libpq URLs
    backup = tmp_path / "fund.dump"

    subprocess.run(
        ["pg_dump", "--format=custom", "--file", str(backup), libpq.render_as_string(hide_password=False)],
        check=True,
        timeout=300,
    )
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{restored_name}"'))
        connection.execute(text(f'CREATE DATABASE "{restored_name}"'))
    try:
        subprocess.run(
            [
                "pg_restore",
                "--exit-on-error",
                "--no-owner",
                "--dbname",
                libpq.set(database=restored_name).render_as_string(hide_password=False),
                str(backup),
            ],
            check=True,
            timeout=300,
        )
        assert contents(restored_url) == before
        verify_restored(restored_url, tmp_path / "audit.json", before["counts"]["claims"])
        # The restored database is a working one: an upgrade finds nothing to do, the worker runs.
        assert "already deployed" in fund(restored_url, "init").stdout
        fund(restored_url, "worker", "--once")
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)'))
        admin.dispose()


def test_an_sqlite_online_backup_replays_every_claim(tmp_path):
    live = tmp_path / "fund.sqlite3"
    live_url = f"sqlite:///{live}"
    fund(live_url, "init")
    before = load_claims_in_every_state(live_url)
    backup = tmp_path / "backup" / "fund-backup.sqlite3"
    backup.parent.mkdir()

    # The application keeps the database open, in a transaction, while the backup is taken.
    open_by_the_app = sqlite3.connect(live, isolation_level=None)
    try:
        open_by_the_app.execute("BEGIN")
        open_by_the_app.execute("SELECT count(*) FROM claims").fetchone()
        subprocess.run([sys.executable, "-c", SQLITE_BACKUP, str(live), str(backup)], check=True, timeout=120)
    finally:
        open_by_the_app.close()

    # Restore: the backup file takes the live file's place.
    live.unlink()
    backup.rename(live)
    assert contents(live_url) == before
    verify_restored(live_url, tmp_path / "audit.json", before["counts"]["claims"])


def test_the_guide_gives_the_backup_commands_these_tests_run():
    guide = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert "pg_dump --format=custom" in guide and "pg_restore --exit-on-error --no-owner" in guide
    assert SQLITE_BACKUP in guide and "fund audit verify --all" in guide
