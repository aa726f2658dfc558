"""The engine's commands: timers on the injected clock, replay, and refusals that change nothing.

The fund's worker fires due timers, auditors replay a claim's commands and compare digests, and
officers see their command refused with a reason. Each test drives a claim through the public
commands only.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.engine_helpers import (
    APPROVER,
    INTAKE,
    MCI_RATES,
    NO_OTHER_CLAIMS,
    REVIEWER,
    SECOND_REVIEWER,
    T0,
    Claim,
    Command,
    apply,
    approve,
    bank_details,
    claim_facts,
    documents_complete,
    documents_missing,
    drive_longest_claim,
    drive_to_approval,
    drive_to_payment,
    drive_to_rejection,
    reject,
    replay,
    review_form,
    shipped_files,
)
from workflows import engine
from workflows.clock import ClockNotSet
from workflows.engine import (
    CommandContext,
    FormInvalid,
    FourEyesViolation,
    NotWaitingForMessage,
    PendingTimer,
    TaskNotFound,
    TaskNotReady,
)
from workflows.scripting import today
from workflows.specs import load_process

ALMATY = ZoneInfo("Asia/Almaty")

# --- timers on the injected clock ------------------------------------------------------------


def end_of_almaty_day(moment: datetime, days_after: int) -> datetime:
    """Midnight (Asia/Almaty) at the end of the day ``days_after`` days after ``moment``'s date."""
    day = moment.astimezone(ALMATY).date() + timedelta(days=days_after + 1)
    return datetime.combine(day, datetime.min.time(), ALMATY).astimezone(UTC)


def test_the_reminder_is_due_20_days_and_the_deadline_at_the_end_of_day_30_after_the_request() -> None:
    claim = Claim(claim_facts("torture")).later(hours=5)
    requested_at = claim.now
    claim.request_documents()

    timers = {timer.name: timer for timer in claim.outcome.timers}
    assert set(timers) == {"documents_reminder", "documents_deadline"}
    assert all(isinstance(timer, PendingTimer) for timer in timers.values())
    assert timers["documents_reminder"].due_at == requested_at + timedelta(days=20)
    assert timers["documents_deadline"].due_at == end_of_almaty_day(requested_at, 30)
    assert timers["documents_deadline"].due_at.utcoffset() == timedelta(0)
    (letter,) = claim.outcome.outbound
    respond_by = requested_at.astimezone(ALMATY).date() + timedelta(days=30)
    assert letter.payload["respond_by"] == respond_by.isoformat()


def test_the_reconsideration_window_ends_with_the_day_the_rejection_letter_names() -> None:
    claim = drive_to_rejection(Claim(claim_facts("torture")))

    (timer,) = claim.outcome.timers
    assert timer.due_at == end_of_almaty_day(claim.now, 30)
    (letter,) = claim.outcome.outbound
    assert (
        letter.payload["reconsideration_until"]
        == (claim.now.astimezone(ALMATY).date() + timedelta(days=30)).isoformat()
    )


def test_each_new_wait_for_documents_starts_its_own_30_days() -> None:
    claim = Claim(claim_facts("torture")).request_documents().later(days=12).submit_documents()
    claim.later(days=1)
    second_request_at = claim.now
    claim.request_documents()

    assert claim.timer("documents_deadline").due_at == end_of_almaty_day(second_request_at, 30)
    assert claim.timer("documents_reminder").due_at == second_request_at + timedelta(days=20)


def test_nothing_fires_one_second_before_the_due_time() -> None:
    claim = Claim(claim_facts("torture")).request_documents()
    waiting = claim.outcome
    reminder_due = claim.timer("documents_reminder").due_at

    claim.fire_timers(at=reminder_due - timedelta(seconds=1))

    assert claim.outcome.steps == [] and claim.outcome.outbound == []
    assert claim.outcome.digest == waiting.digest and claim.outcome.timers == waiting.timers


def test_a_timer_fires_when_the_worker_comes_late() -> None:
    claim = Claim(claim_facts("torture")).request_documents()
    reminder_due = claim.timer("documents_reminder").due_at

    claim.fire_timers(at=reminder_due + timedelta(days=3, seconds=1))

    assert [step["task"] for step in claim.outcome.steps][0] == "documents_reminder"
    assert [letter.name for letter in claim.outcome.outbound] == ["letter_due_document_reminder"]
    assert [timer.name for timer in claim.outcome.timers] == ["documents_deadline"]


def test_a_timer_is_due_at_any_instant_after_its_due_time_not_at_it() -> None:
    # SpiffWorkflow compares strictly; the worker selects timers with due_at < now to match.
    claim = Claim(claim_facts("torture")).request_documents()
    reminder_due = claim.timer("documents_reminder").due_at

    claim.fire_timers(at=reminder_due)
    assert claim.outcome.outbound == []

    claim.fire_timers(at=reminder_due + timedelta(microseconds=1))
    assert [letter.name for letter in claim.outcome.outbound] == ["letter_due_document_reminder"]


def test_the_documents_deadline_closes_the_claim_once_the_last_day_named_has_passed() -> None:
    claim = Claim(claim_facts("torture")).request_documents()
    deadline = claim.timer("documents_deadline").due_at

    claim.fire_timers(at=deadline - timedelta(seconds=1))
    assert claim.status == "documents_requested"

    claim.fire_timers(at=deadline + timedelta(microseconds=1))
    assert claim.completed and claim.status == "closed_incomplete"


def test_a_late_worker_still_closes_the_claim() -> None:
    claim = Claim(claim_facts("torture")).request_documents()

    claim.later(days=40).fire_timers()

    assert claim.completed and claim.status == "closed_incomplete"
    assert claim.outcome.timers == [] and claim.outcome.waiting_messages == []


@pytest.mark.parametrize("stage", ["intake", "review", "approval", "payment"])
def test_firing_timers_on_a_claim_with_nothing_due_changes_nothing(stage: str) -> None:
    claim = Claim(claim_facts("torture"))
    if stage == "review":
        claim.intake()
    elif stage == "approval":
        drive_to_approval(claim)
    elif stage == "payment":
        drive_to_payment(claim)
    before = claim.outcome

    claim.later(days=365).fire_timers()

    after = claim.outcome
    assert after.steps == [] and after.outbound == []
    assert after.digest == before.digest and after.state == before.state
    assert after.status == before.status and after.ready_tasks == before.ready_tasks


def test_firing_timers_early_then_on_time_gives_the_same_claim_as_firing_on_time_only() -> None:
    eager = Claim(claim_facts("torture")).request_documents()
    patient = Claim(claim_facts("torture")).request_documents()
    fire_at = eager.timer("documents_reminder").due_at + timedelta(hours=1)

    for days_before in (19, 10, 1):
        eager.fire_timers(at=fire_at - timedelta(days=days_before))
    eager.fire_timers(at=fire_at)
    patient.fire_timers(at=fire_at)

    assert eager.outcome.digest == patient.outcome.digest


# --- the order of a late message and a due timer ---------------------------------------------


def test_documents_submitted_after_the_deadline_are_refused_even_if_the_worker_has_not_run() -> None:
    claim = Claim(claim_facts("torture")).request_documents()

    with pytest.raises(NotWaitingForMessage):
        claim.later(days=35).submit_documents()


def test_a_reconsideration_request_after_the_window_is_refused_even_if_the_worker_has_not_run() -> None:
    claim = drive_to_rejection(Claim(claim_facts("torture")))

    with pytest.raises(NotWaitingForMessage):
        claim.later(days=45).request_reconsideration()


def test_a_late_message_is_refused_once_the_worker_has_closed_the_claim() -> None:
    claim = drive_to_rejection(Claim(claim_facts("torture")))
    claim.later(days=31).fire_timers()

    with pytest.raises(NotWaitingForMessage):
        claim.request_reconsideration()


def test_a_reconsideration_request_on_the_last_day_the_letter_names_is_accepted() -> None:
    claim = drive_to_rejection(Claim(claim_facts("torture")))
    (letter,) = claim.letters_named("letter_due_rejection")
    last_day = datetime.fromisoformat(letter["reconsideration_until"]).date()
    evening_of_last_day = datetime(last_day.year, last_day.month, last_day.day, 22, 0, tzinfo=ALMATY)
    claim.fire_timers(at=evening_of_last_day)

    claim.request_reconsideration()

    assert claim.status == "reconsideration"


# --- determinism and replay ------------------------------------------------------------------


def _scripted_claim(key: str = "CLM-2026-000042", shift: tuple[int, timedelta] | None = None) -> Claim:
    """A claim with documents, a reminder, a rejection, reconsideration and payment."""
    claim = Claim(claim_facts("grave_harm"), key=key)
    steps = [
        lambda c: c.request_documents("forensic_medical_report"),
        lambda c: c.later(days=21).fire_timers(),
        lambda c: c.later(days=2).submit_documents("forensic_medical_report"),
        lambda c: c.later(days=1).intake(documents_complete()),
        lambda c: c.later(days=3).review("reject"),
        lambda c: c.later(days=2).decide(reject()),
        lambda c: c.later(days=10).request_reconsideration(),
        lambda c: c.later(days=4).complete(
            "reconsideration_review", review_form("reconsideration_review"), SECOND_REVIEWER
        ),
        lambda c: c.later(days=1).decide(approve()),
        lambda c: c.later(days=6).payment_confirmed(),
    ]
    for number, step in enumerate(steps):
        if shift and shift[0] == number:
            claim.later(seconds=shift[1].total_seconds())
        step(claim)
    assert claim.completed and claim.status == "paid"
    return claim


def test_the_same_commands_at_the_same_times_give_identical_snapshots_and_digests() -> None:
    first, second = _scripted_claim(), _scripted_claim()

    assert [o.digest for o in first.outcomes] == [o.digest for o in second.outcomes]
    assert [o.state for o in first.outcomes] == [o.state for o in second.outcomes]
    assert len({o.digest for o in first.outcomes}) == len(first.outcomes)


def test_replaying_the_recorded_commands_reproduces_every_digest() -> None:
    original = _scripted_claim()
    fresh_process = load_process(shipped_files(), validate=False)  # e.g. another worker, another day

    replayed = replay(original.commands, original.key, process=fresh_process)

    assert [o.digest for o in replayed] == [o.digest for o in original.outcomes]
    assert [o.outbound for o in replayed] == [o.outbound for o in original.outcomes]


def test_the_longest_claim_replays_exactly() -> None:
    original = drive_longest_claim()

    replayed = replay(original.commands, original.key)

    assert [o.digest for o in replayed] == [o.digest for o in original.outcomes]


def test_changing_the_time_of_one_command_changes_the_digest_from_that_command_on() -> None:
    original = _scripted_claim()
    shifted = _scripted_claim(shift=(4, timedelta(seconds=1)))  # the review, one second later

    changed = [a.digest != b.digest for a, b in zip(original.outcomes, shifted.outcomes, strict=True)]
    # outcomes[0] is the start; outcomes[5] is the review.
    assert changed == [False] * 5 + [True] * (len(changed) - 5)


def test_the_same_commands_on_another_claim_give_other_task_ids() -> None:
    one, other = Claim(claim_facts(), key="CLM-A"), Claim(claim_facts(), key="CLM-B")

    assert one.task("intake_check").id != other.task("intake_check").id
    assert one.outcome.digest != other.outcome.digest


@pytest.mark.parametrize("command", ["start", "complete", "deliver", "fire"])
def test_the_engine_refuses_a_command_without_a_timezone_aware_time(command: str) -> None:
    claim = Claim(claim_facts("torture")).request_documents()
    naive = datetime(2026, 3, 5, 9, 0)
    ctx = CommandContext(INTAKE, naive, MCI_RATES)

    with pytest.raises(ValueError, match="timezone"):
        if command == "start":
            engine.start(claim.process, "CLM-N", claim_facts(), ctx)
        elif command == "complete":
            engine.complete_task(claim.process, claim.state, str(uuid.uuid4()), {}, ctx)
        elif command == "deliver":
            engine.deliver_message(claim.process, claim.state, "documents_submitted", {}, ctx)
        else:
            engine.fire_due_timers(claim.process, claim.state, ctx)


def test_the_process_cannot_read_the_time_outside_a_command() -> None:
    with pytest.raises(ClockNotSet):
        today()


def test_the_snapshot_does_not_carry_the_process_spec_and_stays_small() -> None:
    claim = drive_longest_claim()

    for outcome in claim.outcomes:
        for spec_text in (
            "bpmn:definitions",
            "<?xml",
            "decisionTable",
            "task_specs",
            "calledElement",
            "formJsonSchemaFilename",
            "review_torture.json",
        ):
            assert spec_text not in outcome.state
    assert len(claim.state.encode()) < 100_000
    body = json.loads(claim.state)
    assert "spec" not in body["workflow"]


def test_a_stored_snapshot_can_be_inspected_later_without_changing_it() -> None:
    claim = drive_to_approval(Claim(claim_facts("torture")))

    seen = engine.inspect(claim.process, claim.state, claim.now + timedelta(days=100))

    assert seen.digest == claim.outcome.digest
    assert seen.ready_tasks == claim.outcome.ready_tasks and seen.status == "awaiting_approval"


# --- refusals --------------------------------------------------------------------------------


def test_completing_a_task_twice_is_refused() -> None:
    claim = Claim(claim_facts("torture"))
    intake = claim.task("intake_check")
    claim.intake()

    with pytest.raises(TaskNotReady):
        engine.complete_task(
            claim.process,
            claim.state,
            intake.id,
            documents_complete(),
            CommandContext(INTAKE, claim.now, MCI_RATES),
        )


@pytest.mark.parametrize("task_id", ["not-a-task-id", "", "12345"])
def test_a_task_id_that_is_not_an_id_is_not_found(task_id: str) -> None:
    claim = Claim(claim_facts("torture"))

    with pytest.raises(TaskNotFound):
        engine.complete_task(
            claim.process,
            claim.state,
            task_id,
            documents_complete(),
            CommandContext(INTAKE, claim.now, MCI_RATES),
        )


def test_an_unknown_task_id_is_not_found() -> None:
    claim = Claim(claim_facts("torture"))

    with pytest.raises(TaskNotFound):
        engine.complete_task(
            claim.process,
            claim.state,
            str(uuid.UUID(int=7)),
            documents_complete(),
            CommandContext(INTAKE, claim.now, MCI_RATES),
        )


def test_a_task_of_another_claim_is_not_found() -> None:
    claim, other = Claim(claim_facts(), key="CLM-A"), Claim(claim_facts(), key="CLM-B")

    with pytest.raises(TaskNotFound):
        engine.complete_task(
            claim.process,
            claim.state,
            other.task("intake_check").id,
            documents_complete(),
            CommandContext(INTAKE, claim.now, MCI_RATES),
        )


def test_a_timer_is_not_a_task_a_person_can_complete() -> None:
    claim = Claim(claim_facts("torture")).request_documents()

    with pytest.raises(TaskNotReady):
        engine.complete_task(
            claim.process,
            claim.state,
            claim.timer("documents_deadline").task_id,
            {},
            CommandContext(INTAKE, claim.now, MCI_RATES),
        )


@pytest.mark.parametrize(
    ("task", "form", "fields"),
    [
        ("intake_check", {"documents_complete": False}, {"missing_documents"}),
        (
            "intake_check",
            {"documents_complete": True, "missing_documents": ["identity_document"]},
            {"missing_documents"},
        ),
        (
            "intake_check",
            {"documents_complete": False, "missing_documents": ["passport_photo"]},
            {"missing_documents"},
        ),
        ("intake_check", {}, {"documents_complete"}),
        (
            "intake_check",
            {"documents_complete": "yes", "approved_by": "me"},
            {"documents_complete", "approved_by"},
        ),
        ("approval", {"decision": "maybe"}, {"decision"}),
        ("approval", {"decision": "reject"}, {"reasons"}),
        ("approval", {"decision": "return"}, {"comment"}),
        ("approval", {"decision": "approve", "reasons": ["deadline_missed"]}, {"reasons"}),
    ],
)
def test_invalid_form_data_is_refused_with_errors_by_field(task: str, form: dict, fields: set[str]) -> None:
    claim = Claim(claim_facts("torture"))
    if task == "approval":
        drive_to_approval(claim)

    with pytest.raises(FormInvalid) as refused:
        claim.complete(task, form, APPROVER if task == "approval" else INTAKE)

    assert set(refused.value.errors) == fields
    assert all(
        messages and all(isinstance(m, str) for m in messages) for messages in refused.value.errors.values()
    )


@pytest.mark.parametrize(
    ("stage", "message"),
    [
        ("intake", "payment_confirmed"),
        ("intake", "documents_submitted"),
        ("documents", "payment_failed"),
        ("approval", "reconsideration_requested"),
        ("payment", "documents_submitted"),
        ("paid", "payment_confirmed"),
        ("paid", "no_such_message"),
    ],
)
def test_a_message_the_claim_is_not_waiting_for_is_refused(stage: str, message: str) -> None:
    claim = Claim(claim_facts("torture"))
    if stage == "documents":
        claim.request_documents()
    elif stage == "approval":
        drive_to_approval(claim)
    elif stage in ("payment", "paid"):
        drive_to_payment(claim)
        if stage == "paid":
            claim.payment_confirmed()

    with pytest.raises(NotWaitingForMessage):
        claim.deliver(message, {"x": 1})


def _refusals():
    """(name, a claim, a command the engine refuses on it) for each kind of refusal."""

    def twice(claim):
        old_id = claim.outcomes[-2].ready_tasks[0].id
        return Command("complete", INTAKE, claim.now, old_id, documents_complete())

    return {
        "task not ready": (lambda: Claim(claim_facts()).intake(), twice),
        "task not found": (
            lambda: Claim(claim_facts()),
            lambda c: Command("complete", INTAKE, c.now, "not-a-task-id", {}),
        ),
        "form invalid": (
            lambda: Claim(claim_facts()),
            lambda c: Command(
                "complete", INTAKE, c.now, c.task("intake_check").id, {"documents_complete": False}
            ),
        ),
        "four eyes": (
            lambda: drive_to_approval(Claim(claim_facts())),
            lambda c: Command("complete", REVIEWER, c.now, c.task("approval").id, approve()),
        ),
        "not waiting": (
            lambda: Claim(claim_facts()),
            lambda c: Command("deliver", "treasury", c.now, "payment_confirmed", {}),
        ),
        "no MCI rate": (
            lambda: drive_to_approval(Claim(claim_facts())),
            lambda c: Command("complete", APPROVER, c.now, c.task("approval").id, approve()),
        ),
    }


@pytest.mark.parametrize("kind", list(_refusals()))
def test_a_refused_command_leaves_the_callers_state_valid_and_unchanged(kind: str) -> None:
    make_claim, make_command = _refusals()[kind]
    claim = make_claim()
    state, digest = claim.state, claim.outcome.digest
    rates = () if kind == "no MCI rate" else MCI_RATES

    with pytest.raises(engine.EngineError):
        apply(claim.process, claim.key, state, make_command(claim), rates)

    assert claim.state == state
    seen = engine.inspect(claim.process, state, claim.now)
    assert seen.digest == digest and seen.ready_tasks == claim.outcome.ready_tasks
    # The claim goes on from the same state as if the refused command had never been sent.
    untouched = make_claim()
    for one in (claim, untouched):
        if one.ready == ["intake_check"]:
            one.later(hours=1).intake()
        elif one.ready == ["approval"]:
            one.later(hours=1).decide(approve())
        else:
            one.later(hours=1).review()
    assert claim.outcome.digest == untouched.outcome.digest


def test_a_refused_four_eyes_command_does_not_count_as_a_review() -> None:
    claim = drive_to_approval(Claim(claim_facts("torture")))
    with pytest.raises(FourEyesViolation):
        claim.decide(approve(), actor=REVIEWER)

    claim.decide(approve(), actor=APPROVER)
    claim.later(days=5).payment_failed()

    claim.complete("correct_bank_details", bank_details(), INTAKE)
    assert claim.status == "approved"


def test_the_refused_form_reports_every_wrong_field_at_once() -> None:
    claim = drive_to_payment(Claim(claim_facts("torture")))
    claim.later(days=1).payment_failed()

    with pytest.raises(FormInvalid) as refused:
        claim.complete("correct_bank_details", {"iban": "KZ00", "note": "x" * 2001, "bank": "?"}, INTAKE)

    assert set(refused.value.errors) == {"iban", "note", "bank"}


def test_commands_applied_to_an_older_snapshot_branch_from_it() -> None:
    """The functions are pure: an old snapshot still works and gives what it gave before."""
    claim = Claim(claim_facts("torture"))
    start = claim.outcome
    claim.request_documents()
    first_branch = claim.outcome

    again = engine.complete_task(
        claim.process,
        start.state,
        start.ready_tasks[0].id,
        documents_missing(),
        CommandContext(INTAKE, claim.commands[1].at, MCI_RATES),
        NO_OTHER_CLAIMS,
    )

    assert again.digest == first_branch.digest


def test_time_is_recorded_in_utc_whatever_zone_the_command_gives() -> None:
    in_utc = Claim(claim_facts(), key="CLM-Z", at=T0)
    in_almaty = Claim(claim_facts(), key="CLM-Z", at=T0.astimezone(ALMATY))

    assert in_utc.outcome.digest == in_almaty.outcome.digest
    created_at = in_almaty.task("intake_check").created_at
    assert created_at == T0 and created_at.utcoffset() == timedelta(0)
