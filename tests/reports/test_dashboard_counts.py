"""The dashboard as counted: the worker counts every period's figures every few minutes, the page
reads the last count (and counts itself when no worker has for a while).

The scene is the one of tests/reports/test_reports.py (claims A to E), seen on 18 March 2026.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from fund import worker
from fund.common.errors import Forbidden
from fund.common.users import create_user
from fund.extensions import db
from fund.models import DashboardCount
from fund.reports import counts
from fund.reports import dashboard as reports
from tests.conftest import PASSWORD
from tests.reports.test_reports import NOW, at, fund_at_work, submit  # noqa: F401  (the scene, a fixture)


def test_the_counted_figures_of_every_period_are_the_dashboards_figures(fund_at_work):  # noqa: F811
    counted = counts.count_dashboards(NOW)

    assert sorted(counted) == sorted(reports.WEEK_CHOICES)
    for weeks in reports.WEEK_CHOICES:
        live = reports.dashboard(fund_at_work.approver, NOW, weeks)
        assert counted[weeks] == live
        assert counts.counted_dashboard(fund_at_work.approver, NOW, weeks) == live  # read back from JSON
    assert counted[4].decisions_in_period == 3 and counted[4].time_to_decision.overall.median_days == 6.5


def test_the_figures_survive_their_json_unchanged(fund_at_work):  # noqa: F811
    board = reports.dashboard(fund_at_work.approver, NOW, 4)
    assert board.sla.most_overdue and board.time_to_decision.by_category  # nothing left empty to compare

    assert counts.from_json(counts.to_json(board)) == board


def test_the_page_shows_the_last_count_until_the_worker_counts_again(fund_at_work):  # noqa: F811
    approver = fund_at_work.approver
    counts.count_dashboards(NOW)
    submit(NOW + timedelta(minutes=1))

    assert counts.counted_dashboard(approver, NOW + timedelta(minutes=2)).claims.total == 5
    assert worker.count_dashboard(NOW + timedelta(minutes=4)) is False  # counted 4 minutes ago
    assert worker.count_dashboard(NOW + counts.RECOUNT_AFTER) is True

    board = counts.counted_dashboard(approver, NOW + timedelta(minutes=6))
    assert board.claims.total == 6 and board.now == NOW + counts.RECOUNT_AFTER
    assert {row.counted_at for row in db.session.scalars(db.select(DashboardCount))} == {board.now}


def test_without_a_worker_the_page_counts_itself_once_the_count_is_stale(fund_at_work):  # noqa: F811
    counts.count_dashboards(NOW)
    submit(NOW + timedelta(minutes=1))
    later = NOW + counts.STALE_AFTER

    board = counts.counted_dashboard(fund_at_work.approver, later, 12)

    assert board.claims.total == 6 and board.now == later
    assert counts.last_counted() == later


def test_a_count_from_the_future_is_not_shown_but_counted_again(fund_at_work):  # noqa: F811
    counts.count_dashboards(NOW)  # then the clock was set back a day
    earlier = NOW - timedelta(days=1)

    assert counts.counted_dashboard(fund_at_work.approver, earlier).now == earlier
    assert worker.count_dashboard(earlier + timedelta(minutes=1)) is False


def test_an_empty_fund_is_counted_too(app):
    approver = create_user("alma", PASSWORD, ["approver"], NOW)

    board = counts.counted_dashboard(approver, NOW, weeks=1000)  # unknown period: twelve weeks

    assert board.weeks == 12 and board.claims.total == 0 and board.ages.oldest_reference is None


@pytest.mark.parametrize("roles", [["intake"], ["reviewer"], ["finance"]])
def test_other_officers_do_not_see_the_counted_dashboard_either(app, roles):
    officer = create_user("officer", PASSWORD, roles, NOW)
    with pytest.raises(Forbidden):
        counts.counted_dashboard(officer, NOW)
    assert counts.last_counted() is None  # refused before anything was counted


def test_decisions_before_the_shorter_periods_count_only_in_the_longer(fund_at_work):  # noqa: F811
    counted = counts.count_dashboards(at("2026-04-20"))  # five weeks after the last decision

    assert counted[4].decisions_in_period == 0 and counted[4].time_to_decision.overall.decisions == 0
    assert counted[12].decisions_in_period == 3 and counted[12].time_to_decision.overall.median_days == 6.5
