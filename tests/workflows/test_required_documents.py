"""Documents a claim needs (bpmn/required_documents.dmn), for every category and claimant role, and
a forensic medical report only where the harm or the article needs one."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflows.decision_tables import evaluate_decision

REQUIRED_DOCUMENTS_DMN = Path(__file__).resolve().parents[2] / "bpmn" / "required_documents.dmn"

ALWAYS = ["identity_document", "victim_recognition_decision"]
CATEGORIES = [
    "torture",
    "trafficking",
    "sexual_violence_minor",
    "grave_harm",
    "death",
    "to_verify",
    "ineligible",
]
# A typical crime of each category: (article, part, harm).
CRIMES = {
    "torture": ("146", "3", "none"),
    "trafficking": ("128", "1", "none"),
    "sexual_violence_minor": ("120", "3-1", "none"),
    "grave_harm": ("118", "2", "grave_harm"),
    "death": ("99", "1", "death"),
    "to_verify": ("190", "1", "none"),
    "ineligible": ("128", "9", "none"),
}
ROLES = ["victim", "representative", "successor"]

BY_CATEGORY = {
    "torture": ["forensic_medical_report"],
    "trafficking": [],
    "sexual_violence_minor": [],
    "grave_harm": ["forensic_medical_report"],
    "death": ["death_certificate", "kinship_proof"],
    "to_verify": [],
    "ineligible": [],
}
BY_ROLE = {
    "victim": [],
    "representative": ["representative_authority", "victim_identity_document"],
    "successor": ["victim_identity_document"],
}


def documents(category: str, role: str, restored: bool = False, **crime: str) -> list[str]:
    article, part, harm = CRIMES[category]
    facts = {"article": article, "article_part": part, "harm": harm, **crime}
    result = evaluate_decision(
        REQUIRED_DOCUMENTS_DMN,
        "required_documents",
        {"category": category, "claimant_role": role, "deadline_restored_by_court": restored, **facts},
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
            "harm": "death",
            "article": "146",
            "article_part": "3",
        },
    )
    assert len(result["required_documents"]) == len(set(result["required_documents"])) == 6


# --- the forensic medical report: where the harm or the article needs one ---------------------


@pytest.mark.parametrize(
    ("part", "needed"),
    [("1", False), ("2", True), ("3", True)],
    ids=["part 1: degrading treatment, no signs of torture", "part 2", "part 3"],
)
def test_torture_needs_a_forensic_report_under_parts_2_and_3_only(part: str, needed: bool) -> None:
    assert ("forensic_medical_report" in documents("torture", "victim", article_part=part)) is needed


@pytest.mark.parametrize("harm", ["grave_harm", "hiv_infection"])
@pytest.mark.parametrize("category", ["grave_harm", "trafficking", "to_verify", "ineligible"])
def test_grave_harm_or_hiv_needs_a_forensic_report_whatever_the_category(category: str, harm: str) -> None:
    assert "forensic_medical_report" in documents(category, "victim", harm=harm)


def test_torture_with_grave_harm_lists_the_forensic_report_once() -> None:
    listed = documents("torture", "victim", article_part="2", harm="grave_harm")
    assert listed.count("forensic_medical_report") == 1
