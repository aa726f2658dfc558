"""Tamper evidence: every way of changing the record after the fact is detected and named.

Each test works two claims, seals, tampers with one claim's rows directly in the database (as an
intruder with SQL access would, bypassing the application) and checks that verification names
that claim and says what is wrong, and says nothing about the other claim.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select, update

from fund.audit.export import export_claim
from fund.audit.findings import AuditReport
from fund.audit.runs import claims_to_verify, verify_claims
from fund.audit.seals import seal_history, verify_seals
from fund.claims.history import event_hash
from fund.common.errors import Forbidden
from fund.common.system import system_user
from fund.extensions import db
from fund.models import (
    Claim,
    Letter,
    ProcessFile,
    Seal,
    WorkflowEvent,
    WorkflowInstance,
)


@pytest.fixture
def two_claims(submit, officers) -> tuple[str, str]:
    """Two claims with two events each and an issued acknowledgement letter, then a seal."""
    references = []
    for _ in range(2):
        reference = submit()["reference"]
        officers.check_documents(reference)
        references.append(reference)
    seal_history(datetime.now(UTC), system_user())
    return references[0], references[1]


def findings() -> list[str]:
    """Every finding of a full verification, as ``subject: what`` lines."""
    db.session.expire_all()
    actor = system_user()
    report = AuditReport("now")
    report.seals_checked, report.findings = verify_seals(actor)
    verify_claims(actor, claims_to_verify(actor), report)  # what `fund audit verify` runs
    return [str(finding) for finding in report.findings]


def claim_id(reference: str) -> int:
    return db.session.scalar(select(Claim.id).where(Claim.reference == reference))


def tamper(statement) -> None:
    db.session.execute(statement)
    db.session.commit()


def flip_last_character(text: str) -> str:
    return text[:-1] + ("x" if text[-1] != "x" else "y")


def only_about(found: list[str], reference: str) -> list[str]:
    assert found, "the tampering was not detected"
    assert all(line.startswith(f"{reference}:") for line in found), found
    return found


def test_untouched_histories_have_no_findings(two_claims):
    assert findings() == []


def test_one_byte_of_an_event_is_detected(two_claims):
    victim, _ = two_claims
    events = WorkflowEvent.__table__
    actor = db.session.scalar(
        select(events.c.actor).where(events.c.claim_id == claim_id(victim), events.c.sequence == 2)
    )
    tamper(
        update(events)
        .where(events.c.claim_id == claim_id(victim), events.c.sequence == 2)
        .values(actor=flip_last_character(actor))
    )
    found = only_about(findings(), victim)
    assert any("event 2: its content does not match its hash" in line for line in found), found


def test_one_byte_of_the_snapshot_is_detected(two_claims):
    victim, _ = two_claims
    instances = WorkflowInstance.__table__
    snapshot = db.session.scalar(select(instances.c.snapshot).where(instances.c.claim_id == claim_id(victim)))
    tamper(
        update(instances)
        .where(instances.c.claim_id == claim_id(victim))
        .values(snapshot=snapshot.replace('"', "'", 1))
    )
    found = only_about(findings(), victim)
    assert any("stored snapshot does not match its state digest" in line for line in found), found


def test_one_byte_of_a_letter_is_detected(two_claims):
    victim, _ = two_claims
    letters = Letter.__table__
    number, pdf = db.session.execute(
        select(letters.c.number, letters.c.pdf).where(letters.c.claim_id == claim_id(victim))
    ).one()
    tamper(update(letters).where(letters.c.number == number).values(pdf=pdf[:-1] + bytes([pdf[-1] ^ 1])))
    found = only_about(findings(), victim)
    assert any(f"letter {number}: its stored PDF does not match its sha256" in line for line in found), found


def test_a_letter_replaced_with_its_sha256_is_detected_by_the_seal(two_claims):
    victim, _ = two_claims
    letters = Letter.__table__
    number = db.session.scalar(select(letters.c.number).where(letters.c.claim_id == claim_id(victim)))
    forged = b"%PDF-1.4 forged"
    tamper(
        update(letters)
        .where(letters.c.number == number)
        .values(pdf=forged, sha256=hashlib.sha256(forged).hexdigest())
    )
    found = only_about(findings(), victim)
    assert any(f"its letters differ from seal #1: {number}" in line for line in found), found


def test_a_letter_no_event_made_due_is_detected(two_claims):
    victim, _ = two_claims
    db.session.add(
        Letter(claim_id=claim_id(victim), kind="approval", status="due", details={}, due_at=datetime.now(UTC))
    )
    db.session.commit()
    found = only_about(findings(), victim)
    assert any("has 1 approval letter(s) but its events made only 0 due" in line for line in found), found


def test_the_order_of_events_is_detected(two_claims):
    victim, _ = two_claims
    events = WorkflowEvent.__table__
    mine = events.c.claim_id == claim_id(victim)
    tamper(update(events).where(mine, events.c.sequence == 1).values(sequence=-1))
    tamper(update(events).where(mine, events.c.sequence == 2).values(sequence=1))
    tamper(update(events).where(mine, events.c.sequence == -1).values(sequence=2))
    found = only_about(findings(), victim)
    assert any("event 1: does not link to the event before it" in line for line in found), found


def test_a_deleted_event_is_detected(two_claims):
    victim, _ = two_claims
    events = WorkflowEvent.__table__
    tamper(delete(events).where(events.c.claim_id == claim_id(victim), events.c.sequence == 1))
    found = only_about(findings(), victim)
    assert any("event 1 is missing (found 2)" in line for line in found), found


def test_a_deleted_claim_is_detected_by_the_seal(two_claims):
    victim, _ = two_claims
    victim_id = claim_id(victim)
    for table in reversed(db.metadata.sorted_tables):  # every row that points to the claim
        if "claim_id" in table.c and table.name != "claims":
            db.session.execute(delete(table).where(table.c.claim_id == victim_id))
    tamper(delete(Claim.__table__).where(Claim.__table__.c.id == victim_id))
    found = only_about(findings(), victim)
    assert any("was sealed by seal #1 but its history is gone" in line for line in found), found


def test_a_rewritten_and_rehashed_history_is_detected_by_the_seal(two_claims):
    """An intruder who recomputes the chain fools the claim's own chain, not the seal."""
    victim, _ = two_claims
    event = db.session.scalar(  # the claim's last event: rewriting it leaves no later link broken
        select(WorkflowEvent)
        .where(WorkflowEvent.claim_id == claim_id(victim))
        .order_by(WorkflowEvent.sequence.desc())
        .limit(1)
    )
    actor = flip_last_character(event.actor)
    new_hash = event_hash(
        event.previous_hash,
        victim,
        event.sequence,
        event.type,
        actor,
        event.occurred_at.isoformat(),
        event.input,
        event.state_digest,
    )
    events, instances = WorkflowEvent.__table__, WorkflowInstance.__table__
    db.session.execute(update(events).where(events.c.id == event.id).values(actor=actor, hash=new_hash))
    tamper(update(instances).where(instances.c.claim_id == claim_id(victim)).values(last_event_hash=new_hash))
    found = only_about(findings(), victim)
    assert any("its history up to seal #1 was rewritten" in line for line in found), found


def test_a_changed_process_file_is_detected_for_every_claim_on_it(two_claims):
    first, second = two_claims
    files = ProcessFile.__table__
    path, content = db.session.execute(select(files.c.path, files.c.content).limit(1)).one()
    tamper(update(files).where(files.c.path == path).values(content=content + b" "))
    found = findings()
    for reference in (first, second):
        assert f"{reference}: the stored files of its process version" in "\n".join(found), found


def test_a_changed_seal_is_detected(two_claims):
    seals = Seal.__table__
    tamper(update(seals).values(claim_count=seals.c.claim_count + 1))
    assert "seal #1: its recorded claim heads do not match its digest" in findings()


def test_claims_created_after_the_latest_seal_are_not_findings(two_claims, submit):
    submit()
    assert findings() == []


def test_auditors_verify_and_export_but_never_seal(two_claims, staff):
    auditor = staff.user("aida", "auditor")
    with pytest.raises(Forbidden):
        seal_history(datetime.now(UTC), auditor)
    assert verify_seals(auditor) == (1, [])
    assert export_claim(auditor, two_claims[0], datetime.now(UTC))[:2] == b"PK"
    intake = staff.user("ivan", "intake")
    with pytest.raises(Forbidden):
        verify_seals(intake)
    assert db.session.scalar(select(Seal.sequence).order_by(Seal.sequence.desc()).limit(1)) == 1
