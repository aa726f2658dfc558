"""Eligibility and amount (bpmn/eligibility.dmn): Art. 6 and 7 of Law 131-VI, claim by claim.

Each case (tests/article_6_helpers.py) is a claim an officer could receive, with what the law gives
(see /work/shared/DOMAIN.md): every article, part, paragraph and qualifier Art. 6 lists, with each
harm; the parts it leaves out; articles in none of its lists; the death of the victim; and the
boundaries (the three-year deadline, the 18th birthday). The table is run by SpiffWorkflow's own
DMN engine with the fund's script functions, and every one of its rules must be the one that
decides at least one case.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine

from tests.article_6_helpers import CASES, Case
from workflows.decision_tables import dmn_parser, evaluate_decision, stand_in_task

ELIGIBILITY_DMN = Path(__file__).resolve().parents[2] / "bpmn" / "eligibility.dmn"


def decide(case: Case, **changes: Any) -> tuple[str, int, str]:
    result = evaluate_decision(ELIGIBILITY_DMN, "eligibility", {**case.facts(), **changes})
    return result["category"], result["amount_mci"], result["eligibility_reason"]


def deciding_rows(case: Case) -> list[int]:
    parser = dmn_parser()
    parser.add_dmn_file(str(ELIGIBILITY_DMN))
    engine: DMNEngine = parser.get_engine("eligibility", None)
    table = engine.decision_table
    task = stand_in_task(case.facts(), str(ELIGIBILITY_DMN))
    # Every rule that matches, not only the first: SpiffWorkflow's own check of one rule.
    return [rule.row_number for rule in table.rules if engine._DMNEngine__check_rule(rule, task)]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_each_claim_gets_what_article_6_gives(case: Case) -> None:
    assert decide(case) == case.expected


def test_every_rule_of_the_table_decides_some_claim_and_each_claim_exactly_one_rule() -> None:
    parser = dmn_parser()
    parser.add_dmn_file(str(ELIGIBILITY_DMN))
    rows = {rule.row_number for rule in parser.get_engine("eligibility", None).decision_table.rules}
    decided_by = {case.id: deciding_rows(case) for case in CASES}

    assert {case_id: found for case_id, found in decided_by.items() if len(found) != 1} == {}
    assert rows - {found[0] for found in decided_by.values()} == set()


def test_result_has_exactly_the_three_outputs() -> None:
    (case,) = [case for case in CASES if case.id == "art_146_part_2"]
    assert evaluate_decision(ELIGIBILITY_DMN, "eligibility", case.facts()) == {
        "category": "torture",
        "amount_mci": 30,
        "eligibility_reason": "torture",
    }


def test_recognised_on_29_february_deadline_is_28_february_three_years_later() -> None:
    (case,) = [case for case in CASES if case.id == "art_146_part_2"]
    recognized = {"recognized_on": date(2024, 2, 29), "committed_on": date(2024, 2, 1)}
    assert decide(case, **recognized, submitted_on=date(2027, 2, 28)) == ("torture", 30, "torture")
    assert decide(case, **recognized, submitted_on=date(2027, 3, 1)) == ("ineligible", 0, "deadline_missed")


@pytest.mark.parametrize("case", [c for c in CASES if c.harm != "death"][:40:7], ids=lambda case: case.id)
def test_a_late_claim_is_refused_whatever_the_crime(case: Case) -> None:
    late = {
        "recognized_on": date(2020, 1, 1),
        "submitted_on": date(2023, 1, 2),
        "committed_on": date(2019, 1, 1),
    }
    assert decide(case, **late) == ("ineligible", 0, "deadline_missed")
