"""/healthz and /readyz, as a load balancer or an orchestrator asks them: JSON, no sign-in.

/readyz fails for each of its causes on its own — the database cannot be reached, the migrations
are behind the release, no process version is deployed, no worker heartbeat is young enough, the
outbox is stuck — and answers 200 only when none holds.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from fund import create_app
from fund.common.time import utc_now
from fund.extensions import db
from fund.models import Notification, ProcessVersion, WorkerHeartbeat
from fund.operations.heartbeats import round_finished, round_started
from fund.worker import WorkerRound
from tests.conftest import claim_body


def _beat(seconds_ago: float = 0) -> None:
    """A worker's round that finished ``seconds_ago``."""
    moment = utc_now() - timedelta(seconds=seconds_ago)
    round_started("worker-host:1234", moment)
    round_finished("worker-host:1234", moment, None)


def _readyz(client) -> tuple[int, dict]:
    response = client.get("/readyz")
    assert response.is_json
    return response.status_code, response.get_json()


def _failing(answer: dict) -> set[str]:
    return {name for name, check in answer["checks"].items() if not check["ok"]}


def test_ready_when_every_check_passes(app, client):
    """A migrated database with a deployed process, a worker that just finished a round, no stuck
    outbox: 200, every check ok, each with a detail an operator can read."""
    _beat()
    status, answer = _readyz(client)
    assert status == 200, answer
    assert answer["ready"] is True
    assert set(answer["checks"]) == {"database", "migrations", "process_version", "worker", "outbox"}
    for check in answer["checks"].values():
        assert check["ok"] is True and isinstance(check["detail"], str) and check["detail"]


def test_healthz_answers_without_the_database(tmp_path):
    """/healthz says the process answers even when the database cannot be reached; /readyz says it
    cannot and does not try the other checks."""
    unreachable = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'no-such-folder' / 'fund.sqlite3'}",
        }
    )
    client = unreachable.test_client()
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json() == {"alive": True}

    status, answer = _readyz(client)
    assert status == 503 and answer["ready"] is False
    assert answer["checks"]["database"] == {"ok": False, "detail": "cannot be reached (OperationalError)"}
    assert _failing(answer) == set(answer["checks"])  # the others were not checked: they say so
    assert "not checked" in answer["checks"]["migrations"]["detail"]


def test_not_ready_when_the_migrations_are_behind_the_release(app, client):
    """A release installed without `fund init`: the database's revision is not the head."""
    _beat()
    head = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    db.session.execute(text("UPDATE alembic_version SET version_num = '0016'"))
    db.session.commit()
    try:
        status, answer = _readyz(client)
    finally:
        db.session.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
        db.session.commit()
    assert status == 503
    assert _failing(answer) == {"migrations"}
    assert answer["checks"]["migrations"]["detail"] == (f"database at 0016, release at {head}: run fund init")


def test_not_ready_without_a_deployed_process_version(app, client):
    """A database created by `fund db upgrade` alone: no claim could start."""
    _beat()
    for version in db.session.scalars(select(ProcessVersion)):
        db.session.delete(version)
    db.session.commit()
    status, answer = _readyz(client)
    assert status == 503
    assert _failing(answer) == {"process_version"}
    assert "run fund init" in answer["checks"]["process_version"]["detail"]


def test_not_ready_without_a_worker_heartbeat(app, client):
    """No worker ever ran a round: no timer fires, no e-mail leaves."""
    status, answer = _readyz(client)
    assert status == 503
    assert _failing(answer) == {"worker"}
    assert answer["checks"]["worker"]["detail"] == "no worker heartbeat: start fund worker"


def test_not_ready_when_the_last_heartbeat_is_older_than_configured(app, client, monkeypatch):
    """FUND_READY_HEARTBEAT_SECONDS (300 by default) is how young the newest heartbeat must be."""
    _beat(seconds_ago=400)
    status, answer = _readyz(client)
    assert status == 503 and _failing(answer) == {"worker"}
    assert "(more than 300 s)" in answer["checks"]["worker"]["detail"]

    monkeypatch.setitem(app.config, "FUND_READY_HEARTBEAT_SECONDS", "600")
    status, answer = _readyz(client)
    assert status == 200, answer

    monkeypatch.setitem(app.config, "FUND_READY_HEARTBEAT_SECONDS", "60")
    _beat(seconds_ago=90)  # the same worker's next round, also too old
    status, answer = _readyz(client)
    assert status == 503 and "(more than 60 s)" in answer["checks"]["worker"]["detail"]


def test_not_ready_when_the_outbox_is_stuck(app, client, monkeypatch):
    """A message to a claimant due for longer than FUND_READY_OUTBOX_SECONDS (900 by default) was
    not sent: the answer counts them and names no claimant."""
    _beat()
    body = claim_body()
    assert client.post("/api/v1/claims", json=body).status_code == 201
    status, answer = _readyz(client)
    assert status == 200, answer  # just queued: not stuck

    db.session.execute(update(Notification).values(next_attempt_at=utc_now() - timedelta(seconds=1000)))
    db.session.commit()
    stuck = db.session.scalar(select(db.func.count()).select_from(Notification))
    response = client.get("/readyz")
    status, answer = response.status_code, response.get_json()
    assert status == 503 and _failing(answer) == {"outbox"}
    assert answer["checks"]["outbox"]["detail"] == (
        f"{stuck} message(s) due for more than 900 s; e-mail is not configured (FUND_SMTP_HOST)"
    )
    page = response.get_data(as_text=True)
    for personal in (body["claimant"]["full_name"], body["claimant"]["iin"], body["claimant"]["email"]):
        assert personal not in page

    monkeypatch.setitem(app.config, "FUND_READY_OUTBOX_SECONDS", "3600")
    status, answer = _readyz(client)
    assert status == 200, answer


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_needs_no_sign_in_and_is_not_rate_limited(app, client, monkeypatch, path):
    """A load balancer asks every few seconds, without a session: never a redirect, never a 429."""
    _beat()
    monkeypatch.setitem(app.config, "FUND_RATELIMIT_ENABLED", True)
    for _ in range(70):
        assert client.get(path).status_code == 200


def test_a_workers_round_is_written_down_and_old_heartbeats_are_pruned(app):
    """`fund worker --once` writes its heartbeat (host:pid, the round's start and end, rounds done,
    no error); a worker silent for a week is forgotten."""
    silent = utc_now() - timedelta(days=8)
    round_started("gone-host:99", silent)
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output

    beats = db.session.scalars(select(WorkerHeartbeat)).all()
    assert len(beats) == 1  # the silent worker's row was deleted
    beat = beats[0]
    host, pid = beat.worker_id.rsplit(":", 1)
    assert host and pid.isdigit()
    assert beat.rounds_done == 1 and beat.last_error is None
    assert beat.started_at <= beat.last_round_started_at <= beat.last_round_finished_at
    assert utc_now() - beat.last_round_finished_at < timedelta(minutes=1)


def test_a_round_with_failed_jobs_says_which_without_naming_a_claim():
    """The heartbeat's last error names the jobs that failed and counts claims, no references."""
    done = WorkerRound(
        timers_failed=["VCF-2026-000001"],
        letters_issued=[],
        recourse_opened=None,
        notifications_sent=0,
        sealed=False,
        dashboard_counted=True,
        idempotency_keys_pruned=0,
    )
    assert done.problems() == "failed: timers of 1 claim(s), recourse cases"
    clean = WorkerRound(
        letters_issued=[],
        recourse_opened=[],
        notifications_sent=0,
        sealed=True,
        dashboard_counted=False,
        idempotency_keys_pruned=3,
    )
    assert clean.problems() is None
