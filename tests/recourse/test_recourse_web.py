"""Recourse pages: finance records a conviction and a recovered payment through the forms; the
report and its CSV show outstanding balances; offenders' personal data is masked for auditors and
shown to finance only on request, with the view logged; the claim's pages show the recourse case.
"""

from __future__ import annotations

import csv
import io

import pytest

from fund.extensions import db
from fund.models import AccessLogEntry, ConvictedOffender, RecoveredPayment
from fund.recourse import cases as recourse
from fund.recourse.pages import OUTSTANDING_COLUMNS
from tests.officer_helpers import browser, form_on, html, main_text, send
from tests.recourse import test_recourse
from tests.recourse.test_recourse import (
    AWARD,
    ERDR,
    NOW,
    OFFENDER_IIN,
    approved_claim,
    case_of,
    pay_approved_claims,
    recovery,
)

farida, paid_case = test_recourse.farida, test_recourse.paid_case  # the scene's fixtures


@pytest.fixture
def at_now(monkeypatch):
    for module in ("fund.recourse.views", "fund.officers.views", "fund.audit.views"):
        monkeypatch.setattr(f"{module}.utc_now", lambda: NOW)


def exact_form(page, action: str):
    """The form that posts to exactly ``action``."""
    (found,) = [form for form in page.forms if form.get("action") == action]
    return found


def access_log(what: str) -> list[AccessLogEntry]:
    return list(db.session.scalars(db.select(AccessLogEntry).where(AccessLogEntry.what.contains(what))))


def test_finance_records_a_conviction_through_the_form_and_the_case_opens(
    app, clock, submit, officers, staff, at_now
):
    reference = approved_claim(submit, officers)
    pay_approved_claims(staff)
    client = browser(app, staff, "farida", "finance")
    form = form_on(html(client.get("/recourse/convictions")), "/recourse/convictions")

    answer = send(client, form, erdr_number=ERDR, court="Almaty city court", verdict_date="2026-02-20",
                  verdict_number="1-101/2026", **{"offenders-0-full_name": "Ерлан Жұмабаев",
                                                   "offenders-0-iin": OFFENDER_IIN})  # fmt: skip

    assert answer.status_code == 302 and answer.headers["Location"] == "/recourse"
    listing = client.get("/recourse")
    assert reference in main_text(listing)
    row = html(listing).xpath(f"//tr[@data-reference='{reference}']")[0]
    assert "173,000" in row.text_content() and "Ерлан Жұмабаев" in row.text_content()
    assert case_of(reference).debts[0].offender.iin == OFFENDER_IIN


def test_a_wrong_conviction_form_comes_back_with_the_fields_named(app, paid_case, staff, at_now):
    client = browser(app, staff, "farida", "finance")
    form = form_on(html(client.get("/recourse/convictions")), "/recourse/convictions")

    answer = send(client, form, erdr_number="12345", court="", verdict_date="tomorrow", verdict_number="x",
                  **{"offenders-0-full_name": "Марат Оспанов", "offenders-0-iin": "1234"})  # fmt: skip

    assert answer.status_code == 422
    text = main_text(answer)
    assert "Case number (ERDR): must be the case's 15-digit number in the ERDR" in text
    assert "Court: is required" in text and "Date of the verdict: must be a date as YYYY-MM-DD" in text
    assert "Offender 1: IIN: must be 12 digits with a valid check digit, or empty" in text
    assert db.session.scalar(db.select(db.func.count()).select_from(ConvictedOffender)) == 2  # the fixture's


def test_finance_records_a_recovered_payment_and_over_recovery_is_refused(app, paid_case, staff, at_now):
    client = browser(app, staff, "farida", "finance")
    url = f"/recourse/cases/{paid_case}"
    form = exact_form(html(client.get(url)), url)
    debt_id = str(case_of(paid_case).debts[0].id)

    answer = send(client, form, debt_id=debt_id, amount_kzt="50000", received_on="2026-03-09",
                  treasury_reference="TR-2026-0001")  # fmt: skip
    assert answer.status_code == 302
    page = html(client.get(url))
    assert page.get_element_by_id("case-recovered").text_content() == "50,000"
    assert page.get_element_by_id("case-outstanding").text_content() == "123,000"

    form = exact_form(page, url)
    refused = send(client, form, debt_id=debt_id, amount_kzt="200000", received_on="2026-03-09",
                   treasury_reference="TR-2026-0002")  # fmt: skip
    assert refused.status_code == 422
    assert "Amount (tenge): at most 123,000 tenge may still be recovered from this offender" in main_text(
        refused
    )
    assert db.session.scalar(db.select(db.func.count()).select_from(RecoveredPayment)) == 1


def test_auditors_see_offenders_as_initials_and_masked_iins_and_cannot_reveal_them(
    app,
    paid_case,
    staff,
    at_now,
):
    client = browser(app, staff, "aida", "auditor")
    text = main_text(client.get(f"/recourse/cases/{paid_case}"))
    assert "Е. Ж." in text and "Ерлан" not in text
    assert OFFENDER_IIN not in text and f"••••••••{OFFENDER_IIN[-4:]}" in text
    assert OFFENDER_IIN[:6] not in text  # the offender's birth date
    assert "Record a recovered payment" not in text

    from tests.officer_helpers import post_with_token

    refused = post_with_token(client, f"/recourse/cases/{paid_case}/offenders")
    assert refused.status_code == 403
    assert access_log("offenders") == []


def test_finance_sees_offenders_iins_only_on_request_and_the_view_is_logged(app, paid_case, staff, at_now):
    client = browser(app, staff, "farida", "finance")
    url = f"/recourse/cases/{paid_case}"
    page = client.get(url)
    assert "Ерлан Жұмабаев" in main_text(page) and OFFENDER_IIN not in main_text(page)

    shown = send(client, form_on(html(page), f"{url}/offenders"))

    assert shown.status_code == 200 and OFFENDER_IIN in main_text(shown)
    (entry,) = access_log("offenders' personal data")
    assert (entry.username, entry.viewed_at, entry.claim_id) == ("farida", NOW, case_of(paid_case).claim_id)


def test_the_outstanding_csv_has_its_columns_and_totals(
    app,
    clock,
    paid_case,
    submit,
    officers,
    staff,
    farida,
    at_now,
):
    second = approved_claim(submit, officers, serial=20)
    pay_approved_claims(staff)
    assert recourse.open_due_recourse_cases(NOW) == [second]
    recourse.record_recovered_payment(farida, paid_case, recovery(case_of(paid_case).debts[0], 23_000), NOW)

    finance_csv = browser(app, staff, "farida", "finance").get("/recourse/outstanding.csv")
    assert finance_csv.status_code == 200 and finance_csv.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(finance_csv.get_data(as_text=True).lstrip("\ufeff"))))
    assert tuple(rows[0]) == OUTSTANDING_COLUMNS
    by_reference = {row[0]: dict(zip(OUTSTANDING_COLUMNS, row, strict=True)) for row in rows[1:]}
    assert by_reference[paid_case]["outstanding_kzt"] == str(AWARD - 23_000)
    assert by_reference[second]["outstanding_kzt"] == str(AWARD)
    assert by_reference[paid_case]["offenders"].startswith("Ерлан Жұмабаев (")
    assert OFFENDER_IIN not in finance_csv.get_data(as_text=True)
    assert by_reference["total"]["outstanding_kzt"] == str(2 * AWARD - 23_000)
    assert by_reference["total"]["recovered_kzt"] == "23000"
    assert len(access_log("outstanding recourse CSV")) == 2  # one per listed claim

    auditor_csv = browser(app, staff, "aida", "auditor").get("/recourse/outstanding.csv")
    assert "Е. Ж." in auditor_csv.get_data(as_text=True) and "Ерлан" not in auditor_csv.get_data(as_text=True)


def test_the_claim_page_and_the_audit_timeline_show_the_recourse_case(app, paid_case, staff, farida, at_now):
    recourse.record_recovered_payment(farida, paid_case, recovery(case_of(paid_case).debts[0], 23_000), NOW)

    for who, roles, url in (
        ("ivan", ("intake",), f"/claims/{paid_case}"),
        ("aida", ("auditor",), f"/audit/claims/{paid_case}"),
    ):
        page = html(browser(app, staff, who, *roles).get(url))
        panel = " ".join(page.get_element_by_id("recourse").text_content().split())
        assert "Recourse against the offenders (Art. 11)" in panel
        assert "paid 173,000, recovered 23,000, outstanding 150,000 tenge" in panel
        assert "Е. Ж. owes 173,000, paid back 23,000" in panel and "Б. С. owes 173,000, paid back 0" in panel
        assert (
            "09.03.2026: 23,000 tenge from Е. Ж. (Treasury document TR-2026-0001; recorded by farida" in panel
        )
        assert "Ерлан" not in panel
