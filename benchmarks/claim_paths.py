"""Claim paths: the steps that take a claim along bpmn/compensation_claim.bpmn, for the engine benchmark.

A *step* is one command from outside that moves a claim on: a user task completed or a message
delivered. Two paths end with the claim paid: the straight one (four steps) and the longest the
process allows (31 steps). Here too: who takes each step, the claim's submission, and the facts the
services derive from it. The drivers that move claims along the paths are in claim_drivers.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 14:00 in Almaty: every claim arrives then
MCI_RATES: tuple[tuple[date, int], ...] = ((date(2025, 1, 1), 3932), (date(2026, 1, 1), 4325))
USERS = {  # who acts in the paths -> (username, fund roles); four eyes needs a second reviewer
    "intake": ("ivan.intake", ["intake"]),
    "reviewer": ("rita.reviewer", ["reviewer"]),
    "second_reviewer": ("rosa.reviewer", ["reviewer"]),
    "approver": ("alma.approver", ["approver"]),
    "finance": ("farida.finance", ["finance"]),
}

# --- the claim paths -------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One step of a path: complete the ready task among ``names``, or deliver message ``names[0]``."""

    kind: str  # "complete" or "deliver"
    names: tuple[str, ...]
    data: dict[str, Any]
    actor: str  # a key of USERS
    after_days: float = 0  # time that passes before the step


def _complete(
    names: str | tuple[str, ...], data: dict[str, Any], actor: str, after_days: float = 1
) -> Action:
    return Action("complete", (names,) if isinstance(names, str) else names, data, actor, after_days)


def _deliver(name: str, data: dict[str, Any], actor: str, after_days: float) -> Action:
    return Action("deliver", (name,), data, actor, after_days)


DECISIONS = ("approval", "final_decision")
MISSING = {"documents_complete": False, "missing_documents": ["forensic_medical_report"]}
DOCUMENTS = {"documents": ["forensic_medical_report"]}
REVIEW = {"recommendation": "approve", "prosecutor_office": "Prosecutor's office of Almaty"}
RETURN = {"decision": "return", "comment": "Check the forensic report again"}
PAYMENT = {"batch": "PB-2026-001"}

# Submitted, documents complete, reviewed, approved, paid: four steps.
STRAIGHT_PATH = (
    _complete("intake_check", {"documents_complete": True}, "intake", 0),
    _complete("review_torture", REVIEW, "reviewer"),
    _complete(DECISIONS, {"decision": "approve"}, "approver"),
    _deliver("payment_confirmed", PAYMENT, "finance", 7),
)

# The longest history the process allows (tests/engine_helpers.drive_longest_claim): five document
# requests and a sixth incomplete check, three reviews returned by the approver, a rejection,
# reconsideration, a return to the final decision, approval, four failed payments each followed by
# corrected bank details, and payment: 31 steps.
LONGEST_PATH = (
    _complete("intake_check", MISSING, "intake", 0),
    _deliver("documents_submitted", DOCUMENTS, "intake", 10),
    *[
        step
        for _ in range(4)
        for step in (
            _complete("intake_check", MISSING, "intake"),
            _deliver("documents_submitted", DOCUMENTS, "intake", 10),
        )
    ],
    _complete("intake_check", MISSING, "intake"),
    *[
        step
        for _ in range(3)
        for step in (
            _complete("review_torture", REVIEW, "reviewer"),
            _complete(DECISIONS, RETURN, "approver"),
        )
    ],
    _complete(DECISIONS, {"decision": "reject", "reasons": ["documents_inconsistent"]}, "approver"),
    _deliver("reconsideration_requested", {"text": "The forensic report is attached."}, "intake", 5),
    _complete("reconsideration_review", {"recommendation": "approve"}, "second_reviewer"),
    _complete(DECISIONS, RETURN, "approver"),
    _complete(DECISIONS, {"decision": "approve"}, "approver"),
    *[
        step
        for _ in range(4)
        for step in (
            _deliver("payment_failed", {**PAYMENT, "reason": "account closed"}, "finance", 5),
            _complete("correct_bank_details", {"iban": "KZ86125KZT5004100100"}, "intake"),
        )
    ],
    _deliver("payment_confirmed", PAYMENT, "finance", 5),
)
# The steps whose cost the benchmark compares: the intake check of a fresh claim (on the straight
# path: no letter; on the longest path: documents missing, so a document request letter is issued
# in the same transaction), and the last task the longest path completes (4th bank details, no letter).
EARLY_STEP = 0
LATE_STEP = max(i for i, action in enumerate(LONGEST_PATH) if action.kind == "complete")


def claim_facts() -> dict[str, Any]:
    """The facts the services derive from :func:`claim_body`, for the drivers without a database."""
    return {
        "article": "146",
        "article_part": "3",
        "article_paragraph": None,
        "by_criminal_group": None,
        "harm": "none",
        "claimant_role": "victim",
        "victim_birth_date": date(1990, 1, 15),
        "committed_on": date(2025, 5, 1),
        "recognized_on": date(2025, 6, 1),
        "submitted_on": date(2026, 3, 2),
        "deadline_restored_by_court": False,
        "prior_claims": "none",
    }


def claim_body() -> dict[str, Any]:
    """A valid submission of a torture victim (art. 146 part 3), as tests/conftest.claim_body()."""
    return {
        "claimant": {
            "full_name": "Айгүл Сәрсенова",
            "iin": "900115400018",
            "birth_date": "1990-01-15",
            "phone": "+7 701 234 56 78",
            "email": "aigul@example.kz",
            "language": "kk",
            "iban": "KZ86125KZT5004100100",
        },
        "role": "victim",
        "crime": {
            "erdr_number": "251750010001234",
            "article": "146",
            "part": 3,
            "committed_on": "2025-05-01",
            "recognized_on": "2025-06-01",
            "harm": "none",
            "deadline_restored_by_court": False,
        },
        "consent": True,
    }
