"""Eligibility and amount (bpmn/eligibility.dmn), rule by rule, as a fund officer would check it.

Each case is a claim the officer could receive; the expectation is what the law (Law No. 131-VI,
Art. 6 and 7, see /work/shared/DOMAIN.md) says the claimant gets. The table is run by
SpiffWorkflow's own DMN engine with the fund's script functions.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from workflows.decision_tables import evaluate_decision

ELIGIBILITY_DMN = Path(__file__).resolve().parents[2] / "bpmn" / "eligibility.dmn"

# An adult victim of a crime under art. 106 with grave harm, filed a few weeks after recognition.
BASE_CLAIM: dict[str, Any] = {
    "article": "106",
    "article_part": 1,
    "harm": "grave_harm",
    "victim_birth_date": date(1990, 5, 17),
    "committed_on": date(2024, 2, 10),
    "claimant_role": "victim",
    "recognized_on": date(2024, 3, 1),
    "submitted_on": date(2024, 4, 2),
    "deadline_restored_by_court": False,
}


def decide(**changes: Any) -> tuple[str, int, str]:
    result = evaluate_decision(ELIGIBILITY_DMN, "eligibility", {**BASE_CLAIM, **changes})
    return result["category"], result["amount_mci"], result["eligibility_reason"]


def test_result_has_exactly_the_three_outputs() -> None:
    assert evaluate_decision(ELIGIBILITY_DMN, "eligibility", BASE_CLAIM) == {
        "category": "grave_harm",
        "amount_mci": 40,
        "eligibility_reason": "grave_harm_to_health",
    }


# --- the three-year deadline (rule 1) ----------------------------------------------------------


def test_claim_on_the_third_anniversary_of_recognition_is_in_time() -> None:
    assert decide(recognized_on=date(2021, 6, 15), submitted_on=date(2024, 6, 15)) == (
        "grave_harm",
        40,
        "grave_harm_to_health",
    )


def test_claim_the_day_after_the_third_anniversary_is_late() -> None:
    assert decide(recognized_on=date(2021, 6, 15), submitted_on=date(2024, 6, 16)) == (
        "ineligible",
        0,
        "deadline_missed",
    )


def test_late_claim_with_deadline_restored_by_court_is_in_time() -> None:
    assert decide(
        recognized_on=date(2019, 1, 10), submitted_on=date(2024, 6, 16), deadline_restored_by_court=True
    ) == ("grave_harm", 40, "grave_harm_to_health")


def test_recognised_on_29_february_deadline_is_28_february_three_years_later() -> None:
    recognized = date(2024, 2, 29)
    assert decide(recognized_on=recognized, submitted_on=date(2027, 2, 28)) == (
        "grave_harm",
        40,
        "grave_harm_to_health",
    )
    assert decide(recognized_on=recognized, submitted_on=date(2027, 3, 1)) == (
        "ineligible",
        0,
        "deadline_missed",
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"harm": "death", "claimant_role": "successor"},
        {"article": "146", "article_part": 3},
        {"article": "125"},
        {"article": "120", "victim_birth_date": date(2010, 1, 1)},
    ],
    ids=["death", "torture_part_3", "trafficking", "minor_sexual_violence"],
)
def test_late_claim_is_refused_whatever_the_crime(changes: dict[str, Any]) -> None:
    late = {"recognized_on": date(2020, 1, 1), "submitted_on": date(2023, 1, 2)}
    assert decide(**changes, **late) == ("ineligible", 0, "deadline_missed")


# --- death of the victim (rules 2-4) ---------------------------------------------------------


@pytest.mark.parametrize("article", ["106", "146", "125", "120"])
def test_successor_of_a_victim_who_died_gets_50_mci_for_any_article(article: str) -> None:
    assert decide(article=article, harm="death", claimant_role="successor") == ("death", 50, "victim_died")


@pytest.mark.parametrize("role", ["victim", "representative"])
def test_death_claimed_by_someone_other_than_the_successor_is_ineligible(role: str) -> None:
    assert decide(harm="death", claimant_role=role) == ("ineligible", 0, "death_requires_successor")


@pytest.mark.parametrize("harm", ["grave_harm", "hiv_infection", "none"])
def test_successor_claim_without_death_is_ineligible(harm: str) -> None:
    assert decide(harm=harm, claimant_role="successor") == ("ineligible", 0, "successor_requires_death")


# --- torture, art. 146 (rules 5-7) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("part", "expected"),
    [
        (1, ("torture", 30, "torture")),
        (2, ("torture", 30, "torture")),
        (3, ("torture", 40, "torture_aggravated")),
        (4, ("ineligible", 0, "article_part_not_covered")),
    ],
)
def test_torture_amount_depends_on_the_part_of_article_146(part: int, expected: tuple[str, int, str]) -> None:
    assert decide(article="146", article_part=part, harm="none") == expected


def test_torture_claimed_by_a_representative_is_compensated() -> None:
    assert decide(article="146", article_part=1, claimant_role="representative") == ("torture", 30, "torture")


# --- human trafficking (rule 8) ------------------------------------------------------------


@pytest.mark.parametrize("article", ["116", "125", "126", "128", "134", "135", "308"])
def test_trafficking_articles_give_30_mci_without_any_harm(article: str) -> None:
    assert decide(article=article, harm="none") == ("trafficking", 30, "human_trafficking")


# --- sexual violence (rules 9-12) ----------------------------------------------------------


@pytest.mark.parametrize("article", ["120", "121", "122", "123", "124"])
def test_sexual_violence_against_a_minor_gives_30_mci(article: str) -> None:
    assert decide(article=article, harm="none", victim_birth_date=date(2012, 8, 1)) == (
        "sexual_violence_minor",
        30,
        "sexual_violence_against_minor",
    )


def test_victim_one_day_before_18th_birthday_is_a_minor() -> None:
    # Born 15 June 2007; the crime on 14 June 2025: 17 years and 364 days old.
    assert decide(
        article="121", harm="none", victim_birth_date=date(2007, 6, 15), committed_on=date(2025, 6, 14)
    ) == ("sexual_violence_minor", 30, "sexual_violence_against_minor")


def test_victim_exactly_18_on_the_crime_date_is_an_adult() -> None:
    assert decide(
        article="121", harm="none", victim_birth_date=date(2007, 6, 15), committed_on=date(2025, 6, 15)
    ) == ("ineligible", 0, "crime_not_covered")


def test_adult_victim_of_sexual_violence_with_grave_harm_gets_40_mci() -> None:
    assert decide(article="120", harm="grave_harm") == ("grave_harm", 40, "grave_harm_to_health")


def test_adult_victim_of_sexual_violence_infected_with_hiv_gets_40_mci() -> None:
    assert decide(article="120", harm="hiv_infection") == ("grave_harm", 40, "hiv_infection")


def test_adult_victim_of_sexual_violence_without_grave_harm_is_not_covered() -> None:
    assert decide(article="120", harm="none") == ("ineligible", 0, "crime_not_covered")


def test_minor_victim_claimed_by_representative_is_compensated() -> None:
    assert decide(
        article="122", harm="none", victim_birth_date=date(2015, 3, 3), claimant_role="representative"
    ) == ("sexual_violence_minor", 30, "sexual_violence_against_minor")


# --- any other article (rules 13-15) ------------------------------------------------------


@pytest.mark.parametrize("article", ["106", "114", "118", "119", "999"])
def test_grave_harm_from_any_other_article_gives_40_mci(article: str) -> None:
    assert decide(article=article, harm="grave_harm") == ("grave_harm", 40, "grave_harm_to_health")


def test_hiv_infection_from_any_other_article_gives_40_mci() -> None:
    assert decide(article="118", harm="hiv_infection") == ("grave_harm", 40, "hiv_infection")


def test_other_article_without_harm_is_not_covered() -> None:
    assert decide(article="188", harm="none") == ("ineligible", 0, "crime_not_covered")


def test_minor_victim_of_another_crime_is_judged_by_harm_not_age() -> None:
    assert decide(article="106", harm="none", victim_birth_date=date(2012, 8, 1)) == (
        "ineligible",
        0,
        "crime_not_covered",
    )
    assert decide(article="106", harm="grave_harm", victim_birth_date=date(2012, 8, 1)) == (
        "grave_harm",
        40,
        "grave_harm_to_health",
    )
