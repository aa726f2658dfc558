"""An auditor finds a decided claim, reads its history and verification, and steps through its replay
forward and back in the browser (no JavaScript needed)."""

from __future__ import annotations

import hashlib
import re
import zipfile
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from fund.claims import tasks
from fund.claims.submission import submit_claim
from fund.extensions import db
from fund.models import Claim, HumanTask, User
from tests.conftest import APPROVE, DOCUMENTS_COMPLETE, TORTURE_REVIEW_APPROVE, claim_body
from tests.e2e.conftest import sign_in


def _work(reference: str, steps: list[tuple[str, str, dict]], start: datetime) -> None:
    """Complete the claim's tasks as the named officers, an hour apart."""
    for hours, (username, task_name, form) in enumerate(steps, start=1):
        user = db.session.scalar(select(User).where(User.username == username))
        task_id = db.session.scalar(
            select(HumanTask.id)
            .join(Claim, Claim.id == HumanTask.claim_id)
            .where(Claim.reference == reference, HumanTask.name == task_name, HumanTask.state == "open")
        )
        tasks.complete_task(user, task_id, form, start + timedelta(hours=hours))


def test_an_auditor_finds_a_claim_and_steps_through_its_replay(live_server, new_page, shot):
    live_server.user("ivan", "intake")
    live_server.user("rita", "reviewer")
    live_server.user("alma", "approver")
    live_server.user("aida", "auditor")
    start = datetime.now(UTC) - timedelta(days=1)
    reference = live_server.run(submit_claim, claim_body(), start).reference
    live_server.run(
        _work,
        reference,
        [
            ("ivan", "intake_check", DOCUMENTS_COMPLETE),
            ("rita", "review_torture", TORTURE_REVIEW_APPROVE),
            ("alma", "approval", APPROVE),
        ],
        start,
    )

    page = new_page()
    sign_in(page, live_server.url, "aida")
    page.get_by_role("link", name="Audit").click()
    page.get_by_label("Reference").fill(reference)
    page.get_by_role("button", name="Search").click()
    shot(page, "audit-search")
    page.get_by_role("link", name=reference, exact=True).click()

    main = page.locator("main")
    expect(main).to_contain_text("The history holds")
    expect(main).to_contain_text("Completed: Approve decision")
    assert claim_body()["claimant"]["iin"] not in page.content()
    shot(page, "audit-claim")

    page.get_by_role("link", name="Replay step by step").click()
    expect(main).to_contain_text("Replay matches at every step")
    # submitted, its acknowledgement issued, intake check, review, approval, its letter issued
    expect(main).to_contain_text("Step 1 of 6")
    assert page.locator("g[data-element-id='intake_check'][data-state='current']").count() == 1
    shot(page, "replay-step-1")

    for number in (2, 3, 4, 5, 6):
        page.get_by_role("link", name="Next step →").click()
        expect(main).to_contain_text(f"Step {number} of 6")
        shot(page, f"replay-step-{number}")
    assert page.get_by_role("link", name="Next step →").count() == 0
    assert re.search(r"Status after\s+Approved", main.inner_text())
    assert page.locator("g[data-element-id='intake_check'][data-state='completed']").count() == 1

    expect(main).to_contain_text("Letter issued")
    for _ in range(3):
        page.get_by_role("link", name="← Previous step").click()
    expect(main).to_contain_text("Step 3 of 6")
    expect(main).to_contain_text("Completed: Check documents")
    shot(page, "replay-back-to-step-2")

    page.get_by_role("link", name="« First").click()
    expect(main).to_contain_text("Step 1 of 6")
    assert page.get_by_role("link", name="← Previous step").count() == 0

    # The export: a zip the auditor can check offline against its manifest.
    page.go_back()
    page.goto(page.url.split("/replay")[0])
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the audit export (zip)").click()
    archive = zipfile.ZipFile(download.value.path())
    names = set(archive.namelist())
    assert {"events.json", "manifest.json", "MANIFEST.sha256", "verification.json"} <= names
    for line in archive.read("MANIFEST.sha256").decode().splitlines():
        digest, name = line.split(maxsplit=1)
        assert hashlib.sha256(archive.read(name.lstrip("*"))).hexdigest() == digest
