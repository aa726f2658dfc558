"""Replays kept by the worker: stepping through a claim's replay does not replay it again, and what a
kept replay shows is exactly what a replay from the start shows, however the claim's history moved
on or was altered since.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from fund.audit.replay import replay_claim, step_diagram
from fund.audit.replay_cache import REPLAYS
from fund.extensions import db
from fund.models import Claim, WorkflowEvent
from tests.conftest import DOCUMENTS_MISSING


@pytest.fixture
def auditor(staff):
    return staff.user("aida", "auditor")


@pytest.fixture
def approved(submit, officers) -> str:
    """A torture claim checked, reviewed and approved: waiting for the Treasury."""
    REPLAYS.clear()  # another test's database may have left a replay of a claim with the same id
    reference = submit()["reference"]
    officers.check_documents(reference)
    officers.review(reference)
    officers.approve(reference)
    return reference


def drawn(report) -> list[str]:
    return [step_diagram(report, i).svg for i in range(len(report.steps))]


def from_the_start(auditor, reference: str):
    return replay_claim(auditor, reference, use_kept=False)


def test_a_kept_replay_is_exactly_the_replay_from_the_start(auditor, approved):
    first = replay_claim(auditor, approved)
    again = replay_claim(auditor, approved)
    fresh = from_the_start(auditor, approved)

    assert again is first  # kept: not replayed again
    assert fresh is not first
    assert first.ok and again.to_json() == fresh.to_json()
    assert drawn(again) == drawn(fresh)
    assert [step_diagram(again, i).focus_svg for i in range(len(again.steps))] == [
        step_diagram(fresh, i).focus_svg for i in range(len(fresh.steps))
    ]


def test_a_new_event_is_replayed_on_from_the_kept_state_and_gives_what_the_whole_replay_gives(
    auditor, approved, officers
):
    kept = replay_claim(auditor, approved)
    drawn(kept)  # the kept replay's drawings are made, and carried over
    officers.confirm_payment(approved)

    moved_on = replay_claim(auditor, approved)
    fresh = from_the_start(auditor, approved)

    assert moved_on is not kept
    assert len(moved_on.steps) > len(kept.steps) and moved_on.events == len(moved_on.steps)
    assert moved_on.steps[-1].status == "paid"
    assert moved_on.ok and moved_on.to_json() == fresh.to_json()
    assert drawn(moved_on) == drawn(fresh)
    # The kept report itself is unchanged (another auditor may be stepping through it).
    assert kept.steps[-1].status == "approved" and len(kept.steps) == kept.events


def test_an_event_altered_after_its_replay_was_kept_is_found(auditor, approved):
    assert replay_claim(auditor, approved).ok
    claim_id = db.session.scalar(select(Claim.id).where(Claim.reference == approved))
    event = db.session.scalar(
        select(WorkflowEvent)
        .where(WorkflowEvent.claim_id == claim_id, WorkflowEvent.type == "task_completed")
        .order_by(WorkflowEvent.sequence)
        .limit(1)
    )
    db.session.execute(
        update(WorkflowEvent)
        .where(WorkflowEvent.id == event.id)
        .values(input=dict(event.input, data=DOCUMENTS_MISSING))
    )
    db.session.commit()
    db.session.expire_all()

    report = replay_claim(auditor, approved)

    assert not report.ok
    assert report.divergence is not None and report.divergence.sequence == event.sequence
    assert report.to_json() == from_the_start(auditor, approved).to_json()
