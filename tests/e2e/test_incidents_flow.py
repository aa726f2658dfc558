"""Stuck claims in the browser, in Kazakh and in Russian: a claim whose payment failed five times is
reopened from the Incidents page by one finance officer, approved by a second (the first may not),
and paid in a payout batch; a supervisor gives an open task to a named colleague."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from fund.claims.messages import deliver_message
from fund.claims.submission import submit_claim
from fund.claims.tasks import complete_task
from fund.extensions import db
from fund.models import Claim, HumanTask, Payment, User
from fund.payouts.batches import BatchFilters, approve_payout_batch, build_payout_batch
from fund.payouts.register import export_register_csv
from fund.payouts.results import import_payment_results
from tests.conftest import APPROVE, DOCUMENTS_COMPLETE, TORTURE_REVIEW_APPROVE, claim_body, make_iin
from tests.e2e.test_paper_claim_flow import sign_in_by_field

NEW_ACCOUNT = "KZ18722S000012345678"
WORDS = {
    "kk": {"incidents": "Инциденттер", "five": "Төлем бес рет өтпеді", "reopen": "Төлемді қайта ашу",
           "approve": "Төлемді қайта ашуды бекіту", "supervision": "Бақылау",
           "given": "енді {name} қызметкеріне берілді"},
    "ru": {"incidents": "Инциденты", "five": "Выплата не прошла пять раз", "reopen": "Возобновление платежа",
           "approve": "Утвердить возобновление платежа", "supervision": "Контроль",
           "given": "теперь у сотрудника {name}"},
}  # fmt: skip


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def open_task(reference: str, name: str) -> str:
    return db.session.scalar(
        select(HumanTask.id).where(HumanTask.name == name, HumanTask.state == "open",
                                   HumanTask.claim.has(reference=reference))
    )  # fmt: skip


def claim_failed_five_times(serial: int, suffix: str) -> str:
    """A torture claim approved, whose payment the Treasury failed five times (services, in the app)."""
    now = datetime.now(UTC)
    body = claim_body(claimant__iin=make_iin(datetime(1990, 1, 15).date(), serial=serial, female=True))
    reference = submit_claim(body, now).reference
    for name, username, form in (("intake_check", f"dana_{suffix}", DOCUMENTS_COMPLETE),
                                 ("review_torture", f"rita_{suffix}", TORTURE_REVIEW_APPROVE),
                                 ("approval", f"arman_{suffix}", APPROVE)):  # fmt: skip
        complete_task(user(username), open_task(reference, name), form, now)
    for failure in range(5):
        deliver_message(
            user(f"farida_{suffix}"), reference, "payment_failed", {"reason": "account closed"}, now
        )
        if failure < 4:
            complete_task(
                user(f"dana_{suffix}"),
                open_task(reference, "correct_bank_details"),
                {"iban": NEW_ACCOUNT},
                now,
            )
    return reference


def pay_in_a_batch(suffix: str) -> str:
    """Farida builds a batch, Fatima approves it, it is exported and the Treasury pays: the status."""
    now = datetime.now(UTC)
    batch = build_payout_batch(user(f"farida_{suffix}"), BatchFilters(), now)
    approve_payout_batch(user(f"fatima_{suffix}"), batch.id, now)
    export_register_csv(user(f"farida_{suffix}"), batch.id, now)
    payment = db.session.scalar(select(Payment).where(Payment.batch_id == batch.id))
    row = f"{payment.end_to_end_id},paid,{payment.amount_kzt},{now.date().isoformat()},\r\n"
    import_payment_results(
        user(f"farida_{suffix}"), f"end_to_end_id,status,amount_kzt,paid_on,reason\r\n{row}".encode(), now
    )
    status = db.session.scalar(select(Claim.status).where(Claim.id == payment.claim_id))
    return f"{payment.creditor_iban} {status}"


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_finance_reopens_a_payment_failed_five_times_a_second_officer_approves_and_a_batch_pays_it(
    live_server, new_page, shot, language
):
    words = WORDS[language]
    for name, role in (("dana", "intake"), ("rita", "reviewer"), ("arman", "approver"), ("farida", "finance"),
                       ("fatima", "finance")):  # fmt: skip
        live_server.user(f"{name}_{language}", role)
    reference = live_server.run(claim_failed_five_times, 41 if language == "kk" else 53, language)

    farida = new_page(locale=language)
    sign_in_by_field(farida, live_server.url, f"farida_{language}")
    farida.locator("nav a[href='/incidents']").click()
    section = farida.locator("#payment_failed_five")
    expect(section).to_contain_text(words["five"])
    expect(section).to_contain_text(reference)
    shot(farida, "incidents")
    section.get_by_role("link", name=words["reopen"]).click()
    farida.locator("#task-form input[type=radio][value=reopen]").check()
    farida.locator("#task-form [name=iban]").fill("KZ18 722S 0000 1234 5678")
    farida.locator("#task-form [name=reopen_reason]").fill("Банк подтвердил счёт письмом.")
    shot(farida, "reopen-form")
    farida.locator("#task-form button[type=submit]").click()
    farida.wait_for_load_state()

    # Farida may not approve her own request: sent anyway, it is refused (four eyes).
    farida.goto(f"{live_server.url}/incidents")
    approval_link = farida.locator("#payment_failed_five").get_by_role("link", name=words["approve"])
    approval_url = approval_link.get_attribute("href")
    farida.goto(f"{live_server.url}{approval_url}")
    if farida.locator("#task-form").count():
        farida.locator("#task-form input[type=radio][value=approve]").check()
        farida.locator("#task-form button[type=submit]").click()
        farida.wait_for_load_state()
    shot(farida, "approval-refused-for-the-requester")
    assert live_server.run(open_task, reference, "approve_reopen_payment") is not None

    fatima = new_page(locale=language)
    sign_in_by_field(fatima, live_server.url, f"fatima_{language}")
    fatima.goto(f"{live_server.url}{approval_url}")
    fatima.locator("#task-form input[type=radio][value=approve]").check()
    shot(fatima, "approval-form")
    fatima.locator("#task-form button[type=submit]").click()
    fatima.wait_for_load_state()
    fatima.goto(f"{live_server.url}/incidents")
    expect(fatima.locator("#payment_failed_five")).not_to_contain_text(reference)
    shot(fatima, "incidents-after")

    assert live_server.run(pay_in_a_batch, language) == f"{NEW_ACCOUNT} paid"


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_supervisor_gives_an_open_task_to_a_named_colleague(live_server, new_page, shot, language):
    words = WORDS[language]
    live_server.user(f"sofia_{language}", "supervisor")
    colleague = live_server.user(f"ivan_{language}", "intake")
    iin = make_iin(datetime(1990, 1, 15).date(), serial=71 if language == "kk" else 83, female=True)
    reference = live_server.run(
        lambda: submit_claim(claim_body(claimant__iin=iin), datetime.now(UTC)).reference
    )
    task_id = live_server.run(open_task, reference, "intake_check")

    sofia = new_page(locale=language)
    sign_in_by_field(sofia, live_server.url, f"sofia_{language}")
    sofia.locator("nav a[href='/supervision']").click()
    assert words["supervision"] in sofia.locator("h1").inner_text()
    form = sofia.locator(f"form[action='/supervision/tasks/{task_id}/assign']")
    form.locator("select[name=assignee]").select_option(colleague)
    shot(sofia, "assign")
    form.locator("button[type=submit]").click()
    expect(sofia.locator(".flash")).to_contain_text(words["given"].format(name=colleague))
    shot(sofia, "assigned")
    sofia.goto(f"{live_server.url}/claims/{reference}")
    expect(sofia.locator("#history-title").locator("..")).to_contain_text(colleague)
    shot(sofia, "claim-history")
