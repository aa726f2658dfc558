"""A payout batch in the browser: one finance officer builds it, another approves it and downloads
the Treasury's files (the register CSV and the pain.001 XML, checked against the official schema).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from lxml import etree
from playwright.sync_api import expect
from sqlalchemy import select

from fund.claims.submission import submit_claim
from fund.claims.tasks import complete_task
from fund.extensions import db
from fund.models import HumanTask, User
from fund.payouts.register import PAIN001_NAMESPACE, REGISTER_COLUMNS
from tests.conftest import APPROVE, DOCUMENTS_COMPLETE, TORTURE_REVIEW_APPROVE, claim_body, make_iin
from tests.e2e.conftest import sign_in

STEPS = (("intake_check", "dana", DOCUMENTS_COMPLETE), ("review_torture", "rita", TORTURE_REVIEW_APPROVE),
         ("approval", "arman", APPROVE))  # fmt: skip


def approved_claim(serial: int) -> str:
    """A torture claim taken through intake, review and approval by the services (inside the app)."""
    now = datetime.now(UTC)
    body = claim_body(claimant__iin=make_iin(datetime(1990, 1, 15).date(), serial=serial, female=True))
    reference = submit_claim(body, now).reference
    for task_name, username, form in STEPS:
        task_id = db.session.scalar(
            select(HumanTask.id).where(HumanTask.name == task_name, HumanTask.state == "open",
                                       HumanTask.claim.has(reference=reference))
        )  # fmt: skip
        complete_task(db.session.scalar(select(User).where(User.username == username)), task_id, form, now)
    return reference


def test_one_officer_builds_another_approves_and_downloads_the_register_and_pain001(
    live_server, new_page, shot
):
    live_server.user("dana", "intake")
    live_server.user("rita", "reviewer")
    live_server.user("arman", "approver")
    live_server.user("farida", "finance")
    live_server.user("fatima", "finance")
    references = [live_server.run(approved_claim, serial) for serial in (11, 23)]

    # Farida builds the batch from every approved claim.
    farida = new_page()
    sign_in(farida, live_server.url, "farida")
    farida.get_by_role("link", name="Payouts").click()
    shot(farida, "batches-empty")
    farida.get_by_role("link", name="Build a batch").click()
    farida.get_by_label("Category").select_option("torture")
    shot(farida, "build-form")
    farida.get_by_role("button", name="Build the batch").click()
    expect(farida.locator("main")).to_contain_text("Another finance officer must approve it")
    assert farida.locator("#batch-status").inner_text() == "built"
    assert farida.locator("#batch-total").inner_text() == "346,000 tenge"
    assert sorted(
        farida.locator("#payments tbody tr").evaluate_all("rows => rows.map(r => r.dataset.claim)")
    ) == sorted(references)
    assert farida.locator("#four-eyes").is_visible()  # she built it: no approve button for her
    assert farida.get_by_role("button", name="Approve the batch").count() == 0
    shot(farida, "built")
    batch_url = farida.url

    # Fatima approves it and downloads both files.
    fatima = new_page()
    sign_in(fatima, live_server.url, "fatima")
    fatima.goto(batch_url)
    fatima.get_by_role("button", name="Approve the batch").click()
    assert fatima.locator("#batch-status").inner_text() == "approved"
    assert fatima.locator("#batch-approved-by").inner_text().startswith("fatima")
    shot(fatima, "approved")
    with fatima.expect_download() as csv_download:
        fatima.get_by_role("button", name="Download the register (CSV)").click()
    register = csv_download.value
    rows = list(csv.reader(io.StringIO(Path(register.path()).read_text(encoding="utf-8-sig"))))
    assert register.suggested_filename.endswith(".csv")
    assert tuple(rows[0]) == REGISTER_COLUMNS
    assert sorted(row[2] for row in rows[1:]) == sorted(references)
    assert {row[6] for row in rows[1:]} == {"173000"}

    with fatima.expect_download() as xml_download:
        fatima.get_by_role("button", name="Download pain.001 (XML)").click()
    document = etree.parse(xml_download.value.path())
    schema_file = resources.files("sepaxml").joinpath("schemas/pain.001.001.09.xsd")
    schema = etree.XMLSchema(etree.parse(str(schema_file)))
    assert schema.validate(document), schema.error_log
    ns = {"p": PAIN001_NAMESPACE}
    assert document.findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=ns) == "2"
    assert document.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=ns) == "346000.00"

    fatima.reload()
    assert fatima.locator("#batch-status").inner_text() == "exported"
    shot(fatima, "exported")
