"""`fund worker` at scale: several worker processes share one PostgreSQL database.

The workers here are real OS processes running the installed `fund` command against the test
database, as they run on the fund's servers; they read the wall clock, so the claims are made to
wait for documents 40 days ago and both their timers (the 20-day reminder and the 30-day deadline)
are due now. Each claim's timers must fire exactly once, whichever worker takes it; a worker killed
in the middle of a claim must leave that claim untouched for another worker; a claim whose timers
cannot fire must not stop the worker or hold up the others.

The scale and kill tests need PostgreSQL (several processes, row locks, SKIP LOCKED); the failing
claim's test runs on SQLite too.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import func, select, text, update

from fund import PROJECT_ROOT, create_app
from fund.audit.checks import audit_claim
from fund.claims.submission import submit_claim
from fund.claims.tasks import complete_task
from fund.common.system import system_user
from fund.common.time import utc_now
from fund.common.users import create_user
from fund.extensions import db
from fund.models import Claim, HumanTask, Letter, Timer, WorkflowEvent, WorkflowInstance
from tests.conftest import DOCUMENTS_MISSING, PASSWORD, claim_body, requires_postgres

FUND = Path(sys.executable).with_name("fund")  # the installed command, as on a server
T = TypeVar("T")
FIRED = re.compile(r"fired the due timers of claim (\S+)")


# --- claims with due timers, and the workers --------------------------------------------------------


def claims_waiting_for_documents(count: int, requested_at: datetime) -> list[str]:
    """``count`` claims submitted and found incomplete at ``requested_at``, through the services.

    Each waits for documents with two timers: the reminder (20 days) and the deadline (30 days).
    """
    intake = create_user(f"intake-{os.getpid()}-{requested_at:%H%M%S%f}", PASSWORD, ["intake"], requested_at)
    references = []
    for _ in range(count):
        reference = submit_claim(claim_body(), requested_at).reference
        intake_check = db.session.scalar(
            select(HumanTask.id)
            .join(Claim, Claim.id == HumanTask.claim_id)
            .where(Claim.reference == reference, HumanTask.state == "open")
        )
        complete_task(intake, intake_check, DOCUMENTS_MISSING, requested_at)
        references.append(reference)
    db.session.remove()  # everything is committed; the workers see it all
    return references


def _claims_in_a_process_of_its_own(database_url: str, count: int, requested_at: datetime) -> list[str]:
    with create_app({"SQLALCHEMY_DATABASE_URI": database_url}).app_context():
        return claims_waiting_for_documents(count, requested_at)


def many_claims_waiting_for_documents(database_url: str, count: int, requested_at: datetime) -> list[str]:
    """:func:`claims_waiting_for_documents` in two processes at once (the services, only faster)."""
    halves = (count // 2, count - count // 2)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        jobs = [pool.submit(_claims_in_a_process_of_its_own, database_url, n, requested_at) for n in halves]
        return [reference for job in jobs for reference in job.result()]


def start_worker(database_url: str, log: Path, *options: str) -> subprocess.Popen:
    """A `fund worker` OS process on the test database, its output (one line per claim) in ``log``."""
    environment = {
        **os.environ,
        "FUND_DATABASE_URL": database_url,
        "FUND_SECRET_KEY": "worker-test-key",  # leaves the project's instance/ folder alone
        "FUND_LOG_LEVEL": "INFO",
    }
    with log.open("wb") as output:
        return subprocess.Popen(
            [str(FUND), "worker", *options],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=environment,
            cwd=PROJECT_ROOT,
        )


def fired_by(log: Path) -> list[str]:
    """The claims a worker reported firing, in order (it logs each after its commit)."""
    return FIRED.findall(log.read_text(encoding="utf-8", errors="replace"))


def wait_for(probe: Callable[[], T], seconds: float, what: str) -> T:
    """The first true answer of ``probe``, asked every few milliseconds; fails after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not (answer := probe()):
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {seconds:.0f} s waiting until {what}")
        time.sleep(0.002)
    return answer


def scalar(sql: str, **params) -> int:
    """One value, read on a connection of its own (what is committed, now)."""
    with db.engine.connect() as connection:
        return connection.execute(text(sql), params).scalar_one()


def timers_due(now: datetime) -> int:
    return scalar("SELECT count(*) FROM timers WHERE due_at <= :now", now=now)


def claim_states(references: list[str]) -> dict[str, tuple]:
    """Per claim: (status, commands, timers_fired events, timers left, reminder letters issued); the
    letters issued after the commands are events too, counted by the letters column instead."""
    db.session.expire_all()
    fired = func.count().filter(WorkflowEvent.type == "timers_fired")
    commands = func.count().filter(WorkflowEvent.type != "letter_issued")
    events = (
        select(
            WorkflowEvent.claim_id,
            func.count().label("events"),
            commands.label("commands"),
            fired.label("fired"),
        )
        .group_by(WorkflowEvent.claim_id)
        .subquery()
    )
    timers = select(Timer.claim_id, func.count().label("timers")).group_by(Timer.claim_id).subquery()
    reminders = (
        select(Letter.claim_id, func.count().label("reminders"))
        .where(Letter.kind == "document_reminder", Letter.status == "issued")
        .group_by(Letter.claim_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            Claim.reference,
            Claim.status,
            WorkflowInstance.event_count,
            events.c.events,
            events.c.commands,
            events.c.fired,
            func.coalesce(timers.c.timers, 0),
            func.coalesce(reminders.c.reminders, 0),
        )
        .join(WorkflowInstance, WorkflowInstance.claim_id == Claim.id)
        .join(events, events.c.claim_id == Claim.id)
        .outerjoin(timers, timers.c.claim_id == Claim.id)
        .outerjoin(reminders, reminders.c.claim_id == Claim.id)
        .where(Claim.reference.in_(references))
    )
    states = {}
    for reference, status, event_count, event_rows, commands, fired_events, timers_left, reminders in rows:
        assert event_count == event_rows, (
            f"{reference}: the instance's event count disagrees with its history"
        )
        states[reference] = (status, commands, fired_events, timers_left, reminders)
    assert set(states) == set(references)
    return states


# What a claim waiting for documents looks like before and after its timers fire: both timers
# fire in one event that sends the reminder and closes the claim.
WAITING = ("documents_requested", 2, 0, 2, 0)
FIRED_ONCE = ("closed_incomplete", 3, 1, 0, 1)
# Fired and committed, its reminder letter still due: a worker stopped between the claim's command
# and the letters it made due, which the next round issues.
FIRED_LETTERS_DUE = ("closed_incomplete", 3, 1, 0, 0)


def verify_all(database_url: str, tmp_path: Path, claims: int) -> None:
    """`fund audit verify --all` on the database: every claim replays to its recorded states."""
    report = tmp_path / "audit.json"
    result = subprocess.run(
        [str(FUND), "audit", "verify", "--all", "--report", str(report)],
        env={**os.environ, "FUND_DATABASE_URL": database_url, "FUND_SECRET_KEY": "worker-test-key"},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    body = json.loads(report.read_text())
    assert (body["ok"], body["findings"], body["claims_checked"]) == (True, [], claims)


# --- many workers, many claims -----------------------------------------------------------------------


def test_four_workers_fire_a_thousand_claims_timers_each_exactly_once(app, database_url, tmp_path):
    requires_postgres(database_url)
    started = utc_now()
    references = many_claims_waiting_for_documents(database_url, 1000, started - timedelta(days=40))
    assert set(claim_states(references).values()) == {WAITING}
    assert timers_due(started) == 2000

    logs = [tmp_path / f"worker-{n}.log" for n in range(4)]
    workers = [start_worker(database_url, log, "--interval", "0.5") for log in logs]
    try:
        wait_for(lambda: timers_due(started) == 0, 600, "no timer is due")
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)  # systemd's stop: finish the claim in hand, then exit
        exit_codes = [worker.wait(timeout=60) for worker in workers]
    outputs = [log.read_text() for log in logs]

    assert exit_codes == [0, 0, 0, 0], outputs
    assert all("worker stopped (SIGTERM)" in output for output in outputs), outputs
    fired = [fired_by(log) for log in logs]
    every_firing = [reference for worker_fired in fired for reference in worker_fired]
    assert sorted(every_firing) == sorted(references)  # each claim once, by one worker, none lost
    assert sum(1 for worker_fired in fired if worker_fired) >= 2, [len(f) for f in fired]
    assert set(claim_states(references).values()) == {FIRED_ONCE}
    assert db.session.scalar(select(func.count()).select_from(Timer)) == 0
    verify_all(database_url, tmp_path, claims=1000)


# --- a worker killed in the middle of a claim -----------------------------------------------------


def _uncommitted_event_writer() -> int | None:
    """The server process of a connection that has written an event and not yet committed."""
    with db.engine.connect() as connection:
        return connection.execute(
            text(
                "SELECT l.pid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE c.relname = 'workflow_events' AND l.mode = 'RowExclusiveLock' "
                "AND l.pid <> pg_backend_pid() LIMIT 1"
            )
        ).scalar()


def _events_rolled_back() -> int:
    """Event ids drawn but never committed (a sequence never goes back; only one writer here)."""
    return scalar(
        "SELECT (SELECT last_value FROM workflow_events_id_seq) - (SELECT max(id) FROM workflow_events)"
    )


def _backend_alive(pid: int) -> bool:
    return bool(scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid", pid=pid))


@contextmanager
def _slow_writes_of_events(seconds: float = 0.3):
    """Every statement that inserts an event waits ``seconds`` after it (a trigger on
    workflow_events), its transaction's locks held meanwhile; dropped afterwards."""
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "CREATE FUNCTION test_slow_write() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN PERFORM pg_sleep({seconds}); RETURN NULL; END $$"
            )
        )
        connection.execute(
            text(
                "CREATE TRIGGER test_slow_write AFTER INSERT ON workflow_events "
                "FOR EACH ROW EXECUTE FUNCTION test_slow_write()"
            )
        )
    try:
        yield
    finally:
        with db.engine.begin() as connection:
            connection.execute(text("DROP TRIGGER IF EXISTS test_slow_write ON workflow_events"))
            connection.execute(text("DROP FUNCTION IF EXISTS test_slow_write()"))


def _kill_in_the_middle_of_a_claim(database_url: str, log: Path) -> bool:
    """Start a worker; once it has fired a claim and written the next one's event but not
    committed it, SIGKILL it. True when the server then rolled that claim back."""
    worker = start_worker(database_url, log, "--interval", "30")
    wait_for(lambda: fired_by(log) or worker.poll() is not None, 120, "the worker fires a claim")
    assert worker.poll() is None, log.read_text()
    writer = wait_for(_uncommitted_event_writer, 60, "the worker is in the middle of a claim")
    worker.kill()
    worker.wait(timeout=30)
    # The server notices the closed connection, rolls the transaction back and frees the claim.
    wait_for(lambda: not _backend_alive(writer), 60, "the server ends the dead worker's session")
    return _events_rolled_back() == 1


def test_a_worker_killed_in_the_middle_of_a_claim_loses_nothing_and_another_finishes(
    app, database_url, tmp_path
):
    requires_postgres(database_url)
    started = utc_now()
    references = claims_waiting_for_documents(100, started - timedelta(days=40))
    assert _events_rolled_back() == 0

    # SIGKILL gives the worker no chance to clean up. A claim's writes go as one statement followed
    # at once by COMMIT, so a kill would land between claims more often than not; a write made slow
    # (a trigger that waits 0.3 s after an event is inserted, in this test's database only) keeps
    # the worker in the middle of a claim long enough: its statement ends after the kill, and the
    # server, finding the connection closed instead of a COMMIT, rolls the claim back. A kill that
    # still lands just after a commit is tried again.
    logs = [tmp_path / f"killed-{attempt}.log" for attempt in range(1, 4)]
    with _slow_writes_of_events():
        killed = any(_kill_in_the_middle_of_a_claim(database_url, log) for log in logs)
    assert killed, "three kills in a row landed between claims, not in the middle of one"

    states = claim_states(references)
    fired_claims = {reference for reference, state in states.items() if state == FIRED_ONCE}
    letters_due = {reference for reference, state in states.items() if state == FIRED_LETTERS_DUE}
    untouched = {reference for reference, state in states.items() if state == WAITING}
    assert fired_claims | letters_due | untouched == set(references), "a claim was left half-fired"
    assert len(letters_due) <= len(logs)  # at most the claim in hand at each kill
    assert fired_claims and untouched
    assert {reference for log in logs if log.exists() for reference in fired_by(log)} <= fired_claims

    second = subprocess.run(
        [str(FUND), "worker", "--once"],
        env={**os.environ, "FUND_DATABASE_URL": database_url, "FUND_SECRET_KEY": "worker-test-key"},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"fired timers of {len(untouched)} claim(s)" in second.stdout
    assert set(FIRED.findall(second.stderr)) == untouched
    assert set(claim_states(references).values()) == {FIRED_ONCE}
    assert timers_due(utc_now()) == 0
    actor, versions = system_user(), {}
    for claim in db.session.scalars(select(Claim).where(Claim.reference.in_(references))):
        assert audit_claim(actor, claim, versions)[2] == [], claim.reference


# --- a claim whose timers cannot fire -------------------------------------------------------------


def test_a_claim_whose_timers_fail_is_named_and_kept_and_the_others_fire(app):
    """Here the failure is a damaged snapshot; any error while firing a claim is handled the same."""
    references = claims_waiting_for_documents(3, utc_now() - timedelta(days=40))
    broken = references[1]
    claim_id = db.session.scalar(select(Claim.id).where(Claim.reference == broken))
    snapshot = db.session.scalar(
        select(WorkflowInstance.snapshot).where(WorkflowInstance.claim_id == claim_id)
    )
    instances = WorkflowInstance.__table__
    db.session.execute(
        update(instances).where(instances.c.claim_id == claim_id).values(snapshot='{"format": "damaged"}')
    )
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["worker", "--once"])

    assert result.exit_code == 1, result.output  # cron and monitoring notice
    assert "fired timers of 2 claim(s)" in result.output
    assert f"timers failed, left for the next round: {broken}" in result.output
    states = claim_states(references)
    assert {reference: states[reference] for reference in references if reference != broken} == {
        reference: FIRED_ONCE for reference in references if reference != broken
    }
    assert states[broken] == WAITING  # nothing half-done: it keeps both timers for the next round

    # Repaired, it fires in the next round, once.
    db.session.execute(update(instances).where(instances.c.claim_id == claim_id).values(snapshot=snapshot))
    db.session.commit()
    again = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert again.exit_code == 0, again.output
    assert "fired timers of 1 claim(s)" in again.output
    assert set(claim_states(references).values()) == {FIRED_ONCE}
    actor = system_user()
    for claim in db.session.scalars(select(Claim).where(Claim.reference.in_(references))):
        assert audit_claim(actor, claim)[2] == [], claim.reference
