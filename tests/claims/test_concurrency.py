"""Two officers, or two workers, acting on the same claim at the same instant.

Every command locks the claim's workflow instance for its whole transaction (FOR UPDATE on
PostgreSQL, the database's write lock on SQLite). So of two completions of one task exactly one
succeeds and the other is told the task is no longer ready (409), and nothing is half-written.
Workers claim a claim with FOR UPDATE SKIP LOCKED on PostgreSQL: two workers never fire a claim's
timers twice, never wait for each other and never deadlock with an officer.

Each thread works in its own application context, so it has its own database session and
connection, as separate requests and worker processes do. A barrier placed just before the claim
lock makes the threads arrive together, every run, instead of by luck.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import func, select

import fund.claims.instances
import fund.claims.tasks
import fund.claims.timers
from fund.claims.history import verify_claim
from fund.claims.instances import lock_instance
from fund.claims.timers import run_due_timers
from fund.extensions import db
from fund.models import Claim, Letter, WorkflowEvent
from tests.conftest import DOCUMENTS_COMPLETE, DOCUMENTS_MISSING, error_of, requires_postgres, stored_claim


def arrive_together(monkeypatch, parties: int, *modules: ModuleType) -> None:
    """Hold each thread at its first claim lock (``lock_instance``, or ``lock_task`` that locks the
    task's claim, as ``modules`` call them) until ``parties`` threads are there; then let them all
    race for it.
    """
    barrier = threading.Barrier(parties, timeout=10)
    first_time = threading.local()
    for module in modules:
        for name in ("lock_instance", "lock_task"):
            if not hasattr(module, name):
                continue
            take_lock = getattr(module, name)

            def lock_after_the_others_arrive(key, take_lock=take_lock):
                if not getattr(first_time, "passed", False):
                    first_time.passed = True
                    try:
                        barrier.wait()
                    except threading.BrokenBarrierError:  # a thread fell out before the lock: go on
                        pass
                return take_lock(key)

            monkeypatch.setattr(module, name, lock_after_the_others_arrive)


def run_together(app, *jobs: Callable[[], Any]) -> list[Any]:
    """Run each job in a thread of its own, each in its own application context; their results."""
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int, job: Callable[[], Any]) -> None:
        with app.app_context():
            try:
                results[index] = job()
            except BaseException as error:  # handed to the test below
                errors.append(error)

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck: a deadlock?"
    if errors:
        raise errors[0]
    return results


def events_of_type(reference: str, event_type: str) -> list[WorkflowEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(WorkflowEvent)
            .join(Claim, Claim.id == WorkflowEvent.claim_id)
            .where(Claim.reference == reference, WorkflowEvent.type == event_type)
        )
    )


def verified(reference: str) -> bool:
    db.session.expire_all()
    return verify_claim(db.session.scalar(select(Claim).where(Claim.reference == reference))).ok


# --- officers --------------------------------------------------------------------------------------


@pytest.mark.parametrize("officer_count", [2, 4])
def test_officers_completing_the_same_task_at_once_exactly_one_succeeds(
    app, submit, officers, staff, clock, monkeypatch, officer_count
):
    reference = submit()["reference"]
    task = officers.task(reference, "intake_check", "ivan")
    headers = [staff.headers(f"intake{n}", "intake") for n in range(officer_count)]
    # Half of them find the documents complete, half ask for more: the claim follows the winner.
    forms = [DOCUMENTS_COMPLETE if n % 2 == 0 else DOCUMENTS_MISSING for n in range(officer_count)]
    arrive_together(monkeypatch, officer_count, fund.claims.tasks)

    def officer(n: int) -> Callable[[], Any]:
        def complete() -> tuple[int, Any]:
            response = app.test_client().post(
                f"/api/v1/tasks/{task['id']}/complete", json=forms[n], headers=headers[n]
            )
            return response.status_code, response

        return complete

    answers = run_together(app, *(officer(n) for n in range(officer_count)))

    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] + [409] * (officer_count - 1)
    for status, response in answers:
        if status == 409:
            assert error_of(response, 409)["message"] == f"task {task['id']} was already completed"
    (winner,) = [n for n, (status, _) in enumerate(answers) if status == 200]
    completions = events_of_type(reference, "task_completed")
    assert [event.input["task_id"] for event in completions] == [task["id"]]
    assert completions[0].input["data"] == forms[winner]
    stored = stored_claim(reference)
    history = select(WorkflowEvent.type).join(Claim).where(Claim.reference == reference)
    types = db.session.scalars(history.order_by(WorkflowEvent.sequence))
    commands = [event_type for event_type in types if event_type != "letter_issued"]
    assert commands == ["claim_submitted", "task_completed"]  # the winner's, and no other
    expected_status = "under_review" if forms[winner] == DOCUMENTS_COMPLETE else "documents_requested"
    assert stored.status == answers[winner][1].get_json()["status"] == expected_status
    assert verified(reference)


# --- workers -------------------------------------------------------------------------------------


def _claims_waiting_for_documents(submit, officers, count: int) -> list[str]:
    references = [submit()["reference"] for _ in range(count)]
    for reference in references:
        officers.check_documents(reference, DOCUMENTS_MISSING)
    return references


def test_two_workers_fire_each_claims_timers_exactly_once(app, submit, officers, clock, monkeypatch):
    # Each claim has two due timers (the 20-day reminder and the deadline): two workers must not
    # take one claim each by a different timer.
    references = _claims_waiting_for_documents(submit, officers, 4)
    later = clock.now + timedelta(days=31)
    arrive_together(monkeypatch, 2, fund.claims.timers)

    first, second = run_together(app, lambda: run_due_timers(later), lambda: run_due_timers(later))

    assert sorted(first + second) == sorted(references)  # every claim, each by one worker
    for reference in references:
        assert len(events_of_type(reference, "timers_fired")) == 1, reference
        stored = stored_claim(reference)
        assert (stored.status, stored.timers, stored.open_tasks) == ("closed_incomplete", 0, ())
        assert verified(reference)
    assert run_due_timers(later) == []


def test_an_officer_and_the_worker_on_the_same_claim_at_once_neither_deadlocks_nor_loses_work(
    app, submit, officers, clock, monkeypatch
):
    """The documents arrive just as the worker fires the 20-day reminder of the same claim."""
    (reference,) = _claims_waiting_for_documents(submit, officers, 1)
    clock.advance(days=21)
    arrive_together(monkeypatch, 2, fund.claims.timers, fund.claims.instances)
    documents = {"documents": ["forensic_medical_report"]}
    ivan = officers.headers("ivan")

    def documents_arrive():
        response = app.test_client().post(
            f"/api/v1/claims/{reference}/messages/documents_submitted", json=documents, headers=ivan
        )
        return response.status_code, response.get_json()

    delivered, fired = run_together(app, documents_arrive, lambda: run_due_timers(clock.now))

    assert delivered == (200, {"claim_reference": reference, "status": "submitted"})
    assert fired in ([reference], [])  # the worker came first, or found the message command had fired it
    assert len(events_of_type(reference, "message_delivered")) == 1
    claim_id = db.session.scalar(select(Claim.id).where(Claim.reference == reference))
    reminders = db.session.scalar(
        select(func.count()).where(Letter.claim_id == claim_id, Letter.kind == "document_reminder")
    )
    assert reminders == 1
    stored = stored_claim(reference)
    assert (stored.status, stored.timers) == ("submitted", 0)
    assert verified(reference)


def test_a_worker_skips_a_claim_an_officer_is_working_on_instead_of_waiting(
    app, database_url, submit, officers, clock
):
    if not database_url.startswith("postgresql") and not os.environ.get("FUND_REQUIRE_POSTGRES"):
        pytest.skip(
            "needs PostgreSQL: SQLite has one write lock for the whole database, so a worker waits "
            "for the officer's command instead of skipping the claim (set FUND_TEST_DATABASE_URL)"
        )
    requires_postgres(database_url)  # fails, not skips, when FUND_REQUIRE_POSTGRES is set
    busy, free = _claims_waiting_for_documents(submit, officers, 2)
    later = clock.now + timedelta(days=31)
    locked, release = threading.Event(), threading.Event()

    def officer_mid_command() -> None:
        lock_instance(db.session.scalar(select(Claim).where(Claim.reference == busy)))
        locked.set()
        release.wait(timeout=30)
        db.session.rollback()

    officer = threading.Thread(target=lambda: run_together(app, officer_mid_command))
    officer.start()
    try:
        assert locked.wait(timeout=10)
        started = time.monotonic()
        assert run_due_timers(later) == [free]
        assert time.monotonic() - started < 5, "the worker waited for the officer's lock"
    finally:
        release.set()
        officer.join(timeout=30)

    assert run_due_timers(later) == [busy]
    assert stored_claim(busy).status == stored_claim(free).status == "closed_incomplete"
