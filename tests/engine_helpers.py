"""Builders for the engine specifications: claim facts, officers' forms, and a claim driver.

The driver applies engine commands through the public API only (start, complete_task,
deliver_message, fire_due_timers), keeps the claim's clock, collects the letters the process
asks for, and records every command so that a claim can be replayed from its start.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from workflows import engine
from workflows.engine import CommandContext, OutboundMessage, Outcome, ReadyTask
from workflows.specs import ProcessFiles, ProcessSpec, load_process, read_process_files
from workflows.warm import WarmWorkflows

# The fund found no other claim of the same victim and criminal case (the tasks observing it).
NO_OTHER_CLAIMS = {"prior_claims": "none"}

BPMN_DIR = Path(__file__).resolve().parents[1] / "bpmn"

# MCI in tenge by the date it takes effect (DOMAIN.md: 2025: 3,932 · 2026: 4,325).
MCI_RATES: tuple[tuple[date, int], ...] = ((date(2025, 1, 1), 3932), (date(2026, 1, 1), 4325))

# A Monday morning in Almaty (14:00 local): the claim arrives.
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# The officers of the fund in these specifications.
INTAKE = "ivan.intake"
REVIEWER = "rita.reviewer"
SECOND_REVIEWER = "rosa.reviewer"
APPROVER = "alma.approver"
PORTAL = "portal"
TREASURY = "treasury"
WORKER = "worker"

REVIEW_TASKS = ("review_torture", "review_trafficking", "review_other")


@functools.cache
def shipped_files() -> ProcessFiles:
    return read_process_files(BPMN_DIR)


@functools.cache
def shipped_process() -> ProcessSpec:
    """The process as shipped in bpmn/ (validated once by tests/test_process_validation.py)."""
    return load_process(shipped_files(), validate=False)


# --- claim facts -----------------------------------------------------------------------------

_FACTS_BY_CATEGORY: dict[str, dict[str, Any]] = {
    # Art. 146 part 3 (torture): 40 MCI, flagged amount_to_verify (the sources conflict: 30 or 40).
    "torture": {"article": "146", "article_part": "3", "harm": "none"},
    # Art. 128 part 1 (trafficking in persons): 30 MCI.
    "trafficking": {"article": "128", "article_part": "1", "harm": "none"},
    # Art. 120, paragraph 1) of part 3-1, against a girl of 13: 30 MCI.
    "sexual_violence_minor": {
        "article": "120",
        "article_part": "3-1",
        "article_paragraph": 1,
        "harm": "none",
        "victim_birth_date": date(2012, 2, 1),
        "claimant_role": "representative",
    },
    # Art. 118 part 2 with grave harm to health: 40 MCI.
    "grave_harm": {"article": "118", "article_part": "2", "harm": "grave_harm"},
    # Art. 99 (murder), claimed by the successor: 50 MCI.
    "death": {"article": "99", "article_part": "1", "harm": "death", "claimant_role": "successor"},
    # Filed more than three years after recognition, no court decision: refused by the rules.
    "ineligible": {"article": "146", "article_part": "3", "harm": "none", "recognized_on": date(2021, 6, 1)},
}
CATEGORIES = tuple(_FACTS_BY_CATEGORY)


def claim_facts(category: str = "torture", **overrides: Any) -> dict[str, Any]:
    """The facts a claimant submits, for a claim the rules put in ``category``."""
    facts: dict[str, Any] = {
        "article": "146",
        "article_part": "3",
        "article_paragraph": None,
        "by_criminal_group": None,
        "harm": "none",
        "victim_birth_date": date(1990, 1, 1),
        "committed_on": date(2025, 5, 1),
        "recognized_on": date(2025, 6, 1),
        "submitted_on": date(2026, 3, 2),
        "claimant_role": "victim",
        "deadline_restored_by_court": False,
        "prior_claims": "none",  # no other claim of the same victim and case
    }
    facts.update(_FACTS_BY_CATEGORY[category])
    facts.update(overrides)
    return facts


# --- officers' forms -------------------------------------------------------------------------


def documents_complete() -> dict[str, Any]:
    return {"documents_complete": True}


def documents_missing(*documents: str) -> dict[str, Any]:
    return {"documents_complete": False, "missing_documents": list(documents or ["identity_document"])}


def review_form(
    task_name: str, recommendation: str = "approve", reasons: Iterable[str] = ()
) -> dict[str, Any]:
    form: dict[str, Any] = {"recommendation": recommendation}
    if recommendation == "reject":
        form["reasons"] = list(reasons or ["documents_inconsistent"])
    if task_name == "review_torture":
        form["prosecutor_office"] = "Prosecutor's office of Almaty"
    return form


def approve() -> dict[str, Any]:
    return {"decision": "approve"}


def reject(*reasons: str) -> dict[str, Any]:
    return {"decision": "reject", "reasons": list(reasons or ["documents_inconsistent"])}


def return_to_review(comment: str = "Check the forensic report again") -> dict[str, Any]:
    return {"decision": "return", "comment": comment}


def bank_details(iban: str = "KZ86125KZT5004100100") -> dict[str, Any]:
    return {"iban": iban}


# --- the claim driver ------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """One command as the fund records it: enough to replay it."""

    kind: str  # "start", "complete", "deliver", "fire"
    actor: str
    at: datetime
    name: str = ""  # task id (complete) or message name (deliver)
    data: dict[str, Any] = field(default_factory=dict)
    # What the fund's records said when a task was completed (the tasks' ``observes``).
    observed: dict[str, Any] = field(default_factory=lambda: dict(NO_OTHER_CLAIMS))


def apply(
    process: ProcessSpec,
    key: str,
    state: str | None,
    command: Command,
    rates: tuple[tuple[date, int], ...] = MCI_RATES,
    warm: WarmWorkflows | None = None,
) -> Outcome:
    """Apply one recorded command to ``state`` (None before the start); ``warm``: the shelf of
    live workflows to take it from and leave it on (none: restored from ``state`` every time)."""
    ctx = CommandContext(command.actor, command.at, rates, warm=warm)
    if command.kind == "start":
        return engine.start(process, key, command.data, ctx)
    assert state is not None
    if command.kind == "complete":
        return engine.complete_task(process, state, command.name, command.data, ctx, command.observed)
    if command.kind == "deliver":
        return engine.deliver_message(process, state, command.name, command.data, ctx)
    if command.kind == "fire":
        return engine.fire_due_timers(process, state, ctx)
    raise ValueError(command.kind)


def replay(
    commands: Iterable[Command],
    key: str,
    process: ProcessSpec | None = None,
    rates: tuple[tuple[date, int], ...] = MCI_RATES,
) -> list[Outcome]:
    """Apply ``commands`` from the start; the outcome of each, in order."""
    process = process or shipped_process()
    outcomes: list[Outcome] = []
    state = None
    for command in commands:
        outcome = apply(process, key, state, command, rates)
        outcomes.append(outcome)
        state = outcome.state
    return outcomes


class Claim:
    """A claim moving through the process on its own clock (``now``), one command at a time."""

    def __init__(
        self,
        facts: dict[str, Any] | None = None,
        *,
        key: str = "CLM-2026-000001",
        at: datetime = T0,
        rates: tuple[tuple[date, int], ...] = MCI_RATES,
        process: ProcessSpec | None = None,
        warm: WarmWorkflows | None = None,
    ) -> None:
        self.process = process or shipped_process()
        self.warm = warm
        self.key = key
        self.rates = rates
        self.now = at
        self.commands: list[Command] = []
        self.outcomes: list[Outcome] = []
        self.letters: list[OutboundMessage] = []
        self._apply(Command("start", PORTAL, at, data=facts if facts is not None else claim_facts()))

    # -- what the claim looks like now --

    @property
    def outcome(self) -> Outcome:
        return self.outcomes[-1]

    @property
    def state(self) -> str:
        return self.outcome.state

    @property
    def status(self) -> str | None:
        return self.outcome.status

    @property
    def completed(self) -> bool:
        return self.outcome.completed

    @property
    def data(self) -> dict[str, Any]:
        return self.outcome.data

    @property
    def ready(self) -> list[str]:
        return [task.name for task in self.outcome.ready_tasks]

    def task(self, name: str) -> ReadyTask:
        matches = [task for task in self.outcome.ready_tasks if task.name == name]
        assert len(matches) == 1, f"expected one ready '{name}', the claim has {self.ready} ({self.status})"
        return matches[0]

    def letters_named(self, name: str) -> list[dict[str, Any]]:
        return [letter.payload for letter in self.letters if letter.name == name]

    def timer(self, name: str):
        matches = [timer for timer in self.outcome.timers if timer.name == name]
        assert len(matches) == 1, f"expected one timer '{name}', the claim has {self.outcome.timers}"
        return matches[0]

    # -- the clock --

    def later(self, **delta: float) -> Claim:
        """Let time pass (``days=``, ``hours=``, ``seconds=``)."""
        self.now += timedelta(**delta)
        return self

    # -- commands --

    def complete(self, name: str, form: dict[str, Any], actor: str, *, at: datetime | None = None) -> Claim:
        task = self.task(name)
        return self._apply(Command("complete", actor, at or self.now, task.id, form))

    def deliver(
        self,
        message: str,
        payload: dict[str, Any] | None = None,
        *,
        actor: str = PORTAL,
        at: datetime | None = None,
    ) -> Claim:
        return self._apply(Command("deliver", actor, at or self.now, message, dict(payload or {})))

    def fire_timers(self, *, at: datetime | None = None) -> Claim:
        return self._apply(Command("fire", WORKER, at or self.now))

    def _apply(self, command: Command) -> Claim:
        outcome = apply(
            self.process,
            self.key,
            self.outcomes[-1].state if self.outcomes else None,
            command,
            self.rates,
            self.warm,
        )
        if command.at > self.now:
            self.now = command.at
        self.commands.append(command)
        self.outcomes.append(outcome)
        self.letters += outcome.outbound
        return self

    # -- steps of the story, named as the fund names them --

    def intake(self, form: dict[str, Any] | None = None, actor: str = INTAKE) -> Claim:
        return self.complete("intake_check", form or documents_complete(), actor)

    def review(self, recommendation: str = "approve", actor: str = REVIEWER) -> Claim:
        (name,) = [name for name in self.ready if name in REVIEW_TASKS]
        return self.complete(name, review_form(name, recommendation), actor)

    def decide(self, form: dict[str, Any], actor: str = APPROVER) -> Claim:
        (name,) = [name for name in self.ready if name in ("approval", "final_decision")]
        return self.complete(name, form, actor)

    def request_documents(self, *documents: str) -> Claim:
        return self.intake(documents_missing(*documents))

    def submit_documents(self, *documents: str) -> Claim:
        return self.deliver("documents_submitted", {"documents": list(documents or ["identity_document"])})

    def payment_confirmed(self) -> Claim:
        return self.deliver("payment_confirmed", {"batch": "PB-2026-001"}, actor=TREASURY)

    def payment_failed(self) -> Claim:
        return self.deliver(
            "payment_failed", {"batch": "PB-2026-001", "reason": "account closed"}, actor=TREASURY
        )

    def request_reconsideration(self) -> Claim:
        return self.deliver("reconsideration_requested", {"text": "The forensic report was attached."})


def drive_to_approval(claim: Claim, *, reviewer: str = REVIEWER) -> Claim:
    """Documents complete and the review recommends approval: the claim awaits the approver."""
    claim.intake().later(days=1).review("approve", actor=reviewer).later(days=1)
    assert claim.ready == ["approval"], (claim.ready, claim.status)
    return claim


def drive_to_payment(claim: Claim) -> Claim:
    """Approved: the claim waits for the Treasury."""
    drive_to_approval(claim).decide(approve())
    assert claim.status == "approved"
    return claim


def drive_to_rejection(claim: Claim) -> Claim:
    """Rejected by the approver: the claimant may ask for reconsideration for 30 days."""
    claim.intake().later(days=1).review("reject").later(days=1).decide(reject())
    assert claim.status == "rejected" and not claim.completed
    return claim


def drive_longest_claim(key: str = "CLM-2026-000999", warm: WarmWorkflows | None = None) -> Claim:
    """The longest history the process allows, ending paid.

    Five document requests and a sixth incomplete check (review anyway), three review rounds each
    returned by the approver, a final rejection, reconsideration, a return that can only lead to
    the final decision, approval, four failed payments and then payment.
    """
    claim = Claim(claim_facts("torture"), key=key, warm=warm)
    for _ in range(5):
        claim.request_documents("forensic_medical_report").later(days=10)
        claim.submit_documents("forensic_medical_report").later(days=1)
    claim.request_documents("forensic_medical_report").later(days=1)
    for _ in range(3):
        claim.review("approve").later(days=1).decide(return_to_review()).later(days=1)
    claim.decide(reject()).later(days=5)
    claim.request_reconsideration().later(days=1)
    claim.complete("reconsideration_review", review_form("reconsideration_review"), SECOND_REVIEWER)
    claim.later(days=1).decide(return_to_review()).later(days=1)
    claim.decide(approve())
    for _ in range(4):
        claim.later(days=5).payment_failed().later(days=1)
        claim.complete("correct_bank_details", bank_details(), INTAKE)
    claim.later(days=5).payment_confirmed()
    return claim
