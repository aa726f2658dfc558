"""Two finance officers at the same instant: building batches from the same claims, or importing the
same status file. No claim ends in two batches; no message is delivered twice.

On PostgreSQL builds take the claims with FOR UPDATE SKIP LOCKED (disjoint batches) and the
partial unique index is the last word; imports serialise on each claim's lock. On SQLite the
database's write lock makes the two run one after the other. Each thread has its own application
context (its own session and connection), and a barrier makes them arrive together every run.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import select

import fund.payouts.batches
import fund.payouts.results
from fund.common.errors import Conflict
from fund.extensions import db
from fund.models import Payment, User
from fund.payouts.batches import BatchFilters, build_payout_batch
from fund.payouts.register import export_register_csv
from fund.payouts.results import import_payment_results
from tests.claims.test_concurrency import arrive_together, run_together
from tests.payout_helpers import approved_claims, built_and_approved, finance_officer, paid_rows, status_file
from tests.payouts.test_payouts_results import messages_of


def user_named(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


@pytest.mark.parametrize("officer_count", [2, 3])
def test_officers_building_batches_at_once_never_put_one_claim_in_two_batches(
    app, submit, officers, staff, clock, monkeypatch, officer_count
):
    references = approved_claims(submit, officers, 6)
    names = [finance_officer(staff, f"finance{n}").username for n in range(officer_count)]
    barrier = threading.Barrier(officer_count, timeout=10)
    take_locks = fund.payouts.batches._take_write_lock

    def take_locks_together():
        # Just before the build takes its locks (SQLite's write lock, PostgreSQL's claim rows).
        barrier.wait()
        return take_locks()

    monkeypatch.setattr(fund.payouts.batches, "_take_write_lock", take_locks_together)

    def officer(username: str):
        def build():
            try:
                return build_payout_batch(user_named(username), BatchFilters(), clock.now).id
            except Conflict as refused:
                return refused.message

        return build

    answers = run_together(app, *(officer(name) for name in names))

    batches = [answer for answer in answers if isinstance(answer, int)]
    assert batches, answers
    assert all(
        answer == "no approved, unpaid claims match these filters; nothing was built"
        for answer in answers
        if not isinstance(answer, int)
    )
    db.session.expire_all()
    payments = db.session.scalars(select(Payment).where(Payment.batch_id.in_(batches))).all()
    taken = Counter(payment.claim.reference for payment in payments)
    assert sorted(taken) == sorted(references)
    assert set(taken.values()) == {1}


def test_two_imports_of_the_same_file_at_once_deliver_each_message_once(
    app, submit, officers, staff, clock, monkeypatch
):
    references = approved_claims(submit, officers, 3)
    batch = built_and_approved(staff, clock.now)
    export_register_csv(finance_officer(staff, "farida"), batch.id, clock.now)
    content = status_file(*paid_rows(batch.id))
    arrive_together(monkeypatch, 2, fund.payouts.results)

    def importer(username: str):
        return lambda: import_payment_results(user_named(username), content, clock.now)

    reports = run_together(app, importer("farida"), importer("fatima"))

    applied = sorted(row.claim_reference for report in reports for row in report.applied)
    already = sorted(row.claim_reference for report in reports for row in report.already_applied)
    assert applied == sorted(references)
    assert already == sorted(references)
    assert all(report.refused == [] for report in reports)
    for reference in references:
        assert messages_of(reference) == ["payment_confirmed"]
