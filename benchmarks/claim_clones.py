"""Clones of a template claim: its rows rewritten for a new reference and claimant, every hash recomputed.

A template's texts (events' input, result and state, the snapshot, the process data) are cut at
every occurrence of its reference and task ids; a clone fills them in again with its own, then
computes each intermediate state's digest, the event hash chain from the genesis hash, the
snapshot's digest and each letter's sha256. What clones share with their template is listed in
benchmarks/bulk_claims.py.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import select

from benchmarks.claimants import make_iin, new_person


def task_id(instance_key: str, number: int) -> str:
    """The id the engine gives the ``number``-th task of an instance (as ``workflows.clock`` does)."""
    digest = hashlib.sha256(f"{instance_key}:{number}".encode()).digest()
    return str(UUID(bytes=digest[:16], version=4))


@dataclass
class _Text:
    """A text cut at every occurrence of the template's reference and task ids, to fill in again."""

    literals: list[str]
    tokens: list[str]

    def render(self, mapping: dict[str, str]) -> str:
        parts = [self.literals[0]]
        for token, literal in zip(self.tokens, self.literals[1:], strict=True):
            parts += (mapping[token], literal)
        return "".join(parts)


@dataclass
class Template:
    """A verified template claim: its rows, with every text that names its reference or task ids cut."""

    reference: str
    task_count: int
    claim: dict[str, Any]
    claimant: dict[str, Any]
    instance: dict[str, Any]
    snapshot: _Text
    process_data: _Text
    events: list[dict[str, Any]]  # each with _Text "input", "result", "state"
    tasks: list[dict[str, Any]]
    timers: list[dict[str, Any]]
    letters: list[dict[str, Any]]

    def mapping(self, reference: str) -> dict[str, str]:
        """What each cut token becomes in the clone called ``reference``."""
        mapping = {task_id(self.reference, n): task_id(reference, n) for n in range(self.task_count)}
        mapping[self.reference] = reference
        return mapping


def _rows(table, where) -> list[dict[str, Any]]:
    from fund.extensions import db

    return [dict(row) for row in db.session.execute(select(table).where(where)).mappings()]


def load_template(reference: str) -> Template:
    """Read a claim's rows, replay it once for its intermediate states, and cut its texts.

    Raises RuntimeError when the claim does not verify: only sound histories are cloned.
    """
    from fund.audit.checks import audit_claim
    from fund.claims.history import claim_events, replay_command
    from fund.claims.process_versions import process_for_version
    from fund.common.system import system_user
    from fund.extensions import db
    from fund.models import Claim, Claimant, HumanTask, Letter, Timer, WorkflowEvent, WorkflowInstance

    claim = db.session.scalar(select(Claim).where(Claim.reference == reference))
    _, _, findings = audit_claim(system_user(), claim)
    if findings:
        raise RuntimeError(f"template {reference} does not verify: {findings[0]}")
    instance = _rows(WorkflowInstance.__table__, WorkflowInstance.claim_id == claim.id)[0]
    task_count = json.loads(instance["snapshot"])["engine"]["next_task_number"]
    tokens = [re.escape(reference) + r"(?!\d)"] + [
        re.escape(task_id(reference, n)) for n in range(task_count)
    ]
    pattern = re.compile(f"({'|'.join(tokens)})")

    def cut(value: str) -> _Text:
        parts = pattern.split(value)
        return _Text(parts[0::2], parts[1::2])

    process = process_for_version(instance["process_version"])
    events, outcome = [], None
    rows = {
        row["sequence"]: row for row in _rows(WorkflowEvent.__table__, WorkflowEvent.claim_id == claim.id)
    }
    for event in claim_events(claim):
        outcome = replay_command(process, event, outcome, reference)
        state = outcome.state
        row = rows[event.sequence]
        events.append(
            {
                **row,
                "input": cut(json.dumps(row["input"], ensure_ascii=False)),
                "result": cut(json.dumps(row["result"], ensure_ascii=False)),
                "state": cut(state),
            }
        )
    return Template(
        reference=reference,
        task_count=task_count,
        claim=_rows(Claim.__table__, Claim.id == claim.id)[0],
        claimant=_rows(Claimant.__table__, Claimant.id == claim.claimant_id)[0],
        instance=instance,
        snapshot=cut(instance["snapshot"]),
        process_data=cut(json.dumps(instance["process_data"], ensure_ascii=False)),
        events=events,
        tasks=_rows(HumanTask.__table__, HumanTask.claim_id == claim.id),
        timers=_rows(Timer.__table__, Timer.claim_id == claim.id),
        letters=sorted(_rows(Letter.__table__, Letter.claim_id == claim.id), key=lambda row: row["id"]),
    )


@dataclass
class Ids:
    """The next free id of each table with an integer key (the generator is the only writer)."""

    next: dict[str, int]

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


def clone_rows(template: Template, number: int, ids: Ids) -> dict[str, list[dict[str, Any]]]:
    """The rows of a new claim made from ``template``: new reference, claimant, hashes; by table."""
    from fund.claims.history import GENESIS_HASH, event_hash
    from fund.claims.search_terms import phone_digits, search_names
    from fund.common.time import fund_date
    from workflows.serialization import state_digest

    claim_id = ids.take("claims")
    reference = f"{template.reference.rsplit('-', 1)[0]}-{claim_id:06d}"
    mapping = template.mapping(reference)
    claimant = {
        **new_person(number, template.claimant["language"], template.claimant["birth_date"]),
        "id": ids.take("claimants"),
    }
    claim = dict(template.claim, id=claim_id, reference=reference, claimant_id=claimant["id"])
    claim["erdr_number"] = f"2617500{number % 10**8:08d}"
    if claim["claimant_role"] == "victim":
        claim.update(victim_full_name=claimant["full_name"], victim_iin=claimant["iin"])
    else:
        claim.update(
            victim_full_name=f"Victim of claim {reference}",
            victim_iin=make_iin(claim["victim_birth_date"], 5000 + number),
        )
    # The officers' search columns, as fund/claims/submission.py writes them.
    claimant["phone_digits"] = phone_digits(claimant["phone"])
    claim["search_names"] = search_names(claimant["full_name"], claim["victim_full_name"])
    letters, letter_ids = [], {}
    for row in template.letters:
        letter_ids[row["id"]] = ids.take("letters")
        letter = dict(row, id=letter_ids[row["id"]], claim_id=claim_id)
        letter["reissue_of_id"] = letter_ids.get(row["reissue_of_id"]) if row["reissue_of_id"] else None
        if row["number"]:
            letter["number"] = f"VCF-L-{fund_date(row['issued_at']).year}-{letter['id']:07d}"
        if row["pdf"] is not None:
            letter["sha256"] = hashlib.sha256(row["pdf"]).hexdigest()
        letters.append(letter)
    clone_of_letter = {row["id"]: letter for row, letter in zip(template.letters, letters, strict=True)}
    events, previous = [], GENESIS_HASH
    for row in template.events:
        event_input = json.loads(row["input"].render(mapping))
        if row["type"] == "letter_issued":  # the clone's own letter: its id, number and sha256
            issued = clone_of_letter[event_input["letter"]["id"]]
            event_input["letter"].update(id=issued["id"], number=issued["number"], sha256=issued["sha256"])
        digest = state_digest(row["state"].render(mapping))
        occurred_at = row["occurred_at"]
        hash_ = event_hash(
            previous,
            reference,
            row["sequence"],
            row["type"],
            row["actor"],
            occurred_at.isoformat(),
            event_input,
            digest,
        )
        events.append(
            dict(
                row,
                id=ids.take("workflow_events"),
                claim_id=claim_id,
                input=event_input,
                result=json.loads(row["result"].render(mapping)),
                state_digest=digest,
                previous_hash=previous,
                hash=hash_,
            )
        )
        previous = hash_
    snapshot = template.snapshot.render(mapping)
    instance = dict(
        template.instance,
        id=ids.take("workflow_instances"),
        claim_id=claim_id,
        snapshot=snapshot,
        state_digest=state_digest(snapshot),
        process_data=json.loads(template.process_data.render(mapping)),
        last_event_hash=previous,
    )
    return {
        "claimants": [claimant],
        "claims": [claim],
        "workflow_instances": [instance],
        "workflow_events": events,
        "human_tasks": [dict(row, id=mapping[row["id"]], claim_id=claim_id) for row in template.tasks],
        "timers": [dict(row, id=mapping[row["id"]], claim_id=claim_id) for row in template.timers],
        "letters": letters,
    }
