"""The fund's ledger: paid by category and month (Almaty months), recovered, outstanding; its page,
its CSV and its chart on the dashboard.

The scene: two claims decided in December 2025 (MCI 3,932). A torture claim (40 MCI, 157,280
tenge) is paid by a status file imported at 23:30 on 31 December in Almaty, so it is December's;
a trafficking claim (30 MCI, 117,960 tenge) is paid half an hour after midnight in Almaty, so it is
January's although it is still 31 December in UTC. The torture case has two convicted offenders;
one of them pays back 20,000 tenge in January.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

import lxml.etree
import pytest

from fund.recourse import cases as recourse
from fund.recourse.ledger import LEDGER_COLUMNS, fund_ledger, ledger_csv
from tests.officer_helpers import browser, html
from tests.recourse.test_recourse import approved_claim, case_of, conviction, pay_approved_claims, recovery

TORTURE, TRAFFICKING = 40 * 3932, 30 * 3932
DECEMBER_2330_ALMATY = datetime(2025, 12, 31, 18, 30, tzinfo=UTC)
JANUARY_0030_ALMATY = datetime(2025, 12, 31, 19, 30, tzinfo=UTC)
NOW = datetime(2026, 1, 20, 6, 0, tzinfo=UTC)


@pytest.fixture
def books(app, clock, submit, officers, staff) -> dict[str, str]:
    clock.now = datetime(2025, 12, 20, 9, 0, tzinfo=UTC)
    torture = approved_claim(submit, officers)
    pay_approved_claims(staff, "2025-12-31", DECEMBER_2330_ALMATY)
    trafficking = approved_claim(
        submit, officers, erdr="251750010005555", serial=30, article="125", part="3", paragraph=2
    )
    pay_approved_claims(staff, "2026-01-01", JANUARY_0030_ALMATY)
    farida = staff.user("farida", "finance")
    recourse.record_conviction(farida, conviction(verdict_date="2026-01-10"), NOW)
    debt = case_of(torture).debts[0]
    recourse.record_recovered_payment(farida, torture, recovery(debt, 20_000, on="2026-01-15"), NOW)
    return {"torture": torture, "trafficking": trafficking}


def test_paid_by_category_and_almaty_month_recovered_and_outstanding(books, staff):
    ledger = fund_ledger(staff.user("farida", "finance"), NOW)

    december, january = ledger.months
    assert december.month == date(2025, 12, 1) and january.month == date(2026, 1, 1)
    assert {c: f.paid_kzt for c, f in december.by_category.items()} == {"torture": TORTURE}
    assert {c: (f.paid_kzt, f.recovered_kzt) for c, f in january.by_category.items()} == {
        "trafficking": (TRAFFICKING, 0),
        "torture": (0, 20_000),  # the recovery counts for the category of the claim it repays
    }
    assert (ledger.total.paid_kzt, ledger.total.payments) == (TORTURE + TRAFFICKING, 2)
    assert ledger.total.recovered_kzt == 20_000
    # What may legally be recovered: the amount paid once, less what came back; not 2 x 157,280 - 20,000.
    assert ledger.outstanding_kzt == TORTURE - 20_000
    assert ledger.outstanding_by_category == {"torture": TORTURE - 20_000}
    assert ledger.open_cases == 1


def test_the_current_month_is_almatys(books, staff):
    ledger = fund_ledger(staff.user("aida", "auditor"), JANUARY_0030_ALMATY)

    assert ledger.as_of == date(2026, 1, 1)
    assert [line.month for line in ledger.last_months(2)] == [date(2025, 12, 1), date(2026, 1, 1)]


def test_the_ledger_csv_has_its_columns_and_totals(books, staff):
    rows = list(csv.reader(io.StringIO(ledger_csv(staff.user("adil", "admin"), NOW))))

    assert tuple(rows[0]) == LEDGER_COLUMNS
    assert rows[1:] == [
        ["2025-12", "torture", "1", str(TORTURE), "0", "0", ""],
        ["2026-01", "torture", "0", "0", "1", "20000", ""],
        ["2026-01", "trafficking", "1", str(TRAFFICKING), "0", "0", ""],
        ["all", "torture", "1", str(TORTURE), "1", "20000", str(TORTURE - 20_000)],
        ["all", "trafficking", "1", str(TRAFFICKING), "0", "0", "0"],
        ["all", "all", "2", str(TORTURE + TRAFFICKING), "1", "20000", str(TORTURE - 20_000)],
    ]


def test_the_ledger_page_and_its_csv_download(app, books, staff, monkeypatch):
    monkeypatch.setattr("fund.recourse.views.utc_now", lambda: NOW)
    client = browser(app, staff, "aida", "auditor")

    page = html(client.get("/ledger"))
    assert page.get_element_by_id("ledger-paid").text_content() == f"{TORTURE + TRAFFICKING:,}"
    assert page.get_element_by_id("ledger-recovered").text_content() == "20,000"
    assert page.get_element_by_id("ledger-outstanding").text_content() == f"{TORTURE - 20_000:,}"
    december = page.xpath("//table[@id='ledger-months']//tr[@data-month='2025-12']")[0]
    assert december.xpath("./td[@data-category='torture']")[0].text_content() == f"{TORTURE:,}"

    download = client.get("/ledger.csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert 'filename="fund-ledger-2026-01-20.csv"' in download.headers["Content-Disposition"]
    assert download.get_data(as_text=True).lstrip("\ufeff").startswith(",".join(LEDGER_COLUMNS))


def test_intake_and_reviewers_do_not_read_the_ledger(app, books, staff):
    for username, role in (("ivan", "intake"), ("rosa", "reviewer")):
        client = browser(app, staff, username, role)
        assert client.get("/ledger").status_code == 403
        assert client.get("/ledger.csv").status_code == 403


def test_the_dashboard_charts_paid_by_month_with_a_table(app, books, staff, monkeypatch):
    monkeypatch.setattr("fund.reports.views.utc_now", lambda: NOW)
    answer = browser(app, staff, "head", "approver").get("/dashboard")

    assert answer.status_code == 200
    svgs = re.findall(r"<svg\b.*?</svg>", answer.get_data(as_text=True), flags=re.S)
    chart = next(
        svg
        for svg in map(lambda s: lxml.etree.fromstring(s.encode()), svgs)
        if svg.get("id") == "chart-ledger"
    )
    bars = {g.get("data-label"): int(g.get("data-value")) for g in chart.iter("{*}g") if g.get("data-label")}
    assert len(bars) == 12 and bars["Dec 2025"] == TORTURE and bars["Jan 2026"] == TRAFFICKING
    assert bars["Nov 2025"] == 0
    page = html(answer)
    assert page.get_element_by_id("dashboard-outstanding").text_content() == f"{TORTURE - 20_000:,}"
    row = page.xpath("//table[@id='table-ledger']//tr[@data-month='2026-01']")[0]
    assert [cell.text_content() for cell in row.xpath("./td")] == [f"{TRAFFICKING:,}", "20,000"]
