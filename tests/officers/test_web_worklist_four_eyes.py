"""The worklist and the four-eyes rule: a task the rule bars me from is shown marked, with the
reason, and without a Take button; the reason is the one a refusal gives, naming the steps with
the worklist's own words. Colleagues who may do the task see it as usual.
"""

from __future__ import annotations

import pytest

from fund.extensions import db
from fund.models import HumanTask
from tests.db_helpers import statements_while
from tests.officer_helpers import browser, freeze_clock, html, main_text, open_task_id, text_of


@pytest.fixture
def web_clock(monkeypatch):
    return freeze_clock(monkeypatch)


@pytest.fixture
def awaiting_approval(submit, web_clock, officers) -> str:
    """A torture claim checked by ivan and reviewed by rita (reviewer and approver)."""
    reference = submit()["reference"]
    officers.check_documents(reference)
    officers.review(reference, "rita")
    return reference


def worklist_row(page, task_id: str):
    (row,) = page.xpath(f"//table[contains(@class,'worklist')]/tbody/tr[@data-task-id='{task_id}']")
    return row


def test_the_reviewer_sees_the_approval_marked_with_the_reason_and_no_take_button(
    app, staff, awaiting_approval
):
    rita = browser(app, staff, "rita", "reviewer", "approver")
    task_id = open_task_id(awaiting_approval, "approval")

    page = html(rita.get("/worklist"))
    row = worklist_row(page, task_id)
    action = text_of(row.xpath("./td[@data-label='Action']")[0])

    assert not row.xpath(".//form[contains(@action,'/take')]")
    assert not row.xpath(".//button")
    assert row.xpath(".//*[@data-barred='four_eyes']")
    task_words = text_of(row.xpath("./td[@data-label='Task']")[0])
    assert task_words == "Approve decision"
    # The steps are named as the worklist names them: "Review: torture", then the row's own task.
    assert "You did the step 'Review: torture' on this claim" in action
    assert f"so you may not do '{task_words}'" in action
    assert "Another approving officer must do this task" in action


def test_the_reason_on_the_worklist_is_the_reason_taking_it_is_refused_with(app, staff, awaiting_approval):
    rita = browser(app, staff, "rita", "reviewer", "approver")
    task_id = open_task_id(awaiting_approval, "approval")
    page = html(rita.get("/worklist"))
    shown = text_of(worklist_row(page, task_id).xpath(".//*[@data-barred='four_eyes']")[0])
    token = page.xpath("//input[@name='csrf_token']/@value")[0]

    refused = rita.post(f"/tasks/{task_id}/take", data={"csrf_token": token})

    assert refused.status_code == 403
    reason = shown.split(": ", 1)[1]
    assert reason.startswith("You did the step 'Review: torture'")
    assert reason in main_text(refused)
    assert db.session.get(HumanTask, task_id).assignee is None


def test_another_approver_sees_the_same_task_with_a_take_button(app, staff, awaiting_approval):
    alma = browser(app, staff, "alma", "approver")
    task_id = open_task_id(awaiting_approval, "approval")

    row = worklist_row(html(alma.get("/worklist")), task_id)

    assert row.xpath(".//form[contains(@action,'/take')]//button")
    assert not row.xpath(".//*[@data-barred]")


def test_a_reviewer_who_did_not_review_this_claim_may_take_its_approval(
    app, staff, submit, web_clock, officers
):
    reference = submit()["reference"]
    officers.check_documents(reference)
    officers.review(reference, "rita")
    task_id = open_task_id(reference, "approval")
    # Roza reviews other claims and approves this one: four eyes does not bar her.
    roza = browser(app, staff, "roza", "reviewer", "approver")

    row = worklist_row(html(roza.get("/worklist")), task_id)

    assert row.xpath(".//form[contains(@action,'/take')]//button")


def test_marking_barred_tasks_costs_one_query_for_the_page(app, staff, awaiting_approval, submit, officers):
    rita = browser(app, staff, "rita", "reviewer", "approver")
    rita.get("/worklist")  # parse the process once
    few = statements_while(lambda: rita.get("/worklist"))
    for _ in range(3):  # more claims rita reviewed, and so more barred approvals on the page
        reference = submit()["reference"]
        officers.check_documents(reference)
        officers.review(reference, "rita")
    rita.get("/worklist")  # as before the first count: the same session state
    answer = []
    many = statements_while(lambda: answer.append(rita.get("/worklist")))

    assert len(html(answer[0]).xpath("//*[@data-barred='four_eyes']")) == 4
    assert len(many) == len(few)
    four_eyes = [s for s in many if "completed_by" in s]
    assert len(four_eyes) == 1  # the tasks rita completed on the page's claims, once for the page
    assert "snapshot" not in four_eyes[0]


def test_in_russian_the_reason_names_the_steps_as_the_russian_worklist_does(app, staff, awaiting_approval):
    rita = browser(app, staff, "rita", "reviewer", "approver")
    task_id = open_task_id(awaiting_approval, "approval")

    row = worklist_row(html(rita.get("/worklist", headers={"Accept-Language": "ru"})), task_id)
    task_words = text_of(row.xpath("./td[3]")[0])
    reason = text_of(row.xpath(".//*[@data-barred='four_eyes']")[0])

    assert task_words == "Утвердить решение"
    assert "Вы выполнили шаг «Рассмотрение: пытки» по этой заявке" in reason
    assert f"не можете выполнить шаг «{task_words}»" in reason
