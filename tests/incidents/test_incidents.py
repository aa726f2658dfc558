"""The Incidents page: every stuck claim is listed with the action that frees it, and the action works.

Kinds: left out of payout builds (its account is no valid IBAN) or blocking them (its amount
disagrees with its decision); not handled by the worker (timers or letters overdue); waiting for
the Treasury too long; payment failed five times: reopened by one finance officer, approved by
another (a process path), then paid in a batch.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from fund.claims.process_versions import deploy_process
from fund.extensions import db
from fund.models import Claim, Claimant, HumanTask, Letter, Payment
from fund.payouts.register import export_register_csv
from fund.payouts.results import import_payment_results
from tests.conftest import DOCUMENTS_MISSING
from tests.officer_helpers import browser, form_on, freeze_clock, html, main_text, open_task_id, send, text_of
from tests.payout_helpers import (
    approved_claims,
    built_and_approved,
    claim_of,
    finance_officer,
    paid_rows,
    status_file,
)

NEW_ACCOUNT = "KZ18722S000012345678"
OLD_PROCESS = Path(__file__).parent / "process_before_reopen" / "compensation_claim.bpmn"


@pytest.fixture
def clock(monkeypatch):
    clock = freeze_clock(monkeypatch)
    monkeypatch.setattr("fund.incidents.views.utc_now", clock)
    return clock


def section(client, kind: str):
    """The page's section of one kind of incident, and its text."""
    page = html(client.get("/incidents"))
    element = page.get_element_by_id(kind)
    return element, text_of(element)


def rows_of(client, kind: str) -> list[str]:
    element, _ = section(client, kind)
    return [text_of(cell) for cell in element.xpath(".//tbody/tr/td[1]")]


def task_form(page):
    """The form that completes the task (not the one that takes it)."""
    return page.get_element_by_id("task-form")


def fail_payment(officers, reference: str, times: int) -> None:
    """The Treasury fails the payment ``times`` times; intake corrects the account after each but the last."""
    for n in range(times):
        answer = officers.deliver(reference, "payment_failed", {"reason": "account closed"}, "farida")
        assert answer.status_code == 200, answer.get_json()
        if n < times - 1:
            done = officers.complete(
                open_task_id(reference, "correct_bank_details"), {"iban": NEW_ACCOUNT}, "ivan"
            )
            assert done.status_code == 200, done.get_json()


def test_a_claim_left_out_of_payout_builds_is_listed_and_finance_sends_it_to_intake_to_correct(
    app, staff, submit, officers, clock
):
    left_out, fine = approved_claims(submit, officers, 2)
    claimant_id = claim_of(left_out).claimant_id
    db.session.execute(
        Claimant.__table__.update().where(Claimant.id == claimant_id).values(iban="KZ18722S000012345679")
    )
    db.session.commit()
    farida = browser(app, staff, "farida", "finance")
    ivan = browser(app, staff, "ivan", "intake")

    assert rows_of(farida, "payout_left_out") == [left_out]
    element, says = section(farida, "payout_left_out")
    assert "its account is not a valid Kazakh IBAN" in says
    assert "A finance officer asks intake to correct the account" in section(ivan, "payout_left_out")[1]
    sent = send(farida, form_on(element, f"/incidents/{left_out}/ask-intake"))

    assert sent.status_code == 302
    assert claim_of(left_out).status == "payment_failed"
    assert rows_of(farida, "payout_left_out") == []
    task_id = open_task_id(left_out, "correct_bank_details")
    assert officers.complete(task_id, {"iban": NEW_ACCOUNT}, "ivan").status_code == 200
    assert claim_of(left_out).status == "approved" and claim_of(fine).status == "approved"
    assert rows_of(farida, "payout_left_out") == []


def test_asking_intake_for_a_claim_that_is_not_left_out_changes_nothing(app, staff, submit, officers, clock):
    (reference,) = approved_claims(submit, officers, 1)
    farida = browser(app, staff, "farida", "finance")
    token = html(farida.get("/incidents")).xpath("//input[@name='csrf_token']/@value")

    refused = farida.post(
        f"/incidents/{reference}/ask-intake", data={"csrf_token": token[0] if token else ""}
    )

    assert refused.status_code in (400, 409)
    assert claim_of(reference).status == "approved"


def test_a_claim_whose_amount_disagrees_with_its_decision_is_listed_as_blocking_every_build(
    app, staff, submit, officers, clock
):
    (reference,) = approved_claims(submit, officers, 1)
    db.session.execute(Claim.__table__.update().where(Claim.reference == reference).values(amount_kzt=1))
    db.session.commit()
    adil = browser(app, staff, "adil", "admin")

    assert rows_of(adil, "payout_blocked") == [reference]
    says = section(adil, "payout_blocked")[1]
    assert "its amount 1 tenge differs from the decided 173000 tenge" in says
    assert "ask an administrator to check its decision" in says


def test_timers_the_worker_did_not_fire_are_listed_and_retried_from_the_page(
    app, staff, submit, officers, clock
):
    reference = submit()["reference"]
    officers.check_documents(reference, DOCUMENTS_MISSING)  # reminder on day 20, closed on day 30
    ivan = browser(app, staff, "ivan", "intake")

    clock.advance(days=20, minutes=30)  # the reminder is due, but for less than the grace of an hour
    assert rows_of(ivan, "worker_failed") == []
    clock.advance(hours=2)
    assert rows_of(ivan, "worker_failed") == [reference]
    element, says = section(ivan, "worker_failed")
    assert "A deadline or reminder was due and did not fire." in says
    retried = send(ivan, form_on(element, f"/incidents/{reference}/retry"))

    assert retried.status_code == 302
    assert f"Claim {reference}: due timers fired: yes; letters issued: " in main_text(ivan.get("/incidents"))
    assert rows_of(ivan, "worker_failed") == []
    kinds = db.session.scalars(db.select(Letter.kind).join(Claim).where(Claim.reference == reference)).all()
    assert sorted(kinds) == ["acknowledgement", "document_reminder", "document_request"]


def test_letters_no_worker_issued_are_listed_and_issued_from_the_page(app, staff, submit, clock, monkeypatch):
    monkeypatch.setitem(app.config, "FUND_LETTERS_BY_WORKER", True)
    reference = submit()["reference"]
    adil = browser(app, staff, "adil", "admin")

    clock.advance(hours=2)
    element, says = section(adil, "worker_failed")
    assert "A letter was due and was not issued." in says
    send(adil, form_on(element, f"/incidents/{reference}/retry"))

    statuses = db.session.scalars(
        db.select(Letter.status).join(Claim).where(Claim.reference == reference)
    ).all()
    assert statuses == ["issued"]
    assert rows_of(adil, "worker_failed") == []


def test_payments_the_treasury_has_not_answered_for_ten_days_are_listed_with_the_import(
    app, staff, submit, officers, clock
):
    references = approved_claims(submit, officers, 2)
    batch = built_and_approved(staff, clock.now)
    export_register_csv(finance_officer(staff, "farida"), batch.id, clock.now)
    farida = browser(app, staff, "farida", "finance")

    clock.advance(days=9)
    assert rows_of(farida, "treasury_wait") == []
    clock.advance(days=2)
    assert rows_of(farida, "treasury_wait") == references
    element, says = section(farida, "treasury_wait")
    assert f"Sent to the Treasury in batch {batch.reference}; no result yet." in says
    assert element.xpath(".//a[@href='/payouts/results']")

    import_payment_results(finance_officer(staff, "farida"), status_file(*paid_rows(batch.id)), clock.now)
    assert rows_of(farida, "treasury_wait") == []


def test_after_five_failures_one_finance_officer_reopens_a_second_approves_and_a_batch_pays_it(
    app, staff, submit, officers, clock
):
    (reference,) = approved_claims(submit, officers, 1)
    fail_payment(officers, reference, 5)
    farida = browser(app, staff, "farida", "finance")
    fatima = browser(app, staff, "fatima", "finance")
    assert claim_of(reference).status == "payment_failed"

    element, says = section(farida, "payment_failed_five")
    assert rows_of(farida, "payment_failed_five") == [reference] and "The payment failed five times." in says
    (reopen_link,) = element.xpath(".//a[text()='Reopen payment']/@href")
    task_page = html(farida.get(reopen_link))
    reopened = send(
        farida, task_form(task_page), reopen_decision="reopen", iban="KZ18 722S 0000 1234 5678",
        reopen_reason="The bank confirmed the account by letter.",
    )  # fmt: skip
    assert reopened.status_code == 302, main_text(reopened)

    element, says = section(fatima, "payment_failed_five")
    assert "a second finance officer must approve" in says
    (approve_link,) = element.xpath(".//a[text()='Approve reopening the payment']/@href")
    same_officer = farida.post(
        approve_link, data={"csrf_token": task_page.xpath("//input[@name='csrf_token']/@value")[0],
                            "reopen_approval": "approve"},
    )  # fmt: skip
    assert same_officer.status_code == 403
    assert "four-eyes" in main_text(same_officer)
    assert claim_of(reference).status == "payment_failed"
    approved = send(fatima, task_form(html(fatima.get(approve_link))), reopen_approval="approve")
    assert approved.status_code == 302, main_text(approved)
    assert claim_of(reference).status == "approved"
    assert rows_of(fatima, "payment_failed_five") == []

    batch = built_and_approved(staff, clock.now)  # built by farida, approved by fatima
    export_register_csv(finance_officer(staff, "farida"), batch.id, clock.now)
    import_payment_results(finance_officer(staff, "farida"), status_file(*paid_rows(batch.id)), clock.now)

    assert claim_of(reference).status == "paid"
    payment = db.session.scalar(db.select(Payment).where(Payment.batch_id == batch.id))
    assert payment.creditor_iban == NEW_ACCOUNT and payment.status == "paid"


def test_a_claim_that_ended_on_a_version_without_the_reopen_path_says_it_cannot_be_reopened_here(
    app, staff, submit, officers, clock, tmp_path
):
    old = tmp_path / "bpmn"
    shutil.copytree(Path(app.config["FUND_BPMN_DIR"]), old)
    shutil.copy(OLD_PROCESS, old / "compensation_claim.bpmn")
    for form in ("reopen_payment.json", "approve_reopen_payment.json"):
        (old / "forms" / form).unlink()
    deploy_process("tests", clock.now - timedelta(days=1), directory=old)
    db.session.commit()
    (reference,) = approved_claims(submit, officers, 1)
    fail_payment(officers, reference, 5)
    farida = browser(app, staff, "farida", "finance")

    element, says = section(farida, "payment_failed_five")

    assert rows_of(farida, "payment_failed_five") == [reference]
    assert "which has no way to reopen the payment" in says
    assert "This claim cannot be reopened here" in says
    assert not element.xpath(".//a[contains(@href, '/tasks/')]")
    assert db.session.query(HumanTask).filter_by(state="open").count() == 0


def test_incidents_are_for_intake_finance_and_administrators(app, staff, clock):
    for username, role in (("rosa", "reviewer"), ("alma", "approver"), ("aida", "auditor")):
        assert browser(app, staff, username, role).get("/incidents").status_code == 403
    for username, role in (("ivan", "intake"), ("farida", "finance"), ("adil", "admin")):
        answer = browser(app, staff, username, role).get("/incidents")
        assert answer.status_code == 200 and "No incidents: no claim is stuck." in main_text(answer)
