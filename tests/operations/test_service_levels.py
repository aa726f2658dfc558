"""Service levels: a complete claim is decided within FUND_SLA_DECISION_DAYS and an approved one paid
within FUND_SLA_PAYMENT_DAYS; supervisors see the claims past or near a target, in their language,
each linked to its claim, and get a daily digest by e-mail (once per fund day, however many
workers run), holding counts and claim references only.
"""

# The SMTP server and JSON log fixtures are imported from their tests: pytest sees them as arguments.
# ruff: noqa: F811

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text

from fund.extensions import db
from fund.models import Claim, Notification, ServiceLevelDigest
from fund.officers import service_levels
from fund.officers.service_level_digest import queue_daily_digest
from fund.worker import run_round
from tests.conftest import DOCUMENTS_MISSING
from tests.notifications.test_notifications_sending import mail_server, no_smtp  # noqa: F401 - fixtures
from tests.officer_helpers import browser, html, text_of

DOCUMENTS = {"documents": ["forensic_medical_report"]}


def stored(reference: str) -> Claim:
    db.session.expire_all()
    return db.session.scalar(select(Claim).where(Claim.reference == reference))


@pytest.fixture
def page_clock(monkeypatch):
    """The pages' clock, set by each test."""
    holder = {"now": datetime(2026, 3, 2, 9, 0, tzinfo=UTC)}
    monkeypatch.setattr("fund.officers.desk_views.utc_now", lambda: holder["now"])
    return holder


@pytest.fixture
def sofia(app, staff):
    """A supervisor, signed in, reading pages in Russian."""
    client = browser(app, staff, "sofia", "supervisor")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
    return client


def submitted_on(submit, clock, day: date) -> str:
    """A claim submitted at 14:00 in Almaty on ``day``: its reference."""
    clock.now = datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)
    return submit()["reference"]


# --- the clocks ------------------------------------------------------------------------------------


def test_the_decision_clock_runs_while_the_claim_is_complete_and_the_payment_clock_from_approval(
    submit, clock, officers
):
    reference = submit()["reference"]
    assert stored(reference).awaiting_decision_since == clock.now
    assert stored(reference).awaiting_payment_since is None

    clock.advance(days=2)
    officers.check_documents(reference, DOCUMENTS_MISSING)  # intake asks for a document: the clock stops
    assert stored(reference).awaiting_decision_since is None

    arrived = clock.advance(days=5)
    response = officers.deliver(reference, "documents_submitted", DOCUMENTS, "ivan")
    assert response.status_code == 200, response.get_json()
    assert stored(reference).awaiting_decision_since == arrived  # complete again: from the documents' day

    clock.advance(days=1)
    officers.check_documents(reference)
    officers.review(reference)
    assert stored(reference).awaiting_decision_since == arrived  # review and approval: the same wait
    approved = clock.advance(days=3)
    officers.approve(reference)
    claim = stored(reference)
    assert claim.status == "approved"
    assert claim.awaiting_decision_since is None and claim.awaiting_payment_since == approved

    clock.advance(days=4)
    officers.confirm_payment(reference)
    assert stored(reference).awaiting_payment_since is None


# --- the supervisors' page -------------------------------------------------------------------------


def test_the_page_lists_claims_past_or_near_the_decision_target_with_days_over_and_left(
    app, submit, clock, sofia, page_clock, monkeypatch
):
    monkeypatch.setitem(app.config, "FUND_SLA_DECISION_DAYS", 20)
    monkeypatch.setitem(app.config, "FUND_SLA_WARNING_DAYS", 3)
    three_over = submitted_on(submit, clock, date(2026, 3, 2))  # due 22.03
    one_over = submitted_on(submit, clock, date(2026, 3, 4))  # due 24.03
    two_left = submitted_on(submit, clock, date(2026, 3, 7))  # due 27.03
    in_time = submitted_on(submit, clock, date(2026, 3, 20))  # due 09.04
    page_clock["now"] = datetime(2026, 3, 25, 4, 0, tzinfo=UTC)  # 09:00 on 25 March in Almaty

    page = html(sofia.get("/supervision/service-levels"))
    section = page.get_element_by_id("decision")
    assert "Решение по полной заявке: в течение 20 дн." in text_of(section)
    assert text_of(section.xpath(".//li[@data-count='breaching']")[0]) == "Срок нарушен: 2"
    assert text_of(section.xpath(".//li[@data-count='about-to-breach']")[0]) == "Срок скоро истекает: 1"
    rows = section.xpath(".//tbody/tr")
    assert [row.xpath(".//a/@href")[0] for row in rows] == [
        f"/claims/{three_over}",
        f"/claims/{one_over}",
        f"/claims/{two_left}",
    ]
    cells = [[text_of(cell) for cell in row.xpath("./td")] for row in rows]
    assert cells[0][2:] == ["02.03.2026", "22.03.2026", "просрочено на 3 дня"]
    assert cells[1][4] == "просрочено на 1 день"
    assert cells[2][4] == "осталось 2 дня"
    assert in_time not in text_of(page.get_element_by_id("decision"))
    payment = page.get_element_by_id("payment")
    assert text_of(payment.xpath(".//li[@data-count='breaching']")[0]) == "Срок нарушен: 0"
    assert payment.xpath(".//tbody//a") == []

    # The target is configuration: thirty days, and nobody is late yet.
    monkeypatch.setitem(app.config, "FUND_SLA_DECISION_DAYS", 30)
    section = html(sofia.get("/supervision/service-levels")).get_element_by_id("decision")
    assert text_of(section.xpath(".//li[@data-count='breaching']")[0]) == "Срок нарушен: 0"


def test_the_payment_target_counts_from_approval_and_the_page_reads_in_kazakh(
    app, submit, clock, officers, sofia, page_clock, monkeypatch
):
    monkeypatch.setitem(app.config, "FUND_SLA_PAYMENT_DAYS", 10)
    reference = submit()["reference"]
    officers.check_documents(reference)
    officers.review(reference)
    officers.approve(reference)  # 2 March: the payment is due on 12 March
    page_clock["now"] = datetime(2026, 3, 12, 4, 0, tzinfo=UTC)
    sofia.environ_base["HTTP_ACCEPT_LANGUAGE"] = "kk"

    page = html(sofia.get("/supervision/service-levels"))
    section = page.get_element_by_id("payment")
    assert "Өтемақы бекітілгеннен кейін төлем: 10 күн ішінде" in text_of(section)
    (row,) = section.xpath(".//tbody/tr")
    assert [text_of(cell) for cell in row.xpath("./td")][2:] == ["02.03.2026", "12.03.2026", "Мерзімі бүгін"]
    assert page.xpath("//html/@lang") == ["kk"]

    page_clock["now"] = datetime(2026, 3, 14, 4, 0, tzinfo=UTC)
    section = html(sofia.get("/supervision/service-levels")).get_element_by_id("payment")
    assert text_of(section.xpath(".//tbody/tr/td")[4]) == "2 күнге кешікті"


def test_only_supervisors_open_the_page_and_the_service_checks_the_role(app, staff, clock):
    for role in ("intake", "approver", "admin", "auditor"):
        client = browser(app, staff, f"someone-{role}", role)
        assert client.get("/supervision/service-levels").status_code == 403
    from fund.common.errors import Forbidden
    from fund.models import User

    user = db.session.scalar(select(User).where(User.username == "someone-admin"))
    with pytest.raises(Forbidden):
        service_levels.service_levels(user, clock.now)


def test_long_lists_are_paged_and_counted(app, submit, clock, sofia, page_clock, monkeypatch):
    monkeypatch.setattr(service_levels, "PAGE_SIZE", 2)
    references = [submitted_on(submit, clock, date(2026, 3, day)) for day in (2, 3, 4)]
    page_clock["now"] = datetime(2026, 4, 30, 4, 0, tzinfo=UTC)
    first = html(sofia.get("/supervision/service-levels")).get_element_by_id("decision")
    assert text_of(first.xpath(".//li[@data-count='breaching']")[0]) == "Срок нарушен: 3"
    assert [a for a in first.xpath(".//tbody//a/text()")] == references[:2]
    second = html(sofia.get("/supervision/service-levels?decision_page=2")).get_element_by_id("decision")
    assert second.xpath(".//tbody//a/text()") == references[2:]
    assert "Страница 2 из 2" in text_of(second)


def test_the_lists_are_read_through_the_waiting_claims_index(app):
    """At 1,000,000 claims the page reads the few waiting ones, not the table."""
    watched = select(Claim.reference).where(
        Claim.awaiting_decision_since.is_not(None),
        Claim.awaiting_decision_since < datetime(2026, 3, 1, tzinfo=UTC),
    )
    compiled = watched.order_by(Claim.awaiting_decision_since, Claim.id).limit(50)
    sql = str(compiled.compile(db.engine, compile_kwargs={"literal_binds": True}))
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL enable_seqscan = off"))  # an empty table would be scanned
        plan = "\n".join(db.session.scalars(text(f"EXPLAIN {sql}")))
    else:
        plan = "\n".join(str(row[-1]) for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    db.session.rollback()
    assert "ix_claims_awaiting_decision" in plan


# --- the daily digest ------------------------------------------------------------------------------


@pytest.fixture
def supervisors(staff):
    """Two supervisors: Sofia reads Kazakh and has a work e-mail, Bolat reads Russian and has none."""
    from fund.common.users import set_work_email
    from fund.models import User

    staff.user("sofia", "supervisor")
    staff.user("bolat", "supervisor")
    staff.user("ivan", "intake")
    set_work_email("sofia", "sofia.supervisor@vcf.example.kz")
    for username, language in (("sofia", "kk"), ("bolat", "ru")):
        db.session.scalar(select(User).where(User.username == username)).language = language
    db.session.commit()


def digests() -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.kind == "service_level_digest")))


def test_the_worker_queues_one_digest_a_day_to_each_supervisor_in_their_language_without_personal_data(
    app, submit, clock, supervisors, mail_server
):
    body_of_claim = submit()  # 2 March; with a 20-day target it is late on 25 March
    reference = body_of_claim["reference"]
    early = datetime(2026, 3, 25, 2, 0, tzinfo=UTC)  # 07:00 in Almaty: before the digest hour (8)
    assert run_round(lambda: early).digest_queued == 0
    assert digests() == []

    morning = datetime(2026, 3, 25, 3, 5, tzinfo=UTC)  # 08:05 in Almaty
    done = run_round(lambda: morning)
    assert done.digest_queued == 2 and done.problems() is None
    kk, ru = sorted(digests(), key=lambda message: message.language)
    assert (kk.state, kk.recipient, ru.state, ru.recipient) == (
        "queued", "sofia.supervisor@vcf.example.kz", "no_address", None,
    )  # fmt: skip
    assert kk.claim_id is None
    assert (
        kk.subject == "Қызмет көрсету мерзімдері, 2026 жылғы 25\u00a0наурыз: мерзімі өткен өтініштер саны — 1"
    )
    assert "Толық өтініш бойынша шешім 20 күн ішінде: мерзімі өткені — 1;" in kk.body
    assert f"Шешім мерзімі ең көп өткен өтініштер: {reference}" in kk.body
    assert "/supervision/service-levels" in kk.body
    assert ru.subject.startswith("Сроки обслуживания, 25\u00a0марта 2026\u00a0года")
    claimant = stored(reference).claimant
    for message in (kk, ru):
        for personal in (claimant.full_name, claimant.iin, claimant.email, claimant.iban, claimant.phone):
            assert personal not in message.subject + message.body

    # Later rounds the same fund day queue nothing more; the next day's round queues the next digest.
    assert run_round(lambda: morning + timedelta(hours=10)).digest_queued == 0
    assert len(digests()) == 2
    assert [message.state for message in sorted(digests(), key=lambda m: m.language)] == [
        "sent",
        "no_address",
    ]
    (sent,) = [m for m in mail_server.messages if m["To"] == "sofia.supervisor@vcf.example.kz"]
    assert str(sent["Subject"]) == kk.subject
    assert run_round(lambda: morning + timedelta(days=1)).digest_queued == 2
    assert [row.fund_day for row in db.session.scalars(select(ServiceLevelDigest))] == [
        date(2026, 3, 25),
        date(2026, 3, 26),
    ]


def test_a_second_worker_at_the_same_moment_queues_no_second_digest(app, supervisors, monkeypatch):
    morning = datetime(2026, 3, 25, 3, 5, tzinfo=UTC)
    assert queue_daily_digest(morning) == 2
    # The other worker looked before the first one committed: it saw no digest for the day, and its
    # insert of the day's row now fails on the primary key, taking its e-mails with it.
    real_get = db.session.get
    monkeypatch.setattr(
        db.session,
        "get",
        lambda model, key, **kw: None if model is ServiceLevelDigest else real_get(model, key, **kw),
    )
    assert queue_daily_digest(morning + timedelta(seconds=1)) is None
    assert len(digests()) == 2


# --- an existing database ---------------------------------------------------------------------------


def test_revision_0025_starts_the_clocks_of_the_claims_already_waiting(tmp_path):
    """Claims waiting for a decision count from their submission, approved ones from their last
    change; decided and paid claims wait for nothing."""
    from fund import create_app
    from tests.test_migrations import flask_db

    fresh = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}"})
    flask_db(fresh, "upgrade", "0024")
    with fresh.app_context(), db.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO claimants (id, full_name, iin, birth_date, phone, language, iban) VALUES (1, "
            "'Айгүл Сәрсенова', '900115400018', '1990-01-15', '+77012345678', 'kk', 'KZ86125KZT5004100100')"
        )
        for number, status in enumerate(("under_review", "approved", "paid", "rejected"), start=1):
            connection.exec_driver_sql(
                "INSERT INTO claims (id, reference, access_code_hash, claimant_id, claimant_role, "
                "erdr_number, article, article_part, committed_on, recognized_on, harm, "
                "deadline_restored_by_court, "
                f"submitted_at, status, updated_at) VALUES ({number}, 'VCF-2026-00000{number}', 'x', 1, "
                f"'victim', '251750010001234', '146', '3', '2025-05-01', '2025-06-01', 'none', 0, "
                f"'2026-03-02 09:00:00', '{status}', '2026-03-10 09:00:00')"
            )
    flask_db(fresh, "upgrade")
    with fresh.app_context():
        clocks = {
            claim.status: (claim.awaiting_decision_since, claim.awaiting_payment_since)
            for claim in db.session.scalars(select(Claim))
        }
        db.session.remove()
        db.engine.dispose()
    assert clocks == {
        "under_review": (datetime(2026, 3, 2, 9, 0, tzinfo=UTC), None),
        "approved": (None, datetime(2026, 3, 10, 9, 0, tzinfo=UTC)),
        "paid": (None, None),
        "rejected": (None, None),
    }


def test_fund_user_email_sets_a_supervisors_work_address_and_refuses_what_is_not_one(app, staff):
    from fund.models import User

    staff.user("sofia", "supervisor")
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["user", "email", "sofia", "sofia at vcf"])
    assert refused.exit_code != 0 and "email" in refused.output
    done = runner.invoke(args=["user", "email", "sofia", "sofia@vcf.example.kz"])
    assert done.exit_code == 0, done.output
    db.session.expire_all()
    assert db.session.scalar(select(User.email).where(User.username == "sofia")) == "sofia@vcf.example.kz"
    assert runner.invoke(args=["user", "email", "sofia", ""]).exit_code == 0
    db.session.expire_all()
    assert db.session.scalar(select(User.email).where(User.username == "sofia")) is None
