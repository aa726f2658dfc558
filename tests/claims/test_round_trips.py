"""A task completion over HTTP makes few round trips to the database.

Counted as the database receives them: every statement, and each transaction's BEGIN and COMMIT.
The letters a command makes due are rendered after it (by the worker in production, where
``FUND_LETTERS_BY_WORKER`` is set, as here), so the officer's request carries only the command.
On PostgreSQL a command's writes go as one statement (fund.claims.instances): issue 13 asks for at
most 8 round trips. SQLite, in the same process, runs them one by one, and takes its write lock
with one statement more: its budget counts those.
"""

from __future__ import annotations

import pytest

from fund.extensions import db
from tests.conftest import TORTURE_REVIEW_APPROVE
from tests.db_helpers import round_trips

BUDGETS = {  # round trips of one request, by database (a submission's first one reads the process's files)
    "postgresql": {"intake_check": 7, "approval": 8, "submission": 10, "payment_confirmed": 7},
    "sqlite": {"intake_check": 14, "approval": 17, "submission": 18, "payment_confirmed": 13},
}


def budget(step: str) -> int:
    return BUDGETS[db.engine.dialect.name][step]


@pytest.fixture
def letters_by_worker(app, monkeypatch):
    monkeypatch.setitem(app.config, "FUND_LETTERS_BY_WORKER", True)


def test_an_intake_check_over_http_stays_within_its_statement_budget(
    letters_by_worker, submit, officers, clock
):
    reference = submit()["reference"]
    task = officers.task(reference, "intake_check", "ivan")

    with round_trips() as sent:
        answer = officers.complete(task["id"], {"documents_complete": True}, "ivan")

    assert answer.status_code == 200 and answer.get_json()["status"] == "under_review"
    assert len(sent) <= budget("intake_check"), "\n".join(sent)
    assert sent[0] == "BEGIN" and sent[-1] == "COMMIT"  # one transaction: nothing read again after it


def test_an_approval_with_its_letter_and_compensation_stays_within_its_statement_budget(
    letters_by_worker, submit, officers, clock
):
    reference = submit()["reference"]
    officers.check_documents(reference)
    officers._step(reference, "review_torture", TORTURE_REVIEW_APPROVE, "rita")
    task = officers.task(reference, "approval", "alma")

    with round_trips() as sent:
        answer = officers.complete(task["id"], {"decision": "approve"}, "alma")

    assert answer.status_code == 200 and answer.get_json()["status"] == "approved"
    assert len(sent) <= budget("approval"), "\n".join(sent)
    assert not [
        statement for statement in sent if statement.startswith("UPDATE letters")
    ]  # not rendered here


def statements_only(sent: list[str]) -> list[str]:
    return [statement for statement in sent if statement not in ("BEGIN", "COMMIT", "ROLLBACK")]


def test_a_worklist_look_up_reads_its_tasks_and_their_forms_in_one_statement(submit, officers, clock):
    reference = submit()["reference"]
    officers.headers("ivan")  # the token issued before counting, as a client holds it

    with round_trips() as sent:
        answer = officers.client.get("/api/v1/tasks", headers=officers.headers("ivan"))

    (task,) = [task for task in answer.get_json() if task["claim_reference"] == reference]
    assert task["name"] == "intake_check" and task["form"]["id"].endswith("/intake_check.json")
    # The token with its roles, then the tasks with their claims' process versions; an intake check
    # names no earlier step its doer may not have done, so the four-eyes rule is not asked.
    assert len(statements_only(sent)) == 2, "\n".join(sent)


def test_an_approvers_worklist_asks_the_four_eyes_rule_once_for_the_page(submit, officers, clock):
    references = [submit()["reference"] for _ in range(2)]
    for reference in references:
        officers.check_documents(reference)
        officers._step(reference, "review_torture", TORTURE_REVIEW_APPROVE, "rita")
    officers.headers("alma")

    with round_trips() as sent:
        answer = officers.client.get("/api/v1/tasks", headers=officers.headers("alma"))

    listed = [task for task in answer.get_json() if task["claim_reference"] in references]
    assert [task["name"] for task in listed] == ["approval", "approval"]
    assert len(statements_only(sent)) == 3, "\n".join(sent)  # token, tasks, the four-eyes bars


def test_a_submission_and_a_message_answer_from_what_they_wrote_without_reading_after_the_commit(
    letters_by_worker, submit, officers, clock
):
    with round_trips() as sent:
        reference = submit()["reference"]

    assert sent[-1] == "COMMIT", "\n".join(sent)
    assert len(sent) <= budget("submission"), "\n".join(sent)

    officers.check_documents(reference)
    officers._step(reference, "review_torture", TORTURE_REVIEW_APPROVE, "rita")
    officers.complete(officers.task(reference, "approval", "alma")["id"], {"decision": "approve"}, "alma")
    officers.headers("farida")
    with round_trips() as sent:
        answer = officers.deliver(reference, "payment_confirmed", {"batch": "PB-2026-001"}, "farida")

    assert answer.get_json() == {"claim_reference": reference, "status": "paid"}
    assert sent[-1] == "COMMIT", "\n".join(sent)
    assert len(sent) <= budget("payment_confirmed"), "\n".join(sent)
