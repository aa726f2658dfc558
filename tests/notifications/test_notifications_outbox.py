"""Administrators see the outbox at /admin/outbox and can retry what failed; nobody else can.

The page lists each message's kind, language, masked address, state, attempts, last error and
times, counts messages per state, filters by state, says when SMTP is not configured, and never
shows a message's text (it names the claimant).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from fund.common.errors import Forbidden
from fund.extensions import db
from fund.models import Notification
from fund.notifications.outbox import INTERRUPTED_AFTER, outbox, retry_notification
from fund.notifications.queue import send_due_notifications
from tests.notifications import test_notifications_sending as smtp
from tests.officer_helpers import browser, form_on, html, main_text, post_with_token, send

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# The real SMTP server and the "no SMTP settings" fixtures of the sending tests.
mail_server = smtp.mail_server
no_smtp = smtp.no_smtp


def rows() -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).order_by(Notification.id)))


def set_state(notification_id: int, **values) -> None:
    db.session.execute(update(Notification).where(Notification.id == notification_id).values(**values))
    db.session.commit()


@pytest.fixture
def admin(app, staff):
    return browser(app, staff, "adil", "admin")


@pytest.fixture
def three_messages(submit, clock) -> list[int]:
    """One message sent, one failed after its first attempt, one given up: all for different claims."""
    sent = submit(claimant__language="ru")["reference"]
    failed = submit(claimant__language="kk", claimant__email="bolat@mail.example.kz")["reference"]
    given_up = submit(claimant__language="en")["reference"]
    ids = [row.id for row in rows()]
    set_state(ids[0], state="sent", attempts=1, sent_at=NOW, last_attempt_at=NOW, next_attempt_at=None)
    retry_at = NOW + timedelta(minutes=1)
    set_state(ids[1], state="failed", attempts=1, last_attempt_at=NOW, next_attempt_at=retry_at,
              last_error="451 4.3.0 Try again later")  # fmt: skip
    set_state(ids[2], state="given_up", attempts=6, last_attempt_at=NOW, next_attempt_at=None,
              last_error="ConnectionRefusedError: [Errno 111] Connection refused")  # fmt: skip
    assert [sent, failed, given_up]
    return ids


def test_the_outbox_lists_every_message_with_its_state_and_counts_per_state(admin, three_messages, no_smtp):
    page = html(admin.get("/admin/outbox"))

    listed = {int(tr.get("data-notification")): tr for tr in page.xpath("//table[@id='outbox']/tbody/tr")}
    assert set(listed) == set(three_messages)
    failed = listed[three_messages[1]].text_content()
    assert "Claim received" in failed and "kk" in failed and "b***@mail.example.kz" in failed
    assert "Failed, will retry" in failed and "451 4.3.0 Try again later" in failed
    assert "02.03.2026 14:00" in failed and "next attempt 02.03.2026 14:01" in failed
    counts = {
        li.get("data-state"): li.text_content()
        for li in page.xpath("//ul[@id='state-counts']/li[@data-state]")
    }
    assert counts["sent"] == "Sent: 1" and counts["failed"] == "Failed, will retry: 1"
    assert counts["given_up"] == "Given up: 1" and counts["queued"] == "Queued: 0"
    text = main_text(admin.get("/admin/outbox"))
    assert (
        "Айгүл" not in text and "aigul@example.kz" not in text and "bolat@" not in text
    )  # no names, no addresses
    assert "SMTP is not configured" in text


def test_the_outbox_says_nothing_about_smtp_when_it_is_configured(admin, three_messages, mail_server):
    assert "SMTP is not configured" not in main_text(admin.get("/admin/outbox"))


def test_the_outbox_filters_by_state(admin, three_messages, no_smtp):
    page = html(admin.get("/admin/outbox?state=given_up"))

    states = page.xpath("//table[@id='outbox']/tbody/tr/@data-state")
    assert states == ["given_up"]
    assert page.xpath("//ul[@id='state-counts']//a[@aria-current='page']/text()") == ["Given up: 1"]


def test_an_unknown_state_filter_is_refused_naming_the_states_there_are(admin, three_messages, no_smtp):
    answer = admin.get("/admin/outbox?state=lost")

    assert answer.status_code == 422
    assert "state: must be one of: queued, sending, sent, failed, given_up, no_address" in main_text(answer)


def test_retry_now_queues_a_given_up_message_which_the_worker_then_sends(admin, three_messages, mail_server):
    page = html(admin.get("/admin/outbox"))
    given_up = three_messages[2]
    buttons = page.xpath("//form[contains(@action, '/retry')]/@action")
    assert sorted(buttons) == sorted(
        f"/admin/outbox/{n}/retry" for n in three_messages[1:]
    )  # not the sent one

    answer = send(admin, form_on(page, f"/admin/outbox/{given_up}/retry"))

    assert answer.status_code == 302 and answer.headers["Location"].startswith("/admin/outbox")
    assert "is queued again" in main_text(admin.get(answer.headers["Location"]))
    row = rows()[2]
    assert (row.state, row.attempts, row.last_error) == (
        "queued",
        0,
        "ConnectionRefusedError: [Errno 111] Connection refused",
    )
    assert send_due_notifications(datetime.now(UTC)) == 2  # this one and the failed one (due by now)
    assert rows()[2].state == "sent" and len(mail_server.received) == 2


def test_a_sent_or_queued_message_cannot_be_retried(admin, three_messages, no_smtp):
    sent = three_messages[0]

    answer = post_with_token(admin, f"/admin/outbox/{sent}/retry")

    assert answer.status_code == 302
    assert "only failed, given-up or interrupted messages can be retried" in main_text(
        admin.get("/admin/outbox")
    )
    assert rows()[0].state == "sent" and rows()[0].attempts == 1


def test_a_message_left_sending_by_a_stopped_worker_can_be_retried_once_it_is_clearly_interrupted(
    app, staff, three_messages
):
    adil = staff.user("adil", "admin")
    now = datetime.now(UTC)
    set_state(three_messages[0], state="sending", attempts=1, last_attempt_at=now - timedelta(minutes=2))
    set_state(three_messages[1], state="sending", attempts=2, last_attempt_at=now - INTERRUPTED_AFTER)

    entries = {entry.id: entry for entry in outbox(adil, now).entries}

    assert not entries[three_messages[0]].can_retry and not entries[three_messages[0]].interrupted
    assert entries[three_messages[1]].can_retry and entries[three_messages[1]].interrupted
    with pytest.raises(Exception, match="only failed, given-up or interrupted"):
        retry_notification(adil, three_messages[0], now)
    assert retry_notification(adil, three_messages[1], now).state == "queued"


def test_a_retry_refuses_a_message_a_worker_took_meanwhile(app, staff, three_messages):
    adil = staff.user("adil", "admin")
    failed = db.session.get(Notification, three_messages[1])
    assert failed.state == "failed"  # what the administrator saw
    with db.engine.begin() as connection:  # a worker takes it in its own transaction
        connection.execute(
            update(Notification).where(Notification.id == failed.id).values(state="sending", attempts=2)
        )

    with pytest.raises(Exception, match="changed meanwhile"):
        retry_notification(adil, failed.id, NOW)
    assert rows()[1].state == "sending"


@pytest.mark.parametrize("role", ["intake", "reviewer", "approver", "finance", "auditor"])
def test_only_administrators_see_the_outbox_or_retry(app, staff, three_messages, role):
    client = browser(app, staff, f"someone-{role}", role)

    assert client.get("/admin/outbox").status_code == 403
    assert post_with_token(client, f"/admin/outbox/{three_messages[2]}/retry").status_code == 403
    assert rows()[2].state == "given_up"
    with pytest.raises(Forbidden):
        outbox(staff.user(f"someone-{role}"), NOW)
    assert "/admin/outbox" not in client.get("/worklist").get_data(as_text=True)


def test_administrators_find_the_outbox_in_the_navigation(admin, no_smtp):
    page = html(admin.get("/admin"))

    assert page.xpath("//nav//a[@href='/admin/outbox']/text()") == ["Outbox"]
