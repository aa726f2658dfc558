"""The auditors' pages: search, a claim's history with verification and access log, step-through
replay; auditors only read, and only auditors and administrators open these pages.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from fund.extensions import db
from fund.models import Claim, HumanTask, WorkflowEvent, WorkflowInstance
from tests.audit_helpers import damage_stored_file
from tests.conftest import DOCUMENTS_COMPLETE, DOCUMENTS_MISSING, claim_body, stored_claim
from tests.officer_helpers import (
    attach_document,
    browser,
    freeze_clock,
    html,
    main_text,
    open_task_id,
    post_with_token,
)


@pytest.fixture
def web_clock(monkeypatch):
    return freeze_clock(monkeypatch)


@pytest.fixture
def paid(submit, officers, web_clock) -> str:
    """A torture claim taken through its whole life, a day per step: submitted to paid."""
    reference = submit()["reference"]
    for step in (officers.check_documents, officers.review, officers.approve, officers.confirm_payment):
        web_clock.advance(days=1)
        step(reference)
    return reference


@pytest.fixture
def auditor(app, staff):
    return browser(app, staff, "aida", "auditor")


# --- search ------------------------------------------------------------------------------------------


def _references(response) -> list[str]:
    page = html(response)
    return [
        a.text_content().strip() for a in page.xpath("//table[contains(@class,'audit-results')]//td[1]/a")
    ]


def test_the_search_lists_claims_and_filters_by_reference_status_category_officer_and_period(
    auditor, submit, officers, paid, web_clock
):
    waiting = submit()["reference"]

    assert set(_references(auditor.get("/audit"))) == {paid, waiting}
    assert _references(auditor.get(f"/audit?reference={paid[-6:]}")) == [paid]
    assert _references(auditor.get("/audit?status=paid")) == [paid]
    assert _references(auditor.get("/audit?status=submitted")) == [waiting]
    assert set(_references(auditor.get("/audit?category=torture"))) == {paid, waiting}
    assert _references(auditor.get("/audit?category=trafficking")) == []
    assert _references(auditor.get("/audit?officer=alma")) == [paid]
    assert _references(auditor.get("/audit?officer=nobody")) == []
    assert set(_references(auditor.get("/audit?from=2026-03-01&to=2026-03-31"))) == {paid, waiting}
    assert _references(auditor.get("/audit?from=2026-04-01")) == []
    assert "No claims match" in main_text(auditor.get("/audit?to=2026-02-01"))


@pytest.mark.parametrize(
    "period", ["to=9999-12-31", "from=0001-01-01", "from=0001-01-01&to=9999-12-31", "to=0001-01-01"]
)
def test_a_period_at_the_calendars_ends_is_searched_like_any_other(auditor, submit, web_clock, period):
    waiting = submit()["reference"]

    answer = auditor.get(f"/audit?{period}")

    assert answer.status_code == 200
    assert _references(answer) == ([] if period == "to=0001-01-01" else [waiting])


def test_the_search_is_paginated(auditor, submit, web_clock):
    references = [submit()["reference"] for _ in range(27)]

    first = auditor.get("/audit")
    second = auditor.get(html(first).xpath("//a[@rel='next']/@href")[0])

    assert len(_references(first)) == 25 and len(_references(second)) == 2
    assert set(_references(first)) | set(_references(second)) == set(references)
    assert "27 claims · page 1 of 2" in main_text(first)
    assert "page 2 of 2" in main_text(second)
    assert html(second).xpath("//a[@rel='next']") == []
    back = auditor.get(html(second).xpath("//a[@rel='prev']/@href")[0])
    assert _references(back) == _references(first)
    assert html(back).xpath("//a[@rel='prev']") == []


def test_paging_through_a_filtered_search_forwards_and_backwards_loses_and_repeats_no_claim(
    auditor, submit, web_clock, monkeypatch
):
    monkeypatch.setattr("fund.audit.pages.PAGE_SIZE", 4)
    submit()  # on 2 March: before the period searched
    web_clock.advance(days=1)
    for _ in range(5):  # in pairs at the same moment: pages are cut between claims of equal time too
        submit()
        submit()
        web_clock.advance(hours=1)

    pages, url = [], "/audit?officer=portal&status=submitted&from=2026-03-03"
    while url:
        page = auditor.get(url)
        pages.append(_references(page))
        links = html(page).xpath("//a[@rel='next']/@href")
        url = links[0] if links else None
    seen = [reference for shown in pages for reference in shown]
    assert len(seen) == len(set(seen)) == 10 and [len(shown) for shown in pages] == [4, 4, 2]
    assert "page 3 of 3" in main_text(page)

    backwards = []
    while True:
        backwards.insert(0, _references(page))
        links = html(page).xpath("//a[@rel='prev']/@href")
        if not links:
            break
        assert "officer=portal" in links[0] and "from=2026-03-03" in links[0]
        page = auditor.get(links[0])
    assert backwards == pages


def test_beyond_the_count_limit_the_search_says_more_than_and_still_pages(
    auditor, submit, web_clock, monkeypatch
):
    monkeypatch.setattr("fund.audit.pages.COUNT_LIMIT", 2)
    monkeypatch.setattr("fund.audit.pages.PAGE_SIZE", 2)
    references = [submit()["reference"] for _ in range(5)]

    first = auditor.get("/audit?status=submitted")

    assert "More than 2 claims match the search · page 1 of more than 1." in main_text(first)
    assert _references(first) == references[::-1][:2]
    second = auditor.get(html(first).xpath("//a[@rel='next']/@href")[0])
    assert _references(second) == references[::-1][2:4]


def test_a_cursor_that_is_not_ours_shows_the_first_page(auditor, submit, web_clock):
    references = [submit()["reference"] for _ in range(3)]
    for cursor in ("after=nonsense", "before=2026-01-01~1", "after=2026-13-40T00:00:00%2B00:00~5"):
        answer = auditor.get(f"/audit?{cursor}&page=7")
        assert answer.status_code == 200
        assert _references(answer) == references[::-1]
        assert "page 1 of 1" in main_text(answer)


def test_search_results_show_no_personal_data(auditor, submit, web_clock):
    submit()
    body = auditor.get("/audit").get_data(as_text=True)
    assert "Сәрсенова" not in body and claim_body()["claimant"]["iin"] not in body


# --- a claim's history, verification and access log ---------------------------------------------------


def test_the_claim_page_shows_the_timeline_the_verification_and_who_viewed_personal_data(
    app, staff, auditor, paid, web_clock
):
    officer = browser(app, staff, "ivan2", "intake")
    web_clock.advance(hours=1)
    assert post_with_token(officer, f"/claims/{paid}/personal-data").status_code == 200
    document = attach_document(paid)
    assert officer.get(f"/claims/{paid}/documents/{document}").status_code == 200

    response = auditor.get(f"/audit/claims/{paid}")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    text = main_text(response)
    # submitted, its acknowledgement issued, intake, review, approval, its letter issued, paid
    assert "The history holds" in text and "All 7 events" in text
    page = html(response)
    timeline = page.xpath("//ol[@class='timeline']/li")
    assert len(timeline) == 7
    assert "Letter issued: Acknowledgement" in timeline[1].text_content()
    assert "Claim submitted" in timeline[0].text_content()
    assert "Completed: Approve decision" in " ".join(li.text_content() for li in timeline)
    log = [
        re.sub(r"\s+", " ", tr.text_content()).strip()
        for tr in page.xpath("//table[contains(@class,'access-log')]//tbody/tr")
    ]
    assert len(log) == 2
    assert "ivan2" in log[0] and "personal data" in log[0]
    assert "ivan2" in log[1] and "document" in log[1]
    # The data itself stays masked for the auditor.
    body = response.get_data(as_text=True)
    assert claim_body()["claimant"]["iin"] not in body
    assert "KZ86125KZT5004100100" not in body and "aigul@example.kz" not in body
    assert "Show personal data" not in body


def test_each_audit_export_download_is_in_the_claims_access_log(
    app, staff, auditor, paid, web_clock, monkeypatch
):
    monkeypatch.setattr("fund.audit.views.utc_now", web_clock)
    web_clock.advance(hours=2)  # 4 days after submission: 2026-03-06 11:00 UTC, 16:00 in Almaty
    intake = browser(app, staff, "ivan2", "intake")
    assert intake.get(f"/audit/claims/{paid}/export.zip").status_code == 403  # refused: not logged

    download = auditor.get(f"/audit/claims/{paid}/export.zip")

    assert download.status_code == 200 and download.data[:2] == b"PK"
    log = [
        re.sub(r"\s+", " ", tr.text_content()).strip()
        for tr in html(auditor.get(f"/audit/claims/{paid}")).xpath(
            "//table[contains(@class,'access-log')]//tbody/tr"
        )
    ]
    assert len(log) == 1
    assert "aida" in log[0] and "audit export" in log[0]
    assert "06.03.2026 16:00" in log[0]


def test_the_claim_page_reports_a_broken_history(auditor, paid):
    sequence = _alter_intake_input(paid)

    text = main_text(auditor.get(f"/audit/claims/{paid}"))

    assert "The history does not hold" in text
    assert f"event {sequence}" in text


# --- step-through replay ------------------------------------------------------------------------------


def _alter_intake_input(reference: str) -> int:
    claim_id = db.session.scalar(select(Claim.id).where(Claim.reference == reference))
    event = db.session.scalar(  # the first task completed: the intake check
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
    return event.sequence


def _states(page) -> dict[str, str]:
    return {
        g.get("data-element-id"): g.get("data-state")
        for g in page.xpath("//*[local-name()='g'][@data-state]")
    }


def test_the_replay_steps_forward_and_back_with_the_diagram_and_data_after_each_step(auditor, paid):
    first = auditor.get(f"/audit/claims/{paid}/replay")
    assert first.status_code == 200
    page = html(first)
    assert "Replay matches at every step" in main_text(first)
    assert "Step 1 of 7" in main_text(first)
    assert page.xpath("//a[@rel='prev']") == []
    assert page.xpath("//a[@rel='next']/@href") == [f"/audit/claims/{paid}/replay?step=2"]
    assert page.xpath("//script") == []  # no JavaScript
    after_submission = _states(page)
    assert after_submission.get("intake_check") == "current"

    letter = auditor.get(f"/audit/claims/{paid}/replay?step=2")
    assert "Step 2 of 7" in main_text(letter) and "Letter issued" in main_text(letter)
    assert _states(html(letter)) == after_submission  # a letter moves nothing in the process

    second = auditor.get(f"/audit/claims/{paid}/replay?step=3")
    page = html(second)
    text = main_text(second)
    assert "Step 3 of 7" in text and "Completed: Check documents" in text
    assert "matches" in text
    assert '"documents_complete": true' in second.get_data(as_text=True)
    assert page.xpath("//a[@rel='prev']/@href") == [f"/audit/claims/{paid}/replay?step=2"]
    states = _states(page)
    assert states.get("intake_check") == "completed"
    assert "current" in states.values()

    last = auditor.get(f"/audit/claims/{paid}/replay?step=7")
    page = html(last)
    assert "Step 7 of 7" in main_text(last) and "Paid" in main_text(last)
    assert page.xpath("//a[@rel='next']") == []
    assert "current" not in _states(page).values()

    back = auditor.get(f"/audit/claims/{paid}/replay?step=1")
    assert _states(html(back)) == after_submission
    # Out of range: the nearest step.
    assert "Step 7 of 7" in main_text(auditor.get(f"/audit/claims/{paid}/replay?step=99"))


def test_the_replay_page_of_a_claim_on_an_altered_process_version_shows_the_finding(
    auditor, submit, web_clock, monkeypatch
):
    reference = submit()["reference"]
    version = db.session.scalar(select(WorkflowInstance.process_version))
    damage_stored_file(version, "a BPMN byte that no longer parses")
    monkeypatch.setattr("workflows.specs._deployed", {})  # as in a server started after the damage

    response = auditor.get(f"/audit/claims/{reference}/replay")

    assert response.status_code == 200
    assert (
        f"process version {version[:12]} altered: its stored files were changed after deploy; "
        "replay cannot be run on it"
    ) in main_text(response)


def test_the_claim_page_of_a_claim_on_an_altered_process_version_names_it_instead_of_failing(
    auditor, submit, web_clock, monkeypatch
):
    reference = submit()["reference"]
    version = db.session.scalar(select(WorkflowInstance.process_version))
    damage_stored_file(version, "a duplicated id in the BPMN")
    monkeypatch.setattr("workflows.specs._deployed", {})  # as in a server started after the damage

    response = auditor.get(f"/audit/claims/{reference}")

    assert response.status_code == 409
    assert f"process version {version[:12]} altered" in main_text(response)


def test_the_replay_page_shows_the_first_divergence_and_what_differs(auditor, paid):
    sequence = _alter_intake_input(paid)

    response = auditor.get(f"/audit/claims/{paid}/replay?step={sequence}")

    text = main_text(response)
    assert f"Replay diverges at step {sequence} of 7" in text
    assert "state digest" in text and "status: replay gives" in text
    assert f"Step {sequence} of {sequence}" in text  # replay stops at the divergence


# --- who may do what ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["intake", "reviewer", "approver", "finance"])
def test_those_who_work_claims_may_not_open_audit_pages(app, staff, paid, role):
    client = browser(app, staff, f"user_{role}", role)
    for url in (
        "/audit",
        f"/audit/claims/{paid}",
        f"/audit/claims/{paid}/replay",
        f"/audit/claims/{paid}/replay?step=2",
    ):
        assert client.get(url).status_code == 403, url


def test_administrators_may_open_audit_pages(app, staff, paid):
    client = browser(app, staff, "adil", "admin")
    for url in ("/audit", f"/audit/claims/{paid}", f"/audit/claims/{paid}/replay?step=3"):
        assert client.get(url).status_code == 200, url


def test_the_audit_link_is_in_the_auditors_navigation(auditor):
    page = html(auditor.get("/audit"))
    assert page.xpath("//header//nav//a[@href='/audit']")


def test_auditors_are_refused_every_officer_write_and_nothing_changes(auditor, submit, officers, web_clock):
    reference = submit()["reference"]
    task_id = open_task_id(reference, "intake_check")
    document = attach_document(reference)
    before = stored_claim(reference)

    answers = {
        "take": post_with_token(auditor, f"/tasks/{task_id}/take"),
        "release": post_with_token(auditor, f"/tasks/{task_id}/release"),
        "complete": post_with_token(auditor, f"/tasks/{task_id}", {"documents_complete": "true"}),
        "personal data": post_with_token(auditor, f"/claims/{reference}/personal-data"),
        "document": auditor.get(f"/claims/{reference}/documents/{document}"),
    }

    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 403)
    assert stored_claim(reference) == before
    assert db.session.scalar(select(HumanTask.assignee).where(HumanTask.id == task_id)) is None
    # And the API refuses the auditor's writes too.
    assert officers.complete(task_id, DOCUMENTS_COMPLETE, "aida").status_code == 403
    assert officers.deliver(reference, "documents_submitted", {}, "aida").status_code == 403
    assert stored_claim(reference) == before


def test_audit_pages_have_no_forms_that_write(auditor, paid):
    for url in ("/audit", f"/audit/claims/{paid}", f"/audit/claims/{paid}/replay?step=2"):
        page = html(auditor.get(url))
        main = page.get_element_by_id("main")
        assert [f for f in main.xpath(".//form") if (f.get("method") or "get").lower() != "get"] == [], url
