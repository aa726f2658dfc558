"""In the browser: a reviewer who is also an approver sees the approval of the claim they reviewed
marked on their worklist, with the reason and no Take button; another approver takes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from fund.claims import tasks
from fund.claims.submission import submit_claim
from fund.extensions import db
from fund.models import Claim, HumanTask, User
from tests.conftest import DOCUMENTS_COMPLETE, TORTURE_REVIEW_APPROVE, claim_body
from tests.e2e.conftest import sign_in


def _work(reference: str, steps: list[tuple[str, str, dict]], start: datetime) -> None:
    for hours, (username, task_name, form) in enumerate(steps, start=1):
        user = db.session.scalar(select(User).where(User.username == username))
        task_id = db.session.scalar(
            select(HumanTask.id)
            .join(Claim, Claim.id == HumanTask.claim_id)
            .where(Claim.reference == reference, HumanTask.name == task_name, HumanTask.state == "open")
        )
        tasks.complete_task(user, task_id, form, start + timedelta(hours=hours))


def test_the_approval_of_a_claim_i_reviewed_is_marked_and_cannot_be_taken(live_server, new_page, shot):
    live_server.user("ivan", "intake")
    live_server.user("rita", "reviewer", "approver")
    live_server.user("arman", "approver")
    start = datetime.now(UTC) - timedelta(days=1)
    reference = live_server.run(submit_claim, claim_body(), start).reference
    steps = [("ivan", "intake_check", DOCUMENTS_COMPLETE), ("rita", "review_torture", TORTURE_REVIEW_APPROVE)]
    live_server.run(_work, reference, steps, start)

    rita = new_page()
    sign_in(rita, live_server.url, "rita")
    row = rita.locator("tr", has=rita.get_by_role("link", name=reference))
    expect(row).to_contain_text("Approve decision")
    expect(row).to_contain_text("Not for you (four eyes)")
    expect(row).to_contain_text("You did the step 'Review: torture' on this claim")
    assert row.get_by_role("button").count() == 0
    shot(rita, "barred-approval")

    arman = new_page()
    sign_in(arman, live_server.url, "arman")
    row = arman.locator("tr", has=arman.get_by_role("link", name=reference))
    row.get_by_role("button", name="Take").click()
    expect(arman.locator("main")).to_contain_text("Approve decision")
    shot(arman, "taken-by-another-approver")
