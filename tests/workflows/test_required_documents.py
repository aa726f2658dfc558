"""Documents a claim needs (bpmn/required_documents.dmn), for every category and claimant role."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflows.decision_tables import evaluate_decision

REQUIRED_DOCUMENTS_DMN = Path(__file__).resolve().parents[2] / "bpmn" / "required_documents.dmn"

ALWAYS = ["identity_document", "victim_recognition_decision"]
CATEGORIES = ["torture", "trafficking", "sexual_violence_minor", "grave_harm", "death", "ineligible"]
ROLES = ["victim", "representative", "successor"]

BY_CATEGORY = {
    "torture": ["forensic_medical_report"],
    "trafficking": [],
    "sexual_violence_minor": [],
    "grave_harm": ["forensic_medical_report"],
    "death": ["death_certificate", "kinship_proof"],
    "ineligible": [],
}
BY_ROLE = {
    "victim": [],
    "representative": ["representative_authority", "victim_identity_document"],
    "successor": ["victim_identity_document"],
}


def documents(category: str, role: str, restored: bool = False) -> list[str]:
    result = evaluate_decision(
        REQUIRED_DOCUMENTS_DMN,
        "required_documents",
        {
            "category": category,
            "claimant_role": role,
            "deadline_restored_by_court": restored,
        },
    )
    return sorted(result["required_documents"])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("category", CATEGORIES)
def test_documents_for_each_category_and_role(category: str, role: str) -> None:
    assert documents(category, role) == sorted(ALWAYS + BY_CATEGORY[category] + BY_ROLE[role])


@pytest.mark.parametrize(
    ("category", "role", "expected"),
    [
        (
            "torture",
            "victim",
            ["forensic_medical_report", "identity_document", "victim_recognition_decision"],
        ),
        ("trafficking", "victim", ["identity_document", "victim_recognition_decision"]),
        (
            "sexual_violence_minor",
            "representative",
            [
                "identity_document",
                "representative_authority",
                "victim_identity_document",
                "victim_recognition_decision",
            ],
        ),
        (
            "death",
            "successor",
            [
                "death_certificate",
                "identity_document",
                "kinship_proof",
                "victim_identity_document",
                "victim_recognition_decision",
            ],
        ),
    ],
)
def test_typical_claims_list_exactly_these_documents(category: str, role: str, expected: list[str]) -> None:
    assert documents(category, role) == expected


@pytest.mark.parametrize("category", CATEGORIES)
def test_court_decision_is_required_only_when_the_deadline_was_restored(category: str) -> None:
    assert "court_deadline_restoration" in documents(category, "victim", restored=True)
    assert "court_deadline_restoration" not in documents(category, "victim", restored=False)


def test_no_document_is_listed_twice() -> None:
    result = evaluate_decision(
        REQUIRED_DOCUMENTS_DMN,
        "required_documents",
        {
            "category": "death",
            "claimant_role": "successor",
            "deadline_restored_by_court": True,
        },
    )
    assert len(result["required_documents"]) == len(set(result["required_documents"])) == 6
