"""Letters are issued after the command that made them due, each recorded in the claim's history.

The command commits its decision and the letter's row (kind and facts); the PDF is rendered after
the commit, in a transaction of its own that appends a ``letter_issued`` event (number, kind,
language, sha256) to the claim's hash chain. By default the request that ran the command does it
right away; with ``FUND_LETTERS_BY_WORKER`` the worker does, and until then the pages say that
the letter is being prepared. A letter that fails to render never undoes the decision.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import undefer

import fund.letters.service
from fund.audit.checks import audit_claim
from fund.claims.history import LETTER_ISSUED, TASK_COMPLETED, verify_claim
from fund.common.system import system_user
from fund.extensions import db
from fund.models import Claim, Letter, WorkflowEvent
from fund.worker import issue_letters, run_round
from tests.conftest import TORTURE_REVIEW_APPROVE
from tests.officer_helpers import browser, main_text
from tests.portal.test_portal_status import portal_sign_in, text_of

LATER = datetime(2026, 3, 2, 9, 5, tzinfo=UTC)


def claim_row(reference: str) -> Claim:
    db.session.expire_all()
    return db.session.scalar(select(Claim).where(Claim.reference == reference))


def letters_of(reference: str) -> list[Letter]:
    return list(
        db.session.scalars(
            select(Letter)
            .join(Claim)
            .where(Claim.reference == reference)
            .order_by(Letter.id)
            .options(undefer(Letter.pdf))
        )
    )


def events_of(reference: str) -> list[WorkflowEvent]:
    return list(
        db.session.scalars(
            select(WorkflowEvent)
            .join(Claim)
            .where(Claim.reference == reference)
            .order_by(WorkflowEvent.sequence)
        )
    )


def findings_of(reference: str) -> list[str]:
    """What an audit of the claim finds, in words."""
    _events, _letters, findings = audit_claim(system_user(), claim_row(reference))
    return [finding.what for finding in findings]


def approve(reference: str, officers) -> None:
    officers.check_documents(reference)
    officers._step(reference, "review_torture", TORTURE_REVIEW_APPROVE, "rita")
    officers.approve(reference)


def approved(submit, officers) -> str:
    reference = submit()["reference"]
    approve(reference, officers)
    return reference


def test_each_letter_is_issued_after_its_command_and_recorded_in_the_history(submit, officers, clock):
    reference = approved(submit, officers)

    letters = letters_of(reference)
    assert [(letter.kind, letter.status) for letter in letters] == [
        ("acknowledgement", "issued"),
        ("approval", "issued"),
    ]
    events = events_of(reference)
    approval_event = next(e for e in events if e.type == TASK_COMPLETED and e.result["status"] == "approved")
    letter_event = events[approval_event.sequence]  # the next one
    approval_letter = letters[1]
    assert letter_event.type == LETTER_ISSUED
    assert letter_event.input == {
        "letter": {
            "id": approval_letter.id,
            "number": approval_letter.number,
            "kind": "approval",
            "language": approval_letter.language,
            "sha256": hashlib.sha256(approval_letter.pdf).hexdigest(),
        }
    }
    # Issuing a letter moves nothing in the process: the state is the decision's.
    assert letter_event.state_digest == approval_event.state_digest
    assert letter_event.previous_hash == approval_event.hash
    assert [e.type for e in events[:2]] == ["claim_submitted", LETTER_ISSUED]  # the acknowledgement
    assert verify_claim(claim_row(reference)).ok
    assert findings_of(reference) == []


def test_with_the_worker_issuing_letters_the_decision_commits_alone_and_the_page_says_it_is_being_prepared(
    app, staff, submit, officers, clock, monkeypatch
):
    monkeypatch.setitem(app.config, "FUND_LETTERS_BY_WORKER", True)
    submitted = submit()
    reference, access_code = submitted["reference"], submitted["access_code"]
    approve(reference, officers)

    assert claim_row(reference).status == "approved"
    assert [(letter.kind, letter.status, letter.pdf) for letter in letters_of(reference)] == [
        ("acknowledgement", "due", None),
        ("approval", "due", None),
    ]
    assert LETTER_ISSUED not in [e.type for e in events_of(reference)]
    page = main_text(browser(app, staff, "alma", "approver").get(f"/claims/{reference}"))
    assert "being prepared: issued within minutes of the decision" in page
    claimant = app.test_client()
    portal_sign_in(claimant, reference, access_code, "ru")
    status_page = text_of(claimant.get("/portal/status", headers={"Accept-Language": "ru"}))
    assert "готовится: появится здесь через несколько минут" in status_page

    issued = issue_letters(lambda: LATER)

    letters = letters_of(reference)
    assert issued == [letter.number for letter in letters]
    assert all(letter.status == "issued" and letter.issued_at == LATER for letter in letters)
    assert [e.type for e in events_of(reference)][-2:] == [LETTER_ISSUED, LETTER_ISSUED]
    assert verify_claim(claim_row(reference)).ok
    assert findings_of(reference) == []
    assert issue_letters(lambda: LATER) == []  # nothing left, nothing twice


def test_a_letter_that_fails_to_render_leaves_the_decision_standing_and_the_worker_issues_it_later(
    submit, officers, clock, monkeypatch
):
    reference = submit()["reference"]
    officers.check_documents(reference)
    officers._step(reference, "review_torture", TORTURE_REVIEW_APPROVE, "rita")
    real_render = fund.letters.service.render_letter_and_place

    def broken(content):
        raise OSError("the font file cannot be read")

    monkeypatch.setattr(fund.letters.service, "render_letter_and_place", broken)
    answer = officers.complete(
        officers.task(reference, "approval", "alma")["id"], {"decision": "approve"}, "alma"
    )

    assert answer.status_code == 200, answer.get_json()
    assert claim_row(reference).status == "approved"
    assert [letter.status for letter in letters_of(reference)] == ["issued", "due"]
    monkeypatch.setattr(fund.letters.service, "render_letter_and_place", real_render)

    done = run_round(lambda: LATER)

    assert done.letters_issued == [letters_of(reference)[1].number]
    assert verify_claim(claim_row(reference)).ok


def test_a_letter_issued_event_whose_letter_was_swapped_is_an_audit_finding(submit, officers, clock):
    reference = approved(submit, officers)
    approval_letter = letters_of(reference)[1]
    # An insider replaces the stored PDF and its sha256 together (the letter's own check passes).
    forged = approval_letter.pdf + b"%"
    db.session.execute(
        Letter.__table__.update()
        .where(Letter.__table__.c.id == approval_letter.id)
        .values(pdf=forged, sha256=hashlib.sha256(forged).hexdigest())
    )
    db.session.commit()

    findings = findings_of(reference)

    (recorded,) = [
        e for e in events_of(reference) if e.type == LETTER_ISSUED and e.input["letter"]["kind"] == "approval"
    ]
    assert findings == [
        f"letter {approval_letter.number}: it is not the letter event {recorded.sequence} recorded "
        "(kind or sha256 differ)"
    ]


@pytest.mark.parametrize("by_worker", [False, True])
def test_replay_of_a_history_with_letters_reproduces_every_digest(
    app, submit, officers, clock, monkeypatch, by_worker
):
    monkeypatch.setitem(app.config, "FUND_LETTERS_BY_WORKER", by_worker)
    reference = approved(submit, officers)
    issue_letters(lambda: LATER)
    officers.confirm_payment(reference)

    result = verify_claim(claim_row(reference))

    assert result.ok, result.findings
    assert result.events == len(events_of(reference))
