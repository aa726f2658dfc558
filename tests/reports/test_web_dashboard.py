"""The dashboard page: the same figures as the service, charts drawn as SVG that carry the numbers,
a data table beside each chart, no JavaScript, no claimant's personal data.

The scene is the one of tests/test_reports.py (claims A to E), seen on 18 March 2026.
"""

from __future__ import annotations

import re
from datetime import date

import lxml.etree
import lxml.html
import pytest

from fund.extensions import db
from fund.models import Claimant
from fund.web import charts
from tests.conftest import PASSWORD
from tests.reports.test_reports import NOW, fund_at_work  # noqa: F401  (the scene, a fixture)
from tests.web_helpers import sign_in

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def as_of_now(monkeypatch):
    monkeypatch.setattr("fund.reports.views.utc_now", lambda: NOW)


def browser(app, staff, username: str, *roles: str):
    staff.user(username, *roles)
    client = app.test_client()
    assert sign_in(client, username, PASSWORD).status_code == 302
    return client


def page_of(response) -> lxml.html.HtmlElement:
    body = response.get_data(as_text=True)
    assert "Traceback" not in body
    return lxml.html.fromstring(body)


def svg_charts(response) -> dict[str, lxml.etree._Element]:
    """Every inline SVG of the page, parsed as XML on its own (as an SVG file would be), by id."""
    found = re.findall(r"<svg\b.*?</svg>", response.get_data(as_text=True), flags=re.S)
    parsed = [lxml.etree.fromstring(svg.encode()) for svg in found]
    return {svg.get("id"): svg for svg in parsed}


def bars(svg) -> dict[str, float]:
    return {
        g.get("data-label"): float(g.get("data-value")) for g in svg.iter(f"{SVG}g") if g.get("data-label")
    }


def table(page, table_id: str) -> dict[str, list[str]]:
    """A data table's rows: first cell -> the other cells' texts."""
    rows = {}
    for row in page.get_element_by_id(table_id).xpath(".//tbody/tr"):
        cells = [" ".join(cell.text_content().split()) for cell in row.xpath("./th|./td")]
        rows[cells[0]] = cells[1:]
    return rows


def test_the_dashboard_shows_the_figures_of_the_scene(app, fund_at_work, staff, as_of_now):  # noqa: F811
    client = browser(app, staff, "head", "approver")
    answer = client.get("/dashboard?weeks=4")
    assert answer.status_code == 200
    page = page_of(answer)
    assert page.get_element_by_id("stat-claims").text_content() == "5"
    assert page.get_element_by_id("stat-open").text_content() == "4"
    assert page.get_element_by_id("stat-sla").text_content() == "1"
    assert page.get_element_by_id("stat-decisions").text_content() == "3"
    assert page.get_element_by_id("stat-median").text_content() == "6.5"

    statuses = table(page, "table-status")
    assert statuses["Submitted: intake checks the documents"] == ["2"]
    assert statuses["Paid (closed)"] == ["1"] and statuses["Rejected"] == ["1"]
    categories = table(page, "table-category")
    assert categories["Torture"] == ["3"] and categories["Human trafficking"] == ["1"]
    assert table(page, "table-ages")["91 to 180 days"] == ["1"]
    assert table(page, "table-sla")["Check documents"][1] == "1"
    overdue = table(page, "table-overdue")
    assert list(overdue) == [fund_at_work.reference("C")]
    decisions = table(page, "table-decisions")
    assert decisions["16.03.2026"] == ["1", "0", "1"]
    assert decisions["09.03.2026"] == ["0", "1", "1"]
    assert decisions["02.03.2026"] == ["1", "0", "1"]
    timing = table(page, "table-time-to-decision")
    assert timing["All categories"] == ["3", "6.5", "6.2", "3.0", "9.0"]
    assert timing["Torture"] == ["3", "6.5", "6.2", "3.0", "9.0"]


def test_the_charts_are_svg_that_parses_as_xml_and_carries_the_numbers(
    app,
    fund_at_work,  # noqa: F811
    staff,
    as_of_now,
):
    client = browser(app, staff, "head", "approver")
    drawings = svg_charts(client.get("/dashboard?weeks=4"))
    assert set(drawings) == {
        "chart-status", "chart-category", "chart-ages", "chart-sla", "chart-decisions", "chart-ledger"
    }  # fmt: skip
    for svg in drawings.values():
        assert svg.get("role") == "img"
        assert svg.get("aria-label")
        assert svg.find(f"{SVG}title") is not None and svg.find(f"{SVG}title").text

    status = bars(drawings["chart-status"])
    assert status["Submitted"] == 2 and status["Paid"] == 1 and status["Approved"] == 1
    assert "Submitted: 2" in drawings["chart-status"].get("aria-label")
    assert bars(drawings["chart-category"])["Torture"] == 3
    assert bars(drawings["chart-sla"]) == {"Check documents": 1}

    columns = {
        g.get("data-week"): float(g.get("data-value"))
        for g in drawings["chart-decisions"].iter(f"{SVG}g")
        if g.get("data-week")
    }
    assert columns == {"2026-02-23": 0, "2026-03-02": 1, "2026-03-09": 1, "2026-03-16": 1}
    # The numbers are written in the drawing, not only in attributes.
    values = [t.text for t in drawings["chart-decisions"].iter(f"{SVG}text") if t.get("class") == "value"]
    assert values == ["0", "1", "1", "1"]


def test_the_dashboard_needs_no_javascript_and_shows_no_personal_data(
    app,
    fund_at_work,  # noqa: F811
    staff,
    as_of_now,
):
    client = browser(app, staff, "adil", "admin")
    body = client.get("/dashboard").get_data(as_text=True)
    assert "<script" not in body.lower()
    for claimant in db.session.scalars(db.select(Claimant)):
        for personal in (claimant.full_name, claimant.iin, claimant.phone, claimant.iban, claimant.email):
            assert personal not in body


@pytest.mark.parametrize("roles", [("approver",), ("admin",), ("auditor",)])
def test_heads_of_unit_administrators_and_auditors_open_the_dashboard(app, staff, roles):
    client = browser(app, staff, "head", *roles)
    answer = client.get("/dashboard")
    assert answer.status_code == 200
    nav = page_of(answer).xpath("//nav[@aria-label='Main']//a/text()")
    assert "Dashboard" in nav


@pytest.mark.parametrize("role", ["intake", "reviewer", "finance"])
def test_other_officers_get_403(app, staff, role):
    client = browser(app, staff, "officer", role)
    answer = client.get("/dashboard")
    assert answer.status_code == 403
    assert "Dashboard" not in page_of(answer).xpath("//nav[@aria-label='Main']//a/text()")


def test_anonymous_visitors_are_sent_to_sign_in(client):
    answer = client.get("/dashboard")
    assert answer.status_code == 302 and "/sign-in?next=" in answer.headers["Location"]


def test_the_period_can_be_chosen_and_an_unknown_one_falls_back_to_twelve_weeks(app, staff, as_of_now):
    client = browser(app, staff, "head", "approver")
    four = page_of(client.get("/dashboard?weeks=4"))
    assert len(table(four, "table-decisions")) == 4
    assert four.xpath("//select[@name='weeks']/option[@selected]/@value") == ["4"]
    odd = page_of(client.get("/dashboard?weeks=7"))
    assert len(table(odd, "table-decisions")) == 12


# --- the chart functions on their own ----------------------------------------------------------------


def test_a_bar_chart_escapes_its_labels_and_draws_zero_bars_without_failing():
    svg = lxml.etree.fromstring(
        str(charts.horizontal_bar_chart("A & B <test>", [("x < y & z", 0), ('"quoted"', 0)])).encode()
    )
    assert svg.find(f"{SVG}title").text == "A & B <test>"
    assert bars(svg) == {"x < y & z": 0, '"quoted"': 0}
    assert all(float(rect.get("width")) == 0 for rect in svg.iter(f"{SVG}rect"))


def test_a_bar_chart_draws_bar_lengths_in_proportion_to_the_values():
    svg = lxml.etree.fromstring(
        str(charts.horizontal_bar_chart("t", [("a", 10), ("b", 5), ("c", 0)])).encode()
    )
    widths = [float(rect.get("width")) for rect in svg.iter(f"{SVG}rect")]
    assert widths[0] == 2 * widths[1] and widths[2] == 0


def test_a_weekly_chart_labels_only_some_weeks_when_there_are_many_but_numbers_every_column():
    weeks = [(date(2025, 1, 6 + 7 * n) if n < 3 else date(2025, 1, 27), n) for n in range(4)]
    few = lxml.etree.fromstring(str(charts.weekly_column_chart("few", weeks)).encode())
    assert len([g for g in few.iter(f"{SVG}g")]) == 4
    many_weeks = [(date(2024, 1, 1) + (date(2024, 1, 8) - date(2024, 1, 1)) * n, n % 5) for n in range(52)]
    many = lxml.etree.fromstring(str(charts.weekly_column_chart("many", many_weeks)).encode())
    columns = list(many.iter(f"{SVG}g"))
    assert len(columns) == 52
    value_texts = [t for t in many.iter(f"{SVG}text") if t.get("class") == "value"]
    assert len(value_texts) == 52
    week_labels = [t for g in columns for t in g.iter(f"{SVG}text") if t.get("class") != "value"]
    assert 0 < len(week_labels) < 52
    assert all(g.find(f"{SVG}title").text.startswith("Week of ") for g in columns)


def test_an_empty_weekly_chart_says_there_is_no_data():
    svg = lxml.etree.fromstring(str(charts.weekly_column_chart("nothing", [])).encode())
    assert "No data" in "".join(svg.itertext())
