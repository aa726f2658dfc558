"""One payment per victim and criminal case (Art. 6: compensation is a one-time payment).

The same victim is the same IIN (the victim's, or the claimant's when the claimant is the victim);
the same case is the same ERDR number. Other claims of the same victim and case that are open,
approved or paid are found when the claim is submitted, checked by intake and approved: the claim
is flagged ``duplicate_claim`` (another is open or approved) or ``already_compensated`` (another
was paid), with links to them, in the API and on the officers' pages. A second approval is refused
with 409 naming the first, and of two approvals at the same moment exactly one wins.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

import fund.claims.prior_claims
import fund.claims.tasks
from fund.claims.history import verify_claim
from fund.claims.prior_claims import SameVictimAndCase, prior_claims
from fund.extensions import db
from fund.models import Claim, Compensation, WorkflowEvent, WorkflowInstance
from tests.claims.test_concurrency import arrive_together, run_together
from tests.conftest import TORTURE_REVIEW_APPROVE, error_of, make_iin, requires_postgres, stored_claim
from tests.officer_helpers import browser, freeze_clock, html, main_text, open_task_id, send, text_of

CASE = "251750077000001"  # the criminal case the claims below share, unless a test says otherwise
REJECT_ALREADY_COMPENSATED = {"decision": "reject", "reasons": ["already_compensated"]}


@pytest.fixture
def web_clock(monkeypatch):
    return freeze_clock(monkeypatch)


def same_case_claim(submit, erdr: str = CASE, **overrides: Any) -> str:
    """A claim of the default victim (the claimant herself) in the criminal case ``erdr``."""
    return submit(crime__erdr_number=erdr, **overrides)["reference"]


def to_approval(officers, reference: str, reviewer: str = "rita") -> None:
    """Documents checked by ivan, the claim reviewed (whichever review the rules chose): awaiting approval."""
    officers.check_documents(reference)
    listed = officers.client.get("/api/v1/tasks", headers=officers.headers(reviewer)).get_json()
    (review,) = [t for t in listed if t["claim_reference"] == reference and t["name"].startswith("review")]
    form = TORTURE_REVIEW_APPROVE if review["name"] == "review_torture" else {"recommendation": "approve"}
    answer = officers.complete(review["id"], form, reviewer)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["status"] == "awaiting_approval"


def approval_of(officers, reference: str, form: dict[str, Any], username: str = "alma"):
    return officers.complete(officers.task(reference, "approval", username)["id"], form, username)


def claim_row(reference: str) -> Claim:
    db.session.expire_all()
    return db.session.scalar(select(Claim).where(Claim.reference == reference))


def the_check_sees_no_other_claim(monkeypatch) -> None:
    """The check before the approval's insert finds nothing: only the database can refuse."""
    monkeypatch.setattr(fund.claims.prior_claims, "same_victim_and_case", lambda claim: SameVictimAndCase())


def compensations_of_case(erdr: str = CASE) -> list[int]:
    db.session.expire_all()
    return list(db.session.scalars(select(Compensation.claim_id).where(Compensation.erdr_number == erdr)))


# --- found at submission ----------------------------------------------------------------------------


def test_a_second_claim_of_the_same_victim_and_case_is_flagged_as_a_duplicate_when_submitted(
    submit, officers, clock
):
    first = same_case_claim(submit)
    second = same_case_claim(submit)

    detail = officers.claim(second, "ivan")
    assert detail["flags"] == ["duplicate_claim"]
    assert detail["prior_claims"] == "open"
    assert detail["same_victim_and_case"] == [
        {"reference": first, "status": "submitted", "url": f"/api/v1/claims/{first}"}
    ]
    # The first claim is flagged too: the officers see both, whichever they open first.
    assert officers.claim(first, "ivan")["same_victim_and_case"][0]["reference"] == second
    assert prior_claims(claim_row(second)) == "open"


def test_another_victim_or_another_case_is_no_duplicate(submit, officers, clock):
    claim = same_case_claim(submit)
    other_victim = same_case_claim(submit, claimant__iin=make_iin(date(1990, 1, 15), serial=2, female=True))
    other_case = same_case_claim(submit, erdr="251750077000002")

    for reference in (claim, other_victim, other_case):
        detail = officers.claim(reference, "ivan")
        assert (detail["flags"], detail["prior_claims"], detail["same_victim_and_case"]) == ([], "none", [])


def test_the_victim_is_the_same_whether_she_claims_herself_or_her_representative_claims_for_her(
    submit, officers, clock
):
    victim_iin = make_iin(date(2012, 5, 4), serial=7)
    own = same_case_claim(submit, claimant__iin=victim_iin, claimant__birth_date="2012-05-04")
    by_her_mother = same_case_claim(
        submit,
        role="representative",
        victim={"full_name": "Ерлан Сәрсенов", "iin": victim_iin, "birth_date": "2012-05-04"},
    )

    assert officers.claim(by_her_mother, "ivan")["same_victim_and_case"][0]["reference"] == own
    assert officers.claim(own, "ivan")["flags"] == ["duplicate_claim"]


def test_a_claim_for_a_victim_and_case_already_paid_is_flagged_already_compensated(submit, officers, clock):
    paid = same_case_claim(submit)
    to_approval(officers, paid)
    officers.approve(paid)
    officers.confirm_payment(paid)

    late = same_case_claim(submit)

    detail = officers.claim(late, "ivan")
    assert detail["flags"] == ["already_compensated"]
    assert detail["prior_claims"] == "compensated"
    assert detail["same_victim_and_case"][0] | {"url": ""} == {"reference": paid, "status": "paid", "url": ""}


def test_rejected_claims_do_not_count_and_the_next_claim_may_be_approved(submit, officers, clock):
    rejected = same_case_claim(submit)
    to_approval(officers, rejected)
    assert (
        approval_of(officers, rejected, {"decision": "reject", "reasons": ["documents_missing"]}).status_code
        == 200
    )

    again = same_case_claim(submit)
    assert officers.claim(again, "ivan")["flags"] == []
    to_approval(officers, again)
    assert approval_of(officers, again, {"decision": "approve"}).status_code == 200
    assert compensations_of_case() == [claim_row(again).id]


# --- given to the rules at submission, intake check and approval --------------------------------------


def events_of(reference: str) -> list[WorkflowEvent]:
    """The claim's commands, oldest first (letters issued after them left out)."""
    return list(
        db.session.scalars(
            select(WorkflowEvent)
            .join(Claim)
            .where(Claim.reference == reference, WorkflowEvent.type != "letter_issued")
            .order_by(WorkflowEvent.sequence)
        )
    )


def process_data(reference: str) -> dict[str, Any]:
    return db.session.scalar(
        select(WorkflowInstance.process_data).join(Claim).where(Claim.reference == reference)
    )


def other_claims_decisions(event: WorkflowEvent) -> list[str]:
    """The rows of the table 'Other claims of the victim and case' that decided in this event."""
    return [
        rule["description"]
        for step in event.result["steps"]
        if step.get("decision", {}).get("table") == "DecisionTable_prior_claim_flag"
        for rule in step["decision"]["rules"]
    ]


def test_the_rules_are_given_the_other_claims_at_submission_intake_and_approval_and_replay_gives_them_again(
    submit, officers, clock
):
    first = same_case_claim(submit)
    second = same_case_claim(submit)  # the first is open: the rules flag a duplicate
    to_approval(officers, second)  # intake check while the first is still open
    to_approval(officers, first)
    officers.approve(first)
    officers.confirm_payment(first)
    answer = approval_of(officers, second, {"decision": "reject", "reasons": ["already_compensated"]})
    assert answer.status_code == 200, answer.get_json()

    submitted, intake, *_, approval = events_of(second)
    assert submitted.input["facts"]["prior_claims"] == "open"
    assert other_claims_decisions(submitted) == [
        "Another claim of the same victim and criminal case is open or approved: the fund pays once "
        "(Art. 6), so officers decide the claims together."
    ]
    assert intake.input["observed"] == {"prior_claims": "open"}
    assert len(other_claims_decisions(intake)) == 1
    assert approval.input["observed"] == {"prior_claims": "compensated"}
    assert other_claims_decisions(approval) == [
        "Another claim of the same victim and criminal case was paid: compensation is a one-time "
        "payment (Art. 6)."
    ]
    assert process_data(second)["prior_claim_flag"] == "already_compensated"
    # The first was approved while the second was open: flagged, and approved all the same.
    assert events_of(first)[-2].input["observed"] == {"prior_claims": "open"}
    # Replay gives the tables what the fund found then, not what it finds now.
    assert verify_claim(claim_row(second)).ok and verify_claim(claim_row(first)).ok


def test_a_claim_with_no_other_claim_goes_through_the_rules_unflagged(submit, officers, clock):
    claim = same_case_claim(submit)
    to_approval(officers, claim)

    submitted, intake, *_ = events_of(claim)
    assert submitted.input["facts"]["prior_claims"] == "none"
    assert intake.input["observed"] == {"prior_claims": "none"}
    assert process_data(claim)["prior_claim_flag"] is None


def test_fund_claims_show_prints_the_flag_and_the_other_claims_of_the_victim_and_case(app, submit, clock):
    first = same_case_claim(submit)
    second = same_case_claim(submit)

    out = app.test_cli_runner().invoke(args=["claims", "show", second]).output

    assert "flags: duplicate_claim" in out
    assert f"same victim and case: {first} (submitted)" in out
    alone_reference = same_case_claim(submit, erdr="251750077000009")
    alone = app.test_cli_runner().invoke(args=["claims", "show", alone_reference])
    assert "flags: -" in alone.output and "same victim and case:" not in alone.output


# --- shown at the intake check and on the claim page ---------------------------------------------------


def test_the_intake_check_page_and_the_claim_page_show_the_duplicate_with_a_link(
    app, staff, submit, web_clock
):
    first = same_case_claim(submit)
    second = same_case_claim(submit)
    alone = same_case_claim(submit, erdr="251750077000002")
    client = browser(app, staff, "ivan", "intake")

    for path in (f"/tasks/{open_task_id(first, 'intake_check')}", f"/claims/{first}"):
        page = html(client.get(path))
        panel = page.get_element_by_id("same-case")
        assert panel.get("data-flag") == "duplicate_claim"
        assert "Duplicate claim" in text_of(panel)
        assert "Another claim for the same victim and criminal case is open or approved" in text_of(panel)
        assert panel.xpath(".//a/@href") == [f"/claims/{second}"]
        assert f"{second} — Submitted: intake checks the documents" in text_of(panel)
    for path in (f"/tasks/{open_task_id(alone, 'intake_check')}", f"/claims/{alone}"):
        assert html(client.get(path)).xpath("//*[@id='same-case']") == []


def test_the_worklist_marks_the_claims_that_share_their_victim_and_case(app, staff, submit, web_clock):
    first = same_case_claim(submit)
    second = same_case_claim(submit)
    alone = same_case_claim(submit, erdr="251750077000002")
    client = browser(app, staff, "ivan", "intake")

    page = html(client.get("/worklist"))

    flags = {
        row.xpath(".//td[@data-label='Claim']/a/text()")[0]: row.xpath(".//*/@data-flag")
        for row in page.xpath("//tr[@data-task-id]")
    }
    assert flags == {first: ["duplicate_claim"], second: ["duplicate_claim"], alone: []}
    (row_of_first,) = [row for row in page.xpath("//tr[@data-task-id]") if first in text_of(row)]
    assert "Duplicate claim" in text_of(row_of_first)


# --- refused at approval ----------------------------------------------------------------------------------


def test_approving_a_second_claim_of_the_same_victim_and_case_is_refused_naming_the_first(
    submit, officers, clock
):
    first, second = same_case_claim(submit), same_case_claim(submit)
    to_approval(officers, first)
    to_approval(officers, second)
    # While the other is only open, the approver decides which one: the first approval goes through.
    assert approval_of(officers, first, {"decision": "approve"}).status_code == 200
    assert officers.claim(second, "alma")["flags"] == ["duplicate_claim"]
    assert officers.claim(second, "alma")["same_victim_and_case"][0]["status"] == "approved"

    refused = approval_of(officers, second, {"decision": "approve"})

    error = error_of(refused, 409)
    assert error["code"] == "conflict"
    assert (
        f"claim {first} of the same victim and criminal case (ERDR {CASE}) is already approved"
        in (error["message"])
    )
    assert stored_claim(second).status == "awaiting_approval"  # nothing of the approval was kept
    assert officers.task(second, "approval", "alma")  # still waiting for a decision
    assert compensations_of_case() == [claim_row(first).id]


def test_a_claim_already_paid_blocks_the_approval_and_the_second_is_rejected_as_already_compensated(
    submit, officers, clock
):
    paid = same_case_claim(submit)
    to_approval(officers, paid)
    officers.approve(paid)
    officers.confirm_payment(paid)
    late = same_case_claim(submit)
    to_approval(officers, late)

    refused = approval_of(officers, late, {"decision": "approve"})
    assert (
        f"claim {paid} of the same victim and criminal case (ERDR {CASE}) is already paid"
        in (error_of(refused, 409)["message"])
    )

    rejected = approval_of(officers, late, REJECT_ALREADY_COMPENSATED)
    assert rejected.status_code == 200, rejected.get_json()
    assert rejected.get_json()["status"] == "rejected"
    assert officers.claim(late, "alma")["flags"] == ["already_compensated"]


def test_the_approval_page_shows_the_approved_claim_and_the_refusal(app, staff, submit, officers, web_clock):
    first, second = same_case_claim(submit), same_case_claim(submit)
    to_approval(officers, first)
    to_approval(officers, second)
    officers.approve(first)
    client = browser(app, staff, "alma", "approver")
    page = html(client.get(f"/tasks/{open_task_id(second, 'approval')}"))
    panel = page.get_element_by_id("same-case")
    assert panel.xpath(".//a/@href") == [f"/claims/{first}"]
    assert "this claim cannot be approved" in text_of(panel)
    form = page.get_element_by_id("task-form")
    form.fields["decision"] = "approve"

    answer = send(client, form)

    assert answer.status_code == 409
    refusal = html(answer).get_element_by_id("refusal")
    assert f"claim {first} of the same victim and criminal case (ERDR {CASE}) is already approved" in (
        text_of(refusal)
    )
    assert html(answer).get_element_by_id("task-form") is not None  # the officer decides again
    assert claim_row(second).status == "awaiting_approval"
    form = html(answer).get_element_by_id("task-form")
    form.fields["decision"] = "reject"
    form.inputs["reasons"].value.add("already_compensated")
    assert send(client, form).status_code == 302
    assert claim_row(second).status == "rejected"
    assert "Done: 'Approve decision'" in main_text(client.get("/worklist"))


def test_the_database_refuses_a_second_compensation_even_when_the_check_before_it_misses_the_first(
    submit, officers, clock, monkeypatch
):
    first, second = same_case_claim(submit), same_case_claim(submit)
    to_approval(officers, first)
    to_approval(officers, second)
    officers.approve(first)
    the_check_sees_no_other_claim(monkeypatch)

    refused = approval_of(officers, second, {"decision": "approve"})

    assert (
        f"claim {first} of the same victim and criminal case (ERDR {CASE}) is already approved"
        in (error_of(refused, 409)["message"])
    )
    assert stored_claim(second).status == "awaiting_approval"
    assert compensations_of_case() == [claim_row(first).id]


@pytest.mark.parametrize("check", ["checked first", "the database alone"])
def test_two_approvals_of_the_same_victim_and_case_at_once_exactly_one_wins(
    app, database_url, submit, officers, staff, clock, monkeypatch, check
):
    requires_postgres(database_url)  # SQLite lets one writer in at a time: there is no race to test
    claims = [same_case_claim(submit), same_case_claim(submit)]
    for reference in claims:
        to_approval(officers, reference)
    approvers = [staff.headers("alma2", "approver"), staff.headers("alma3", "approver")]
    tasks = [officers.task(reference, "approval", "alma")["id"] for reference in claims]
    arrive_together(monkeypatch, 2, fund.claims.tasks)
    if check == "the database alone":  # as if both checks ran before either approval was committed
        the_check_sees_no_other_claim(monkeypatch)

    def approve(n: int):
        def job():
            response = app.test_client().post(
                f"/api/v1/tasks/{tasks[n]}/complete", json={"decision": "approve"}, headers=approvers[n]
            )
            return response.status_code, response

        return job

    answers = run_together(app, approve(0), approve(1))

    assert sorted(status for status, _ in answers) == [200, 409]
    (winner,) = [n for n, (status, _) in enumerate(answers) if status == 200]
    loser = 1 - winner
    assert (
        f"claim {claims[winner]} of the same victim and criminal case"
        in error_of(answers[loser][1], 409)["message"]
    )
    assert stored_claim(claims[winner]).status == "approved"
    assert stored_claim(claims[loser]).status == "awaiting_approval"
    assert compensations_of_case() == [claim_row(claims[winner]).id]
    assert db.session.scalar(select(func.count()).select_from(Compensation)) == 1
