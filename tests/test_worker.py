"""The worker's rounds, called as `fund worker` calls them, without the command line."""

from __future__ import annotations

from datetime import timedelta

from fund.extensions import db
from fund.models import Seal
from fund.worker import fire_timers, run_round, seal_if_due, send_notifications
from tests.conftest import DOCUMENTS_MISSING


def test_a_round_fires_the_timers_that_are_due_and_leaves_the_others(app, submit, officers, clock):
    """A claim whose document request ran out (30 days) is closed; one asked 15 days later is left."""
    started = clock.now
    waiting = submit()["reference"]
    officers.check_documents(waiting, DOCUMENTS_MISSING)
    clock.advance(days=15)
    asked_later = submit()["reference"]
    officers.check_documents(asked_later, DOCUMENTS_MISSING)

    fired, failed = fire_timers(lambda: started + timedelta(days=31))

    assert fired == [waiting] and failed == []
    assert officers.claim(waiting)["status"] == "closed_incomplete"
    assert officers.claim(asked_later)["status"] == "documents_requested"


def test_without_a_mail_server_nothing_is_sent_and_the_round_says_so(app, submit, clock):
    """E-mails stay queued in the outbox while FUND_SMTP_HOST is not set."""
    submit()
    assert send_notifications(clock.now) == 0


def test_the_history_is_sealed_once_a_day(app, submit, clock):
    """The first round of a day seals the history; later rounds that day leave it."""
    submit()
    assert seal_if_due(clock.now + timedelta(minutes=5)) is True
    assert seal_if_due(clock.now + timedelta(minutes=10)) is False  # sealed already today
    assert db.session.scalar(db.select(db.func.count()).select_from(Seal)) == 1


def test_a_round_does_every_job_in_order(app, submit, clock):
    """Timers, recourse cases, notifications and the seal, each reported; none failed."""
    submit()
    done = run_round(lambda: clock.now + timedelta(minutes=5))
    assert done.timers_failed == []
    assert done.recourse_opened == []
    assert done.notifications_sent == 0
    assert done.sealed is True
