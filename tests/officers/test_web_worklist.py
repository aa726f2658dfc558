"""The worklist: ready tasks for my roles, filtered, sorted and paged; taking and releasing tasks.

An officer opens the worklist and sees, for each task their roles may work, the claim, its
category, the task, how long it has waited, when it is due and whether it is overdue. Colleagues
see who took a task. The page costs the same few indexed queries with 300 tasks as with 5, and
never reads a workflow snapshot.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import insert, select, text

from fund.extensions import db
from fund.models import Claim, HumanTask
from fund.officers import worklist as worklist_service
from tests.db_helpers import statements_while
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

TORTURE: dict = {}
TRAFFICKING = {"crime__article": "128", "crime__part": 1}
# Art. 106 parts 1-3 are in category 2 when committed by a criminal group (Art. 6).
GRAVE_HARM = {
    "crime__article": "106",
    "crime__part": 1,
    "crime__by_criminal_group": True,
    "crime__harm": "grave_harm",
}


def rows(response) -> list[dict[str, str]]:
    """The worklist's rows as {column: text}, plus the task id and the row's class."""
    page = html(response)
    headers = [text_of(th) for th in page.xpath("//table[contains(@class,'worklist')]/thead//th")]
    found = []
    for tr in page.xpath("//table[contains(@class,'worklist')]/tbody/tr"):
        cells = {header: text_of(td) for header, td in zip(headers, tr.xpath("./td"), strict=True)}
        cells["id"] = tr.get("data-task-id")
        cells["class"] = tr.get("class")
        found.append(cells)
    return found


def references(response) -> list[str]:
    return [row["Claim"] for row in rows(response)]


def link(response, rel: str) -> str | None:
    hrefs = html(response).xpath(f"//nav[@class='pager']/a[@rel='{rel}']/@href")
    return hrefs[0] if hrefs else None


@pytest.fixture
def web_clock(monkeypatch):
    return freeze_clock(monkeypatch)


@pytest.fixture
def three_claims(submit, web_clock) -> list[str]:
    """Torture, trafficking and grave-harm claims, submitted an hour apart; all wait for intake."""
    made = []
    for overrides in (TORTURE, TRAFFICKING, GRAVE_HARM):
        made.append(submit(**overrides)["reference"])
        web_clock.advance(hours=1)
    return made


# --- what the worklist shows ---------------------------------------------------------------------


def test_signed_in_staff_land_on_their_worklist(app, staff):
    client = browser(app, staff, "ivan", "intake")
    answer = client.get("/")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/worklist")


def test_the_worklist_shows_each_ready_task_of_my_roles_with_claim_category_age_and_due_date(
    app, staff, three_claims, web_clock, officers
):
    torture, trafficking, grave_harm = three_claims
    officers.check_documents(torture)  # now waits for a reviewer, not for intake
    web_clock.advance(days=2)
    client = browser(app, staff, "dana", "intake")

    answer = client.get("/worklist")

    assert answer.status_code == 200
    shown = rows(answer)
    assert [row["Claim"] for row in shown] == [trafficking, grave_harm]
    first = shown[0]
    assert first["Category"] == "Human trafficking"
    assert first["Task"] == "Check documents"
    assert first["Waiting"] == "2 days"
    assert first["Due"] == "12.03.2026"  # ten days after it was made ready (14:00 Almaty time)
    assert first["Deadline"] == "On time"
    assert first["Taken by"] == "nobody"
    assert "2 tasks" in main_text(answer)


def test_overdue_tasks_are_marked_and_highlighted(app, staff, three_claims, web_clock):
    # Claims came at 09:00, 10:00 and 11:00 UTC on 2 March; intake checks are due ten days later.
    web_clock.now = web_clock.now.replace(day=12, hour=9, minute=30)
    client = browser(app, staff, "dana", "intake")

    shown = rows(client.get("/worklist"))

    assert [row["Deadline"] for row in shown] == ["Overdue", "Due soon", "Due soon"]
    assert shown[0]["class"] == "overdue"  # the stylesheet colours the whole row
    assert html(client.get("/worklist")).xpath("//tr[@class='overdue']//span[@class='badge overdue']")


def test_a_reviewer_sees_review_tasks_and_an_auditor_sees_no_task(app, staff, three_claims, officers):
    officers.check_documents(three_claims[0])
    reviewer = browser(app, staff, "rosa", "reviewer")
    auditor = browser(app, staff, "aida", "auditor")

    assert [(r["Claim"], r["Task"]) for r in rows(reviewer.get("/worklist"))] == [
        (three_claims[0], "Review: torture")
    ]
    answer = auditor.get("/worklist")
    assert answer.status_code == 200 and rows(answer) == []
    assert "No task is waiting for your roles" in main_text(answer)


# --- filters and sort orders -------------------------------------------------------------------------


def test_the_worklist_filters_by_category_and_by_task(app, staff, three_claims, officers):
    torture, trafficking, grave_harm = three_claims
    officers.check_documents(trafficking)
    client = browser(app, staff, "dana", "intake", "reviewer")

    everything = rows(client.get("/worklist"))
    by_category = rows(client.get("/worklist?category=trafficking"))
    by_task = rows(client.get("/worklist?task=intake_check"))
    both = rows(client.get("/worklist?category=trafficking&task=intake_check"))

    assert {(r["Claim"], r["Task"]) for r in everything} == {
        (torture, "Check documents"),
        (trafficking, "Review: human trafficking"),
        (grave_harm, "Check documents"),
    }
    assert [(r["Claim"], r["Task"]) for r in by_category] == [(trafficking, "Review: human trafficking")]
    assert [r["Claim"] for r in by_task] == [torture, grave_harm]
    assert both == []
    page = html(client.get("/worklist?category=trafficking"))
    assert page.xpath("//select[@name='category']/option[@selected]/@value") == ["trafficking"]
    assert "review_trafficking" in page.xpath("//select[@name='task']/option/@value")


def test_the_filter_form_is_sent_as_a_browser_sends_it(app, staff, three_claims):
    client = browser(app, staff, "dana", "intake")
    form = form_on(html(client.get("/worklist")), "/worklist")
    form.fields["category"] = "grave_harm"
    form.fields["sort"] = "newest"

    answer = client.get(form.get("action"), query_string=dict(form.form_values()))

    assert references(answer) == [three_claims[2]]


def test_the_worklist_sorts_by_age_due_date_and_claim_reference(app, staff, submit, web_clock, officers):
    first = submit()["reference"]
    web_clock.advance(hours=1)
    second = submit()["reference"]
    web_clock.advance(hours=1)
    officers.check_documents(second)  # its review is ready from now, due in 20 days
    web_clock.advance(hours=1)
    officers.check_documents(first)
    web_clock.advance(hours=1)
    third = submit()["reference"]  # its intake check is the newest task but due first (10 days)
    client = browser(app, staff, "dana", "intake", "reviewer")

    assert references(client.get("/worklist?sort=oldest")) == [second, first, third]
    assert references(client.get("/worklist?sort=newest")) == [third, first, second]
    assert references(client.get("/worklist?sort=due")) == [third, second, first]
    assert references(client.get("/worklist?sort=claim")) == [first, second, third]


def test_sixty_tasks_are_paged_forwards_and_backwards_without_losing_or_repeating_one(
    app, staff, submit, web_clock
):
    submitted = []
    for _ in range(60):
        submitted.append(submit()["reference"])
        web_clock.advance(minutes=1)
    client = browser(app, staff, "dana", "intake")

    first = client.get("/worklist")
    second = client.get(link(first, "next"))
    third = client.get(link(second, "next"))
    back = client.get(link(third, "prev"))

    assert [len(rows(page)) for page in (first, second, third)] == [25, 25, 10]
    assert references(first) + references(second) + references(third) == submitted
    assert link(third, "next") is None and link(first, "prev") is None
    assert references(back) == references(second)
    assert "60 tasks · page 3 of 3" in main_text(third)
    bigger = client.get("/worklist?per_page=50&sort=newest")
    assert references(bigger) == list(reversed(submitted))[:50]
    assert "per_page=50" in link(bigger, "next") and "sort=newest" in link(bigger, "next")


def test_a_cursor_that_is_not_ours_shows_the_first_page(app, staff, three_claims):
    client = browser(app, staff, "dana", "intake")

    queries = ("after=nonsense", "before=x~y", "after=2026-01-01~", "sort=claim&after=abc~1", "per_page=7")
    for query in queries:
        answer = client.get(f"/worklist?{query}")
        assert answer.status_code == 200, query
        assert references(answer) == three_claims, query


# --- taking and releasing ----------------------------------------------------------------------------


def test_an_officer_takes_a_task_and_colleagues_see_it_is_theirs(app, staff, three_claims):
    staff.user("ivan", "intake").full_name = "Ivan Petrov"
    db.session.commit()
    ivan = browser(app, staff, "ivan", "intake")
    dana = browser(app, staff, "dana", "intake")

    taken = send(ivan, form_on(html(ivan.get("/worklist")), "/take"))

    assert taken.status_code == 302 and taken.headers["Location"].startswith("/worklist")
    mine = rows(ivan.get(taken.headers["Location"]))[0]
    assert mine["Taken by"] == "You" and mine["Action"] == "Release"
    theirs = rows(dana.get("/worklist"))[0]
    assert theirs["Taken by"] == "Ivan Petrov" and theirs["Action"] == "theirs"
    assert references(dana.get("/worklist?assigned=free")) == three_claims[1:]
    assert references(ivan.get("/worklist?assigned=mine")) == three_claims[:1]


def test_a_task_someone_else_took_can_be_neither_taken_nor_released_nor_completed(app, staff, three_claims):
    task_id = open_task_id(three_claims[0], "intake_check")
    ivan = browser(app, staff, "ivan", "intake")
    dana = browser(app, staff, "dana", "intake")
    assert post_with_token(ivan, f"/tasks/{task_id}/take").status_code == 302

    take = post_with_token(dana, f"/tasks/{task_id}/take")
    release = post_with_token(dana, f"/tasks/{task_id}/release")
    complete = post_with_token(dana, f"/tasks/{task_id}", {"documents_complete": "yes"})

    assert take.status_code == 409 and "ivan took this task already" in main_text(take)
    assert release.status_code == 403 and "only they can release it" in main_text(release)
    assert complete.status_code == 409 and "only they can complete it" in main_text(complete)
    assert db.session.get(HumanTask, task_id).state == "open"
    page = html(dana.get(f"/tasks/{task_id}"))
    assert "ivan took this task" in text_of(page) and not page.xpath("//form[contains(@action,'/take')]")


def test_releasing_gives_the_task_back_and_the_owner_may_complete_a_task_they_took(app, staff, three_claims):
    task_id = open_task_id(three_claims[0], "intake_check")
    ivan = browser(app, staff, "ivan", "intake")
    dana = browser(app, staff, "dana", "intake")
    post_with_token(ivan, f"/tasks/{task_id}/take")

    released = post_with_token(ivan, f"/tasks/{task_id}/release")

    assert released.status_code == 302
    assert rows(dana.get("/worklist"))[0]["Taken by"] == "nobody"
    assert post_with_token(dana, f"/tasks/{task_id}/take").status_code == 302
    done = post_with_token(dana, f"/tasks/{task_id}", {"documents_complete": "yes"})
    assert done.status_code == 302
    assert db.session.get(HumanTask, task_id).completed_by == "dana"


def test_taking_a_task_twice_changes_nothing_and_a_completed_task_cannot_be_taken(
    app, staff, three_claims, officers
):
    task_id = open_task_id(three_claims[0], "intake_check")
    completed = open_task_id(three_claims[1], "intake_check")
    officers.check_documents(three_claims[1])  # ivan completes it through the API
    ivan = browser(app, staff, "ivan", "intake")

    assert post_with_token(ivan, f"/tasks/{task_id}/take").status_code == 302
    assert post_with_token(ivan, f"/tasks/{task_id}/take").status_code == 302
    assert db.session.get(HumanTask, task_id).assignee == "ivan"
    answer = post_with_token(ivan, f"/tasks/{completed}/take")
    assert answer.status_code == 409 and "already completed by ivan" in main_text(answer)


# --- cost: a fixed number of indexed queries, never a snapshot -------------------------------------


def add_open_tasks(claim_reference: str, count: int, start) -> None:
    """Worklist rows without their processes: the worklist reads only this projection."""
    claim_id = db.session.scalar(db.select(Claim.id).where(Claim.reference == claim_reference))
    db.session.execute(
        insert(HumanTask),
        [
            {
                "id": str(uuid.uuid4()),
                "claim_id": claim_id,
                "name": "intake_check",
                "title": "Check documents",
                "role": "intake",
                "form": "intake_check",
                "state": "open",
                "created_at": start + timedelta(minutes=i),
                "due_at": start + timedelta(days=10, minutes=i),
            }
            for i in range(count)
        ],
    )
    db.session.commit()


def test_rendering_the_worklist_takes_the_same_few_queries_for_300_tasks_as_for_5(
    app, staff, submit, web_clock
):
    reference = submit()["reference"]
    client = browser(app, staff, "dana", "intake")
    client.get("/worklist")  # parse the process once; later pages use the parsed one

    add_open_tasks(reference, 4, web_clock.now)
    few = statements_while(lambda: client.get("/worklist?per_page=100"))
    add_open_tasks(reference, 295, web_clock.now + timedelta(hours=1))
    answer = None

    def render_many():
        nonlocal answer
        answer = client.get("/worklist?per_page=100")

    many = statements_while(render_many)

    assert len(rows(answer)) == 100 and "300 tasks" in main_text(answer)
    # with the page's claims that have an unread message, and the claims with documents received
    # after a decision that nobody opened yet (one query on its index, whatever the page's size),
    # and intake's new bank accounts to check (one query on its index: fund.claims.claimant_requests)
    assert len(many) == len(few) <= 10, many
    assert len([s for s in many if "documents" in s]) == 1
    reading_tasks = [s for s in many if "human_tasks" in s]
    # the page (one SELECT, LIMIT 101), the count, and the four-eyes check (the tasks I completed
    # on the page's claims, with the version each claim runs on: its column, not its snapshot)
    assert len(reading_tasks) == 3
    assert any("LIMIT" in s.upper() for s in reading_tasks)
    for statement in many:
        assert "snapshot" not in statement, statement
        assert "workflow_instances" not in statement or "completed_by" in statement, statement
        assert "workflow_events" not in statement, statement


def test_a_category_no_task_is_of_is_counted_and_no_task_read_then(app, staff, three_claims):
    client = browser(app, staff, "dana", "intake")
    client.get("/worklist")

    answers = []
    seen = statements_while(lambda: answers.append(client.get("/worklist?category=death")))

    assert rows(answers[0]) == [] and "0 tasks match the filters." in main_text(answers[0])
    assert len([s for s in seen if "human_tasks" in s]) == 1  # the count; no page to look for
    assert len(rows(client.get("/worklist?category=torture"))) == 1


def test_a_category_filter_reads_a_range_of_the_category_index_not_every_tasks_claim(app, staff, submit):
    submit()
    officer = staff.user("dana", "intake")
    filters = worklist_service.WorklistFilters(category="torture")
    compiled = worklist_service.worklist_statement(officer, filters).compile(
        db.engine, compile_kwargs={"literal_binds": True}
    )
    if db.engine.dialect.name == "sqlite":
        plan = [row[-1] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))]
        tasks = [step for step in plan if "human_tasks" in step]
        index_range = "ix_human_tasks_open_by_category (state=? AND role=? AND category=?)"
        assert tasks == [f"SEARCH human_tasks USING INDEX {index_range}"], plan
    else:
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(row[0] for row in db.session.execute(text(f"EXPLAIN {compiled}")))
        reads = [line for line in plan.splitlines() if " on human_tasks" in line]
        assert len(reads) == 1 and "ix_human_tasks_open_by_category" in plan, plan
        db.session.rollback()


def test_each_task_a_command_opens_carries_its_claims_category(app, staff, submit):
    torture, trafficking = submit()["reference"], submit(**TRAFFICKING)["reference"]
    for reference, category in ((torture, "torture"), (trafficking, "trafficking")):
        claim = db.session.scalar(select(Claim).where(Claim.reference == reference))
        tasks = db.session.scalars(select(HumanTask).where(HumanTask.claim_id == claim.id)).all()
        assert claim.category == category and [task.category for task in tasks] == [category]
    client = browser(app, staff, "dana", "intake")
    assert len(rows(client.get("/worklist?category=trafficking"))) == 1
    assert len(rows(client.get("/worklist?category=torture"))) == 1


EXPECTED_INDEX = {
    "oldest": "ix_human_tasks_open_by_role",
    "newest": "ix_human_tasks_open_by_role",
    "due": "ix_human_tasks_open_by_due",
    "claim": "ix_human_tasks_open_by_claim",
}


@pytest.mark.parametrize("roles", [("intake",), ("intake", "reviewer", "approver")])
@pytest.mark.parametrize("sort", list(worklist_service.SORT_ORDERS))
def test_every_sort_order_reads_the_tasks_of_each_role_through_an_index(app, staff, submit, sort, roles):
    submit()
    officer = staff.user("dana", *roles)
    filters = worklist_service.WorklistFilters(sort=sort)
    compiled = worklist_service.worklist_statement(officer, filters).compile(
        db.engine, compile_kwargs={"literal_binds": True}
    )
    if db.engine.dialect.name == "sqlite":
        plan = [row[-1] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))]
        tasks = [step for step in plan if "human_tasks" in step]
        # One index range per role, read in the page's order: never the whole table.
        expected = f"SEARCH human_tasks USING INDEX {EXPECTED_INDEX[sort]} (state=? AND role=?)"
        assert tasks == [expected] * len(roles), plan
    else:
        # A few rows would make PostgreSQL prefer a table scan: forbid it, then see what is left.
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(row[0] for row in db.session.execute(text(f"EXPLAIN {compiled}")))
        reads = [line for line in plan.splitlines() if " on human_tasks" in line]
        assert len(reads) == len(roles) and all("Index" in line or "Bitmap" in line for line in reads), plan
        db.session.rollback()
