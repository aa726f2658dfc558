"""Template claims for the bulk fill: genuine claims run through the real services and engine.

A few hundred claims are submitted and taken along the scenarios below (``submit_claim``,
``complete_task``, ``deliver_message``, then ``run_due_timers``), spread over the past year, as
officers would; benchmarks/claim_clones.py then copies them (see benchmarks/bulk_claims.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from benchmarks.claimants import make_iin, new_person

STAFF = (  # username, full name, roles
    ("bulk.intake", "Dana Intake", ["intake"]),
    ("bulk.reviewer", "Rustam Reviewer", ["reviewer"]),
    ("bulk.approver", "Arman Approver", ["approver"]),
    ("bulk.finance", "Farida Finance", ["finance"]),
    ("bulk.auditor", "Aidos Auditor", ["auditor"]),
)

# --- scenarios: where a template claim goes, through the real services ---------------------------

DONE = ("complete", "bulk.intake", {"documents_complete": True})
MISSING = (
    "complete",
    "bulk.intake",
    {"documents_complete": False, "missing_documents": ["forensic_medical_report"]},
)
DOCUMENTS = ("message", "bulk.intake", "documents_submitted", {"documents": ["forensic_medical_report"]})
REVIEW = ("complete", "bulk.reviewer", {"recommendation": "approve"})
TORTURE_REVIEW = ("complete", "bulk.reviewer", {"recommendation": "approve", "prosecutor_office": "Almaty"})
REJECT_REVIEW = ("complete", "bulk.reviewer", {"recommendation": "reject", "reasons": ["crime_not_covered"]})
APPROVE = ("complete", "bulk.approver", {"decision": "approve"})
RETURN = ("complete", "bulk.approver", {"decision": "return", "comment": "Check the date of recognition."})
REJECT = ("complete", "bulk.approver", {"decision": "reject", "reasons": ["crime_not_covered"]})
PAID = ("message", "bulk.finance", "payment_confirmed", {"batch": "PB-BULK-1"})
FAILED = ("message", "bulk.finance", "payment_failed", {"reason": "account closed"})
BANK = ("complete", "bulk.intake", {"iban": "KZ86 125K ZT50 0410 0100"})
RECONSIDER = ("message", "bulk.intake", "reconsideration_requested", {"grounds": "new medical report"})

# Crimes as the law names them: part as text, paragraph and "committed by a criminal group" where Art. 6 asks.
TORTURE = {"article": "146", "part": "3", "harm": "none"}
OTHER = {"article": "128", "part": "1", "harm": "none"}
GRAVE = {"article": "106", "part": "1", "by_criminal_group": True, "harm": "grave_harm"}
NOT_COVERED = {"article": "190", "part": "1", "harm": "none"}
DEATH = {"article": "111", "part": "2", "harm": "death", "role": "successor"}
MINOR = {"article": "120", "part": "3-1", "paragraph": 1, "harm": "none", "role": "representative"}


FINISHED = ("paid", "rejected")


@dataclass(frozen=True)
class Scenario:
    """A claim's life: the crime, who claims, and the steps the officers take (a day or two apart)."""

    expected: str  # the status it usually ends in (timers may move it on, as in real life)
    crime: dict[str, Any]
    steps: tuple[tuple, ...]
    weight: int = 1


SCENARIOS = (
    Scenario("submitted", TORTURE, (), 2),
    Scenario("submitted", MINOR, ()),
    Scenario("documents_requested", GRAVE, (MISSING,), 2),
    Scenario("under_review", OTHER, (MISSING, DOCUMENTS, DONE)),
    Scenario("under_review", TORTURE, (DONE,), 2),
    Scenario("awaiting_approval", MINOR, (DONE, REVIEW)),
    Scenario("awaiting_approval", TORTURE, (DONE, TORTURE_REVIEW), 2),
    Scenario("approved", TORTURE, (DONE, TORTURE_REVIEW, APPROVE), 3),
    Scenario("approved", GRAVE, (DONE, REVIEW, APPROVE), 2),
    Scenario("approved", DEATH, (DONE, REVIEW, APPROVE)),
    Scenario("paid", DEATH, (DONE, REVIEW, APPROVE, PAID), 2),
    Scenario("paid", TORTURE, (DONE, TORTURE_REVIEW, APPROVE, PAID), 4),
    Scenario("paid", OTHER, (MISSING, DOCUMENTS, DONE, REVIEW, RETURN, REVIEW, APPROVE, PAID)),
    Scenario("paid", OTHER, (DONE, REVIEW, APPROVE, FAILED, BANK, PAID)),
    Scenario("payment_failed", GRAVE, (DONE, REVIEW, APPROVE, FAILED)),
    Scenario("rejected", NOT_COVERED, (DONE, REJECT_REVIEW, REJECT), 3),
    Scenario("reconsideration", NOT_COVERED, (DONE, REJECT_REVIEW, REJECT, RECONSIDER)),
    Scenario("under_review", OTHER, (DONE, REVIEW, RETURN)),
)


def _weighted(scenarios: tuple[Scenario, ...]) -> list[Scenario]:
    return [scenario for scenario in scenarios for _ in range(scenario.weight)]


# --- a template's submission ----------------------------------------------------------------------


def _body(number: int, scenario: Scenario, submitted: datetime) -> dict[str, Any]:
    language = ("kk", "ru", "en")[number % 3]
    birth = date(1965 + number % 35, 1 + number % 12, 1 + number % 28)
    person = new_person(number, language, birth)
    role = scenario.crime.get("role", "victim")
    recognized = submitted.date() - timedelta(days=20 + number * 7 % 600)
    body: dict[str, Any] = {
        "claimant": {**person, "birth_date": birth.isoformat(), "phone": f"+7 701 {person['phone'][5:]}"},
        "role": role,
        "crime": {
            "erdr_number": f"2617500{number % 10**8:08d}",
            "article": scenario.crime["article"],
            "part": scenario.crime["part"],
            "paragraph": scenario.crime.get("paragraph"),
            "by_criminal_group": scenario.crime.get("by_criminal_group"),
            "committed_on": (recognized - timedelta(days=30)).isoformat(),
            "recognized_on": recognized.isoformat(),
            "harm": scenario.crime["harm"],
            "deadline_restored_by_court": False,
        },
        "consent": True,
    }
    if role != "victim":
        victim_birth = date(2010, 3, 4) if role == "representative" else date(1970, 5, 6)
        body["victim"] = {
            "full_name": f"Victim of claim {number}",
            "iin": make_iin(victim_birth, 5000 + number),
            "birth_date": victim_birth.isoformat(),
        }
    return body


# --- templates: real claims through the services ------------------------------------------------------


def prepare_database(now: datetime) -> None:
    """Deploy bpmn/ (if it changed) and create the staff the templates need (once)."""
    from fund.claims.process_versions import deploy_process
    from fund.common.users import create_user
    from fund.extensions import db
    from fund.models import User

    deploy_process("bulk", now - timedelta(days=400))
    for username, full_name, roles in STAFF:
        if db.session.scalar(select(User).where(User.username == username)) is None:
            create_user(username, "bulk claims password", roles, now - timedelta(days=400), full_name)


def run_templates(count: int, now: datetime, scenarios: tuple[Scenario, ...]) -> list[str]:
    """Submit ``count`` claims and take them along ``scenarios`` through the real services,
    spread over the past year; then fire whatever timers are due ``now``. Returns references."""
    from fund.claims import messages, tasks, timers
    from fund.claims import submission as claims
    from fund.extensions import db
    from fund.models import Claim, HumanTask, User

    staff = {user.username: user for user in db.session.scalars(select(User))}
    mix = _weighted(scenarios)
    references = []
    for number in range(count):
        scenario = mix[number % len(mix)]
        # Finished claims spread over the past year; claims still in progress arrived lately.
        days_ago = 360 - 330 * number / max(count, 1) if scenario.expected in FINISHED else 3 + number % 20
        at = now - timedelta(days=days_ago, hours=number % 8)
        reference = claims.submit_claim(_body(number, scenario, at), at).reference
        for step in scenario.steps:
            at += timedelta(days=1 + number % 2, hours=1)
            if step[0] == "message":
                _, username, name, payload = step
                messages.deliver_message(staff[username], reference, name, dict(payload), at)
            else:
                _, username, data = step
                task_id = db.session.scalar(
                    select(HumanTask.id)
                    .join(Claim, Claim.id == HumanTask.claim_id)
                    .where(Claim.reference == reference, HumanTask.state == "open")
                )
                tasks.complete_task(staff[username], task_id, json.loads(json.dumps(data)), at)
        references.append(reference)
    timers.run_due_timers(now)
    return references
