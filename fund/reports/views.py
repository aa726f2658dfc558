"""The heads of unit's dashboard: claims by status and category, ages, SLA breaches, decisions.

One page, no JavaScript: charts are SVG drawn on the server (``charts``), each followed by a table
with the same numbers. The service checks the roles (approver, admin, auditor); the page shows
claim references and counts, never a claimant's personal data.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext
from flask_login import current_user, login_required

from fund.common.time import utc_now
from fund.common.wording import CATEGORY_LABELS, label
from fund.reports import counts
from fund.reports import dashboard as reports
from fund.web import charts
from fund.web.formatting import short_label, template_helpers, words
from fund.web.panels import DASHBOARD, panels

dashboard_blueprint = Blueprint("dashboard", __name__, template_folder="templates")


dashboard_blueprint.context_processor(template_helpers)


@dashboard_blueprint.get("/dashboard", endpoint="index")
@login_required
def index():
    """Claims by status and category, open claims' ages, SLA breaches, decisions per week and time
    to decision, as the worker last counted them (every few minutes: ``counts``); and the fund's
    ledger (paid, recovered, outstanding) for its readers, as of now."""
    weeks = request.args.get("weeks", reports.DEFAULT_WEEKS, type=int)
    now = utc_now()
    board = counts.counted_dashboard(current_user._get_current_object(), now, weeks)
    claims, sla = board.claims, board.sla
    drawings = {
        "status": charts.horizontal_bar_chart(
            gettext("Claims by status"),
            [(short_label(c.code), c.count) for c in claims.by_status],
            unit=gettext("claims"),
            chart_id="chart-status",
        ),
        "category": charts.horizontal_bar_chart(
            gettext("Claims by category"),
            [(short_label(c.code), c.count) for c in claims.by_category],
            unit=gettext("claims"),
            chart_id="chart-category",
        ),
        "ages": charts.horizontal_bar_chart(
            gettext("Open claims by age"),
            [(words(band.label), band.count) for band in board.ages.bands],
            unit=gettext("open claims"),
            chart_id="chart-ages",
        ),
        "sla": charts.horizontal_bar_chart(
            gettext("Overdue tasks by task"),
            [(words(t.task_title), t.count) for t in sla.by_task],
            unit=gettext("overdue tasks"),
            chart_id="chart-sla",
            highlight=True,
        ),
        "decisions": charts.weekly_column_chart(
            gettext("Decisions per week, last %(weeks)s weeks", weeks=board.weeks),
            [(week.start, week.total) for week in board.decisions_per_week],
            unit=gettext("decisions"),
            chart_id="chart-decisions",
        ),
    }
    return render_template(
        "dashboard/index.html",
        board=board,
        charts=drawings,
        week_choices=reports.WEEK_CHOICES,
        time_rows=[("all", gettext("All categories"), board.time_to_decision.overall)]
        + [
            (code, label(CATEGORY_LABELS, code), times)
            for code, times in board.time_to_decision.by_category.items()
        ],
        recount_minutes=int(counts.RECOUNT_AFTER.total_seconds() // 60),
        claim_links="officer.claim" in current_app.view_functions,  # the claim page, masked for all
        added_panels=panels(DASHBOARD, current_user._get_current_object(), now),
    )
