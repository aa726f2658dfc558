"""Worklists and task completion through the API, as the fund's officers meet them.

A completion is one transaction: when it is refused (403 wrong role or four eyes, 404, 409 no
longer ready, 422 form data not valid, 400 not JSON), the claim's history, status, snapshot and
open tasks are exactly as before.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from fund.extensions import db
from fund.models import WorkflowInstance
from fund.officers.assignment import take_task
from tests.conftest import (
    APPROVE,
    DOCUMENTS_COMPLETE,
    DOCUMENTS_MISSING,
    TORTURE_REVIEW_APPROVE,
    error_of,
    stored_claim,
)


@pytest.fixture
def submitted(submit, clock) -> str:
    """A torture claim just submitted: its intake check waits for intake."""
    return submit()["reference"]


@pytest.fixture
def awaiting_approval(submitted, officers) -> str:
    """The claim checked by ivan and reviewed by rita (a reviewer who is also an approver)."""
    officers.check_documents(submitted)
    officers.review(submitted, "rita")
    return submitted


# --- the worklist --------------------------------------------------------------------------------


def test_a_task_in_the_worklist_says_what_to_do_by_when_and_with_which_form(submitted, officers, clock):
    task = officers.task(submitted, "intake_check", "ivan")

    assert set(task) == {
        "id", "claim_reference", "name", "title", "role", "created_at", "due_at", "form",
        "assignee", "can_take", "barred_because",
    }  # fmt: skip
    assert task["assignee"] is None and task["can_take"] is True and task["barred_because"] is None
    assert uuid.UUID(task["id"])
    assert task["claim_reference"] == submitted
    assert (task["name"], task["title"], task["role"]) == ("intake_check", "Check documents", "intake")
    created = datetime.fromisoformat(task["created_at"])
    assert created == clock.now
    assert datetime.fromisoformat(task["due_at"]) == created + timedelta(days=10)
    form = officers.client.get(task["form"]["url"], headers=officers.headers("ivan")).get_json()
    assert form["type"] == "object"
    assert form["required"] == ["documents_complete"]
    assert "documents_complete" in form["properties"]


def test_the_worklist_references_each_form_once_by_its_version_and_file(submit, officers, clock):
    references = [submit()["reference"] for _ in range(3)]
    version = db.session.scalar(select(WorkflowInstance.process_version))

    response = officers.client.get("/api/v1/tasks", headers=officers.headers("ivan"))

    worklist = response.get_json()
    assert sorted(task["claim_reference"] for task in worklist) == references
    form_id = f"{version}/intake_check.json"
    assert all(task["form"] == {"id": form_id, "url": f"/api/v1/forms/{form_id}"} for task in worklist)
    assert len(response.get_data()) < 1000 * len(worklist)  # the schema is not repeated in each task


def test_a_form_is_served_once_with_caching_headers_and_not_again_while_unchanged(submitted, officers):
    url = officers.task(submitted, "intake_check", "ivan")["form"]["url"]

    first = officers.client.get(url, headers=officers.headers("rita"))  # any staff member may read it

    assert first.status_code == 200 and first.mimetype == "application/json"
    assert first.get_json()["required"] == ["documents_complete"]
    assert first.headers["ETag"]
    cache_control = first.headers["Cache-Control"]
    assert "private" in cache_control and "immutable" in cache_control
    assert int(cache_control.split("max-age=")[1].split(",")[0]) >= 365 * 24 * 3600
    headers = dict(officers.headers("rita"), **{"If-None-Match": first.headers["ETag"]})
    again = officers.client.get(url, headers=headers)
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == first.headers["ETag"]


@pytest.mark.parametrize(
    "form_id",
    [
        "{version}/nonexistent.json",
        "{version}/codes.json",
        "{version}/intake_check",
        "0" * 64 + "/review.json",
        "{version}",
        "not-a-version/review.json",
        "{version}/review.json%00",
    ],
)
def test_an_unknown_form_is_not_found(submitted, officers, form_id):
    version = db.session.scalar(select(WorkflowInstance.process_version))

    response = officers.client.get(
        f"/api/v1/forms/{form_id.format(version=version)}", headers=officers.headers("ivan")
    )

    assert error_of(response, 404)["code"] == "not_found"


def test_a_form_needs_a_token(submitted, officers):
    url = officers.task(submitted, "intake_check", "ivan")["form"]["url"]

    response = officers.client.get(url)

    assert error_of(response, 401)["code"] == "unauthenticated"


def test_the_worklist_lists_the_oldest_task_first(submit, officers, clock):
    first = submit()["reference"]
    clock.advance(hours=1)
    second = submit()["reference"]

    worklist = officers.client.get("/api/v1/tasks", headers=officers.headers("ivan")).get_json()

    assert [task["claim_reference"] for task in worklist] == [first, second]


def test_completing_a_task_answers_with_the_claims_new_status_and_moves_the_work_on(submitted, officers):
    intake = officers.task(submitted, "intake_check", "ivan")

    response = officers.complete(intake["id"], DOCUMENTS_COMPLETE, "ivan")

    assert response.status_code == 200
    assert response.get_json() == {"claim_reference": submitted, "status": "under_review"}
    ivan_sees = officers.client.get("/api/v1/tasks", headers=officers.headers("ivan")).get_json()
    assert ivan_sees == []
    review = officers.task(submitted, "review_torture", "rita")
    assert review["role"] == "reviewer"
    assert stored_claim(submitted).open_tasks == (review["id"],)


def test_a_document_request_is_completed_with_the_missing_documents(submitted, officers):
    intake = officers.task(submitted, "intake_check", "ivan")

    response = officers.complete(intake["id"], DOCUMENTS_MISSING, "ivan")

    assert response.get_json() == {"claim_reference": submitted, "status": "documents_requested"}
    assert stored_claim(submitted).open_tasks == ()


# --- four eyes -----------------------------------------------------------------------------------


def test_the_reviewer_cannot_approve_the_claim_they_reviewed(awaiting_approval, officers):
    approval = officers.task(awaiting_approval, "approval", "rita")  # rita holds the approver role
    before = stored_claim(awaiting_approval)

    response = officers.complete(approval["id"], APPROVE, "rita")

    error = error_of(response, 403)
    assert error["code"] == "forbidden"
    # The steps named as the worklist names them, not by their codes ('review_torture'):
    assert error["message"].startswith("You did the step 'Review: torture' on this claim")
    assert "so you may not do 'Approve decision'" in error["message"]
    assert "four-eyes rule" in error["message"]
    assert stored_claim(awaiting_approval) == before


def test_the_worklist_lists_a_task_four_eyes_bars_me_from_with_the_reason_of_the_refusal(
    awaiting_approval, officers
):
    rita_sees = officers.task(awaiting_approval, "approval", "rita")
    alma_sees = officers.task(awaiting_approval, "approval", "alma")

    refusal = error_of(officers.complete(rita_sees["id"], APPROVE, "rita"), 403)

    assert rita_sees["can_take"] is False
    assert rita_sees["barred_because"] == refusal["message"]  # the same words, before and after
    assert "'Review: torture'" in rita_sees["barred_because"]
    assert alma_sees["can_take"] is True and alma_sees["barred_because"] is None


def test_a_task_a_colleague_took_is_listed_as_not_mine_to_take(awaiting_approval, officers, clock):
    approval = officers.task(awaiting_approval, "approval", "alma")
    take_task(officers.staff.user("alma"), approval["id"], clock.now)

    response = officers.client.get("/api/v1/tasks", headers=officers.staff.headers("arman", "approver"))
    (arman_sees,) = [task for task in response.get_json() if task["id"] == approval["id"]]
    alma_sees = officers.task(awaiting_approval, "approval", "alma")

    assert (arman_sees["assignee"], arman_sees["can_take"]) == ("alma", False)
    assert arman_sees["barred_because"] is None  # not four eyes: a colleague took it
    assert (alma_sees["assignee"], alma_sees["can_take"]) == ("alma", True)  # hers to work


def test_another_approver_can_approve_after_the_reviewer_was_refused(awaiting_approval, officers):
    approval = officers.task(awaiting_approval, "approval", "alma")
    officers.complete(approval["id"], APPROVE, "rita")

    response = officers.complete(approval["id"], APPROVE, "alma")

    assert response.status_code == 200
    assert response.get_json() == {"claim_reference": awaiting_approval, "status": "approved"}


# --- refusals ------------------------------------------------------------------------------------


def test_completing_an_already_completed_task_is_a_conflict(submitted, officers):
    intake = officers.task(submitted, "intake_check", "ivan")
    assert officers.complete(intake["id"], DOCUMENTS_COMPLETE, "ivan").status_code == 200
    before = stored_claim(submitted)

    response = officers.complete(intake["id"], DOCUMENTS_COMPLETE, "ivan")

    error = error_of(response, 409)
    assert error["code"] == "conflict"
    assert intake["id"] in error["message"] and "already completed" in error["message"]
    assert stored_claim(submitted) == before


def test_a_task_another_officer_took_cannot_be_completed_until_they_release_it(
    submitted, officers, staff, clock
):
    from fund.officers.assignment import release_task, take_task

    intake = officers.task(submitted, "intake_check", "ivan")
    colleague = staff.user("inna", "intake")
    take_task(colleague, intake["id"], clock.now)
    before = stored_claim(submitted)

    error = error_of(officers.complete(intake["id"], DOCUMENTS_COMPLETE, "ivan"), 409)
    assert "taken by inna" in error["message"]
    assert stored_claim(submitted) == before

    release_task(colleague, intake["id"])
    assert officers.complete(intake["id"], DOCUMENTS_COMPLETE, "ivan").status_code == 200


def test_a_task_cancelled_by_the_process_is_a_conflict_too(submitted, officers, staff):
    # The same officer cannot complete a task twice; a second intake officer arriving late
    # finds the task gone, whatever the data they send.
    intake = officers.task(submitted, "intake_check", "ivan")
    officers.complete(intake["id"], DOCUMENTS_MISSING, "ivan")
    before = stored_claim(submitted)
    late = staff.headers("inna", "intake")

    response = officers.client.post(f"/api/v1/tasks/{intake['id']}/complete", json={}, headers=late)

    assert error_of(response, 409)["code"] == "conflict"
    assert stored_claim(submitted) == before


@pytest.mark.parametrize(
    "task_id",
    [
        pytest.param(str(uuid.uuid4()), id="unknown id"),
        pytest.param("not-a-task", id="not an id"),
        pytest.param("a" * 5000, id="5000 characters"),
        pytest.param("ab%00cd", id="NUL"),
    ],
)
def test_an_unknown_task_is_not_found(submitted, officers, task_id):
    before = stored_claim(submitted)

    response = officers.complete(task_id, DOCUMENTS_COMPLETE, "ivan")

    assert error_of(response, 404)["code"] == "not_found"
    assert stored_claim(submitted) == before


@pytest.mark.parametrize(
    ("form", "field", "says"),
    [
        pytest.param({"documents_complete": "yes"}, "documents_complete", "true or false", id="wrong type"),
        pytest.param({}, "documents_complete", "required", id="missing field"),
        pytest.param({"documents_complete": None}, "documents_complete", "true or false", id="null"),
        pytest.param(
            {"documents_complete": False},
            "missing_documents",
            "at least one document",
            id="no missing documents named",
        ),
        pytest.param(
            {"documents_complete": False, "missing_documents": ["a_photo_of_my_cat"]},
            "missing_documents",
            "must be one of: identity_document",
            id="unknown document",
        ),
        pytest.param({**DOCUMENTS_COMPLETE, "colour": "red"}, "colour", "", id="unknown field"),
        pytest.param({**DOCUMENTS_COMPLETE, "note": "x" * 1_000_000}, "note", "2000", id="a megabyte note"),
        pytest.param({**DOCUMENTS_COMPLETE, "note": {"text": "x"}}, "note", "text", id="object for text"),
        pytest.param({**DOCUMENTS_COMPLETE, "note": "a\u0000b"}, "note", "U+0000", id="NUL in a note"),
    ],
)
def test_form_data_that_is_not_valid_is_refused_naming_the_field(submitted, officers, form, field, says):
    intake = officers.task(submitted, "intake_check", "ivan")
    before = stored_claim(submitted)

    response = officers.complete(intake["id"], form, "ivan")

    error = error_of(response, 422)
    assert error["code"] == "validation_failed"
    assert field in error["fields"], error["fields"]
    assert any(says in message for message in error["fields"][field]), error["fields"]
    assert stored_claim(submitted) == before
    assert officers.task(submitted, "intake_check", "ivan")["id"] == intake["id"]  # still to do


def test_a_torture_review_needs_the_prosecutors_office(submit, officers, clock):
    reference = submit()["reference"]
    officers.check_documents(reference)
    review = officers.task(reference, "review_torture", "rita")

    response = officers.complete(review["id"], {"recommendation": "approve"}, "rita")

    assert "prosecutor_office" in error_of(response, 422)["fields"]


@pytest.mark.parametrize(
    ("send", "status"),
    [
        pytest.param({"data": "documents_complete=true", "content_type": "text/plain"}, 400, id="plain text"),
        pytest.param({"data": {"documents_complete": "true"}}, 400, id="form encoded"),
        pytest.param(
            {"data": '{"documents_complete": tru', "content_type": "application/json"}, 400, id="broken"
        ),
        pytest.param(
            {"data": '{"documents_complete": NaN}', "content_type": "application/json"}, 400, id="NaN"
        ),
        pytest.param({"data": "[" * 5000 + "]" * 5000, "content_type": "application/json"}, 400, id="deep"),
        pytest.param({"data": "", "content_type": "application/json"}, 400, id="empty"),
        pytest.param({"json": [DOCUMENTS_COMPLETE]}, 422, id="JSON array"),
        pytest.param({"json": "documents_complete"}, 422, id="JSON string"),
        pytest.param({"json": True}, 422, id="JSON true"),
        pytest.param({"data": "null", "content_type": "application/json"}, 422, id="JSON null"),
    ],
)
def test_a_body_that_is_not_form_data_is_refused_without_a_server_error(submitted, officers, send, status):
    intake = officers.task(submitted, "intake_check", "ivan")
    before = stored_claim(submitted)

    response = officers.client.post(
        f"/api/v1/tasks/{intake['id']}/complete", headers=officers.headers("ivan"), **send
    )

    assert error_of(response, status)["code"] in ("bad_request", "validation_failed")
    assert stored_claim(submitted) == before


def test_refusals_keep_the_claim_exactly_as_it_was(awaiting_approval, officers):
    """Every kind of refusal in a row, then the approval still goes through as if none happened."""
    approval = officers.task(awaiting_approval, "approval", "alma")
    before = stored_claim(awaiting_approval)
    refusals = [
        (officers.complete(approval["id"], APPROVE, "ivan"), 403),  # wrong role
        (officers.complete(approval["id"], APPROVE, "rita"), 403),  # four eyes
        (officers.complete(approval["id"], {"decision": "maybe"}, "alma"), 422),
        (officers.complete(approval["id"], {"decision": "reject"}, "alma"), 422),  # no reasons
        (officers.complete(approval["id"], TORTURE_REVIEW_APPROVE, "alma"), 422),  # another form
        (officers.complete(str(uuid.uuid4()), APPROVE, "alma"), 404),
    ]

    for response, status in refusals:
        error_of(response, status)
        assert stored_claim(awaiting_approval) == before

    assert officers.complete(approval["id"], APPROVE, "alma").get_json()["status"] == "approved"
    after = stored_claim(awaiting_approval)
    assert after.event_count == before.event_count + 2  # the approval, and its letter issued
    assert after.last_sequence == before.last_sequence + 2
