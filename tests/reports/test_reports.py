"""The dashboard's figures, computed from claims moved along at chosen times through the services.

The scene (``fund_at_work``), as of Wednesday 18 March 2026, 10:00 UTC (15:00 in Almaty):

=====  ===========  ====================  =============================================  ===========
claim  category     submitted (UTC)       what happened                                  status
=====  ===========  ====================  =============================================  ===========
A      torture      Mon 2 Mar, 09:00      approved Thu 5 Mar 09:00, paid 6 Mar           paid
B      torture      Mon 2 Mar, 09:00      rejected Wed 11 Mar 09:00                      rejected
C      grave_harm   Mon 1 Dec 2025 09:00  nobody checked it: intake overdue since Dec    submitted
D      trafficking  Tue 17 Mar, 09:00     waits for intake (due 27 Mar)                  submitted
E      torture      Mon 9 Mar, 08:00      approved Sun 15 Mar 20:00 UTC = Mon 16 Mar     approved
                                          01:00 in Almaty
=====  ===========  ====================  =============================================  ===========

Time to decision: A 3.0 days, B 9.0 days, E 6.5 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

import fund.api  # noqa: F401  (first, as the app does: fund.claims.submission alone is a circular import)
from fund.claims.messages import deliver_message
from fund.claims.submission import submit_claim
from fund.claims.tasks import complete_task
from fund.common.errors import Forbidden
from fund.common.users import create_user
from fund.extensions import db
from fund.models import Claim, HumanTask, User
from fund.reports import dashboard as reports
from tests.conftest import APPROVE, DOCUMENTS_COMPLETE, PASSWORD, TORTURE_REVIEW_APPROVE, claim_body

NOW = datetime(2026, 3, 18, 10, 0, tzinfo=UTC)
REJECT = {"decision": "reject", "reasons": ["documents_inconsistent"]}


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@dataclass
class FundAtWork:
    """The officers and the references of the claims A to E."""

    intake: User
    reviewer: User
    approver: User
    finance: User
    claims: dict[str, str]

    def reference(self, letter: str) -> str:
        return self.claims[letter]


def open_task(reference: str, name: str) -> str:
    task_id = db.session.scalar(
        db.select(HumanTask.id)
        .join(Claim, Claim.id == HumanTask.claim_id)
        .where(Claim.reference == reference, HumanTask.name == name, HumanTask.state == "open")
    )
    assert task_id, f"{reference} has no open task {name}"
    return task_id


def submit(when: datetime, **overrides) -> str:
    return submit_claim(claim_body(**overrides), when).reference


def work(user: User, reference: str, task: str, form: dict, when: datetime) -> None:
    complete_task(user, open_task(reference, task), form, when)


def decide(fund: FundAtWork, reference: str, submitted: datetime, decision: dict, when: datetime) -> None:
    """Intake check a day after submission, torture review a day later, then ``decision`` at ``when``."""
    work(fund.intake, reference, "intake_check", DOCUMENTS_COMPLETE, submitted + timedelta(days=1))
    work(fund.reviewer, reference, "review_torture", TORTURE_REVIEW_APPROVE, submitted + timedelta(days=2))
    work(fund.approver, reference, "approval", decision, when)


@pytest.fixture
def fund_at_work(app) -> FundAtWork:
    now = datetime(2025, 11, 1, tzinfo=UTC)
    fund = FundAtWork(
        intake=create_user("ivan", PASSWORD, ["intake"], now),
        reviewer=create_user("rita", PASSWORD, ["reviewer"], now),
        approver=create_user("alma", PASSWORD, ["approver"], now),
        finance=create_user("farida", PASSWORD, ["finance"], now),
        claims={},
    )
    fund.claims["C"] = submit(
        at("2025-12-01"),
        crime__article="106",
        crime__part=1,
        crime__by_criminal_group=True,
        crime__harm="grave_harm",
    )
    fund.claims["A"] = submit(at("2026-03-02"))
    decide(fund, fund.claims["A"], at("2026-03-02"), APPROVE, at("2026-03-05"))
    deliver_message(fund.finance, fund.claims["A"], "payment_confirmed", {"batch": "PB-1"}, at("2026-03-06"))
    fund.claims["B"] = submit(at("2026-03-02"))
    decide(fund, fund.claims["B"], at("2026-03-02"), REJECT, at("2026-03-11"))
    fund.claims["E"] = submit(at("2026-03-09", 8))
    decide(fund, fund.claims["E"], at("2026-03-09", 8), APPROVE, at("2026-03-15", 20))
    fund.claims["D"] = submit(at("2026-03-17"), crime__article="128", crime__part=1)
    return fund


def test_the_scene_is_what_the_table_above_says(fund_at_work):
    statuses = {
        letter: db.session.scalar(db.select(Claim.status).where(Claim.reference == reference))
        for letter, reference in fund_at_work.claims.items()
    }
    assert statuses == {"A": "paid", "B": "rejected", "C": "submitted", "D": "submitted", "E": "approved"}
    decided_on = db.session.scalar(
        db.select(Claim.decision_date).where(Claim.reference == fund_at_work.reference("E"))
    )
    assert decided_on == date(2026, 3, 16)  # Sunday 20:00 UTC is Monday in Almaty


def test_claims_are_counted_by_status_and_by_category(fund_at_work):
    table = reports.claims_by_status_and_category()
    by_status = {row.code: row.count for row in table.by_status}
    assert by_status == {
        "submitted": 2,
        "documents_requested": 0,
        "under_review": 0,
        "awaiting_approval": 0,
        "approved": 1,
        "payment_failed": 0,
        "paid": 1,
        "rejected": 1,
        "reconsideration": 0,
        "closed_incomplete": 0,
        "withdrawn": 0,  # withdrawn by the claimant (fund.claims.claimant_requests)
    }
    by_category = {row.code: row.count for row in table.by_category}
    assert by_category == {
        "torture": 3,
        "trafficking": 1,
        "sexual_violence_minor": 0,
        "grave_harm": 1,
        "death": 0,
        "to_verify": 0,  # the rules could not decide from the law: a reviewer decides
        "ineligible": 0,
    }
    assert table.total == 5
    assert table.cells[("submitted", "grave_harm")] == 1
    assert table.cells[("submitted", "trafficking")] == 1
    assert table.cells.get(("submitted", "torture"), 0) == 0


def test_open_claims_are_counted_by_age_and_the_oldest_is_named(fund_at_work):
    ages = reports.open_claim_ages(NOW)
    assert ages.open_claims == 4  # A is paid: its process has ended
    assert [(band.label, band.count) for band in ages.bands] == [
        ("up to 7 days", 1),  # D
        ("8 to 30 days", 2),  # B, E
        ("31 to 90 days", 0),
        ("91 to 180 days", 1),  # C
        ("over 180 days", 0),
    ]
    assert ages.oldest_reference == fund_at_work.reference("C")
    assert ages.oldest_days == 107


def test_an_open_task_past_its_due_time_is_an_sla_breach(fund_at_work):
    sla = reports.sla_breaches(NOW)
    assert sla.total == 1
    (breach,) = sla.by_task
    assert (breach.task_name, breach.role, breach.count) == ("intake_check", "intake", 1)
    (overdue,) = sla.most_overdue
    assert overdue.claim_reference == fund_at_work.reference("C")
    assert overdue.days_overdue > 90


def test_a_task_is_no_breach_before_its_due_time_and_is_one_after_it(fund_at_work):
    due_at = db.session.scalar(
        db.select(HumanTask.due_at).where(
            HumanTask.id == open_task(fund_at_work.reference("D"), "intake_check")
        )
    )
    assert reports.sla_breaches(due_at - timedelta(seconds=1)).total == 1  # only C
    assert reports.sla_breaches(due_at + timedelta(seconds=1)).total == 2  # C and D


def test_a_completed_task_is_no_longer_a_breach(fund_at_work):
    work(fund_at_work.intake, fund_at_work.reference("C"), "intake_check", DOCUMENTS_COMPLETE, NOW)
    assert reports.sla_breaches(NOW).total == 0


def test_decisions_are_counted_per_almaty_week(fund_at_work):
    weeks = reports.decisions_per_week(NOW, weeks=4)
    assert [(w.start, w.approved, w.rejected) for w in weeks] == [
        (date(2026, 2, 23), 0, 0),
        (date(2026, 3, 2), 1, 0),  # A
        (date(2026, 3, 9), 0, 1),  # B; E was decided at 01:00 on Monday 16 March in Almaty
        (date(2026, 3, 16), 1, 0),  # E
    ]
    assert all(w.end - w.start == timedelta(days=6) for w in weeks)


def test_the_week_of_now_is_the_last_and_earlier_decisions_fall_out_of_the_period(fund_at_work):
    weeks = reports.decisions_per_week(NOW, weeks=1)
    assert [(w.start, w.total) for w in weeks] == [(date(2026, 3, 16), 1)]
    # Monday 16 March, 00:30 in Almaty is still Sunday 15 March in UTC: the week is Almaty's.
    just_after_midnight = datetime(2026, 3, 15, 19, 30, tzinfo=UTC)
    assert reports.period(just_after_midnight, 1) == (date(2026, 3, 16), date(2026, 3, 22))


def test_time_to_decision_runs_from_submission_to_the_approvers_decision(fund_at_work):
    times = reports.time_to_decision(NOW, weeks=4)
    assert times.overall.decisions == 3
    assert times.overall.median_days == 6.5  # A 3.0, E 6.5, B 9.0
    assert times.overall.average_days == 6.2  # 18.5 / 3
    assert (times.overall.shortest_days, times.overall.longest_days) == (3.0, 9.0)
    assert list(times.by_category) == ["torture"]
    assert times.not_measured == 0


def test_time_to_decision_counts_only_decisions_in_the_period(fund_at_work):
    times = reports.time_to_decision(NOW, weeks=1)
    assert (times.overall.decisions, times.overall.median_days) == (1, 6.5)  # E only


def test_a_returned_claim_is_timed_to_its_decision_not_to_the_return(app, fund_at_work):
    reference = submit(at("2026-03-02"))
    decide(
        fund_at_work,
        reference,
        at("2026-03-02"),
        {"decision": "return", "comment": "check it"},
        at("2026-03-04"),
    )
    work(fund_at_work.reviewer, reference, "review_torture", TORTURE_REVIEW_APPROVE, at("2026-03-05"))
    work(fund_at_work.approver, reference, "approval", APPROVE, at("2026-03-12"))
    times = reports.time_to_decision(NOW, weeks=4)
    assert times.overall.decisions == 4
    assert times.overall.longest_days == 10.0  # 2 to 12 March, not to the return on the 4th


def test_with_no_claims_every_figure_is_zero_or_empty(app):
    approver = create_user("alma", PASSWORD, ["approver"], NOW)
    board = reports.dashboard(approver, NOW)
    assert board.claims.total == 0 and board.ages.open_claims == 0 and board.sla.total == 0
    assert board.decisions_in_period == 0 and len(board.decisions_per_week) == reports.DEFAULT_WEEKS
    assert board.time_to_decision.overall.median_days is None


@pytest.mark.parametrize("roles", [["approver"], ["admin"], ["auditor"]])
def test_heads_of_unit_administrators_and_auditors_see_the_dashboard(app, roles):
    user = create_user("head", PASSWORD, roles, NOW)
    assert reports.dashboard(user, NOW).now == NOW


@pytest.mark.parametrize("roles", [["intake"], ["reviewer"], ["finance"]])
def test_other_officers_do_not_see_the_dashboard(app, roles):
    user = create_user("officer", PASSWORD, roles, NOW)
    with pytest.raises(Forbidden):
        reports.dashboard(user, NOW)


def test_an_unknown_period_falls_back_to_twelve_weeks(app):
    approver = create_user("alma", PASSWORD, ["approver"], NOW)
    assert reports.dashboard(approver, NOW, weeks=1000).weeks == 12
