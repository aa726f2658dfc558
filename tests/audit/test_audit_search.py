"""The auditors' search at scale: it reads only what it shows, from indexes in the page's order, and
the application's PostgreSQL connections compile no query with JIT.

Timings are measured by benchmarks/reads.py (1,000,000 claims), never here.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from fund.audit import pages as audit_pages
from fund.extensions import db
from fund.models import User
from tests.conftest import requires_postgres
from tests.db_helpers import statements_while as statements_of
from tests.officer_helpers import browser, freeze_clock, main_text


@pytest.fixture
def web_clock(monkeypatch):
    return freeze_clock(monkeypatch)


@pytest.fixture
def auditor(app, staff):
    return browser(app, staff, "aida", "auditor")


@pytest.mark.parametrize("query", ["", "?officer=portal", "?status=submitted&from=2026-03-01", "?after=x"])
def test_a_search_page_reads_claims_twice_and_never_a_claimant(
    auditor, submit, web_clock, monkeypatch, query
):
    monkeypatch.setattr("fund.audit.pages.PAGE_SIZE", 2)
    for _ in range(3):
        submit()
    auditor.get("/audit")  # the signed-in user, once

    seen = statements_of(lambda: auditor.get(f"/audit{query}"))

    on_claims = [s for s in seen if "FROM claims" in s]
    assert len(on_claims) == 2, seen  # the page (a page and one more row) and the count, with a LIMIT
    assert all("LIMIT" in s.upper() for s in on_claims)
    assert not [s for s in seen if "claimants" in s or "human_tasks" in s], seen


def test_when_every_match_is_on_the_first_page_they_are_not_counted_again(auditor, submit, web_clock):
    references = [submit()["reference"] for _ in range(3)]
    auditor.get("/audit")

    answers = []
    part = os.path.commonprefix(references)  # the three, and only they (claims' numbers run on)
    seen = statements_of(lambda: answers.append(auditor.get(f"/audit?reference={part}")))

    assert len([s for s in seen if "FROM claims" in s]) == 1, seen
    assert "3 claims match the search · page 1 of 1." in main_text(answers[0])


@pytest.mark.parametrize(
    ("search", "index"),
    [
        (audit_pages.ClaimSearch(), "ix_claims_submitted"),
        (audit_pages.ClaimSearch(status="paid"), "ix_claims_status_submitted"),
        (audit_pages.ClaimSearch(category="death"), "ix_claims_category_submitted"),
    ],
)
def test_a_page_of_the_search_is_read_in_order_from_an_index_not_sorted(app, database_url, search, index):
    requires_postgres(database_url)
    statement = audit_pages._page_statement(audit_pages._conditions(search), None, backwards=False)
    compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    # Few rows would make PostgreSQL prefer a table scan and a sort: forbid both, see what is left
    # (a sort stays possible, at a prohibitive cost: it is chosen only if no index gives the order).
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    db.session.execute(text("SET LOCAL enable_sort = off"))
    plan = "\n".join(row[0] for row in db.session.execute(text(f"EXPLAIN {compiled}")))
    db.session.rollback()

    assert f"Index Scan Backward using {index} on claims" in plan, plan
    assert "Sort" not in plan, plan


def test_the_applications_postgresql_connections_run_without_jit(app, database_url):
    requires_postgres(database_url)
    assert db.session.execute(text("SHOW jit")).scalar() == "off"


def _search(search: audit_pages.ClaimSearch) -> list[audit_pages.ClaimRow]:
    auditor = db.session.scalar(db.select(User).where(User.username == "aida"))
    return audit_pages.search_claims(auditor, search).rows


def test_a_whole_reference_finds_its_claim_and_a_part_every_claim_holding_it(auditor, submit, web_clock):
    references = [submit()["reference"] for _ in range(3)]
    pages = audit_pages.ClaimSearch

    assert [row.reference for row in _search(pages(reference=references[1].lower()))] == [references[1]]
    assert {row.reference for row in _search(pages(reference=os.path.commonprefix(references)))} == set(
        references
    )
    assert _search(pages(reference=references[1] + "0")) == []
