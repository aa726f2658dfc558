"""A claim's history: the hash chain of its events, and replay of its commands."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from fund.extensions import db
from fund.models import Claim, WorkflowEvent, WorkflowInstance
from workflows import engine
from workflows.engine import CommandContext

if TYPE_CHECKING:
    from fund.claims.process_versions import ProcessVersionUnusable
    from workflows.specs import ProcessSpec

GENESIS_HASH = "0" * 64

# Event names, checked in one place (SUBJECT_PAST_TENSE_VERB).
CLAIM_SUBMITTED = "claim_submitted"
TASK_COMPLETED = "task_completed"
MESSAGE_DELIVERED = "message_delivered"
TIMERS_FIRED = "timers_fired"
LETTER_ISSUED = "letter_issued"  # not a command: a letter the commands made due, issued after them
CLAIM_WITHDRAWN = "claim_withdrawn"  # the claimant withdrew the claim: the process is cancelled
EVENT_TYPES = (
    CLAIM_SUBMITTED,
    TASK_COMPLETED,
    MESSAGE_DELIVERED,
    TIMERS_FIRED,
    LETTER_ISSUED,
    CLAIM_WITHDRAWN,
)


DATE_FACTS = ("victim_birth_date", "committed_on", "recognized_on", "submitted_on")


def facts_from_json(facts: dict[str, Any]) -> dict[str, Any]:
    """The claim's facts as the process takes them (dates as dates).

    Every other fact stays exactly as recorded, so a claim replays on its own facts: a part recorded
    as a whole number before parts were text (``3``), with no paragraph nor qualifier, stays so.
    """
    return {k: date.fromisoformat(v) if k in DATE_FACTS and v else v for k, v in facts.items()}


def facts_to_json(facts: dict[str, Any]) -> dict[str, Any]:
    """The claim's facts as recorded in its first event (dates as ISO text)."""
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in facts.items()}


def event_hash(
    previous_hash: str,
    reference: str,
    sequence: int,
    type_: str,
    actor: str,
    occurred_at: str,
    input_: dict[str, Any],
    state_digest: str,
) -> str:
    """The hash that chains an event to the one before it."""
    body = json.dumps(
        [reference, sequence, type_, actor, occurred_at, input_, state_digest],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256((previous_hash + body).encode("utf-8")).hexdigest()


def hash_of(event: WorkflowEvent, reference: str) -> str:
    """Recompute a stored event's hash from its fields."""
    return event_hash(
        event.previous_hash,
        reference,
        event.sequence,
        event.type,
        event.actor,
        event.occurred_at.isoformat(),
        event.input,
        event.state_digest,
    )


def event_result(outcome: engine.Outcome) -> dict[str, Any]:
    """What an event records of its command's outcome: the status, the steps run, the letters due."""
    return {
        "status": outcome.status,
        "steps": outcome.steps,
        "outbound": [{"name": m.name, "payload": m.payload} for m in outcome.outbound],
    }


def rates_from_json(rows: list[list] | None) -> tuple[tuple[date, int], ...]:
    return tuple((date.fromisoformat(day), int(kzt)) for day, kzt in rows or [])


def rates_to_json(rates: tuple[tuple[date, int], ...]) -> list[list]:
    return [[day.isoformat(), kzt] for day, kzt in rates]


@dataclass
class Verification:
    """What an auditor gets: whether the history holds, and the first finding if not."""

    reference: str
    ok: bool
    events: int
    findings: list[str] = field(default_factory=list)


def claim_events(claim: Claim) -> list[WorkflowEvent]:
    """The claim's events, oldest first."""
    return list(
        db.session.scalars(
            select(WorkflowEvent).where(WorkflowEvent.claim_id == claim.id).order_by(WorkflowEvent.sequence)
        )
    )


def replay_command(
    process, event: WorkflowEvent, previous: engine.Outcome | None, reference: str
) -> engine.Outcome:
    """Apply one recorded command again, with its recorded actor, time, input and reference data,
    to the outcome of the events before it (``previous``, None before the first).

    A ``letter_issued`` event is not a command: the process stays where it was (its outcome is the
    previous one, with nothing run and no status of its own, as the event records it).
    """
    if event.type == LETTER_ISSUED:
        if previous is None:
            raise ValueError("a letter cannot be issued before the claim is submitted")
        return replace(previous, status=None, steps=[], outbound=[])
    state = previous.state if previous is not None else None
    data = event.input
    ctx = CommandContext(event.actor, event.occurred_at, rates_from_json(data.get("mci_rates")))
    if event.type == CLAIM_SUBMITTED:
        return engine.start(process, reference, facts_from_json(data["facts"]), ctx)
    if event.type == TASK_COMPLETED:
        return engine.complete_task(process, state, data["task_id"], data["data"], ctx, data.get("observed"))
    if event.type == MESSAGE_DELIVERED:
        return engine.deliver_message(process, state, data["message"], data["payload"], ctx)
    if event.type == TIMERS_FIRED:
        return engine.fire_due_timers(process, state, ctx)
    if event.type == CLAIM_WITHDRAWN:
        return engine.cancel(process, state, data["claim_status"], ctx)
    raise ValueError(f"unknown event type {event.type!r}")


def verify_claim(
    claim: Claim,
    loaded: tuple[WorkflowInstance | None, list[WorkflowEvent]] | None = None,
    process: ProcessSpec | ProcessVersionUnusable | None = None,
) -> Verification:
    """Check the claim's hash chain and replay every command from the start on its stored version.

    ``loaded`` is the claim's instance and its events oldest first, when the caller has read them
    already (a whole-history verification reads them in batches); otherwise they are read here.
    ``process`` is its process version when the caller has checked it already, or why it cannot
    be run; otherwise the stored files are checked here. A version that cannot be run is a finding
    (the claim's replay cannot be run), never an error.
    """
    from fund.claims.process_versions import ProcessVersionUnusable, process_for_version

    if loaded is None:
        instance = db.session.scalar(select(WorkflowInstance).where(WorkflowInstance.claim_id == claim.id))
        events = claim_events(claim)
    else:
        instance, events = loaded
    result = Verification(claim.reference, True, len(events))
    previous = GENESIS_HASH
    for expected_sequence, event in enumerate(events, start=1):
        if event.sequence != expected_sequence:
            result.findings.append(f"event {expected_sequence} is missing (found {event.sequence})")
            break
        if event.previous_hash != previous:
            result.findings.append(f"event {event.sequence}: does not link to the event before it")
        if hash_of(event, claim.reference) != event.hash:
            result.findings.append(f"event {event.sequence}: its content does not match its hash")
        previous = event.hash
    if instance is not None and events and instance.last_event_hash != events[-1].hash:
        result.findings.append("the instance's last event hash does not match the history")
    if instance is not None and process is None:
        try:
            process = process_for_version(instance.process_version, check_files=True)
        except ProcessVersionUnusable as error:
            process = error
    if isinstance(process, ProcessVersionUnusable):
        result.findings.append(process.on_claim)
    elif instance is not None and not result.findings:
        outcome = None
        for event in events:
            # The errors the replay page reports too: a recorded input the commands cannot take.
            try:
                outcome = replay_command(process, event, outcome, claim.reference)
            except (engine.EngineError, KeyError, TypeError, ValueError) as error:
                result.findings.append(f"event {event.sequence} ({event.type}): replay failed: {error}")
                break
            if outcome.digest != event.state_digest:
                result.findings.append(
                    f"event {event.sequence} ({event.type}): replay gives state {outcome.digest[:12]}, "
                    f"history records {event.state_digest[:12]}"
                )
                break
            # The result is not in the hash (replay can recompute it), so replay is what checks it.
            if json.loads(json.dumps(event_result(outcome))) != event.result:
                result.findings.append(
                    f"event {event.sequence} ({event.type}): its recorded result (status, steps, letters) "
                    "is not what replay gives"
                )
                break
        else:
            if outcome is not None and instance.state_digest != events[-1].state_digest:
                result.findings.append("the stored snapshot is not the state the history leads to")
    result.ok = not result.findings
    return result
