"""The payout pages, as finance officers use them: build with filters (errors name the field), approve
as the second officer, download the Treasury's files, upload the status file.
"""

from __future__ import annotations

import codecs
import csv
import io

import pytest

from fund.extensions import db
from fund.models import Claimant, PayoutBatch
from fund.payouts.register import REGISTER_COLUMNS, export_register_csv
from tests.officer_helpers import browser, form_on, html, main_text, send
from tests.payout_helpers import (
    MALFORMED,
    approved_claims,
    built_and_approved,
    claim_of,
    finance_officer,
    malformed_status_file,
    paid_rows,
    payments_of,
    status_file,
)


def build_with(client, **fields: str):
    page = html(client.get("/payouts/new"))
    return send(client, form_on(page, "/payouts/new"), **fields)


def test_a_batch_is_built_on_one_page_and_approved_by_another_officer(app, staff, submit, officers, clock):
    references = approved_claims(submit, officers, 2)
    farida = browser(app, staff, "farida", "finance")
    fatima = browser(app, staff, "fatima", "finance")

    built = build_with(farida, category="torture")

    assert built.status_code == 302
    page = farida.get(built.headers["Location"])
    text = main_text(page)
    assert "Another finance officer must approve it" in text
    assert "346,000 tenge" in text
    assert sorted(html(page).xpath("//table[@id='payments']//tr/@data-claim")) == sorted(references)
    assert "KZ86125KZT5004100100" not in page.get_data(as_text=True)  # accounts masked on the page
    assert "KZ86••••••••••••0100" in text
    assert html(page).xpath("//form[contains(@action, '/approve')]") == []  # not for the one who built it
    assert "You built this batch: another finance officer must approve it." in text

    batch_url = built.headers["Location"]
    approved = send(fatima, form_on(html(fatima.get(batch_url)), "/approve"))
    assert approved.status_code == 302
    page = html(fatima.get(batch_url))
    assert page.get_element_by_id("batch-status").text_content() == "approved"

    download = send(fatima, form_on(page, "/register.csv"))
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["Cache-Control"] == "no-store"
    assert download.get_data().startswith(codecs.BOM_UTF8)  # so that Excel reads the names as UTF-8
    rows = list(csv.reader(io.StringIO(download.get_data().decode("utf-8-sig"))))
    assert tuple(rows[0]) == REGISTER_COLUMNS and len(rows) == 3
    xml = send(fatima, form_on(page, "/pain001.xml"))
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert html(fatima.get(batch_url)).get_element_by_id("batch-status").text_content() == "exported"


def test_a_claim_with_an_account_no_batch_can_pay_is_named_with_the_reason_and_the_rest_are_built(
    app, staff, submit, officers, clock
):
    references = approved_claims(submit, officers, 2)
    claimant_id = claim_of(references[0]).claimant_id
    db.session.execute(
        Claimant.__table__.update().where(Claimant.id == claimant_id).values(iban="KZ18722S000012345679")
    )
    db.session.commit()
    farida = browser(app, staff, "farida", "finance")

    built = build_with(farida)

    assert built.status_code == 302
    page = farida.get(built.headers["Location"])
    assert html(page).xpath("//table[@id='payments']//tr/@data-claim") == [references[1]]
    assert (
        f"Left out: {references[0]}: its account is not a valid Kazakh IBAN; it is left out of payout "
        "batches until its bank details are corrected" in main_text(page)
    )
    form_page = main_text(farida.get("/payouts/new"))
    assert f"{references[0]}: its account is not a valid Kazakh IBAN" in form_page


def test_wrong_filters_are_shown_next_to_their_field(app, staff):
    farida = browser(app, staff, "farida", "finance")

    answer = build_with(farida, decided_from="2026-03-09", decided_to="2026-03-02", category="robbery")

    assert answer.status_code == 422
    page = html(answer)
    assert page.get_element_by_id("decided_to-error").text_content() == (
        "Error: Decided to: must be on or after the 'decided from' date"
    )
    assert (
        "Category: must be empty (any) or one of:" in page.get_element_by_id("category-error").text_content()
    )
    assert db.session.scalar(db.select(db.func.count()).select_from(PayoutBatch)) == 0


def test_with_nothing_to_pay_the_form_says_so(app, staff):
    farida = browser(app, staff, "farida", "finance")

    answer = build_with(farida)

    assert answer.status_code == 409
    assert "no approved, unpaid claims match these filters" in main_text(answer)


def test_the_status_file_is_uploaded_and_uploading_it_again_changes_nothing(
    app, staff, submit, officers, clock
):
    (reference,) = approved_claims(submit, officers, 1)
    farida = browser(app, staff, "farida", "finance")
    fatima = browser(app, staff, "fatima", "finance")
    batch_url = build_with(farida).headers["Location"]
    send(fatima, form_on(html(fatima.get(batch_url)), "/approve"))
    send(fatima, form_on(html(fatima.get(batch_url)), "/register.csv"))
    batch_id = int(batch_url.rsplit("/", 1)[1])
    content = status_file(*paid_rows(batch_id, "2026-03-02"))

    def upload(data: bytes | None):
        form = form_on(html(farida.get("/payouts/results")), "/payouts/results")
        fields = {"csrf_token": form.fields["csrf_token"]}
        if data is not None:
            fields["status_file"] = (io.BytesIO(data), "status.csv")
        return farida.post("/payouts/results", data=fields, content_type="multipart/form-data")

    first = upload(content)
    again = upload(content)
    missing = upload(None)

    assert first.status_code == 200
    assert f"{reference} ({reference}-B{batch_id}): paid" in main_text(first)
    assert claim_of(reference).status == "paid"
    assert "Nothing changed" in main_text(again)
    assert "already paid on 2026-03-02" in main_text(again)
    assert missing.status_code == 422
    assert "Status file: choose the Treasury's status file (CSV)" in main_text(missing)


def upload_status_file(client, content: bytes):
    form = form_on(html(client.get("/payouts/results")), "/payouts/results")
    fields = {"csrf_token": form.fields["csrf_token"], "status_file": (io.BytesIO(content), "status.csv")}
    return client.post("/payouts/results", data=fields, content_type="multipart/form-data")


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_status_file_is_refused_on_the_page_naming_the_row(
    app, staff, submit, officers, clock, case
):
    approved_claims(submit, officers, 2)
    batch = built_and_approved(staff, clock.now)
    export_register_csv(finance_officer(staff, "farida"), batch.id, clock.now)
    first, second = payments_of(batch.id)
    content, problem = malformed_status_file(case, first.end_to_end_id, second.end_to_end_id)

    answer = upload_status_file(browser(app, staff, "farida", "finance"), content)

    assert answer.status_code == 422
    assert "The file was refused; nothing was applied" in main_text(answer)
    assert f"row 3: {problem}" in main_text(answer)
    assert {p.status for p in payments_of(batch.id)} == {"in_batch"}
