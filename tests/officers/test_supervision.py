"""The supervisor: gives an open task to a named colleague who holds its role and whom four eyes
does not bar, sees each officer's load; each assignment is in the claim's history with who gave it."""

from __future__ import annotations

import pytest

from fund.extensions import db
from fund.models import HumanTask, TaskAssignment
from tests.officer_helpers import (
    browser,
    form_on,
    freeze_clock,
    html,
    main_text,
    open_task_id,
    post_with_token,
    send,
    text_of,
)


@pytest.fixture
def web_clock(monkeypatch):
    clock = freeze_clock(monkeypatch)
    monkeypatch.setattr("fund.officers.desk_views.utc_now", clock)
    return clock


@pytest.fixture
def awaiting_approval(submit, officers, web_clock) -> str:
    """A claim reviewed by rita (a reviewer who is also an approver): its approval is open."""
    reference = submit()["reference"]
    officers.check_documents(reference)
    officers.review(reference, username="rita")
    return reference


@pytest.fixture
def supervisor(app, staff, officers):
    for username in ("alma", "rita", "ivan"):
        officers.headers(username)  # the colleagues exist with their roles
    return browser(app, staff, "sofia", "supervisor")


def assign_form(page, task_id: str):
    return form_on(page, f"/supervision/tasks/{task_id}/assign")


def offered(page, task_id: str) -> list[str]:
    return assign_form(page, task_id).xpath(".//select[@name='assignee']/option/@value")


def task_row(task_id: str) -> HumanTask:
    db.session.expire_all()
    return db.session.get(HumanTask, task_id)


def test_a_supervisor_gives_a_task_to_a_colleague_and_the_claims_history_says_who(
    supervisor, awaiting_approval, app, staff
):
    task_id = open_task_id(awaiting_approval, "approval")

    given = send(supervisor, assign_form(html(supervisor.get("/supervision")), task_id), assignee="alma")

    assert given.status_code == 302
    assert task_row(task_id).assignee == "alma"
    (logged,) = db.session.scalars(db.select(TaskAssignment)).all()
    assert (logged.assigned_by, logged.assignee, logged.previous_assignee) == ("sofia", "alma", None)
    history = text_of(
        html(supervisor.get(f"/claims/{awaiting_approval}")).get_element_by_id("history-title").getparent()
    )
    assert "Task assigned: Approve decision — sofia, 02.03.2026 14:00 Given to alma" in history
    (alma_row,) = html(supervisor.get("/supervision")).xpath("//table[1]//tr[th[contains(., '(alma)')]]")
    assert [text_of(cell) for cell in alma_row.xpath("td")] == ["—", "—", "1", "—", "1"]


def test_a_colleague_the_four_eyes_rule_bars_is_not_offered_and_is_refused(supervisor, awaiting_approval):
    task_id = open_task_id(awaiting_approval, "approval")
    page = html(supervisor.get("/supervision"))

    refused = send(supervisor, assign_form(page, task_id), assignee="rita")

    assert offered(page, task_id) == ["alma"]
    assert refused.status_code == 422
    says = main_text(refused)
    assert "rita may not do this task (four eyes)." in says
    assert "You did the step 'Review: torture' on this claim, so you may not do 'Approve decision'" in says
    assert task_row(task_id).assignee is None
    assert db.session.query(TaskAssignment).count() == 0


def test_a_colleague_without_the_tasks_role_is_refused_naming_the_role(supervisor, awaiting_approval):
    task_id = open_task_id(awaiting_approval, "approval")

    refused = send(supervisor, assign_form(html(supervisor.get("/supervision")), task_id), assignee="ivan")
    unknown = send(supervisor, assign_form(html(supervisor.get("/supervision")), task_id), assignee="nobody")

    assert refused.status_code == 422
    assert "Colleague: must hold the task's role: approver" in main_text(refused)
    assert unknown.status_code == 422
    assert "Colleague: must be the user name of an active staff member" in main_text(unknown)
    assert task_row(task_id).assignee is None


def test_only_a_supervisor_sees_the_load_and_assigns(app, staff, awaiting_approval, officers):
    task_id = open_task_id(awaiting_approval, "approval")
    alma = browser(app, staff, "alma", "approver")

    assert alma.get("/supervision").status_code == 403
    refused = post_with_token(alma, f"/supervision/tasks/{task_id}/assign", {"assignee": "alma"}, "/worklist")
    assert refused.status_code == 403
    assert task_row(task_id).assignee is None


def test_the_colleague_given_the_task_alone_may_complete_it(supervisor, awaiting_approval, officers, staff):
    task_id = open_task_id(awaiting_approval, "approval")
    send(supervisor, assign_form(html(supervisor.get("/supervision")), task_id), assignee="alma")
    staff.user("amir", "approver")

    other = officers.client.post(
        f"/api/v1/tasks/{task_id}/complete", json={"decision": "approve"}, headers=staff.headers("amir")
    )
    done = officers.complete(task_id, {"decision": "approve"}, "alma")

    assert other.status_code == 409
    assert done.status_code == 200 and done.get_json()["status"] == "approved"


def test_the_load_counts_each_officers_open_tasks_by_role(supervisor, submit, officers, web_clock):
    references = [submit()["reference"] for _ in range(3)]
    for reference in references:
        task_id = open_task_id(reference, "intake_check")
        send(supervisor, assign_form(html(supervisor.get("/supervision")), task_id), assignee="ivan")
    officers.check_documents(references[0])  # a completed task no longer counts

    page = html(supervisor.get("/supervision"))
    row = page.xpath("//table[1]//tr[th[contains(., '(ivan)')]]")[0]

    assert [text_of(cell) for cell in row.xpath("td")] == ["2", "—", "—", "—", "2"]
    assert text_of(page.xpath("//table[1]//tbody/tr[1]/th")[0]).endswith("(ivan)")  # busiest first


def test_a_supervisor_lands_on_the_supervision_page(supervisor):
    landing = supervisor.get("/")

    assert landing.status_code == 302 and landing.headers["Location"].endswith("/supervision")
