"""A claim decided in the browser, as the fund's officers do it, ending with a verified letter."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from hashlib import sha256

from pypdf import PdfReader

from fund.claims.submission import submit_claim
from tests.conftest import claim_body
from tests.e2e.conftest import sign_in


def open_task(page, base_url: str, reference: str, task_label: str) -> None:
    page.goto(f"{base_url}/worklist")
    row = page.locator("tr", has=page.get_by_role("link", name=reference))
    row.get_by_role("link", name=task_label).click()


def test_intake_review_four_eyes_approval_and_a_verified_letter(live_server, new_page, shot):
    live_server.user("dana", "intake")
    live_server.user("rita", "reviewer", "approver")
    live_server.user("arman", "approver")
    submitted = live_server.run(submit_claim, claim_body(), datetime.now(UTC))
    reference = submitted.reference

    # Intake: the documents are complete.
    intake = new_page()
    sign_in(intake, live_server.url, "dana")
    shot(intake, "intake-worklist")
    open_task(intake, live_server.url, reference, "Check documents")
    intake.get_by_role("group", name=re.compile("All required documents are present")).get_by_label(
        "Yes"
    ).check()
    shot(intake, "intake-task")
    intake.get_by_role("button", name="Complete the task").click()
    shot(intake, "intake-done")

    # Review (torture): recommend approval, naming the prosecutor's office.
    reviewer = new_page()
    sign_in(reviewer, live_server.url, "rita")
    open_task(reviewer, live_server.url, reference, "Review: torture")
    reviewer.get_by_label("Prosecutor's office handling the case").fill("Prosecutor's office of Almaty")
    reviewer.get_by_label("Recommend approving the claim").check()
    shot(reviewer, "review-task")
    reviewer.get_by_role("button", name="Complete the task").click()

    # The same person may not approve: the page says why, and a forced post is refused too.
    open_task(reviewer, live_server.url, reference, "Approve decision")
    shot(reviewer, "four-eyes-refused")
    refusal = reviewer.locator("main").inner_text()
    assert "four eyes" in refusal.lower()

    # Another approver approves: 40 MCI x the MCI in force.
    approver = new_page()
    sign_in(approver, live_server.url, "arman")
    open_task(approver, live_server.url, reference, "Approve decision")
    shot(approver, "approval-task")
    approver.get_by_label("Approve the claim").check()
    approver.get_by_role("button", name="Complete the task").click()

    approver.goto(f"{live_server.url}/worklist")
    shot(approver, "guide-worklist", full_page=False)
    approver.goto(f"{live_server.url}/claims/{reference}")
    shot(approver, "guide-claim", full_page=False)
    assert (
        "Approved" in approver.locator("main").inner_text()
        or "approved" in approver.locator("main").inner_text()
    )
    shot(approver, "claim-page")

    # The approval letter: download it, read its number and code, verify it publicly.
    letter_item = approver.locator("#letters-title + ul li", has_text="Decision to pay compensation")
    href = letter_item.get_by_role("link").get_attribute("href")
    pdf = approver.request.get(live_server.url + href).body()  # with the officer's session
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert reference in text
    number = re.search(r"VCF-L-\d{4}-\d{7}", text).group(0)
    code = re.search(r"\b[A-Z0-9]{5}-[A-Z0-9]{5}\b", text).group(0)

    public = new_page()
    public.goto(f"{live_server.url}/verify/{number}")
    public.get_by_label(re.compile("code", re.IGNORECASE)).first.fill(code)
    public.get_by_role("button", name=re.compile("check|verify", re.IGNORECASE)).first.click()
    verdict = public.locator("main").inner_text()
    assert "This letter was issued by the Victims Compensation Fund" in verdict
    assert sha256(pdf).hexdigest() in verdict
    assert "Айгүл" not in verdict  # no personal data on the public page
    shot(public, "letter-verified")
